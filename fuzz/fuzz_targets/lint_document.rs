//! Fuzzes the YAML loader and the whole lint engine (every check) on one file.
//!
//! Input: any bytes, decoded as lossy UTF-8 like a file the linter reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};
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
});
