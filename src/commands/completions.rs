//! `sigsmith completions` and `sigsmith man`: shell completion scripts and the man page,
//! generated from the clap definition so they never drift from the real interface.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Globals};

/// Arguments of `sigsmith completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    sigsmith completions bash > ~/.local/share/bash-completion/completions/sigsmith\n  \
    sigsmith completions zsh > \"${fpath[1]}/_sigsmith\"\n  \
    sigsmith completions fish > ~/.config/fish/completions/sigsmith.fish")]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `sigsmith man`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  sigsmith man > sigsmith.1 && man ./sigsmith.1")]
pub struct ManArgs {}

/// Writes the completion script for the chosen shell to stdout.
pub fn run_completions(args: CompletionsArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "sigsmith", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the roff man page to stdout.
pub fn run_man(_args: ManArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
