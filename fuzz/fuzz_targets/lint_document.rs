//! Fuzzes the YAML loader, the whole lint engine (every check), suppression comments and every
//! output format on one file: what `sigsmith lint` does after reading a file.
//!
//! Input: any bytes, decoded as lossy UTF-8 like a file the linter reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigsmith::diagnostic::sort_findings;
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};
use sigsmith::output::{self, Format, Report, Summary};
use std::sync::OnceLock;

fn options() -> &'static LintOptions {
    static OPTS: OnceLock<LintOptions> = OnceLock::new();
    OPTS.get_or_init(LintOptions::default)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let stream = sigsmith::yaml::parse(&text);
    for doc in &stream.documents {
        let _ = doc.root.to_json();
    }
    let lines = text.lines().count();
    let source = SourceFile {
        path: "fuzz.yml".into(),
        text,
    };
    let out = lint_sources(std::slice::from_ref(&source), options());
    assert_eq!(out.files, 1);
    assert_eq!(out.documents, stream.documents.len());
    for f in &out.findings {
        // Every finding points into the file (output renders a snippet from that line).
        assert!(f.pos.line >= 1 && f.pos.col >= 1, "finding at {}: {f:?}", f.pos);
        let line = usize::try_from(f.pos.line).unwrap_or(usize::MAX);
        assert!(line <= lines + 1, "finding past the end: {f:?}");
    }
    let sources = [(source.path.as_path(), source.text.as_str())];
    let applied = sigsmith::suppress::apply(out.findings, sources, &|_| true);
    let mut findings = applied.findings;
    sort_findings(&mut findings);
    let report = Report {
        findings: &findings,
        sources: sources.into_iter().collect(),
        summary: Summary::new(&findings, 1, out.documents, applied.suppressed),
        skipped: &out.skipped,
    };
    let mut buf = Vec::new();
    for (format, styled) in [
        (Format::Text, false),
        (Format::Text, true),
        (Format::Json, false),
        (Format::Sarif, false),
        (Format::Github, false),
    ] {
        buf.clear();
        output::write(format, &report, &mut buf, styled).expect("writing to a Vec");
    }
});
