//! Evaluating Sigma rules on events: the engine behind `sigsmith eval` and `sigsmith test`.
//!
//! - [`events`] reads NDJSON, JSON arrays, CloudTrail `Records` files (gzipped or not) and
//!   resolves dotted field paths;
//! - [`matcher`] compiles a rule's detection once (from the linter's detection and condition
//!   model) and evaluates it with the Sigma specification's semantics;
//! - [`correlation`] slides correlation windows over the matches, by event time;
//! - [`logsource`] routes each event to the rules of its log source;
//! - [`rules`] loads rules, filters and correlations from rule files;
//! - [`exemplar`] reads the sample events kept with a rule (`sigsmith test`).
//!
//! [`run`] evaluates a rule set on event files, in parallel over the files.

pub mod correlation;
pub mod events;
pub mod exemplar;
pub mod logsource;
pub mod matcher;
pub mod rules;

use std::path::PathBuf;

use rayon::prelude::*;

use crate::eval::correlation::{CorrMatch, Hit};
use crate::eval::events::{ReadError, lookup_first};
use crate::eval::logsource::Router;
use crate::eval::matcher::parse_time;
use crate::eval::rules::RuleSet;

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Evaluate every rule on every event (no log source routing).
    pub all_rules: bool,
    /// The event time field (default: per log source).
    pub time_field: Option<String>,
}

/// One event a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Index of the events file in [`RunOutput::files`].
    pub file: usize,
    /// Index of the event in its file.
    pub index: u64,
    /// 1-based line of the event (NDJSON), or 0.
    pub line: u64,
    /// Index of the rule in [`RuleSet::rules`].
    pub rule: usize,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// The events files, in order.
    pub files: Vec<PathBuf>,
    /// Rule matches, ordered by file, event, rule.
    pub matches: Vec<Match>,
    /// Correlation firings: (index into [`RuleSet::correlations`], the firing).
    pub correlations: Vec<(usize, CorrMatch)>,
    /// Events read.
    pub events: u64,
    /// Problems reading events.
    pub errors: Vec<ReadError>,
    /// Correlated matches skipped because the event had no readable time.
    pub untimed: u64,
}

/// Events evaluated together (NDJSON lines of a batch are parsed and matched in parallel).
const BATCH: usize = 2048;

#[derive(Default)]
struct EventResult {
    matches: Vec<Match>,
    hits: Vec<(usize, Hit)>,
    untimed: u64,
}

fn eval_event(
    set: &RuleSet,
    router: &Router,
    feeds: &[Vec<(usize, usize)>],
    opts: &RunOptions,
    fi: usize,
    ev: &events::Event,
) -> EventResult {
    let mut r = EventResult::default();
    let profile = router.recognise(&ev.value);
    for &ri in router.rules_for(&profile).iter() {
        let rule = &set.rules[ri];
        if !rule.matches(&ev.value) {
            continue;
        }
        if rule.report {
            r.matches.push(Match {
                file: fi,
                index: ev.index,
                line: ev.line,
                rule: ri,
            });
        }
        let Some(feed) = feeds.get(ri).filter(|f| !f.is_empty()) else {
            continue;
        };
        let time = match &opts.time_field {
            Some(t) => lookup_first(&ev.value, t),
            None => router.time_value(&ev.value, &profile),
        }
        .and_then(parse_time);
        let Some(time) = time else {
            r.untimed += 1;
            continue;
        };
        let text = |f: &str| {
            lookup_first(&ev.value, f).and_then(|v| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            })
        };
        for &(ci, pos) in feed {
            let c = &set.correlations[ci];
            let group = c
                .group_by
                .iter()
                .map(|g| text(c.group_field(g, ri)).unwrap_or_default())
                .collect();
            let value = c.field.as_deref().and_then(|f| text(c.group_field(f, ri)));
            r.hits.push((
                ci,
                Hit {
                    time,
                    rule_pos: pos,
                    group,
                    value,
                    file: fi,
                    index: ev.index,
                },
            ));
        }
    }
    r
}

struct FileResult {
    matches: Vec<Match>,
    hits: Vec<Vec<Hit>>,
    events: u64,
    errors: Vec<ReadError>,
    untimed: u64,
}

/// Evaluates `set` on the events of `files`.
pub fn run(set: &RuleSet, files: Vec<PathBuf>, opts: &RunOptions) -> RunOutput {
    let router = Router::new(&set.rules, opts.all_rules);
    // For each rule, the correlations (and the rule's position in them) it feeds.
    let mut feeds: Vec<Vec<(usize, usize)>> = vec![Vec::new(); set.rules.len()];
    for (ci, c) in set.correlations.iter().enumerate() {
        for (pos, &ri) in c.rule_indices.iter().enumerate() {
            if let Some(f) = feeds.get_mut(ri) {
                f.push((ci, pos));
            }
        }
    }
    let results: Vec<FileResult> = files
        .par_iter()
        .enumerate()
        .map(|(fi, path)| {
            let mut r = FileResult {
                matches: Vec::new(),
                hits: vec![Vec::new(); set.correlations.len()],
                events: 0,
                errors: Vec::new(),
                untimed: 0,
            };
            let errors = events::read_batches(path, BATCH, |batch| {
                r.events += batch.len() as u64;
                let per_event: Vec<EventResult> = batch
                    .par_iter()
                    .map(|ev| eval_event(set, &router, &feeds, opts, fi, ev))
                    .collect();
                for e in per_event {
                    r.matches.extend(e.matches);
                    r.untimed += e.untimed;
                    for (ci, h) in e.hits {
                        r.hits[ci].push(h);
                    }
                }
            });
            r.errors = errors;
            r
        })
        .collect();
    let mut out = RunOutput {
        files,
        ..RunOutput::default()
    };
    let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); set.correlations.len()];
    for r in results {
        out.matches.extend(r.matches);
        out.events += r.events;
        out.errors.extend(r.errors);
        out.untimed += r.untimed;
        for (ci, h) in r.hits.into_iter().enumerate() {
            hits[ci].extend(h);
        }
    }
    for (ci, h) in hits.into_iter().enumerate() {
        for m in correlation::run(&set.correlations[ci], h) {
            out.correlations.push((ci, m));
        }
    }
    out
}
