//! Subcommand implementations. Each module owns its clap `Args` struct and a `run` function
//! returning the process exit code, or an error that [`crate::cli::run`] reports with exit 2.

pub mod attack;
pub mod baseline;
pub mod completions;
pub mod coverage;
pub mod describe;
pub mod eval;
pub mod harden;
pub mod init;
pub mod lint;
pub mod lsp;
pub mod new;
pub mod rules;
pub mod show;
pub mod strategies;
pub mod test;
