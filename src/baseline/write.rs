//! `sigsmith baseline --write`: fills a draft's baselines with the qualifying values, through
//! [`crate::edit`] so that every byte outside the changed items (comments, quoting, order)
//! is kept.
//!
//! For each baseline with qualifying values:
//! - the item's values become those values (one quoted scalar, or a block list);
//! - its key gains `cidr` when the values are networks and `startswith` when they are
//!   identity prefixes (an assumed-role session ARN aggregated into its role);
//! - its `sigsmith.baselines` entry records what the values came from, as
//!   `filled: {by, events, from, to, matched, min_days, min_share, values}`.
//!
//! The prompt asking whether the context fields are populated gets the measured coverage as
//! its answer, unless someone else answered it. Running it again on the same history yields
//! the same text, so nothing is rewritten; on a longer history only what changed moves.

use std::ops::Range;

use crate::baseline::{Compiled, RuleReport};
use crate::edit::{Edit, range_of};
use crate::scaffold::quote::quote;
use crate::yaml::{Node, Value};

/// The answer prefix marking a measured answer (replaced on the next run).
pub const MEASURED: &str = "Measured by sigsmith baseline";

/// The byte range of a value node, without trailing blank space (a block list's span may run
/// into the next line).
fn value_range(text: &str, node: &Node) -> Option<Range<usize>> {
    let mut r = range_of(text, node.span)?;
    if let Some(items) = node.as_seq()
        && !text[r.start..].starts_with('[')
        && let Some(last) = items.last()
    {
        r.end = range_of(text, last.span)?.end;
    }
    let trimmed = text[r.start..r.end].trim_end();
    r.end = r.start + trimmed.len();
    Some(r)
}

fn indent_of(text: &str, node: &Node) -> Option<usize> {
    let at = range_of(text, node.span)?.start;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    Some(text[line_start..at].chars().count())
}

/// The values and key modifiers to write for a baseline.
fn values_and_modifiers(
    report_values: &[crate::baseline::ValueRow],
    qualifying: &[String],
    modifiers: &[String],
) -> (Vec<String>, Vec<String>) {
    let kind = |v: &String| {
        report_values
            .iter()
            .find(|r| &r.value == v)
            .map_or("value", |r| r.kind)
    };
    let mut mods: Vec<String> = modifiers.to_vec();
    let networks: Vec<String> = qualifying
        .iter()
        .filter(|v| kind(v) == "network")
        .cloned()
        .collect();
    let has = |m: &[String], x: &str| m.iter().any(|y| y == x);
    if !networks.is_empty() && (networks.len() == qualifying.len() || has(&mods, "cidr")) {
        // Networks: matched with `cidr` (values that are not networks cannot be under it).
        if !has(&mods, "cidr") {
            mods.retain(|m| m != "startswith" && m != "endswith" && m != "contains");
            mods.insert(0, "cidr".to_owned());
        }
        return (networks, mods);
    }
    if qualifying.iter().any(|v| kind(v) == "prefix")
        && !has(&mods, "startswith")
        && !has(&mods, "contains")
    {
        mods.retain(|m| m != "endswith" && m != "cidr");
        mods.insert(0, "startswith".to_owned());
    }
    (qualifying.to_vec(), mods)
}

fn flow_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The edits that fill the baselines of `compiled` (one draft of the file `text`) from
/// `report`.
pub fn edits(text: &str, compiled: &Compiled, report: &RuleReport) -> Vec<Edit> {
    let mut out = Vec::new();
    let draft = &compiled.draft;
    for (b, r) in draft.baselines.iter().zip(&report.baselines) {
        if r.qualifying.is_empty() {
            continue;
        }
        let Some(loc) = &b.location else { continue };
        let (values, mods) = values_and_modifiers(&r.values, &r.qualifying, &loc.modifiers);
        let (Some(key_range), Some(val_range), Some(indent)) = (
            range_of(text, loc.key.span),
            value_range(text, &loc.value),
            indent_of(text, &loc.key),
        ) else {
            continue;
        };
        let mut key = loc.field.clone();
        for m in &mods {
            key.push('|');
            key.push_str(m);
        }
        let body = if values.len() == 1 {
            format!(" {}", quote(&values[0]))
        } else {
            let pad = " ".repeat(indent + 4);
            values
                .iter()
                .map(|v| format!("\n{pad}- {}", quote(v)))
                .collect()
        };
        let new = format!("{key}:{body}");
        let range = key_range.start..val_range.end;
        if text.get(range.clone()) != Some(new.as_str()) {
            out.push(Edit::replace(range, new));
        }
        // Provenance in the sigsmith.baselines entry.
        if let Some(entry) = &b.entry {
            let prov = format!(
                "{{by: sigsmith baseline, events: {}, from: {}, to: {}, matched: {}, min_days: {}, min_share: {}, values: {}}}",
                flow_list(&report.history.files),
                quote(report.history.first.as_deref().unwrap_or("")),
                quote(report.history.last.as_deref().unwrap_or("")),
                report.history.matched,
                report.thresholds.min_days,
                report.thresholds.min_share,
                values.len()
            );
            if let Some(e) = provenance_edit(text, entry, &prov) {
                out.push(e);
            }
        }
    }
    if let Some((_, _, Some(answer))) = draft.coverage_prompt()
        && let Some(e) = coverage_answer(text, answer, report)
    {
        out.push(e);
    }
    out
}

fn provenance_edit(text: &str, entry: &Node, prov: &str) -> Option<Edit> {
    let map = entry.as_map()?;
    if let Some((_, v)) = map.iter().find(|(k, _)| k.as_str() == Some("filled")) {
        let r = value_range(text, v)?;
        return (text.get(r.clone()) != Some(prov)).then(|| Edit::replace(r, prov));
    }
    let (first_key, _) = map.first()?;
    let (_, last) = map.last()?;
    let indent = indent_of(text, first_key)?;
    let at = value_range(text, last)?.end;
    Some(Edit::insert(
        at,
        format!("\n{}filled: {prov}", " ".repeat(indent)),
    ))
}

fn coverage_answer(text: &str, answer: &Node, report: &RuleReport) -> Option<Edit> {
    let open = match &answer.value {
        Value::Null => true,
        Value::Str(s) => s.trim().is_empty() || s.starts_with(MEASURED),
        _ => false,
    };
    if !open || report.coverage.is_empty() {
        return None;
    }
    let mut fields: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for c in &report.coverage {
        if seen.contains(&c.field.as_str()) {
            continue;
        }
        seen.push(&c.field);
        let (present, total) = report
            .coverage
            .iter()
            .filter(|x| x.field == c.field)
            .fold((0, 0), |(p, t), x| (p + x.present, t + x.total));
        let pct = if total == 0 {
            0.0
        } else {
            ((present as f64) * 10_000.0 / total as f64).round() / 100.0
        };
        fields.push(format!("{} {pct}%", c.field));
    }
    let below: Vec<String> = report
        .coverage_findings()
        .map(|c| format!("{} in {} ({}%)", c.field, c.source, c.percent))
        .collect();
    let verdict = if below.is_empty() {
        format!(
            "every context field is populated in at least {}% of them",
            report.thresholds.min_coverage
        )
    } else {
        format!(
            "below {}%: {}",
            report.thresholds.min_coverage,
            below.join(", ")
        )
    };
    let answer_text = format!(
        "{MEASURED} over {} matched events from {} to {}: {verdict}. Coverage: {}.",
        report.history.matched,
        report.history.first.as_deref().unwrap_or("?"),
        report.history.last.as_deref().unwrap_or("?"),
        fields.join(", ")
    );
    let r = value_range(text, answer)?;
    if r.is_empty() {
        return None;
    }
    let new = quote(&answer_text);
    (text.get(r.clone()) != Some(new.as_str())).then(|| Edit::replace(r, new))
}
