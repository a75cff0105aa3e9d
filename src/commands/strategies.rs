//! `sigsmith strategies`.

use std::process::ExitCode;

use crate::cli::Globals;

/// Arguments of `sigsmith strategies`.
#[derive(Debug, clap::Args)]
pub struct StrategiesArgs {}

/// Runs `sigsmith strategies`.
pub fn run(_args: StrategiesArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sigsmith strategies` is not implemented yet")
}
