//! `sigsmith lint`.

use std::process::ExitCode;

use crate::cli::Globals;

/// Arguments of `sigsmith lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {}

/// Runs `sigsmith lint`.
pub fn run(_args: LintArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sigsmith lint` is not implemented yet")
}
