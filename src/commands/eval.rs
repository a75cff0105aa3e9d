//! `sigsmith eval`: evaluate Sigma rules, filters and correlation rules on events.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::cli::Globals;
use crate::discover::{Excludes, discover};
use crate::eval::matcher::Placeholders;
use crate::eval::rules::{RuleError, RuleSet};
use crate::eval::{RunOptions, RunOutput, events, run};

/// Output formats of `sigsmith eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EvalFormat {
    /// One line per match: `events:index: title (id) rule:line`.
    #[default]
    Text,
    /// One JSON document: `{matches, correlations, summary}`.
    Json,
    /// One JSON object per match (rule matches, then correlation matches).
    Ndjson,
    /// SARIF 2.1.0, one result per match, located in the events file.
    Sarif,
}

/// Arguments of `sigsmith eval`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no match, 1 at least one match, 2 error (a rule that does \
not compile, an unreadable event, a bad argument).\n\nExamples:\n  sigsmith eval rules/ --events \
cloudtrail/\n  sigsmith eval rule.yml --events events.ndjson.gz --format ndjson\n  sigsmith eval \
rules/ --events a.json --all-rules --time-field eventTime"
)]
pub struct EvalArgs {
    /// Rule files or folders (`.yml`/`.yaml`, recursively).
    #[arg(required = true)]
    pub rules: Vec<PathBuf>,
    /// Event files or folders: NDJSON (`.ndjson`, `.jsonl`), JSON arrays, CloudTrail
    /// `{"Records": [...]}`, gzipped or not; `-` reads standard input.
    #[arg(long, short = 'e', required = true, num_args = 1..)]
    pub events: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = EvalFormat::Text)]
    pub format: EvalFormat,
    /// Evaluate every rule on every event, not only on events of the rule's log source.
    #[arg(long)]
    pub all_rules: bool,
    /// The event time field for correlations (default: per log source, e.g. `eventTime` for
    /// CloudTrail, `published` for Okta, else `timestamp`, `@timestamp`, `time`, ...).
    #[arg(long, value_name = "FIELD")]
    pub time_field: Option<String>,
    /// YAML mapping of `expand` placeholder names to their values (`admins: [root, admin]`).
    #[arg(long, value_name = "FILE")]
    pub placeholders: Option<PathBuf>,
}

/// Reads a placeholder file.
pub fn read_placeholders(path: &Path) -> anyhow::Result<Placeholders> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read placeholders", path.display()))?;
    let raw: BTreeMap<String, serde_yaml::Value> =
        serde_yaml::from_str(&text).with_context(|| {
            format!(
                "{}: placeholders must be a mapping of lists",
                path.display()
            )
        })?;
    let mut out = Placeholders::new();
    for (k, v) in raw {
        let values = match v {
            serde_yaml::Value::Sequence(items) => items.into_iter().map(yaml_text).collect(),
            other => vec![yaml_text(other)],
        };
        out.insert(k, values);
    }
    Ok(out)
}

fn yaml_text(v: serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Loads the rules under `paths`; unreadable files become rule errors.
pub fn load_rules(paths: &[PathBuf], placeholders: &Placeholders) -> anyhow::Result<RuleSet> {
    let found = discover(paths, &Excludes::new())?;
    let mut set = RuleSet::load(&found.sources, placeholders);
    for p in found.problems {
        set.errors.push(RuleError {
            path: p.path,
            line: p.pos.line,
            message: p.message,
        });
    }
    Ok(set)
}

/// Runs `sigsmith eval`.
pub fn run_eval(args: EvalArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let placeholders = match &args.placeholders {
        Some(p) => read_placeholders(p)?,
        None => Placeholders::new(),
    };
    let set = load_rules(&args.rules, &placeholders)?;
    let files = events::discover(&args.events).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        all_rules: args.all_rules,
        time_field: args.time_field.clone(),
    };
    let start = Instant::now();
    let out = run(&set, files, &opts);
    let elapsed = start.elapsed().as_secs_f64();

    let mut stdout = anstream::stdout().lock();
    match args.format {
        EvalFormat::Text => write_text(&mut stdout, &set, &out)?,
        EvalFormat::Ndjson => {
            let mut result = Ok(());
            for_each_match_object(&set, &out, |v| {
                if result.is_ok() {
                    result = serde_json::to_writer(&mut stdout, &v)
                        .map_err(anyhow::Error::from)
                        .and_then(|()| writeln!(stdout).map_err(anyhow::Error::from));
                }
            });
            result?;
        }
        EvalFormat::Json => {
            let doc = json!({
                "matches": match_objects(&set, &out),
                "summary": summary_json(&set, &out, elapsed),
            });
            serde_json::to_writer_pretty(&mut stdout, &doc)?;
            writeln!(stdout)?;
        }
        EvalFormat::Sarif => {
            serde_json::to_writer_pretty(&mut stdout, &sarif(&set, &out))?;
            writeln!(stdout)?;
        }
    }
    stdout.flush()?;

    let mut stderr = anstream::stderr().lock();
    for e in &set.errors {
        writeln!(stderr, "error: {e}")?;
    }
    for e in &out.errors {
        writeln!(stderr, "error: {e}")?;
    }
    if out.untimed > 0 {
        writeln!(
            stderr,
            "warning: {} correlated matches had no readable event time (see --time-field)",
            out.untimed
        )?;
    }
    if !globals.quiet {
        write_summary(&mut stderr, &set, &out, elapsed)?;
    }
    Ok(if !set.errors.is_empty() || !out.errors.is_empty() {
        ExitCode::from(2)
    } else if out.matches.is_empty() && out.correlations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

/// One JSON object per match, rule matches first (by events file, index, rule), then
/// correlation matches.
pub fn match_objects(set: &RuleSet, out: &RunOutput) -> Vec<Value> {
    let mut v = Vec::with_capacity(out.matches.len() + out.correlations.len());
    for_each_match_object(set, out, |o| v.push(o));
    v
}

/// [`match_objects`] one at a time, so NDJSON output never holds them all.
pub fn for_each_match_object(set: &RuleSet, out: &RunOutput, mut emit: impl FnMut(Value)) {
    for m in &out.matches {
        let r = &set.rules[m.rule];
        let mut o = json!({
            "rule": r.id,
            "title": r.title,
            "path": path_text(&r.path),
            "line": r.line,
            "events": path_text(&out.files[m.file]),
            "index": m.index,
        });
        if let Some(l) = &r.level {
            o["level"] = json!(l);
        }
        if m.line > 0 {
            o["event_line"] = json!(m.line);
        }
        emit(o);
    }
    for (ci, m) in &out.correlations {
        let c = &set.correlations[*ci];
        let group: serde_json::Map<String, Value> = m
            .group
            .iter()
            .map(|(k, x)| (k.clone(), Value::String(x.clone())))
            .collect();
        emit(json!({
            "rule": c.id,
            "title": c.title,
            "path": path_text(&c.path),
            "line": c.line,
            "events": path_text(&out.files[m.file]),
            "index": m.index,
            "correlation": true,
            "type": format!("{:?}", c.kind),
            "group": group,
            "count": m.count,
            "value": m.value,
            "first": ms_text(m.first),
            "last": ms_text(m.last),
        }));
    }
}

fn ms_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

fn per_rule(set: &RuleSet, out: &RunOutput) -> Vec<(String, String, usize)> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for m in &out.matches {
        let r = &set.rules[m.rule];
        *counts.entry((r.title.clone(), r.id.clone())).or_default() += 1;
    }
    for (ci, _) in &out.correlations {
        let c = &set.correlations[*ci];
        *counts.entry((c.title.clone(), c.id.clone())).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().map(|((t, i), n)| (t, i, n)).collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    v
}

fn summary_json(set: &RuleSet, out: &RunOutput, elapsed: f64) -> Value {
    json!({
        "rules": set.rules.len(),
        "correlations": set.correlations.len(),
        "rule_errors": set.errors.len(),
        "event_files": out.files.len(),
        "events": out.events,
        "event_errors": out.errors.len(),
        "matches": out.matches.len(),
        "correlation_matches": out.correlations.len(),
        "per_rule": per_rule(set, out).into_iter().map(|(t, i, n)| json!({"title": t, "rule": i, "matches": n})).collect::<Vec<_>>(),
        "seconds": elapsed,
    })
}

fn write_text(w: &mut impl Write, set: &RuleSet, out: &RunOutput) -> anyhow::Result<()> {
    for m in &out.matches {
        let r = &set.rules[m.rule];
        writeln!(
            w,
            "{}:{}: {} ({}) {}:{}",
            out.files[m.file].display(),
            m.index,
            r.title,
            r.id,
            r.path.display(),
            r.line
        )?;
    }
    for (ci, m) in &out.correlations {
        let c = &set.correlations[*ci];
        let group: Vec<String> = m.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(
            w,
            "{}:{}: correlation {} ({}) [{}] count={} value={} {}..{} {}:{}",
            out.files[m.file].display(),
            m.index,
            c.title,
            c.id,
            group.join(", "),
            m.count,
            m.value,
            ms_text(m.first),
            ms_text(m.last),
            c.path.display(),
            c.line
        )?;
    }
    Ok(())
}

fn write_summary(
    w: &mut impl Write,
    set: &RuleSet,
    out: &RunOutput,
    elapsed: f64,
) -> anyhow::Result<()> {
    let rate = if elapsed > 0.0 {
        out.events as f64 / elapsed
    } else {
        0.0
    };
    writeln!(
        w,
        "{} events from {} files in {:.2} s ({:.0} events/s); {} rules, {} correlations; {} matches, {} correlation matches",
        out.events,
        out.files.len(),
        elapsed,
        rate,
        set.rules.len(),
        set.correlations.len(),
        out.matches.len(),
        out.correlations.len()
    )?;
    for (title, id, n) in per_rule(set, out) {
        writeln!(w, "  {n:>8}  {title} ({id})")?;
    }
    Ok(())
}

fn sarif(set: &RuleSet, out: &RunOutput) -> Value {
    let mut rules = Vec::new();
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut rule_entry = |id: &str, title: &str| -> (usize, String) {
        let key = if id.is_empty() { title } else { id }.to_owned();
        if let Some(&i) = index_of.get(&key) {
            return (i, key);
        }
        rules.push(json!({"id": key, "name": title, "shortDescription": {"text": title}}));
        index_of.insert(key.clone(), rules.len() - 1);
        (rules.len() - 1, key)
    };
    let mut results = Vec::new();
    let level = |l: Option<&str>| match l {
        Some("critical" | "high") => "error",
        Some("medium") => "warning",
        _ => "note",
    };
    for m in &out.matches {
        let r = &set.rules[m.rule];
        let (ri, rid) = rule_entry(&r.id, &r.title);
        let mut loc = json!({"artifactLocation": {"uri": path_text(&out.files[m.file])}});
        if m.line > 0 {
            loc["region"] = json!({"startLine": m.line});
        }
        results.push(json!({
            "ruleId": rid,
            "ruleIndex": ri,
            "level": level(r.level.as_deref()),
            "message": {"text": format!("{} (event {})", r.title, m.index)},
            "locations": [{"physicalLocation": loc}],
            "relatedLocations": [{"physicalLocation": {"artifactLocation": {"uri": path_text(&r.path)}, "region": {"startLine": r.line}}}],
            "properties": {"index": m.index},
        }));
    }
    for (ci, m) in &out.correlations {
        let c = &set.correlations[*ci];
        let (ri, rid) = rule_entry(&c.id, &c.title);
        let group: Vec<String> = m.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        results.push(json!({
            "ruleId": rid,
            "ruleIndex": ri,
            "level": "warning",
            "message": {"text": format!("{} [{}] count {}", c.title, group.join(", "), m.count)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": path_text(&out.files[m.file])}}}],
            "relatedLocations": [{"physicalLocation": {"artifactLocation": {"uri": path_text(&c.path)}, "region": {"startLine": c.line}}}],
            "properties": {"index": m.index, "correlation": true, "count": m.count},
        }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "sigsmith", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results,
        }],
    })
}
