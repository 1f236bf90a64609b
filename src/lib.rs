//! spillway: offline audit of the ECS-to-ECI overflow block of Alibaba Cloud ASM gateways.
//!
//! Data flows one way: [`read`] (sources, documents with byte spans) → [`locate`] (which objects
//! are gateways, where their pod scheduling fields live) → [`check`] (facts, then [`rules`] produce
//! findings) → [`render`] (human, JSON). [`k8s`] holds the Kubernetes semantics, pure and I/O free.
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod k8s;
pub mod locate;
pub mod plan;
pub mod pools;
pub mod read;
pub mod render;
pub mod rules;
pub mod schedinput;
pub mod setup;
pub mod write;
