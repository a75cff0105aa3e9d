//! `sigsmith lint --explain`: how the API checks see each rule — the log source and how the
//! vocabulary recognised it, the class of every detection field, and each way the condition
//! can fire with the verdict on it, and the fixes: `sigsmith harden` for API001, and each
//! finding's `lint --fix` fix.

use std::fmt::Write as _;

use crate::lint::context::DocCtx;
use crate::lint::document::{DocKind, parse_file_at};
use crate::lint::engine::{LintOptions, SourceFile, lint_sources};
use crate::lint::rules::api_presence_only::analyze_full;

/// The explanation of every rule of `sources`, as text. Correlation rules and filters among
/// the sources count, as in a lint run.
pub fn explain(sources: &[SourceFile], opts: &LintOptions) -> String {
    let linted = lint_sources(sources, opts);
    let mut out = String::new();
    for source in sources {
        let parsed = parse_file_at(&source.text, &source.path);
        for doc in &parsed.documents {
            if doc.kind != DocKind::Rule {
                continue;
            }
            let cx = DocCtx::new(&source.path, &source.text, doc, opts);
            let title = doc.title().unwrap_or("(untitled)");
            let _ = writeln!(out, "{}:{} {title}", source.path.display(), doc.start);
            let ls = doc.logsource();
            let ls_text = if ls.is_empty() {
                "(none)".to_owned()
            } else {
                ls.to_string()
            };
            match (cx.profile, cx.recognized) {
                (Some(p), Some(how)) => {
                    let _ = writeln!(
                        out,
                        "  log source: {ls_text} -> {} ({}, {}), {how}",
                        p.name,
                        p.display_title(),
                        if p.is_api_audit() {
                            "API audit"
                        } else {
                            "vendor verdicts"
                        }
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "  log source: {ls_text} -> not an API-audit log source of the vocabulary"
                    );
                }
            }
            if let (Some(p), Some(det)) = (cx.profile, &cx.detection) {
                let mut seen: Vec<&str> = Vec::new();
                let fields: Vec<&str> = det
                    .selections
                    .iter()
                    .flat_map(|s| s.items())
                    .filter_map(|i| i.field)
                    .filter(|f| {
                        let new = !seen.contains(f);
                        seen.push(f);
                        new
                    })
                    .collect();
                if !fields.is_empty() {
                    let _ = writeln!(out, "  fields:");
                    let width = fields.iter().map(|f| f.len()).max().unwrap_or(0);
                    for f in fields {
                        let _ = writeln!(out, "    {f:<width$}  {}", p.lookup(f));
                    }
                }
            }
            let analysis = analyze_full(&cx);
            if let Some(why) = &analysis.skipped {
                let _ = writeln!(out, "  API001: not judged: {why}");
            }
            if !analysis.branches.is_empty() {
                let _ = writeln!(out, "  branches:");
                for b in &analysis.branches {
                    let verdict = if b.presence {
                        "fires on API presence alone"
                    } else {
                        "passes"
                    };
                    let _ = writeln!(out, "    {}: {verdict}: {}", b.text, b.why);
                }
            }
            let reported = linted.findings.iter().find(|f| {
                f.code == "API001" && f.path == source.path && f.doc_index == Some(doc.index)
            });
            match (reported, &analysis.presence) {
                (Some(f), _) => {
                    let _ = writeln!(out, "  verdict: API001 at {}: {}", f.pos, f.message);
                }
                (None, Some(_)) => {
                    let _ = writeln!(
                        out,
                        "  verdict: passes: a correlation rule groups it by a context field, or a filter applies a context constraint"
                    );
                }
                (None, None) => {
                    let _ = writeln!(out, "  verdict: passes");
                }
            }
            if reported.is_some() {
                let _ = writeln!(
                    out,
                    "  fix: `sigsmith harden {}` adds the context constraint, baseline filter and prompts",
                    source.path.display()
                );
            }
            for f in linted.findings.iter().filter(|f| {
                f.path == source.path && f.doc_index == Some(doc.index) && f.fix.is_some()
            }) {
                if let Some(fix) = &f.fix {
                    let _ = writeln!(
                        out,
                        "  fix: {} at {}: {} (`sigsmith lint --fix`)",
                        fix.code, f.pos, fix.title
                    );
                }
            }
            out.push('\n');
        }
    }
    out
}
