//! `sigsmith show`.

use std::process::ExitCode;

use crate::cli::Globals;

/// Arguments of `sigsmith show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {}

/// Runs `sigsmith show`.
pub fn run(_args: ShowArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sigsmith show` is not implemented yet")
}
