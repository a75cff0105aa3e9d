//! `sigsmith lint`: find the files, load the configuration, run the checks, apply selection,
//! per-path ignores and suppression comments, and print the findings in the chosen format.
//!
//! Exit codes: 0 when no error-level finding remains (no finding at all with `--strict`), 1
//! otherwise, 2 for usage, configuration and I/O errors (raised as `Err` and reported by
//! [`crate::cli::run`]). An unreadable or broken file is a finding, never an abort.

use std::collections::{HashMap, HashSet};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{ColorChoice, Globals};
use crate::config::{Config, RuleSelection, find_config};
use crate::diagnostic::{Finding, Severity, sort_findings};
use crate::discover::{self, Excludes, Found, normalize};
use crate::lint::engine::{LintOptions, Skipped, SourceFile, Streamed, lint_found, lint_sources};
use crate::lint::registry::{self, CheckFn};
use crate::output::{self, Format, Report, Summary};
use crate::suppress;

/// Arguments of `sigsmith lint`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  sigsmith lint                          lint every .yml/.yaml file under the current folder
  sigsmith lint rules/ extra.yml         lint a folder and a single file
  cat rule.yml | sigsmith lint -         lint standard input
  sigsmith lint --format sarif -o sigsmith.sarif rules/
  sigsmith lint --select API --ignore API003 --strict
  sigsmith lint --format concise | grep API001
  sigsmith lint --statistics             counts per check instead of the findings
  sigsmith lint --fail-on warning        exit 1 on warnings and errors
  sigsmith lint --fix --diff rules/      show the safe fixes as a unified diff
  sigsmith lint --fix rules/             apply them, then report what remains

YAML documents that are not Sigma documents (pySigma pipelines, CI workflows, mkdocs.yml, any
YAML without Sigma document keys) are skipped with a note; see `sigsmith explain SIG015`.

Exit codes: 0 no finding at or above --fail-on (default: error; --strict is --fail-on info),
1 findings, 2 usage, configuration or I/O error.")]
pub struct LintArgs {
    /// Files or folders to lint (folders are searched for .yml/.yaml files, honouring
    /// .gitignore); `-` reads one YAML stream from standard input. Default: `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file to use instead of the sigsmith.toml or .sigsmith.toml found in the
    /// folder of the first PATH or its parents.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long)]
    pub no_config: bool,
    /// Skip files and folders matching GLOB (gitignore syntax, relative to the current
    /// folder); repeatable. Adds to `exclude` in the configuration.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Run only these checks: codes, names or code prefixes, comma-separated or repeated.
    /// Replaces `select` from the configuration.
    #[arg(long, value_name = "CHECKS")]
    pub select: Vec<String>,
    /// Do not run these checks (codes, names or code prefixes); adds to the configuration's
    /// `ignore`.
    #[arg(long, value_name = "CHECKS")]
    pub ignore: Vec<String>,
    /// Report findings hidden by `# sigsmith: ignore[...]` comments (and do not report unused
    /// suppressions).
    #[arg(long)]
    pub no_ignores: bool,
    /// Exit with code 1 on any finding, not only on error-level findings (the same as
    /// `--fail-on info`).
    #[arg(long, conflicts_with = "fail_on")]
    pub strict: bool,
    /// The lowest severity that makes the run fail (exit code 1): `error` (the default),
    /// `warning`, `info` (any finding) or `never`. Overrides `strict` in the configuration.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Print how many findings each check reported (most frequent first) instead of the
    /// findings; with `--format text` or `concise` only.
    #[arg(long)]
    pub statistics: bool,
    /// Report only findings in files changed since the git revision REV (committed, staged,
    /// unstaged or untracked), plus repository-wide findings that point at them. Every file
    /// under PATH is still read, so duplicate ids and correlation references are checked
    /// against the whole repository.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// ATT&CK bundles: SIG010 then also checks that technique tags exist and are neither
    /// revoked nor deprecated, and that tactic tags are real tactic short names.
    #[command(flatten)]
    pub attack: crate::commands::attack::AttackArgs,
    /// Read and parse every file but run no check (the benchmark's floor); prints the counts on
    /// standard error.
    #[arg(long, hide = true)]
    pub parse_only: bool,
    /// Explain the API checks' view of each rule instead of reporting findings: the log source
    /// and how the vocabulary recognised it (exact, alias, inferred from fields), the class of
    /// every field, and each way the condition can fire with its verdict.
    #[arg(long)]
    pub explain: bool,
    /// Apply the safe fixes of the reported findings to the files (written atomically, only
    /// when something changed), lint again, and report what remains. Which checks have a fix:
    /// `sigsmith rules`; what each does: `sigsmith explain CODE`.
    #[arg(long, conflicts_with_all = ["explain", "parse_only"])]
    pub fix: bool,
    /// With `--fix`: print the changes as a unified diff instead of writing them (exit 1 when
    /// there is a change).
    #[arg(long, requires = "fix")]
    pub diff: bool,
}

/// `lint --explain`: the explanation of every rule of the given paths, on standard output.
fn explain(args: &LintArgs, cwd: &Path) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config = load_config(args, &paths, cwd)?;
    let mut excludes = Excludes::new();
    excludes.add(&config.root, &config.exclude_globs())?;
    excludes
        .add(cwd, &args.exclude)
        .context("invalid --exclude")?;
    let discovery = discover::discover_in(cwd, &paths, &excludes, &mut io::stdin().lock())?;
    let opts = LintOptions {
        profiles: config.vocabulary(),
        attack: None,
    };
    let text = crate::lint::explain::explain(&discovery.sources, &opts);
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `--fail-on`: the lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail on error-level findings (the default).
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding (what `--strict` does).
    Info,
    /// Never fail because of findings (exit 0; usage and I/O errors still exit 2).
    Never,
}

impl FailOn {
    /// The threshold in effect: `--fail-on`, else `--strict` or the configuration's `strict`
    /// (both mean `info`), else `error`.
    pub fn resolve(flag: Option<FailOn>, strict: bool) -> FailOn {
        match flag {
            Some(f) => f,
            None if strict => FailOn::Info,
            None => FailOn::Error,
        }
    }

    /// Whether a finding of severity `s` fails the run.
    pub fn fails(self, s: Severity) -> bool {
        match self {
            FailOn::Error => s >= Severity::Error,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

/// The result of linting, before rendering.
pub struct Outcome {
    /// Findings in output order.
    pub findings: Vec<Finding>,
    /// Documents skipped as not Sigma.
    pub skipped: Vec<Skipped>,
    /// Counts.
    pub summary: Summary,
    /// Whether the run fails (exit code 1).
    pub failed: bool,
}

fn shown_path(path: &Path, cwd: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// Loads the configuration the arguments ask for.
fn load_config(args: &LintArgs, paths: &[PathBuf], cwd: &Path) -> anyhow::Result<Config> {
    if args.no_config {
        return Ok(Config::empty(cwd));
    }
    if let Some(p) = &args.config {
        return Ok(Config::load(p, cwd)?);
    }
    let start = match paths.first() {
        Some(p) if p.as_os_str() != "-" => normalize(&cwd.join(p)),
        _ => cwd.to_path_buf(),
    };
    match find_config(&start) {
        Some(found) => Ok(Config::load_discovered(&shown_path(&found, cwd), cwd)?),
        None => Ok(Config::empty(cwd)),
    }
}

/// Runs the whole pipeline without printing: what `sigsmith lint` would report.
pub fn lint(args: &LintArgs, cwd: &Path) -> anyhow::Result<(Outcome, Vec<SourceFile>)> {
    Ok(Run::prepare(args, cwd)?.evaluate_streamed(args))
}

/// Everything a lint run needs besides the files' texts: found once, used for every pass of
/// `--fix`.
struct Run {
    selection: RuleSelection,
    opts: LintOptions,
    found: Found,
    problems: Vec<Finding>,
    changed: Option<discover::ChangedFiles>,
    strict: bool,
    cwd: PathBuf,
}

impl Run {
    fn prepare(args: &LintArgs, cwd: &Path) -> anyhow::Result<Run> {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let config = load_config(args, &paths, cwd)?;
        let selection = RuleSelection::new(&config, &args.select, &args.ignore, cwd)?;
        let mut excludes = Excludes::new();
        excludes.add(&config.root, &config.exclude_globs())?;
        excludes
            .add(cwd, &args.exclude)
            .context("invalid --exclude")?;

        if !args.parse_only {
            // The rule schema and the vocabulary are built on a worker while the files are
            // found (a first document that needs them waits for them).
            rayon::spawn(crate::lint::engine::warm_up);
        }
        let found = discover::find_in(cwd, &paths, &excludes, &mut io::stdin().lock())?;
        let profiles = if args.parse_only {
            // No check runs, so no profile is looked up: reading the built-in vocabulary
            // would put work in the floor that the floor does not have.
            crate::vocab::Vocabulary::empty()
        } else {
            config.vocabulary()
        };
        let configured = crate::commands::attack::bundles_of(&config);
        let attack = args.attack.load(&configured)?.map(|data| {
            std::sync::Arc::new(data) as std::sync::Arc<dyn crate::lint::engine::AttackIndex>
        });
        let changed = match &args.changed_since {
            Some(rev) => Some(discover::changed_since_paths(cwd, &paths, rev)?),
            None => None,
        };
        Ok(Run {
            selection,
            opts: LintOptions { profiles, attack },
            problems: found.problems.clone(),
            found,
            changed,
            strict: args.strict || config.file.strict,
            cwd: cwd.to_path_buf(),
        })
    }

    /// Reads every file into memory (for `--fix`, which lints them again after each pass);
    /// files that cannot be read join the problems.
    fn read_all(&mut self) -> Vec<SourceFile> {
        let discovery = std::mem::take(&mut self.found).read_all();
        self.problems = discovery.problems;
        discovery.sources
    }

    /// Lints `sources` and applies selection, suppressions, path ignores and
    /// `--changed-since`.
    fn evaluate(&self, args: &LintArgs, sources: &[SourceFile]) -> Outcome {
        let engine = if args.parse_only {
            parse_only_sources(sources)
        } else {
            lint_sources(sources, &self.opts)
        };
        let files = sources.len() + self.problems.len();
        self.report(args, engine, self.problems.clone(), files, sources)
    }

    /// [`Run::evaluate`] reading each file while it is linted and dropping it afterwards (see
    /// [`lint_found`]); returns the texts something after the run needs: those with
    /// suppression comments, for the text format those that findings point into, and for
    /// JSON and SARIF those with a fix (whose edits the report places by line and column).
    fn evaluate_streamed(&self, args: &LintArgs) -> (Outcome, Vec<SourceFile>) {
        let excerpts = args.format == Format::Text && !args.statistics;
        let fixes = matches!(args.format, Format::Json | Format::Sarif) && !args.statistics;
        let keep = |s: &SourceFile, findings: &[Finding]| {
            s.path.as_os_str() == "-"
                || (!args.no_ignores && s.text.contains(suppress::MARKER))
                || (excerpts && !findings.is_empty())
                || (fixes && findings.iter().any(|f| f.fix.is_some()))
        };
        let streamed = if args.parse_only {
            parse_only(&self.found)
        } else {
            lint_found(&self.found, &self.opts, &keep)
        };
        let mut sources = streamed.kept;
        let files = self.found.files.len() + self.found.problems.len();
        let mut problems = self.problems.clone();
        problems.extend(streamed.unreadable);
        let output = streamed.output;
        // The per-document summaries were for the repository-wide checks, which have run, and
        // the process ends after this one run: they are not freed one by one (at 8x the
        // SigmaHQ corpus, freeing them was 160 of the 400 `perf` samples after the last file).
        std::mem::forget(streamed.retained);
        let outcome = self.report(args, output, problems, files, &sources);
        if excerpts {
            reread_for_excerpts(&self.found, &outcome.findings, &mut sources);
        }
        (outcome, sources)
    }

    /// Selection, suppressions (from the comments in `sources`), path ignores,
    /// `--changed-since` and the summary, over the engine's output and the read problems.
    fn report(
        &self,
        args: &LintArgs,
        engine: crate::lint::engine::LintOutput,
        problems: Vec<Finding>,
        files: usize,
        sources: &[SourceFile],
    ) -> Outcome {
        let selection = &self.selection;
        let mut findings = problems;
        findings.extend(engine.findings);
        findings.retain(|f| selection.is_enabled(f.code));
        let mut suppressed = 0;
        if !args.no_ignores {
            let applied = suppress::apply(
                findings,
                sources.iter().map(|s| (s.path.as_path(), s.text.as_str())),
                &|code| selection.is_enabled(code),
            );
            findings = applied.findings;
            suppressed += applied.suppressed;
        }
        let (mut findings, path_ignored) = selection.apply(findings);
        suppressed += path_ignored;
        if let Some(changed) = &self.changed {
            keep_changed(&mut findings, changed, &self.cwd);
        }
        sort_findings(&mut findings);

        let mut summary = Summary::new(&findings, files, engine.documents, suppressed);
        summary.not_sigma = engine.skipped.len();
        let fail_on = FailOn::resolve(args.fail_on, self.strict);
        let failed = findings.iter().any(|f| fail_on.fails(f.severity));
        Outcome {
            findings,
            skipped: engine.skipped,
            summary,
            failed,
        }
    }
}

/// Most lint-and-fix passes of `--fix` (a fix may enable another: a correlation rule added by
/// SIG014 gets no SIG024 of its own, but an `id` inserted next to a renamed modifier waits
/// for the next pass when their edits touch).
const FIX_PASSES: usize = 8;

/// What `--fix` changed in one file.
struct Fixed {
    path: PathBuf,
    original: String,
    fixes: Vec<(&'static str, String)>,
}

/// `--fix`: lints, applies the fixes of the reported findings, and lints again until no fix
/// applies (at most [`FIX_PASSES`] passes). A pass that would make a file unparsable is
/// dropped for that file. Returns the final outcome, the fixed sources and what changed.
fn fix_loop(
    run: &Run,
    args: &LintArgs,
    mut sources: Vec<SourceFile>,
) -> (Outcome, Vec<SourceFile>, Vec<Fixed>) {
    let mut fixed: Vec<Fixed> = Vec::new();
    let mut outcome = run.evaluate(args, &sources);
    for _ in 0..FIX_PASSES {
        let mut by_path: HashMap<&Path, Vec<&Finding>> = HashMap::new();
        for f in outcome.findings.iter().filter(|f| f.fix.is_some()) {
            by_path.entry(f.path.as_path()).or_default().push(f);
        }
        let mut changed = false;
        let mut updates = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let Some(findings) = by_path.get(source.path.as_path()) else {
                continue;
            };
            let Some(applied) = crate::lint::fix::apply(&source.text, findings) else {
                continue;
            };
            let errors_before = yaml_errors(&source.text);
            if yaml_errors(&applied.text) > errors_before {
                continue;
            }
            updates.push((i, applied));
        }
        for (i, applied) in updates {
            let source = &mut sources[i];
            match fixed.iter_mut().find(|f| f.path == source.path) {
                Some(f) => f.fixes.extend(applied.fixes),
                None => fixed.push(Fixed {
                    path: source.path.clone(),
                    original: source.text.clone(),
                    fixes: applied.fixes,
                }),
            }
            source.text = applied.text;
            changed = true;
        }
        if !changed {
            break;
        }
        outcome = run.evaluate(args, &sources);
    }
    (outcome, sources, fixed)
}

/// How many YAML errors the parse of `text` reports.
fn yaml_errors(text: &str) -> usize {
    let (stream, later) = crate::lint::document::parse_stream(text);
    usize::from(stream.error.is_some()) + later.len()
}

/// `--fix`: writes each changed file back (atomically), or with `--diff` prints the unified
/// diffs instead. Returns the number of fixes.
fn write_fixes(
    args: &LintArgs,
    cwd: &Path,
    sources: &[SourceFile],
    fixed: &[Fixed],
) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut out = io::stdout().lock();
    for f in fixed {
        let Some(source) = sources.iter().find(|s| s.path == f.path) else {
            continue;
        };
        count += f.fixes.len();
        if args.diff {
            let diff =
                crate::edit::unified_diff(&f.path.display().to_string(), &f.original, &source.text);
            out.write_all(output::sanitize::text(&diff).as_bytes())?;
            if !diff.ends_with('\n') {
                out.write_all(b"\n\\ No newline at end of file\n")?;
            }
        } else {
            crate::edit::write_back(&cwd.join(&f.path), &source.text)
                .with_context(|| format!("cannot write the fixes to {}", f.path.display()))?;
        }
    }
    out.flush()?;
    Ok(count)
}

/// `--parse-only` over texts already read (`--fix --parse-only`): parses every file in
/// parallel and counts documents, running no check.
fn parse_only_sources(sources: &[SourceFile]) -> crate::lint::engine::LintOutput {
    use rayon::prelude::*;
    let documents = sources
        .par_iter()
        .map(|s| crate::yaml::parse(&s.text).documents.len())
        .sum();
    crate::lint::engine::LintOutput {
        findings: Vec::new(),
        files: sources.len(),
        documents,
        summaries: Vec::new(),
        skipped: Vec::new(),
    }
}

/// `--parse-only`: reads and parses every file in parallel (as the engine does) and counts
/// documents, running no check; the floor the benchmark compares `lint` with.
fn parse_only(found: &Found) -> Streamed {
    use rayon::prelude::*;
    let parsed: Vec<Result<usize, Box<Finding>>> = found
        .files
        .par_iter()
        .map(|f| Ok(crate::yaml::parse(&found.read(f)?.text).documents.len()))
        .collect();
    let mut out = Streamed::default();
    for p in parsed {
        match p {
            Ok(documents) => {
                out.output.files += 1;
                out.output.documents += documents;
            }
            Err(problem) => out.unreadable.push(*problem),
        }
    }
    out
}

/// Reads again the files that findings point into but whose text was not kept (findings of
/// the repository-wide checks, which run after every file was dropped), for the text format's
/// source excerpts. A file that cannot be read again is shown without excerpts.
fn reread_for_excerpts(found: &Found, findings: &[Finding], sources: &mut Vec<SourceFile>) {
    let have: HashSet<&Path> = sources.iter().map(|s| s.path.as_path()).collect();
    let wanted: HashSet<&Path> = findings
        .iter()
        .map(|f| f.path.as_path())
        .filter(|p| !have.contains(p))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let again: Vec<SourceFile> = found
        .files
        .iter()
        .filter(|f| wanted.contains(f.display.as_path()))
        .filter_map(|f| found.read(f).ok())
        .collect();
    sources.extend(again);
}

/// Keeps the findings `--changed-since` reports: those in changed files (standard input counts
/// as changed), those whose related locations are in changed files, and, when a YAML file was
/// deleted, every finding of a repository-wide check (a reference may now dangle).
fn keep_changed(findings: &mut Vec<Finding>, changed: &discover::ChangedFiles, cwd: &Path) {
    let repo_wide: HashSet<&str> = registry::checks()
        .iter()
        .filter(|c| c.runs.iter().any(|r| matches!(r, CheckFn::Repository(_))))
        .map(|c| c.meta.code)
        .collect();
    let mut memo: HashMap<PathBuf, bool> = HashMap::new();
    let mut is_changed = |p: &Path| -> bool {
        if p.as_os_str() == "-" {
            return true;
        }
        *memo.entry(p.to_path_buf()).or_insert_with(|| {
            std::fs::canonicalize(cwd.join(p)).is_ok_and(|c| changed.changed.contains(&c))
        })
    };
    findings.retain(|f| {
        is_changed(&f.path)
            || f.related.iter().any(|r| is_changed(&r.path))
            || (changed.yaml_deleted && repo_wide.contains(f.code))
    });
}

/// A spinner on standard error while files are read and linted, when `show` (a terminal, not
/// `--quiet`, not reading standard input). It is cleared before any output is written.
fn spinner(show: bool) -> Option<ProgressBar> {
    if !show {
        return None;
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} linting {elapsed}") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

fn color_choice(c: ColorChoice) -> anstream::ColorChoice {
    match c {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    }
}

/// Checks named in the `top checks:` line after the summary.
const TOP_CHECKS: usize = 5;
/// Skipped documents named one per line before the summary; the rest are counted.
const SKIPPED_NOTES: usize = 10;

/// One `note:` line per skipped non-Sigma document (at most [`SKIPPED_NOTES`]).
fn write_skipped_notes(skipped: &[Skipped], err: &mut dyn Write) {
    for s in skipped.iter().take(SKIPPED_NOTES) {
        let _ = writeln!(
            err,
            "note: skipped {}:{}: not a Sigma document: {}",
            output::sanitize::line(&s.path.display().to_string()),
            s.pos.line,
            output::sanitize::line(&s.reason)
        );
    }
    if skipped.len() > SKIPPED_NOTES {
        let _ = writeln!(
            err,
            "note: skipped {} more non-Sigma documents (listed by --format json)",
            skipped.len() - SKIPPED_NOTES
        );
    }
}

/// Runs `sigsmith lint`.
pub fn run(args: LintArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    if args.statistics && !matches!(args.format, Format::Text | Format::Concise) {
        anyhow::bail!(
            "--statistics prints a table: use it with --format text or concise, not {}",
            args.format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned())
        );
    }
    let cwd = std::env::current_dir().context("cannot determine the current folder")?;
    if args.explain {
        return explain(&args, &cwd);
    }
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if args.fix && reads_stdin && !args.diff {
        anyhow::bail!(
            "--fix cannot write fixes back to standard input; use `--fix --diff` to see them, or lint the file itself"
        );
    }
    let progress = spinner(!globals.quiet && !reads_stdin && io::stderr().is_terminal());
    let result = Run::prepare(&args, &cwd).map(|mut run| {
        if args.fix {
            let sources = run.read_all();
            fix_loop(&run, &args, sources)
        } else {
            let (outcome, sources) = run.evaluate_streamed(&args);
            (outcome, sources, Vec::new())
        }
    });
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let (outcome, sources, fixed) = result?;
    let mut fix_note = None;
    if args.fix {
        let count = write_fixes(&args, &cwd, &sources, &fixed)?;
        let files = fixed.len();
        let (verb, s_files) = (
            if args.diff { "would fix" } else { "fixed" },
            if files == 1 { "" } else { "s" },
        );
        let note = format!(
            "{verb} {count} finding{} in {files} file{s_files}",
            if count == 1 { "" } else { "s" }
        );
        if args.diff {
            if !globals.quiet {
                let _ = writeln!(io::stderr().lock(), "{note}");
            }
            return Ok(if count > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        fix_note = Some(note);
    }
    let report = Report {
        findings: &outcome.findings,
        sources: sources
            .iter()
            .map(|s| (s.path.as_path(), s.text.as_str()))
            .collect(),
        summary: outcome.summary,
        skipped: &outcome.skipped,
    };
    let render = |out: &mut dyn Write, styled: bool| {
        if args.statistics {
            output::write_statistics(report.findings, out)
        } else {
            output::write(args.format, &report, out, styled)
        }
    };
    let written = match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            render(&mut buf, false)?;
            // A failed write (a full disk, EFBIG from a file-size limit) leaves no partial
            // report behind when the file is new.
            let existed = path.symlink_metadata().is_ok();
            if let Err(e) = std::fs::write(path, buf) {
                if !existed {
                    let _ = std::fs::remove_file(path);
                }
                return Err(e).with_context(|| format!("cannot write {}", path.display()));
            }
            Ok(())
        }
        // Buffered: standard output is line-buffered, and a report of 80,000 findings is
        // millions of lines (one write system call each without this).
        None if styled_format(&args) => {
            let mut out = io::BufWriter::with_capacity(
                64 * 1024,
                anstream::AutoStream::new(io::stdout().lock(), color_choice(globals.color)),
            );
            render(&mut out, true).and_then(|()| out.flush())
        }
        // Machine formats carry no styles: written as they are, not scanned for escape codes.
        None => {
            let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            render(&mut out, false).and_then(|()| out.flush())
        }
    };
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).context("cannot write the report"),
        Ok(()) => {}
    }
    let human = matches!(args.format, Format::Text | Format::Concise);
    if !globals.quiet && (human || args.output.is_some()) {
        let mut err = anstream::AutoStream::new(io::stderr().lock(), color_choice(globals.color));
        if outcome.summary.files == 0 {
            let _ = writeln!(err, "warning: no YAML files found");
        }
        if human {
            write_skipped_notes(&outcome.skipped, &mut err);
        }
        if human
            && !args.statistics
            && let Some(top) = output::top_checks_line(&outcome.findings, TOP_CHECKS)
        {
            let _ = writeln!(err, "{top}");
        }
        if let Some(note) = &fix_note {
            let _ = writeln!(err, "{note}");
        }
        let _ = writeln!(err, "{}", outcome.summary.line());
    }
    let code = if outcome.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends next: freeing the findings, texts and summaries one allocation at a
    // time would only delay the exit that returns all of it at once.
    std::mem::forget((outcome, sources, fixed));
    Ok(code)
}

/// Whether the report format writes styles (colours, bold) that a terminal may show.
fn styled_format(args: &LintArgs) -> bool {
    args.statistics || matches!(args.format, Format::Text | Format::Concise)
}
