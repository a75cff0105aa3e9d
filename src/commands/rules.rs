//! `sigsmith rules` and `sigsmith explain`.

use std::process::ExitCode;

use crate::cli::Globals;

/// Arguments of `sigsmith rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {}

/// Arguments of `sigsmith explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A check's code (`API001`) or name (`api-presence-only`).
    pub rule: String,
}

/// Runs `sigsmith rules`.
pub fn run_rules(_args: RulesArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sigsmith rules` is not implemented yet")
}

/// Runs `sigsmith explain`.
pub fn run_explain(_args: ExplainArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sigsmith explain` is not implemented yet")
}
