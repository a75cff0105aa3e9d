//! `sigsmith coverage`: which ATT&CK detection strategies and techniques a rule repository
//! covers, in every loaded domain, judged by context (API001).
//!
//! The rules are found and linted exactly as `sigsmith lint` finds them (configuration,
//! excludes); the verdicts are the lint engine's. See [`crate::coverage`].

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};

use crate::cli::Globals;
use crate::commands::attack::{AttackArgs, bundles_of};
use crate::config::{Config, find_config};
use crate::coverage::{self, Coverage, diff, navigator, report};
use crate::discover::{self, Excludes, normalize};
use crate::lint::engine::{LintOptions, lint_sources};
use crate::scaffold::Draft;

const EXAMPLES: &str = "\
Examples:
  sigsmith coverage rules/ --attack enterprise-attack.json --attack ics-attack.json
  sigsmith coverage --attack enterprise-attack.json --format json > coverage.json
  sigsmith coverage --attack enterprise-attack.json --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  sigsmith coverage --attack enterprise-attack.json --format navigator --out layers
                                        # layers/enterprise-attack-layer.json, one per domain
  sigsmith coverage --attack enterprise-attack.json --diff origin/main --format markdown
                                        # what this branch adds or removes
  sigsmith new --uncovered --attack enterprise-attack.json --out drafts
                                        # drafts for the strategies no rule covers

A rule covers a strategy when it tags (attack.tNNNN) a technique the strategy detects; the match
names the strategy's analytics whose log sources map to the rule's logsource. Each rule carries
context (API001 judged it and did not flag it), is presence-only (API001 flags it) or is not
judged (its log source is not an API-audit log source). Deprecated and unsupported rules do not
count. Exit 0; 1 with --fail-on-regression when a strategy got worse; 2 on a usage,
configuration, I/O or git error.";

/// Output format of `coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A summary table per domain and the strategies that need attention.
    #[default]
    Text,
    /// Versioned JSON with every strategy, technique and rule.
    Json,
    /// A Markdown report for a pull request.
    Markdown,
    /// ATT&CK Navigator layers (format 4.5), one per domain, written with --out DIR.
    Navigator,
}

/// Arguments of `sigsmith coverage`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct CoverageArgs {
    /// Rule files or folders (folders are searched for .yml/.yaml files, honouring .gitignore
    /// and the configuration's `exclude`). Default: `.`.
    #[arg(value_name = "RULES")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Folder for the Navigator layers (`<domain>-layer.json`); required with
    /// `--format navigator`. Nothing is written outside it.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite existing layers in --out.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Compare with the rules at git revision REV (a branch, tag or commit): what the change
    /// adds or removes. Formats text, json and markdown.
    #[arg(long, value_name = "REV")]
    pub diff: Option<String>,
    /// With --diff: exit 1 when a strategy's state got worse (it lost its last rule or its last
    /// context-carrying rule).
    #[arg(long, requires = "diff")]
    pub fail_on_regression: bool,
    /// Configuration file to use instead of the sigsmith.toml found from the first RULES path.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long)]
    pub no_config: bool,
    /// ATT&CK bundles (required, here or as `attack = [...]` in sigsmith.toml).
    #[command(flatten)]
    pub attack: AttackArgs,
}

fn load_config(
    config: Option<&Path>,
    no_config: bool,
    paths: &[PathBuf],
    cwd: &Path,
) -> anyhow::Result<Config> {
    if no_config {
        return Ok(Config::empty(cwd));
    }
    if let Some(p) = config {
        return Ok(Config::load(p, cwd)?);
    }
    let start = paths
        .first()
        .map_or_else(|| cwd.to_path_buf(), |p| normalize(&cwd.join(p)));
    match find_config(&start) {
        Some(found) => Ok(Config::load(&found, cwd)?),
        None => Ok(Config::empty(cwd)),
    }
}

/// The rules under `paths` (relative to `cwd`) with the lint engine's verdicts, read with
/// `config`'s excludes and profiles.
pub fn rules_in(
    cwd: &Path,
    paths: &[PathBuf],
    config: &Config,
) -> anyhow::Result<Vec<coverage::Rule>> {
    let mut excludes = Excludes::new();
    excludes.add(&config.root, &config.exclude_globs())?;
    let discovery = discover::discover_in(cwd, paths, &excludes, &mut std::io::empty())?;
    let opts = LintOptions {
        profiles: config.vocabulary(),
        attack: None,
    };
    let lint = lint_sources(&discovery.sources, &opts);
    Ok(coverage::Rule::from_lint(&discovery.sources, &lint))
}

/// What [`compute`] read and computed.
#[derive(Debug)]
pub struct Computed {
    /// The coverage.
    pub coverage: Coverage,
    /// The ATT&CK data.
    pub data: crate::attack::AttackData,
    /// The log source mapping table.
    pub table: crate::attack::logsources::LogsourceTable,
    /// The configuration used.
    pub config: Config,
    /// The rule paths (`.` when none were given).
    pub paths: Vec<PathBuf>,
    /// The current folder.
    pub cwd: PathBuf,
}

/// Everything `coverage` and `new --uncovered` compute: the coverage of the rules under `paths`.
pub fn compute(
    attack: &AttackArgs,
    paths: &[PathBuf],
    config: Option<&Path>,
    no_config: bool,
    quiet: bool,
) -> anyhow::Result<Computed> {
    let cwd = std::env::current_dir().context("cannot determine the current folder")?;
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    if paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("coverage reads rule files and folders, not standard input");
    }
    let config = load_config(config, no_config, &paths, &cwd)?;
    let Some(data) = attack.load(&bundles_of(&config))? else {
        bail!(
            "coverage needs ATT&CK data: give --attack FILE (enterprise-attack.json, \
             mobile-attack.json, ics-attack.json) or `attack = [...]` in sigsmith.toml"
        );
    };
    attack.report(&data, quiet)?;
    let table = attack.table()?;
    let rules = rules_in(&cwd, &paths, &config)?;
    Ok(Computed {
        coverage: coverage::compute(&data, &table, rules),
        data,
        table,
        config,
        paths,
        cwd,
    })
}

/// Runs `git` in `dir`, returning stdout; an error names the command and git's message.
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// The rules under `paths` as they are at git revision `rev`: the tree at `rev` is exported
/// with `git archive` into a temporary folder (removed afterwards) and read there with the same
/// relative paths, so the rules' paths compare with the working tree's.
fn rules_at(
    rev: &str,
    cwd: &Path,
    paths: &[PathBuf],
    config: &Config,
) -> anyhow::Result<Vec<coverage::Rule>> {
    if rev.starts_with('-') {
        bail!("--diff {rev:?}: not a revision");
    }
    let top = git(cwd, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let here = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let prefix = here
        .strip_prefix(&top)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let commit = git(
        cwd,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .with_context(|| format!("--diff {rev:?}: no such revision"))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_owned();
    let tmp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let tar = git(&top, &["archive", "--format=tar", &commit])?;
    let mut child = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(tmp.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .context("cannot run tar to unpack the tree of --diff REV")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&tar)
            .context("cannot unpack the tree of --diff REV")?;
    }
    let status = child.wait().context("tar")?;
    if !status.success() {
        bail!("tar could not unpack the tree of {rev}");
    }
    let old_cwd = tmp.path().join(&prefix);
    let existing: Vec<PathBuf> = paths
        .iter()
        .filter(|p| old_cwd.join(p).exists())
        .cloned()
        .collect();
    if existing.is_empty() {
        return Ok(Vec::new());
    }
    // The configuration of the working tree applies to both sides (its excludes are relative to
    // its folder; re-root them in the old tree).
    let rel_root = std::fs::canonicalize(&config.root)
        .ok()
        .and_then(|r| r.strip_prefix(&top).ok().map(Path::to_path_buf));
    let old_config = Config {
        path: config.path.clone(),
        root: rel_root.map_or_else(|| old_cwd.clone(), |r| tmp.path().join(r)),
        file: crate::config::ConfigFile {
            exclude: config.file.exclude.clone(),
            profiles: config.file.profiles.clone(),
            ..crate::config::ConfigFile::default()
        },
    };
    rules_in(&old_cwd, &existing, &old_config)
}

/// Runs `sigsmith coverage`.
pub fn run(args: CoverageArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    if args.format == Format::Navigator && args.out.is_none() {
        bail!("--format navigator writes one layer per domain: give --out DIR");
    }
    if args.format == Format::Navigator && args.diff.is_some() {
        bail!("--diff reports changes as text, json or markdown, not as layers");
    }
    let computed = compute(
        &args.attack,
        &args.paths,
        args.config.as_deref(),
        args.no_config,
        globals.quiet,
    )?;
    let cov = &computed.coverage;
    let mut stdout = anstream::stdout();
    if let Some(rev) = &args.diff {
        let old_rules = rules_at(rev, &computed.cwd, &computed.paths, &computed.config)?;
        let before = coverage::compute(&computed.data, &computed.table, old_rules);
        let d = diff::diff(rev, &before, cov);
        let text = match args.format {
            Format::Json => {
                let mut t = serde_json::to_string_pretty(&serde_json::json!({
                    "version": report::JSON_VERSION,
                    "diff": d,
                }))?;
                t.push('\n');
                t
            }
            Format::Markdown => d.markdown(),
            _ => d.text(),
        };
        write_stdout(&mut stdout, text.as_bytes())?;
        if args.fail_on_regression && d.regressions() > 0 {
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        Format::Text => write_stdout(&mut stdout, report::text(cov).as_bytes())?,
        Format::Markdown => write_stdout(&mut stdout, report::markdown(cov).as_bytes())?,
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&report::json(cov))?;
            t.push('\n');
            write_stdout(&mut stdout, t.as_bytes())?;
        }
        Format::Navigator => {
            let Some(out) = &args.out else {
                bail!("--format navigator needs --out DIR");
            };
            let mut files = Vec::new();
            for (name, layer) in navigator::layers(cov) {
                let mut text = serde_json::to_string_pretty(&layer)?;
                text.push('\n');
                files.push(Draft {
                    strategy: String::new(),
                    target: String::new(),
                    family: String::new(),
                    template: String::new(),
                    rel_path: PathBuf::from(name),
                    text,
                });
            }
            let written = crate::scaffold::write::write_drafts(out, &files, args.force)?;
            if !globals.quiet {
                for p in written {
                    writeln!(stdout, "wrote {}", p.display())?;
                }
            }
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_stdout(out: &mut impl std::io::Write, bytes: &[u8]) -> anyhow::Result<()> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write the report"),
    }
}
