//! `sigsmith completions` and `sigsmith man`: shell completion scripts and the man pages (one
//! per subcommand), generated from the clap definition so they never drift from the real interface.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use clap::CommandFactory;

use crate::cli::{Cli, Globals};
use crate::scaffold::write::write_atomic;

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
#[command(after_help = "Examples:\n  \
    sigsmith man > sigsmith.1 && man ./sigsmith.1\n  \
    sigsmith man lint | man -l -\n  \
    sigsmith man --out ~/.local/share/man/man1   # sigsmith.1, sigsmith-lint.1, ...")]
pub struct ManArgs {
    /// The subcommand whose page to print (`lint` prints sigsmith-lint(1)); default: the
    /// top-level page, sigsmith(1).
    #[arg(value_name = "COMMAND", conflicts_with = "out")]
    pub command: Option<String>,
    /// Write every page (sigsmith.1 and one sigsmith-COMMAND.1 per subcommand) into DIR
    /// (created when missing) instead of printing one.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite existing pages in DIR.
    #[arg(long, requires = "out")]
    pub force: bool,
}

/// The command tree as the man pages see it: built (so subcommands carry their full
/// `sigsmith-lint` names) and without the `help` pseudo-subcommand, which has no page.
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every page: the top-level one first, then one per visible subcommand, as
/// `(file name, roff)`. Nested subcommands get their own pages too.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(cmd.clone())
            .source(format!("sigsmith {}", env!("CARGO_PKG_VERSION")));
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        out.push((man.get_filename(), buf));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out)?;
        }
        Ok(())
    }
    let mut pages = Vec::new();
    walk(&man_command(), &mut pages)?;
    Ok(pages)
}

/// Writes the completion script for the chosen shell to stdout.
pub fn run_completions(args: CompletionsArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    // Rendered into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "sigsmith", &mut buf);
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes one man page to stdout, or every page into `--out DIR`.
pub fn run_man(args: ManArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let pages = man_pages()?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut stdout = anstream::stdout();
        for (name, roff) in &pages {
            let path = dir.join(name);
            write_atomic(&path, roff, args.force)?;
            if !globals.quiet {
                writeln!(stdout, "wrote {}", path.display())?;
            }
        }
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let wanted = match &args.command {
        None => "sigsmith.1".to_owned(),
        Some(c) => format!("sigsmith-{c}.1"),
    };
    let Some((_, roff)) = pages.iter().find(|(n, _)| *n == wanted) else {
        let known: Vec<&str> = pages
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("sigsmith-")?.strip_suffix(".1"))
            .collect();
        anyhow::bail!(
            "no man page for `{}` (commands: {})",
            args.command.unwrap_or_default(),
            known.join(", ")
        );
    };
    let mut out = std::io::stdout().lock();
    out.write_all(roff)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
