//! **plan**: the edits that make a gateway's overflow block right (`apply`), computed from the
//! same views and facts as `audit`, as byte-range edits over the original text.

pub mod edit;
pub mod ops;
pub mod yaml_out;
