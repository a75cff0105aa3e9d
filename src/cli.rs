//! Command-line interface: the clap derive definitions and the dispatch to each subcommand.
//!
//! Each subcommand's arguments live beside its implementation in [`crate::commands`]; this file
//! only lists the subcommands, the global options and the exit-code contract.
//!
//! Exit codes (documented in the README and `--help`):
//! - `0`: success; for `lint`, no error-level finding (no finding at all with `--strict`);
//! - `1`: `lint` found error-level findings (or any finding with `--strict`);
//! - `2`: usage, configuration or I/O error (unknown strategy, unreadable config, ...).

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;

/// Scaffold and lint Sigma rules for API-driven attacker behaviour.
///
/// sigsmith renders Sigma rule drafts that separate the API selection from context and baseline
/// filters, and lints rule repositories for rules that alert on API presence alone.
#[derive(Debug, Parser)]
#[command(
    name = "sigsmith",
    version,
    about,
    long_about,
    propagate_version = true
)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print nothing but findings and errors (no progress bar, no summary line).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice for terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List detection strategies and their targets.
    Strategies(commands::strategies::StrategiesArgs),
    /// Print one detection strategy: telemetry, targets, context, baselines and prompts.
    Show(commands::show::ShowArgs),
    /// Render Sigma rule drafts for detection strategies.
    New(commands::new::NewArgs),
    /// Lint Sigma rule files and repositories.
    Lint(commands::lint::LintArgs),
    /// ATT&CK coverage of a rule repository per domain, strategy and technique, judged by
    /// context (API001); text, JSON, Markdown or Navigator layers.
    Coverage(commands::coverage::CoverageArgs),
    /// List every lint check with its code, name, default severity and summary.
    Rules(commands::rules::RulesArgs),
    /// Print the documentation of one lint check.
    Explain(commands::rules::ExplainArgs),
    /// Start a Sigma rule repository wired for sigsmith (config, pre-commit, CI, README).
    Init(commands::init::InitArgs),
    /// Write a shell completion script to stdout.
    Completions(commands::completions::CompletionsArgs),
    /// Write the man page (roff) to stdout.
    Man(commands::completions::ManArgs),
}

/// Global settings every subcommand receives.
#[derive(Debug, Clone, Copy)]
pub struct Globals {
    /// Colour choice.
    pub color: ColorChoice,
    /// Quiet mode.
    pub quiet: bool,
}

/// Runs the parsed command line and maps its outcome to the documented exit code.
pub fn run(cli: Cli) -> ExitCode {
    let globals = Globals {
        color: cli.color,
        quiet: cli.quiet,
    };
    let result = match cli.command {
        Command::Strategies(args) => commands::strategies::run(args, globals),
        Command::Show(args) => commands::show::run(args, globals),
        Command::New(args) => commands::new::run(args, globals),
        Command::Lint(args) => commands::lint::run(args, globals),
        Command::Coverage(args) => commands::coverage::run(args, globals),
        Command::Rules(args) => commands::rules::run_rules(args, globals),
        Command::Explain(args) => commands::rules::run_explain(args, globals),
        Command::Init(args) => commands::init::run(args, globals),
        Command::Completions(args) => commands::completions::run_completions(args, globals),
        Command::Man(args) => commands::completions::run_man(args, globals),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            let mut stderr = anstream::stderr();
            let _ = std::io::Write::write_fmt(&mut stderr, format_args!("error: {err:#}\n"));
            ExitCode::from(2)
        }
    }
}
