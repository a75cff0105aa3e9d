//! `--format sarif`: a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning, Azure
//! DevOps, VS Code SARIF viewer). The driver lists every check with its documentation so a
//! viewer can explain a result without sigsmith; results carry rule id and index, level,
//! message, the primary location, related locations and, when the check knows a safe fix, the
//! fix (`fixes[]`: the edits `lint --fix` applies, as `replacements` of regions in the file). A test validates the output against
//! the official schema (`schemas/sarif-2.1.0.json`).

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{FixPlacer, Report};
use crate::checks;
use crate::diagnostic::{Finding, Severity};
use crate::lint::rule::RuleMeta;
use crate::yaml::Pos;

/// Where each check's documentation is published; the anchor is the lowercase code.
pub const RULE_DOCS_URL: &str = "https://github.com/sigsmith/sigsmith/blob/main/docs/rules.md";

/// The SARIF schema URI written in `$schema`.
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative or `file://` URI for a path, percent-encoding everything but unreserved
/// characters and `/`.
pub fn path_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    if path.is_absolute() {
        out.push_str("file://");
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first paragraph after "What it does", or the summary.
fn full_description(meta: &RuleMeta) -> String {
    let doc = meta.doc_text();
    let mut lines = doc
        .lines()
        .skip_while(|l| !l.starts_with("## What it does"))
        .skip(1);
    let para: Vec<&str> = lines
        .by_ref()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    if para.is_empty() {
        meta.summary.to_owned()
    } else {
        para.join(" ")
    }
}

fn rule(meta: &RuleMeta) -> Value {
    let doc = meta.doc_text();
    json!({
        "id": meta.code,
        "name": meta.name,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": full_description(meta) },
        "help": { "text": doc, "markdown": doc },
        "helpUri": format!("{RULE_DOCS_URL}#{}", meta.code.to_ascii_lowercase()),
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": { "tags": [meta.code.trim_end_matches(|c: char| c.is_ascii_digit()).to_ascii_lowercase()] }
    })
}

fn region(pos: Pos, end: Option<Pos>) -> Value {
    let mut r = json!({ "startLine": pos.line.max(1), "startColumn": pos.col.max(1) });
    if let Some(end) = end.filter(|e| *e > pos) {
        r["endLine"] = json!(end.line.max(1));
        r["endColumn"] = json!(end.col.max(1));
    }
    r
}

/// A region from `start` to `end` (exclusive), all four bounds written: an empty region is an
/// insertion point. Columns count characters, as `run.columnKind` (`unicodeCodePoints`) says.
fn edit_region(start: Pos, end: Pos) -> Value {
    json!({
        "startLine": start.line.max(1),
        "startColumn": start.col.max(1),
        "endLine": end.line.max(1),
        "endColumn": end.col.max(1),
    })
}

/// The SARIF `fix` of `f`: its title as `description`, its edits as `replacements` of the
/// finding's file (regions of the unmodified file, in the order they apply, as SARIF
/// specifies).
fn fix(f: &Finding, placer: &mut FixPlacer<'_>) -> Option<Value> {
    let (fix, edits) = placer.place(f)?;
    let replacements: Vec<Value> = edits
        .into_iter()
        .map(|e| {
            let mut r = json!({ "deletedRegion": edit_region(e.start, e.end) });
            if !e.edit.text.is_empty() {
                r["insertedContent"] = json!({ "text": e.edit.text });
            }
            r
        })
        .collect();
    Some(json!({
        "description": { "text": fix.title },
        "artifactChanges": [{
            "artifactLocation": { "uri": path_uri(&f.path) },
            "replacements": replacements,
        }],
    }))
}

fn result(f: &Finding, index: Option<usize>, placer: &mut FixPlacer<'_>) -> Value {
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str(&format!(" (help: {help})"));
    }
    let mut r = json!({
        "ruleId": f.code,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": path_uri(&f.path) },
                "region": region(f.pos, f.end),
            }
        }],
    });
    if let Some(i) = index {
        r["ruleIndex"] = json!(i);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                json!({
                    "id": i,
                    "physicalLocation": {
                        "artifactLocation": { "uri": path_uri(&rel.path) },
                        "region": region(rel.pos, None),
                    },
                    "message": { "text": rel.message },
                })
            })
            .collect();
    }
    if let Some(fix) = fix(f, placer) {
        r["fixes"] = json!([fix]);
    }
    let mut props = serde_json::Map::new();
    if let Some(id) = &f.doc_id {
        props.insert("documentId".into(), json!(id));
    }
    if let Some(title) = &f.doc_title {
        props.insert("documentTitle".into(), json!(&**title));
    }
    if !props.is_empty() {
        r["properties"] = Value::Object(props);
    }
    r
}

/// Builds the SARIF log.
pub fn log(report: &Report<'_>) -> Value {
    let rules = checks::all();
    let mut placer = FixPlacer::new(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rules.iter().position(|m| m.code == f.code), &mut placer))
        .collect();
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "sigsmith",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": RULE_DOCS_URL,
                    "rules": rules.iter().map(rule).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// Writes the SARIF log as pretty-printed JSON.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(path_uri(Path::new("rules/a b.yml")), "rules/a%20b.yml");
        assert_eq!(path_uri(Path::new("/x/é.yml")), "file:///x/%C3%A9.yml");
        assert_eq!(path_uri(Path::new("-")), "-");
    }

    #[test]
    fn full_description_is_the_first_paragraph() {
        let meta = crate::lint::rules::unreadable_file::UnreadableFile::META;
        let d = full_description(&meta);
        assert!(
            d.starts_with("Reports a file that `sigsmith lint` could not read"),
            "{d}"
        );
        assert!(!d.contains("## "), "{d}");
    }
}
