//! Baselines beyond one machine: `baseline --emit sigma` writes the aggregation as Sigma rules
//! that pySigma backends convert for the SIEM or data lake holding the history, and
//! `baseline --from-results FILE` reads that engine's grouped result back into the same report.
//!
//! The emitted documents, per draft rule:
//! - a rule `<name>_baseline_events`: the draft's API selection and context constraint, no
//!   baseline filters (the events a baseline is built from);
//! - per baseline, an `event_count` correlation over it grouped by the baseline's field with
//!   `timespan: 1d` and `gte: 1`: every matched event opens a window, so the engine returns
//!   each value with the times it was seen and its events.
//!
//! The result file is NDJSON or a JSON array of rows. A row belongs to a baseline when it
//! carries the baseline's field, directly or in a `group_keys` object (pySigma's SQLite and
//! Zircolite output). Its time is the first of `occurrence_time`, `window_end`, `_time`,
//! `time`, `timestamp`, `day`, `date`. Its events are `event_ids` (a list, so overlapping
//! windows are counted once); without it, `count` or `event_count` events at that time. The
//! share of a value is of the distinct events of all rows (or, without event ids, of the
//! largest baseline total). Telemetry coverage and the API-only volume need the events
//! themselves and are not reported from results.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use crate::baseline::group::{self, Grouped};
use crate::baseline::{Accum, Compiled, Options, Stat};
use crate::eval::matcher::parse_time;

fn names(c: &Compiled) -> (String, String) {
    let base = if c.draft.id.is_empty() {
        format!("line{}", c.draft.line)
    } else {
        c.draft.id.clone()
    };
    let events = format!("{base}_baseline_events");
    (base, events)
}

/// Namespace of the emitted documents' ids (UUID v5 of `baseline/<name>`), stable per draft.
const EMIT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x7b1e_42d0_93a5_4c6e_8f17_2d94_c0a3_5e81);

fn id(key: &str) -> String {
    uuid::Uuid::new_v5(&EMIT_NAMESPACE, format!("baseline/{key}").as_bytes()).to_string()
}

/// The Sigma documents of the aggregation for `c`, as YAML (documents separated by `---`).
pub fn emit(c: &Compiled) -> Result<String, String> {
    let (base, events_name) = names(c);
    let mut detection = Map::new();
    for (k, v) in c.draft.detection.as_map().unwrap_or(&[]) {
        let Some(name) = k.as_str() else { continue };
        if c.draft.positive.iter().any(|p| p == name) {
            detection.insert(name.to_owned(), v.to_json());
        }
    }
    detection.insert(
        "condition".to_owned(),
        Value::String(c.draft.context_condition.clone()),
    );
    let mut docs = vec![json!({
        "title": format!("{} - baseline events", c.draft.title),
        "id": id(&events_name),
        "name": events_name,
        "status": "experimental",
        "description": format!(
            "The events the baselines of {base} are built from: its API selection and context constraint, without baseline filters. Written by sigsmith baseline --emit sigma."
        ),
        "logsource": c.draft.logsource.as_ref().map_or(Value::Null, |n| n.to_json()),
        "detection": Value::Object(detection),
        "level": "informational",
    })];
    for b in &c.draft.baselines {
        if b.field.is_empty() {
            continue;
        }
        let name = format!("{base}_baseline_{}", b.name);
        docs.push(json!({
            "title": format!("{} - baseline {}", c.draft.title, b.name),
            "id": id(&name),
            "name": name,
            "status": "experimental",
            "description": format!(
                "Each value of {} with the times it was seen, for the baseline {} (sigsmith baseline --from-results reads the result back).",
                b.field, b.name
            ),
            "correlation": {
                "type": "event_count",
                "rules": [events_name],
                "group-by": [b.field],
                "timespan": "1d",
                "condition": {"gte": 1},
            },
            "level": "informational",
        }));
    }
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let y = serde_yaml::to_string(d).map_err(|e| e.to_string())?;
        out.push_str(y.strip_prefix("---\n").unwrap_or(&y));
    }
    Ok(out)
}

const TIME_KEYS: [&str; 7] = [
    "occurrence_time",
    "window_end",
    "_time",
    "time",
    "timestamp",
    "day",
    "date",
];

fn field_value(row: &Value, field: &str) -> Option<Value> {
    if let Some(v) = row.get(field) {
        return Some(v.clone());
    }
    let keys = match row.get("group_keys")? {
        Value::String(s) => serde_json::from_str::<Value>(s).ok()?,
        v @ Value::Object(_) => v.clone(),
        _ => return None,
    };
    keys.as_object()?
        .iter()
        .find(|(x, _)| x.eq_ignore_ascii_case(field))
        .map(|(_, v)| v.clone())
}

fn row_time(row: &Value) -> Option<i64> {
    TIME_KEYS.iter().find_map(|k| {
        let v = row.get(*k)?;
        match v {
            // pySigma's SQLite backend reports epoch seconds as a float.
            Value::Number(_) => parse_time(v),
            Value::String(s) if s.len() == 10 => {
                parse_time(&Value::String(format!("{s}T00:00:00Z")))
            }
            _ => parse_time(v),
        }
    })
}

fn row_ids(row: &Value) -> Option<Vec<String>> {
    let v = row.get("event_ids")?;
    let list = match v {
        Value::String(s) => serde_json::from_str::<Value>(s).ok()?,
        other => other.clone(),
    };
    Some(
        list.as_array()?
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
    )
}

fn row_count(row: &Value) -> u64 {
    ["count", "event_count", "metric_value"]
        .iter()
        .find_map(|k| match row.get(*k)? {
            Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .unwrap_or(1)
}

/// Builds the observations of `c` from an engine's result rows.
pub fn from_rows(c: &Compiled, rows: &[Value], opts: &Options) -> Accum {
    let n = c.draft.baselines.len();
    let mut acc = Accum {
        values: (0..n).map(|_| HashMap::new()).collect(),
        carrying: vec![0; n],
        ..Accum::default()
    };
    let mut all_ids: BTreeSet<String> = BTreeSet::new();
    let mut totals = vec![0u64; n];
    for (bi, b) in c.draft.baselines.iter().enumerate() {
        // Per raw value: event ids seen, times, counts without ids.
        let mut per_value: HashMap<String, (BTreeSet<String>, Vec<i64>, u64)> = HashMap::new();
        for row in rows {
            let Some(v) = field_value(row, &b.field) else {
                continue;
            };
            let raw = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            let e = per_value.entry(raw).or_default();
            if let Some(t) = row_time(row) {
                e.1.push(t);
            }
            match row_ids(row) {
                Some(ids) => e.0.extend(ids),
                None => e.2 += row_count(row),
            }
        }
        let mut grouped: HashMap<Grouped, Stat> = HashMap::new();
        for (raw, (ids, times, counted)) in per_value {
            let g = group::group(&raw, opts.prefixes);
            let s = grouped.entry(g).or_default();
            let count = ids.len() as u64 + counted;
            s.count += count;
            totals[bi] += count;
            for t in &times {
                s.days.insert(t.div_euclid(86_400_000));
                s.first = Some(s.first.map_or(*t, |f| f.min(*t)));
                s.last = Some(s.last.map_or(*t, |l| l.max(*t)));
                acc.span = Some(acc.span.map_or((*t, *t), |(a, z)| (a.min(*t), z.max(*t))));
            }
            if s.members.len() < crate::baseline::MAX_MEMBERS {
                s.members.insert(raw);
            }
            all_ids.extend(ids);
        }
        acc.carrying[bi] = totals[bi];
        acc.values[bi] = grouped;
    }
    let matched = if all_ids.is_empty() {
        totals.iter().copied().max().unwrap_or(0)
    } else {
        all_ids.len() as u64
    };
    acc.events = matched;
    acc.ctx_days.insert(i64::MIN, matched);
    acc
}
