//! `sigsmith baseline`: propose (and with `--write`, fill) a draft's baselines from a history
//! of events, with the telemetry coverage of its context fields and its alert volume.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::baseline::group::Prefixes;
use crate::baseline::{self, Compiled, Draft, Options, RuleReport};
use crate::cli::Globals;
use crate::edit;
use crate::eval::matcher::Placeholders;
use crate::eval::rules::RuleSet;
use crate::eval::{RunOptions, events};
use crate::lint::document::{DocKind, parse_file};
use crate::lint::engine::SourceFile;
use crate::output::sanitize;

/// Output formats of `sigsmith baseline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BaselineFormat {
    /// Tables for a terminal.
    #[default]
    Text,
    /// One JSON document: `{rules: [...]}`.
    Json,
    /// Markdown tables (for a pull request or a wiki page).
    Markdown,
}

/// What `--emit` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// Sigma rules (a base rule and correlation rules).
    Sigma,
}

/// Arguments of `sigsmith baseline`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The events a baseline is built from are those the draft's API \
selection and its context constraint match. Regularity rule: a value qualifies when it was seen \
on at least --min-days distinct UTC days AND in at least --min-share percent of those events; \
the report shows every value and whether it qualifies. IP addresses are aggregated into \
networks (--ipv4-prefix, --ipv6-prefix), assumed-role session ARNs into their role.\n\nExit \
status: 0 done, 1 a context field is populated in fewer than --min-coverage percent of the \
matched events of a source, 2 error.\n\nExamples:\n  sigsmith baseline \
drafts/det0078_aws_cloudtrail.yml --events cloudtrail/\n  sigsmith baseline draft.yml --events \
history.ndjson.gz --write\n  sigsmith baseline draft.yml --events history/ --diff --format \
markdown"
)]
pub struct BaselineArgs {
    /// Draft rule files (`.yml`/`.yaml`).
    #[arg(required = true)]
    pub drafts: Vec<PathBuf>,
    /// Event files or folders: NDJSON, JSON arrays, CloudTrail `{"Records": [...]}`, gzipped
    /// or not.
    #[arg(long, short = 'e', num_args = 1.., required_unless_present_any = ["emit", "from_results"], conflicts_with_all = ["emit", "from_results"])]
    pub events: Vec<PathBuf>,
    /// Write the aggregation as Sigma rules instead (a rule for the baseline's events and one
    /// `event_count` correlation per baseline, grouped by its field, `timespan: 1d`), for a
    /// pySigma backend to convert for the SIEM or data lake holding the history.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        conflicts_with = "from_results"
    )]
    pub emit: Option<Emit>,
    /// Build the report from the grouped result of the emitted rules, as the engine returned
    /// it (NDJSON or a JSON array of rows: the baseline field or a `group_keys` object, a time
    /// such as `occurrence_time`, and `event_ids` or a `count`).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub from_results: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = BaselineFormat::Text)]
    pub format: BaselineFormat,
    /// Regularity rule: distinct days a value must be seen on to qualify.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_days: usize,
    /// Regularity rule: percent of the matched events a value must account for to qualify.
    #[arg(long, value_name = "PERCENT", default_value_t = 1.0)]
    pub min_share: f64,
    /// A context field populated in fewer than this percent of the matched events of a source
    /// is a finding.
    #[arg(long, value_name = "PERCENT", default_value_t = 95.0)]
    pub min_coverage: f64,
    /// Prefix length IPv4 addresses are aggregated to.
    #[arg(long, value_name = "BITS", default_value_t = 24, value_parser = clap::value_parser!(u8).range(0..=32))]
    pub ipv4_prefix: u8,
    /// Prefix length IPv6 addresses are aggregated to.
    #[arg(long, value_name = "BITS", default_value_t = 64, value_parser = clap::value_parser!(u8).range(0..=128))]
    pub ipv6_prefix: u8,
    /// The event time field (default: the draft's `time` context fields, then the usual names).
    #[arg(long, value_name = "FIELD")]
    pub time_field: Option<String>,
    /// Fill the placeholders with the qualifying values and record where they came from
    /// (atomically; comments and everything else are kept).
    #[arg(long, conflicts_with = "diff")]
    pub write: bool,
    /// Print the change `--write` would make, as a unified diff, and write nothing.
    #[arg(long)]
    pub diff: bool,
}

struct DraftFile {
    path: PathBuf,
    text: String,
    /// Indices into the compiled list.
    rules: Vec<usize>,
}

/// Runs `sigsmith baseline`.
pub fn run(args: BaselineArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    for (name, v) in [
        ("--min-share", args.min_share),
        ("--min-coverage", args.min_coverage),
    ] {
        if !(0.0..=100.0).contains(&v) {
            anyhow::bail!("{name} must be a percentage between 0 and 100, not {v}");
        }
    }
    let opts = Options {
        min_days: args.min_days,
        min_share: args.min_share,
        prefixes: Prefixes {
            v4: args.ipv4_prefix,
            v6: args.ipv6_prefix,
        },
        min_coverage: args.min_coverage,
    };
    let mut failed = false;
    let mut stderr = anstream::stderr().lock();
    let mut files: Vec<DraftFile> = Vec::new();
    let mut compiled: Vec<Compiled> = Vec::new();
    for path in &args.drafts {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                writeln!(stderr, "error: {}: cannot read: {e}", path.display())?;
                failed = true;
                continue;
            }
        };
        let parsed = parse_file(&text);
        if let Some(e) = &parsed.error {
            writeln!(
                stderr,
                "error: {}:{}: YAML error: {}",
                path.display(),
                e.pos,
                sanitize::line(&e.message)
            )?;
            failed = true;
            continue;
        }
        let mut rules = Vec::new();
        for doc in parsed.documents.iter().filter(|d| d.kind == DocKind::Rule) {
            match Draft::read(doc).and_then(Compiled::new) {
                Ok(c) => {
                    rules.push(compiled.len());
                    compiled.push(c);
                }
                Err(m) => {
                    writeln!(
                        stderr,
                        "error: {}:{}: {}",
                        path.display(),
                        doc.start.line,
                        sanitize::line(&m)
                    )?;
                    failed = true;
                }
            }
        }
        if rules.is_empty() && !failed {
            writeln!(
                stderr,
                "warning: {}: no Sigma rule to baseline",
                path.display()
            )?;
        }
        files.push(DraftFile {
            path: path.clone(),
            text,
            rules,
        });
    }
    if args.emit.is_some() {
        let mut stdout = anstream::stdout().lock();
        for (i, c) in compiled.iter().enumerate() {
            if i > 0 {
                writeln!(stdout, "---")?;
            }
            match baseline::emit::emit(c) {
                Ok(text) => write!(stdout, "{text}")?,
                Err(e) => {
                    writeln!(stderr, "error: {}: {e}", sanitize::line(&c.draft.title))?;
                    failed = true;
                }
            }
        }
        stdout.flush()?;
        return Ok(if failed {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    let from_results = !args.from_results.is_empty();
    let (event_files, accs, read_errors) = if from_results {
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for f in &args.from_results {
            errors.extend(events::read_file(f, |ev| rows.push(ev.value)));
        }
        let accs = compiled
            .iter()
            .map(|c| baseline::emit::from_rows(c, &rows, &opts))
            .collect();
        (args.from_results.clone(), accs, errors)
    } else {
        let files = events::discover(&args.events).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (accs, errors) =
            baseline::observe_all(&compiled, &files, &opts, args.time_field.as_deref());
        (files, accs, errors)
    };
    for e in &read_errors {
        writeln!(stderr, "error: {e}")?;
        failed = true;
    }

    let mut reports: Vec<RuleReport> = Vec::new();
    let mut diffs = String::new();
    for f in &files {
        let mut file_reports: Vec<RuleReport> = f
            .rules
            .iter()
            .map(|&i| baseline::report(&compiled[i], &accs[i], &f.path, &event_files, &opts))
            .collect();
        let mut all_edits = Vec::new();
        for (&i, r) in f.rules.iter().zip(&file_reports) {
            all_edits.extend(baseline::write::edits(&f.text, &compiled[i], r));
        }
        let filled = match edit::apply(&f.text, &all_edits) {
            Ok(t) => t,
            Err(e) => {
                writeln!(stderr, "error: {}: cannot fill: {e}", f.path.display())?;
                failed = true;
                f.text.clone()
            }
        };
        if from_results {
            for r in &mut file_reports {
                r.history.from = "results".to_owned();
                r.history.api_matched = 0;
            }
        } else {
            volume_with_baselines(
                &filled,
                f,
                &compiled,
                &accs,
                &mut file_reports,
                &event_files,
                &args,
            )?;
        }
        if filled != f.text {
            if args.diff {
                diffs.push_str(&edit::unified_diff(
                    &f.path.display().to_string(),
                    &f.text,
                    &filled,
                ));
            } else if args.write && !read_errors.is_empty() {
                writeln!(
                    stderr,
                    "error: {}: not written: some events could not be read, so the history is incomplete",
                    f.path.display()
                )?;
            } else if args.write {
                edit::write_back(&f.path, &filled)
                    .with_context(|| format!("{}: cannot write", f.path.display()))?;
                if !globals.quiet {
                    writeln!(stderr, "wrote {}", f.path.display())?;
                }
            }
        } else if args.write && !globals.quiet {
            writeln!(stderr, "{}: unchanged", f.path.display())?;
        }
        reports.extend(file_reports);
    }

    let mut stdout = anstream::stdout().lock();
    if args.diff {
        write!(stdout, "{diffs}")?;
    } else {
        match args.format {
            BaselineFormat::Json => {
                serde_json::to_writer_pretty(
                    &mut stdout,
                    &serde_json::json!({ "rules": reports }),
                )?;
                writeln!(stdout)?;
            }
            BaselineFormat::Text => write_text(&mut stdout, &reports)?,
            BaselineFormat::Markdown => write_markdown(&mut stdout, &reports)?,
        }
    }
    stdout.flush()?;
    let below = reports
        .iter()
        .any(|r| r.coverage_findings().next().is_some());
    Ok(if failed {
        ExitCode::from(2)
    } else if below {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Evaluates the filled draft (the eval engine, rules with their filters and correlations)
/// and records the alert volume with baselines and of the companion correlations.
fn volume_with_baselines(
    filled: &str,
    f: &DraftFile,
    compiled: &[Compiled],
    accs: &[baseline::Accum],
    reports: &mut [RuleReport],
    event_files: &[PathBuf],
    args: &BaselineArgs,
) -> anyhow::Result<()> {
    if f.rules.is_empty() {
        return Ok(());
    }
    let set = RuleSet::load(
        &[SourceFile {
            path: f.path.clone(),
            text: filled.to_owned(),
        }],
        &Placeholders::new(),
    );
    let out = crate::eval::run(
        &set,
        event_files.to_vec(),
        &RunOptions {
            all_rules: true,
            time_field: args.time_field.clone(),
        },
    );
    for (&ci, report) in f.rules.iter().zip(reports.iter_mut()) {
        let line = compiled[ci].draft.line;
        let Some(ri) = set.rules.iter().position(|r| r.line == line) else {
            continue;
        };
        let hits: Vec<(usize, u64)> = out
            .matches
            .iter()
            .filter(|m| m.rule == ri)
            .map(|m| (m.file, m.index))
            .collect();
        report.volume.baselined = baseline::baselined_count(&accs[ci], &hits, report.history.days);
        for (k, c) in set.correlations.iter().enumerate() {
            if c.rule_indices.contains(&ri) {
                report.volume.correlations.push(baseline::CorrelationCount {
                    title: c.title.clone(),
                    alerts: out.correlations.iter().filter(|(x, _)| *x == k).count() as u64,
                });
            }
        }
    }
    Ok(())
}

fn s(text: &str) -> String {
    sanitize::line(text).into_owned()
}

fn write_text(w: &mut impl Write, reports: &[RuleReport]) -> anyhow::Result<()> {
    for r in reports {
        let h = &r.history;
        writeln!(w, "{}:{}: {}", s(&r.file), r.line, s(&r.title))?;
        writeln!(
            w,
            "  history: {} events in {} file(s); API selection matched {}, with context {} ({} to {}, {} days)",
            h.events,
            h.files.len(),
            h.api_matched,
            h.matched,
            h.first.as_deref().unwrap_or("-"),
            h.last.as_deref().unwrap_or("-"),
            h.days
        )?;
        writeln!(
            w,
            "  regularity rule: seen on >= {} days and in >= {}% of the matched events",
            r.thresholds.min_days, r.thresholds.min_share
        )?;
        for b in &r.baselines {
            writeln!(
                w,
                "  baseline {} ({}{}): {} of {} matched events carry it",
                s(&b.name),
                s(&b.field),
                b.filter
                    .as_deref()
                    .map(|f| format!(", in {}", s(f)))
                    .unwrap_or_default(),
                b.carrying,
                h.matched
            )?;
            for v in &b.values {
                writeln!(
                    w,
                    "    {} {:<48} {:>7} events {:>4} days {:>6.2}%  {} .. {}{}",
                    if v.qualifies { "+" } else { "-" },
                    s(&v.value),
                    v.count,
                    v.days,
                    v.share,
                    v.first.as_deref().unwrap_or("-"),
                    v.last.as_deref().unwrap_or("-"),
                    if v.distinct > 1 {
                        format!("  ({} distinct {})", v.distinct, v.kind_plural())
                    } else {
                        String::new()
                    }
                )?;
            }
            if b.qualifying.is_empty() {
                writeln!(w, "    no value qualifies: the placeholder stays")?;
            }
        }
        for c in &r.combined {
            writeln!(
                w,
                "  combined {} ({}): observed combinations",
                s(&c.filter),
                s(&c.baselines.join(" AND "))
            )?;
            for p in &c.pairs {
                writeln!(
                    w,
                    "    {} {:<60} {:>7} events {:>4} days {:>6.2}%",
                    if p.suppressed {
                        "suppressed"
                    } else {
                        "alerts    "
                    },
                    s(&p.values.join(" + ")),
                    p.count,
                    p.days,
                    p.share
                )?;
            }
        }
        if !r.coverage.is_empty() {
            writeln!(
                w,
                "  telemetry coverage (threshold {}%):",
                r.thresholds.min_coverage
            )?;
            for c in &r.coverage {
                writeln!(
                    w,
                    "    {} {:<52} {:>6.2}% ({} of {}) in {}",
                    if c.below { "!" } else { " " },
                    s(&c.field),
                    c.percent,
                    c.present,
                    c.total,
                    s(&c.source)
                )?;
            }
        }
        let v = &r.volume;
        writeln!(w, "  alert volume over {} days:", h.days)?;
        for (label, c) in [
            ("API selection alone", &v.selection),
            ("with context", &v.context),
            ("with the filled baselines", &v.baselined),
        ] {
            writeln!(
                w,
                "    {label:<28} {:>7} alerts ({}/day, max {} on one day)",
                c.alerts, c.per_day, c.max_per_day
            )?;
        }
        for c in &v.correlations {
            writeln!(w, "    correlation {}: {} alerts", s(&c.title), c.alerts)?;
        }
    }
    Ok(())
}

fn md(text: &str) -> String {
    s(text).replace('|', "\\|")
}

fn write_markdown(w: &mut impl Write, reports: &[RuleReport]) -> anyhow::Result<()> {
    for r in reports {
        let h = &r.history;
        writeln!(w, "## {} (`{}:{}`)\n", md(&r.title), md(&r.file), r.line)?;
        writeln!(
            w,
            "{} events read; the API selection matched {}, with its context {} ({} to {}, {} days). A value qualifies when seen on at least {} days and in at least {}% of the matched events.\n",
            h.events,
            h.api_matched,
            h.matched,
            h.first.as_deref().unwrap_or("-"),
            h.last.as_deref().unwrap_or("-"),
            h.days,
            r.thresholds.min_days,
            r.thresholds.min_share
        )?;
        for b in &r.baselines {
            writeln!(w, "### Baseline `{}` (`{}`)\n", md(&b.name), md(&b.field))?;
            writeln!(
                w,
                "| value | kind | events | days | share | first seen | last seen | qualifies |"
            )?;
            writeln!(w, "|---|---|---:|---:|---:|---|---|---|")?;
            for v in &b.values {
                writeln!(
                    w,
                    "| `{}` | {} | {} | {} | {:.2}% | {} | {} | {} |",
                    md(&v.value),
                    v.kind,
                    v.count,
                    v.days,
                    v.share,
                    v.first.as_deref().unwrap_or("-"),
                    v.last.as_deref().unwrap_or("-"),
                    if v.qualifies { "yes" } else { "no" }
                )?;
            }
            writeln!(w)?;
        }
        for c in &r.combined {
            writeln!(
                w,
                "### Combined filter `{}` ({})\n",
                md(&c.filter),
                md(&c.baselines.join(" AND "))
            )?;
            writeln!(w, "| combination | events | days | share | filled filter |")?;
            writeln!(w, "|---|---:|---:|---:|---|")?;
            for p in &c.pairs {
                writeln!(
                    w,
                    "| `{}` | {} | {} | {:.2}% | {} |",
                    md(&p.values.join(" + ")),
                    p.count,
                    p.days,
                    p.share,
                    if p.suppressed { "suppresses" } else { "alerts" }
                )?;
            }
            writeln!(w)?;
        }
        if !r.coverage.is_empty() {
            writeln!(
                w,
                "### Telemetry coverage (threshold {}%)\n",
                r.thresholds.min_coverage
            )?;
            writeln!(w, "| field | class | source | populated | events | |")?;
            writeln!(w, "|---|---|---|---:|---:|---|")?;
            for c in &r.coverage {
                writeln!(
                    w,
                    "| `{}` | {} | `{}` | {:.2}% | {} | {} |",
                    md(&c.field),
                    md(&c.class),
                    md(&c.source),
                    c.percent,
                    c.total,
                    if c.below { "below" } else { "" }
                )?;
            }
            writeln!(w)?;
        }
        let v = &r.volume;
        writeln!(w, "### Alert volume over {} days\n", h.days)?;
        writeln!(w, "| rule | alerts | per day | max on one day |")?;
        writeln!(w, "|---|---:|---:|---:|")?;
        for (label, c) in [
            ("API selection alone", &v.selection),
            ("with context", &v.context),
            ("with the filled baselines", &v.baselined),
        ] {
            writeln!(
                w,
                "| {label} | {} | {} | {} |",
                c.alerts, c.per_day, c.max_per_day
            )?;
        }
        for c in &v.correlations {
            writeln!(w, "| correlation: {} | {} | | |", md(&c.title), c.alerts)?;
        }
        writeln!(w)?;
    }
    Ok(())
}
