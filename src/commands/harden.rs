//! `sigsmith harden RULE...`: rewrite rules that API001 flags (they can fire on API presence
//! alone) into drafts with context, baselines and validation prompts, keeping their API
//! selection, `id` and `related` (the logic is [`crate::scaffold::harden`]). Files are written
//! atomically and only when something changed; `--diff` only shows the change.
//!
//! Exit codes: 0 when every flagged rule was hardened (or none was flagged), 1 when one could
//! not be, 2 for usage and I/O errors.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::Globals;
use crate::config::{Config, find_config};
use crate::discover::{self, Excludes, normalize};
use crate::lint::engine::{LintOptions, SourceFile, lint_sources};
use crate::output::sanitize;
use crate::scaffold::harden::{Basis, harden_text};
use crate::scaffold::{Options, Renderer};
use crate::strategy::Catalog;

/// Output formats of `sigsmith harden`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HardenFormat {
    /// One line per rule on standard error (diffs, with `--diff`, on standard output).
    #[default]
    Text,
    /// A JSON array on standard output: one object per rule API001 flags.
    Json,
}

/// Arguments of `sigsmith harden`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  sigsmith harden --diff rules/aws/s3_bucket_deleted.yml   show the hardened rule as a diff
  sigsmith harden rules/aws/                               harden every presence-only rule there
  sigsmith harden --format json rules/ > hardened.json

Only rules API001 flags are changed. Each keeps its API selection, id, related, tags and
comments, gets the context constraint, the combined baseline filter (who AND from where) and
the sigsmith block (context fields, baselines, validation prompts) of the detection strategy
its ATT&CK tags map to, or of the generic target of its log source, and status experimental.
Fill the placeholders, answer the prompts (`sigsmith lint` reports API004/API005 until then).

Exit codes: 0 every flagged rule hardened, 1 a rule could not be, 2 usage or I/O error.")]
pub struct HardenArgs {
    /// Rule files or folders (folders are searched for .yml/.yaml files, honouring
    /// .gitignore); `-` reads standard input (with --diff or --format json only).
    #[arg(value_name = "RULE", required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the changes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Output format of the report.
    #[arg(long, short = 'f', value_enum, default_value_t = HardenFormat::Text)]
    pub format: HardenFormat,
    /// Configuration file (for its vocabulary profiles) instead of the sigsmith.toml found
    /// from the first RULE.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long)]
    pub no_config: bool,
}

/// One rule API001 flags, and what harden did with it.
#[derive(Debug, Serialize)]
struct Row {
    path: String,
    line: u32,
    title: Option<String>,
    /// `hardened` or `error`.
    status: &'static str,
    /// `DET0078/aws-cloudtrail`, or `generic:<profile>`.
    basis: Option<String>,
    message: Option<String>,
}

fn load_config(args: &HardenArgs, cwd: &Path) -> anyhow::Result<Config> {
    if args.no_config {
        return Ok(Config::empty(cwd));
    }
    if let Some(p) = &args.config {
        return Ok(Config::load(p, cwd)?);
    }
    let start = match args.paths.first() {
        Some(p) if p.as_os_str() != "-" => normalize(&cwd.join(p)),
        _ => cwd.to_path_buf(),
    };
    match find_config(&start) {
        Some(found) => Ok(Config::load_discovered(&found, cwd)?),
        None => Ok(Config::empty(cwd)),
    }
}

/// Hardens the flagged rules of one file: the new text, or `None` when nothing changed.
fn harden_file(
    source: &SourceFile,
    flagged: &HashSet<(PathBuf, usize)>,
    opts: &LintOptions,
    catalog: &Catalog,
    renderer: &Renderer,
    rows: &mut Vec<Row>,
) -> Option<String> {
    let indexes: Vec<usize> = flagged
        .iter()
        .filter(|(p, _)| *p == source.path)
        .map(|(_, i)| *i)
        .collect();
    if indexes.is_empty() {
        return None;
    }
    let (new, outcomes) = harden_text(
        &source.path,
        &source.text,
        &indexes,
        opts,
        catalog,
        renderer,
        &Options::default(),
    );
    let path = source.path.display().to_string();
    for o in outcomes {
        let (status, basis, message) = match o.result {
            Ok(Basis::Strategy { strategy, target }) => {
                ("hardened", Some(format!("{strategy}/{target}")), None)
            }
            Ok(Basis::Generic { profile }) => {
                ("hardened", Some(format!("generic:{profile}")), None)
            }
            Err(m) => ("error", None, Some(m)),
        };
        rows.push(Row {
            path: path.clone(),
            line: o.line,
            title: o.title,
            status,
            basis,
            message,
        });
    }
    new
}

/// Runs `sigsmith harden`.
pub fn run(args: HardenArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot determine the current folder")?;
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && !args.diff && args.format == HardenFormat::Text {
        anyhow::bail!(
            "harden cannot write standard input back; use `--diff` to see the hardened rule"
        );
    }
    let config = load_config(&args, &cwd)?;
    let mut excludes = Excludes::new();
    excludes.add(&config.root, &config.exclude_globs())?;
    let discovery = discover::discover_in(&cwd, &args.paths, &excludes, &mut io::stdin().lock())?;
    let opts = LintOptions {
        profiles: config.vocabulary(),
        attack: None,
    };
    let catalog = Catalog::builtin().context("the built-in strategy catalog does not load")?;
    let renderer = Renderer::new(None)?;
    let linted = lint_sources(&discovery.sources, &opts);
    let flagged: HashSet<(PathBuf, usize)> = linted
        .findings
        .iter()
        .filter(|f| f.code == "API001")
        .filter_map(|f| f.doc_index.map(|i| (f.path.clone(), i)))
        .collect();

    let mut rows = Vec::new();
    let mut out = io::stdout().lock();
    let mut changed = 0;
    for problem in &discovery.problems {
        rows.push(Row {
            path: problem.path.display().to_string(),
            line: problem.pos.line,
            title: None,
            status: "error",
            basis: None,
            message: Some(problem.message.clone()),
        });
    }
    for source in &discovery.sources {
        let Some(new) = harden_file(source, &flagged, &opts, &catalog, &renderer, &mut rows) else {
            continue;
        };
        changed += 1;
        if args.diff {
            let diff =
                crate::edit::unified_diff(&source.path.display().to_string(), &source.text, &new);
            if args.format == HardenFormat::Text {
                out.write_all(sanitize::text(&diff).as_bytes())?;
            }
        } else if source.path.as_os_str() != "-" {
            crate::edit::write_back(&cwd.join(&source.path), &new)
                .with_context(|| format!("cannot write {}", source.path.display()))?;
        }
    }
    let failed = rows.iter().any(|r| r.status == "error");
    match args.format {
        HardenFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        HardenFormat::Text => {
            let mut err = io::stderr().lock();
            for r in &rows {
                let title = r.title.as_deref().unwrap_or("(untitled)");
                let line = match (r.status, &r.basis, &r.message) {
                    ("hardened", Some(b), _) => format!(
                        "{} {}:{} {title} ({})",
                        if args.diff {
                            "would harden"
                        } else {
                            "hardened"
                        },
                        r.path,
                        r.line,
                        b.strip_prefix("generic:").map_or_else(
                            || format!("strategy {b}"),
                            |p| format!("generic prompts for {p}")
                        )
                    ),
                    (_, _, m) => format!(
                        "error: {}:{}: {title}: {}",
                        r.path,
                        r.line,
                        m.as_deref().unwrap_or("cannot harden")
                    ),
                };
                let _ = writeln!(err, "{}", sanitize::line(&line));
            }
            if !globals.quiet {
                let hardened = rows.iter().filter(|r| r.status == "hardened").count();
                let _ = writeln!(
                    err,
                    "{} {hardened} rule{} in {changed} file{}; {} presence-only rule{} could not be hardened",
                    if args.diff {
                        "would harden"
                    } else {
                        "hardened"
                    },
                    if hardened == 1 { "" } else { "s" },
                    if changed == 1 { "" } else { "s" },
                    rows.len() - hardened,
                    if rows.len() - hardened == 1 { "" } else { "s" },
                );
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
