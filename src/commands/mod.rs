//! One module per subcommand; each returns the process exit code.

pub mod apply;
pub mod audit;
pub mod docs;
pub mod init;
pub mod krm;
pub mod kustomize;
pub mod rules;
pub mod simulate;

/// Exit codes, as documented in `spillway --help`.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;
