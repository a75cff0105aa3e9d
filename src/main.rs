//! The `sigsmith` command-line entry point: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = sigsmith::cli::Cli::parse();
    sigsmith::cli::run(cli)
}
