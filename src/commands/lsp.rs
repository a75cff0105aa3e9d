//! `sigsmith lsp`: the language server on standard input and output (see [`crate::lsp`]).

use std::process::ExitCode;

use crate::cli::Globals;

/// Arguments of `sigsmith lsp`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The server speaks the Language Server Protocol (JSON-RPC) on standard input and output, so an
editor starts it; it is not meant to be run by hand. It reports every lint check as
diagnostics while you type (with sigsmith.toml and suppression comments applied as by `lint`),
checks duplicate ids and correlation references across the workspace folders, shows check
docs, modifiers and field classes on hover, completes modifiers, log source values and field
names, and offers code actions that apply a check's fix or suppress a finding.

Editor setup (VS Code, Neovim, Helix): see the README, section Editor integration.")]
pub struct LspArgs {
    /// Talk over standard input and output (the only transport; accepted because editors pass
    /// it).
    #[arg(long)]
    pub stdio: bool,
    /// ATT&CK bundles: SIG010 then also checks that technique and tactic tags exist, as with
    /// `lint --attack`.
    #[command(flatten)]
    pub attack: crate::commands::attack::AttackArgs,
}

/// Runs `sigsmith lsp` until the editor ends the session.
pub fn run(args: LspArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    let _ = args.stdio;
    // The protocol: exit code 0 after `shutdown` then `exit`, 1 when the client exits (or
    // goes away) without asking to shut down.
    Ok(if crate::lsp::run_stdio(args.attack)? {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
