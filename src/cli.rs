//! Command-line interface: the clap derive definitions and the dispatch to each subcommand.
//!
//! Each subcommand's arguments live beside its implementation in [`crate::commands`]; this file
//! only lists the subcommands, the global options and the exit-code contract.
//!
//! Exit codes (documented in the README and `--help`):
//! - `0`: success; for `lint`, no error-level finding (no finding at all with `--strict`);
//! - `1`: `lint` found findings at or above `--fail-on` (default: error-level findings);
//! - `2`: usage, configuration or I/O error (unknown strategy, unreadable config, ...).
//!
//! A closed standard output (`sigsmith new --all | head`) ends the command quietly: exit 0,
//! except that `lint` still exits 1 when its findings fail the run.

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
    /// Rewrite presence-only rules (API001) into drafts with context, baselines and prompts.
    Harden(commands::harden::HardenArgs),
    /// Run the language server (diagnostics, hover, completion, code actions) for editors.
    Lsp(commands::lsp::LspArgs),
    /// Evaluate Sigma rules, filters and correlation rules on events.
    Eval(commands::eval::EvalArgs),
    /// Propose and fill a draft's baselines from a history of events, with telemetry coverage and alert volume.
    Baseline(commands::baseline::BaselineArgs),
    /// Run the exemplars (sample events expected to match or not) kept with each rule.
    Test(commands::test::TestArgs),
    /// Report ATT&CK coverage of rules, judged by context (API001).
    Coverage(commands::coverage::CoverageArgs),
    /// List every lint check with its code, name, default severity and summary.
    Rules(commands::rules::RulesArgs),
    /// Print the documentation of one lint check.
    Explain(commands::rules::ExplainArgs),
    /// Start a Sigma rule repository wired for sigsmith (config, pre-commit, CI, README).
    Init(commands::init::InitArgs),
    /// Write a shell completion script to stdout.
    Completions(commands::completions::CompletionsArgs),
    /// Write the man pages (roff): one page to stdout, or every page into a folder.
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
        Command::Harden(args) => commands::harden::run(args, globals),
        Command::Lsp(args) => commands::lsp::run(args, globals),
        Command::Eval(args) => commands::eval::run_eval(args, globals),
        Command::Baseline(args) => commands::baseline::run(args, globals),
        Command::Test(args) => commands::test::run_test(args, globals),
        Command::Coverage(args) => commands::coverage::run(args, globals),
        Command::Rules(args) => commands::rules::run_rules(args, globals),
        Command::Explain(args) => commands::rules::run_explain(args, globals),
        Command::Init(args) => commands::init::run(args, globals),
        Command::Completions(args) => commands::completions::run_completions(args, globals),
        Command::Man(args) => commands::completions::run_man(args, globals),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`sigsmith explain X | head`): stop quietly, as `cat` does.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = anstream::stderr();
            // Error messages quote file names and file contents: escape control characters.
            let message = crate::output::sanitize::text(&format!("{err:#}")).into_owned();
            let _ = std::io::Write::write_fmt(&mut stderr, format_args!("error: {message}\n"));
            ExitCode::from(2)
        }
    }
}

/// Whether `err` was caused by writing to a closed pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
