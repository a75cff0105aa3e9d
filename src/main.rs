//! The `sigsmith` command-line entry point: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the linter allocates many small YAML nodes on several threads; measured faster
/// than the system allocator on the SigmaHQ corpus (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    sigsmith::scaffold::write::survive_file_size_limit();
    let cli = sigsmith::cli::Cli::parse();
    sigsmith::cli::run(cli)
}
