//! `sigsmith new`.

use std::process::ExitCode;

use crate::cli::Globals;

/// Arguments of `sigsmith new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {}

/// Runs `sigsmith new`.
pub fn run(_args: NewArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sigsmith new` is not implemented yet")
}
