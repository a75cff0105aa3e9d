//! Evidence for a draft's validation prompts, from a history of events: the engine behind
//! `sigsmith baseline`.
//!
//! Over the events that a draft's API selection and its context constraint match (evaluated
//! with the eval engine, [`crate::eval`]), for each baseline of the draft:
//! - the observed values of its field, aggregated ([`group`]: addresses into networks,
//!   assumed-role session ARNs into their role), each with its count, distinct days, first and
//!   last time seen and share of the matched events;
//! - which values **qualify** by the regularity rule: a value qualifies when it was seen on at
//!   least `min_days` distinct (UTC) days **and** in at least `min_share` percent of the
//!   matched events. Rare values (outliers, one-off callers) never qualify, however often they
//!   called on their one day;
//! - for a filter combining several baselines (who AND from where), the observed pairs.
//!
//! It also measures the **telemetry coverage** of each required context field (the share of
//! matched events carrying a non-empty value, per events file; `outcome` fields such as error
//! codes are left out, being empty on every successful call) and the **alert volume** of the
//! API selection alone, with its context, with the filled baselines and of the companion
//! correlation ([`write`](mod@write) fills the draft; [`emit`] writes the same aggregation as a Sigma
//! correlation rule for a SIEM and reads its grouped result back).

pub mod draft;
pub mod emit;
pub mod group;
pub mod write;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::eval::events::{self, ReadError, lookup, lookup_first};
use crate::eval::matcher::{CompiledDetection, Placeholders, parse_time};
use crate::lint::detection::Detection;
use crate::yaml::Node;

pub use draft::Draft;
use group::{Grouped, Prefixes};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// Thresholds and aggregation settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The regularity rule: distinct days a value must be seen on.
    pub min_days: usize,
    /// The regularity rule: percent of the matched events a value must account for.
    pub min_share: f64,
    /// Network prefix lengths.
    pub prefixes: Prefixes,
    /// Telemetry coverage below this percent is a finding.
    pub min_coverage: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_days: 3,
            min_share: 1.0,
            prefixes: Prefixes::default(),
            min_coverage: 95.0,
        }
    }
}

/// A UTC day (days since the Unix epoch).
fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day (days since the Unix epoch, UTC).
pub fn date_text(day: i64) -> String {
    jiff::Timestamp::from_second(day.saturating_mul(86_400)).map_or_else(
        |_| day.to_string(),
        |t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
    )
}

/// RFC 3339 text of a Unix-millisecond time (UTC).
pub fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// Statistics of one aggregated value.
#[derive(Debug, Clone, Default)]
pub struct Stat {
    /// Matched events carrying it.
    pub count: u64,
    /// Distinct days.
    pub days: BTreeSet<i64>,
    /// First time seen (Unix ms).
    pub first: Option<i64>,
    /// Last time seen (Unix ms).
    pub last: Option<i64>,
    /// Distinct raw values aggregated into it (capped at [`MAX_MEMBERS`]).
    pub members: BTreeSet<String>,
}

/// Raw values kept per aggregated value.
pub const MAX_MEMBERS: usize = 50;

impl ValueRow {
    /// The plural of the raw values aggregated (`addresses`, `sessions`, `values`).
    pub fn kind_plural(&self) -> &'static str {
        match self.kind {
            "network" => "addresses",
            "prefix" => "sessions",
            _ => "values",
        }
    }
}

impl Stat {
    /// Adds one observation; `day` is known when `time` is.
    pub fn add(&mut self, time: Option<i64>, raw: &str) {
        self.count += 1;
        if let Some(t) = time {
            self.days.insert(day_of(t));
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if self.members.len() < MAX_MEMBERS {
            self.members.insert(raw.to_owned());
        }
    }
}

/// One row of a baseline's report.
#[derive(Debug, Clone, Serialize)]
pub struct ValueRow {
    /// The aggregated value (network, prefix or value).
    pub value: String,
    /// `network`, `prefix` or `value`.
    pub kind: &'static str,
    /// Matched events carrying it.
    pub count: u64,
    /// Distinct UTC days it was seen on.
    pub days: usize,
    /// First seen (RFC 3339), when events carry a time.
    pub first: Option<String>,
    /// Last seen.
    pub last: Option<String>,
    /// Percent of the matched events.
    pub share: f64,
    /// Distinct raw values aggregated into it.
    pub distinct: usize,
    /// Whether it qualifies by the regularity rule.
    pub qualifies: bool,
}

/// The report of one baseline.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineReport {
    /// Name.
    pub name: String,
    /// Field.
    pub field: String,
    /// The filter holding it, when the detection has one.
    pub filter: Option<String>,
    /// Matched events carrying the field.
    pub carrying: u64,
    /// Every observed value, most frequent first.
    pub values: Vec<ValueRow>,
    /// The qualifying values, as they would be written.
    pub qualifying: Vec<String>,
}

/// Observed combinations of the baselines of one combined filter (who AND from where).
#[derive(Debug, Clone, Serialize)]
pub struct CombinedReport {
    /// The filter.
    pub filter: String,
    /// Its baselines, in order.
    pub baselines: Vec<String>,
    /// Each observed combination (one aggregated value per baseline) and its statistics.
    pub pairs: Vec<PairRow>,
}

/// One observed combination.
#[derive(Debug, Clone, Serialize)]
pub struct PairRow {
    /// One value per baseline.
    pub values: Vec<String>,
    /// Matched events.
    pub count: u64,
    /// Distinct days.
    pub days: usize,
    /// Percent of the matched events.
    pub share: f64,
    /// Whether every part qualifies (the filled filter suppresses it).
    pub suppressed: bool,
}

/// Telemetry coverage of one context field in one events file.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    /// The context class (`identity`), empty when read from `fields`.
    pub class: String,
    /// The field.
    pub field: String,
    /// The events file (the event source).
    pub source: String,
    /// Matched events with a non-empty value.
    pub present: u64,
    /// Matched events of that source.
    pub total: u64,
    /// Percent.
    pub percent: f64,
    /// Below the coverage threshold: a finding.
    pub below: bool,
}

/// Alerts of one level of the rule over the history.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Count {
    /// Alerts.
    pub alerts: u64,
    /// Days with at least one alert.
    pub days: usize,
    /// Alerts per day over the history's days.
    pub per_day: f64,
    /// Most alerts on one day.
    pub max_per_day: u64,
}

/// The alert volume.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Volume {
    /// The API selection alone.
    pub selection: Count,
    /// The API selection with its context constraint.
    pub context: Count,
    /// The rule with its baselines filled from this history.
    pub baselined: Count,
    /// The companion correlations (title, alerts).
    pub correlations: Vec<CorrelationCount>,
}

/// Alerts of a correlation rule.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationCount {
    /// Title.
    pub title: String,
    /// Alerts.
    pub alerts: u64,
}

/// Summary of the history.
#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    /// What the report was built from: `events`, or `results` (an engine's grouped result
    /// of `--emit sigma`; coverage and the API-only volume are then not measured).
    pub from: String,
    /// Events files (or result files).
    pub files: Vec<String>,
    /// Events read.
    pub events: u64,
    /// Events the API selection matched.
    pub api_matched: u64,
    /// Events the API selection and its context constraint matched (the baseline's events).
    pub matched: u64,
    /// Matched events without a readable time.
    pub untimed: u64,
    /// First event the API selection matched (RFC 3339).
    pub first: Option<String>,
    /// Last event the API selection matched.
    pub last: Option<String>,
    /// Days of the history (first to last event the API selection matched, inclusive).
    pub days: usize,
}

/// Everything `sigsmith baseline` reports for one draft rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    /// The draft file.
    pub file: String,
    /// 1-based line of the rule document.
    pub line: u32,
    /// Title.
    pub title: String,
    /// Name or id.
    pub id: String,
    /// The thresholds applied.
    pub thresholds: Thresholds,
    /// The history.
    pub history: History,
    /// Per baseline.
    pub baselines: Vec<BaselineReport>,
    /// Per combined filter.
    pub combined: Vec<CombinedReport>,
    /// Telemetry coverage of the context fields.
    pub coverage: Vec<CoverageRow>,
    /// Alert volume.
    pub volume: Volume,
}

/// The thresholds of a report.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Thresholds {
    /// Distinct days.
    pub min_days: usize,
    /// Percent of matched events.
    pub min_share: f64,
    /// Coverage percent.
    pub min_coverage: f64,
}

impl RuleReport {
    /// Coverage rows below the threshold.
    pub fn coverage_findings(&self) -> impl Iterator<Item = &CoverageRow> {
        self.coverage.iter().filter(|c| c.below)
    }
}

/// Accumulated observations for one draft.
#[derive(Debug, Default)]
pub struct Accum {
    /// Events read.
    pub events: u64,
    /// API selection matches per day (`i64::MIN` for untimed).
    pub api_days: BTreeMap<i64, u64>,
    /// Context matches per day.
    pub ctx_days: BTreeMap<i64, u64>,
    /// Untimed context matches.
    pub untimed: u64,
    /// First and last time of the events the API selection matched (the history).
    pub span: Option<(i64, i64)>,
    /// Per baseline: aggregated value → statistics.
    pub values: Vec<HashMap<Grouped, Stat>>,
    /// Per baseline: matched events carrying the field.
    pub carrying: Vec<u64>,
    /// Per combined filter: combination → statistics.
    pub pairs: Vec<HashMap<Vec<Grouped>, Stat>>,
    /// Per (context field, events file): (present, total).
    pub coverage: HashMap<(usize, usize), (u64, u64)>,
    /// Day of each matched event, by (file, index).
    pub matched_days: HashMap<(usize, u64), i64>,
}

/// A draft compiled for the pass over the events.
pub struct Compiled {
    /// The draft.
    pub draft: Draft,
    api: CompiledDetection,
    ctx: CompiledDetection,
    /// Combined filters: (filter, indices of its baselines).
    pub groups: Vec<(String, Vec<usize>)>,
}

fn compile_with(det_node: &Node, condition: &str) -> Result<CompiledDetection, String> {
    let mut det = Detection::read(det_node, &[]);
    let anchor = det.conditions.first().map_or(det_node, |(n, _)| *n);
    det.conditions = vec![(anchor, condition)];
    CompiledDetection::compile(&det, &Placeholders::new()).map_err(|e| e.message)
}

impl Compiled {
    /// Compiles the API and context conditions of `draft`.
    pub fn new(draft: Draft) -> Result<Compiled, String> {
        let api = compile_with(&draft.detection, &draft.api_condition)?;
        let ctx = compile_with(&draft.detection, &draft.context_condition)?;
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, b) in draft.baselines.iter().enumerate() {
            let Some(loc) = &b.location else { continue };
            match groups.iter_mut().find(|(f, _)| *f == loc.filter) {
                Some((_, v)) => v.push(i),
                None => groups.push((loc.filter.clone(), vec![i])),
            }
        }
        groups.retain(|(_, v)| v.len() > 1);
        Ok(Compiled {
            draft,
            api,
            ctx,
            groups,
        })
    }

    fn time(&self, event: &Value, time_field: Option<&str>) -> Option<i64> {
        if let Some(t) = time_field {
            return lookup_first(event, t).and_then(parse_time);
        }
        self.draft
            .time_fields
            .iter()
            .chain(
                ["eventTime", "@timestamp", "timestamp", "time", "published"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .iter(),
            )
            .find_map(|f| lookup_first(event, f).and_then(parse_time))
    }

    /// Adds one event.
    pub fn observe(
        &self,
        acc: &mut Accum,
        event: &Value,
        file: usize,
        index: u64,
        opts: &Options,
        time_field: Option<&str>,
    ) {
        acc.events += 1;
        if acc.values.len() < self.draft.baselines.len() {
            acc.values
                .resize_with(self.draft.baselines.len(), HashMap::new);
            acc.carrying.resize(self.draft.baselines.len(), 0);
            acc.pairs.resize_with(self.groups.len(), HashMap::new);
        }
        if !self.api.matches(event) {
            return;
        }
        let time = self.time(event, time_field);
        let day = time.map_or(i64::MIN, day_of);
        *acc.api_days.entry(day).or_default() += 1;
        if let Some(t) = time {
            acc.span = Some(acc.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        if !self.ctx.matches(event) {
            return;
        }
        *acc.ctx_days.entry(day).or_default() += 1;
        acc.matched_days.insert((file, index), day);
        if time.is_none() {
            acc.untimed += 1;
        }
        let mut found = Vec::new();
        let mut firsts: Vec<Option<Grouped>> = Vec::with_capacity(self.draft.baselines.len());
        for (bi, b) in self.draft.baselines.iter().enumerate() {
            found.clear();
            lookup(event, &b.field, &mut found);
            let texts: BTreeSet<String> = found.iter().filter_map(|v| text_of(v)).collect();
            if !texts.is_empty() {
                acc.carrying[bi] += 1;
            }
            let mut first = None;
            let mut seen: BTreeSet<Grouped> = BTreeSet::new();
            for t in &texts {
                let g = group::group(t, opts.prefixes);
                if seen.insert(g.clone()) {
                    acc.values[bi].entry(g.clone()).or_default().add(time, t);
                }
                first.get_or_insert(g);
            }
            firsts.push(first);
        }
        for (gi, (_, members)) in self.groups.iter().enumerate() {
            let combo: Option<Vec<Grouped>> = members.iter().map(|&i| firsts[i].clone()).collect();
            if let Some(c) = combo {
                let raw = c.iter().map(Grouped::text).collect::<Vec<_>>().join(" ");
                acc.pairs[gi].entry(c).or_default().add(time, &raw);
            }
        }
        for (ci, (class, field)) in self.draft.context.iter().enumerate() {
            // Outcome fields (error codes) are empty on every successful call: no coverage.
            if class == "outcome" {
                continue;
            }
            found.clear();
            lookup(event, field, &mut found);
            let present = found.iter().any(|v| non_empty(v));
            let e = acc.coverage.entry((ci, file)).or_default();
            e.1 += 1;
            if present {
                e.0 += 1;
            }
        }
    }
}

/// A scalar value as text (objects and arrays are not values of a baseline).
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn non_empty(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => a.iter().any(non_empty),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        // Two decimals, so reports are stable across platforms.
        ((part as f64) * 10_000.0 / (whole as f64)).round() / 100.0
    }
}

/// Whether a value qualifies by the regularity rule.
pub fn qualifies(days: usize, share: f64, opts: &Options) -> bool {
    days >= opts.min_days && share >= opts.min_share
}

fn count_of(per_day: &BTreeMap<i64, u64>, history_days: usize) -> Count {
    let alerts: u64 = per_day.values().sum();
    Count {
        alerts,
        days: per_day.keys().filter(|d| **d != i64::MIN).count(),
        per_day: if history_days == 0 {
            alerts as f64
        } else {
            ((alerts as f64) * 100.0 / history_days as f64).round() / 100.0
        },
        max_per_day: per_day.values().copied().max().unwrap_or(0),
    }
}

/// Builds the report of one draft from its observations (alert volume with baselines is
/// added by the caller once the filled draft has been evaluated).
pub fn report(
    c: &Compiled,
    acc: &Accum,
    file: &Path,
    files: &[PathBuf],
    opts: &Options,
) -> RuleReport {
    let matched: u64 = acc.ctx_days.values().sum();
    let history_days = acc
        .span
        .map_or(0, |(a, b)| (day_of(b) - day_of(a) + 1) as usize);
    let mut baselines = Vec::new();
    for (bi, b) in c.draft.baselines.iter().enumerate() {
        let empty = HashMap::new();
        let stats = acc.values.get(bi).unwrap_or(&empty);
        let mut rows: Vec<ValueRow> = stats
            .iter()
            .map(|(g, s)| {
                let share = pct(s.count, matched);
                ValueRow {
                    value: g.text().to_owned(),
                    kind: g.kind(),
                    count: s.count,
                    days: s.days.len(),
                    first: s.first.map(time_text),
                    last: s.last.map(time_text),
                    share,
                    distinct: s.members.len(),
                    qualifies: qualifies(s.days.len(), share, opts),
                }
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let mut qualifying: Vec<String> = rows
            .iter()
            .filter(|r| r.qualifies)
            .map(|r| r.value.clone())
            .collect();
        qualifying.sort();
        baselines.push(BaselineReport {
            name: b.name.clone(),
            field: b.field.clone(),
            filter: b.location.as_ref().map(|l| l.filter.clone()),
            carrying: acc.carrying.get(bi).copied().unwrap_or(0),
            values: rows,
            qualifying,
        });
    }
    let mut combined = Vec::new();
    for (gi, (filter, members)) in c.groups.iter().enumerate() {
        let empty = HashMap::new();
        let stats = acc.pairs.get(gi).unwrap_or(&empty);
        let mut pairs: Vec<PairRow> = stats
            .iter()
            .map(|(combo, s)| PairRow {
                values: combo.iter().map(|g| g.text().to_owned()).collect(),
                count: s.count,
                days: s.days.len(),
                share: pct(s.count, matched),
                suppressed: combo
                    .iter()
                    .zip(members)
                    .all(|(g, &bi)| baselines[bi].qualifying.iter().any(|q| q == g.text())),
            })
            .collect();
        pairs.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.values.cmp(&b.values)));
        combined.push(CombinedReport {
            filter: filter.clone(),
            baselines: members
                .iter()
                .map(|&i| c.draft.baselines[i].name.clone())
                .collect(),
            pairs,
        });
    }
    let mut coverage = Vec::new();
    for (ci, (class, field)) in c.draft.context.iter().enumerate() {
        for (fi, f) in files.iter().enumerate() {
            let Some(&(present, total)) = acc.coverage.get(&(ci, fi)) else {
                continue;
            };
            let percent = pct(present, total);
            coverage.push(CoverageRow {
                class: class.clone(),
                field: field.clone(),
                source: f.display().to_string(),
                present,
                total,
                percent,
                below: percent < opts.min_coverage,
            });
        }
    }
    RuleReport {
        file: file.display().to_string(),
        line: c.draft.line,
        title: c.draft.title.clone(),
        id: c.draft.id.clone(),
        thresholds: Thresholds {
            min_days: opts.min_days,
            min_share: opts.min_share,
            min_coverage: opts.min_coverage,
        },
        history: History {
            from: "events".to_owned(),
            files: files.iter().map(|f| f.display().to_string()).collect(),
            events: acc.events,
            api_matched: acc.api_days.values().sum(),
            matched,
            untimed: acc.untimed,
            first: acc.span.map(|(a, _)| time_text(a)),
            last: acc.span.map(|(_, b)| time_text(b)),
            days: history_days,
        },
        baselines,
        combined,
        coverage,
        volume: Volume {
            selection: count_of(&acc.api_days, history_days),
            context: count_of(&acc.ctx_days, history_days),
            baselined: Count::default(),
            correlations: Vec::new(),
        },
    }
}

/// Reads every events file once, feeding each event to every compiled draft.
pub fn observe_all(
    drafts: &[Compiled],
    files: &[PathBuf],
    opts: &Options,
    time_field: Option<&str>,
) -> (Vec<Accum>, Vec<ReadError>) {
    let mut accs: Vec<Accum> = drafts.iter().map(|_| Accum::default()).collect();
    let mut errors = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        errors.extend(events::read_file(f, |ev| {
            for (c, acc) in drafts.iter().zip(accs.iter_mut()) {
                c.observe(acc, &ev.value, fi, ev.index, opts, time_field);
            }
        }));
    }
    (accs, errors)
}

/// The baselined volume, from the matches of the filled rule (by (file, index)).
pub fn baselined_count(acc: &Accum, matches: &[(usize, u64)], history_days: usize) -> Count {
    let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
    for m in matches {
        let day = acc.matched_days.get(m).copied().unwrap_or(i64::MIN);
        *per_day.entry(day).or_default() += 1;
    }
    count_of(&per_day, history_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date_text(0), "1970-01-01");
        assert_eq!(date_text(20_454), "2026-01-01");
        assert_eq!(date_text(-1), "1969-12-31");
        assert_eq!(
            time_text(1_767_225_600_000 + 3_723_000),
            "2026-01-01T01:02:03Z"
        );
    }

    #[test]
    fn regularity_needs_both_thresholds() {
        let o = Options::default();
        assert!(qualifies(3, 1.0, &o));
        assert!(!qualifies(2, 50.0, &o), "frequent on too few days");
        assert!(!qualifies(30, 0.5, &o), "regular but too small a share");
    }
}
