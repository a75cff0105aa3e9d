//! The `sigsmith` command-line entry point: parse arguments, run, map the outcome to an exit code.
//!
//! The global allocator is the system's: measured against mimalloc (v3, its default) on the
//! SigmaHQ corpus, mimalloc used 2.5x the peak memory (70 MiB against 28 MiB: it keeps freed
//! pages for a second before returning them, longer than a lint run) for a 15% lower instruction
//! count; see bench/PROFILE.md.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    sigsmith::scaffold::write::survive_file_size_limit();
    let cli = sigsmith::cli::Cli::parse();
    sigsmith::cli::run(cli)
}
