//! Lints the SigmaHQ corpus in `../shared/corpora/sigmahq` (skipped with a note when absent):
//! no panic, no SIG-level error on valid Sigma, and a report of what API001 flags
//! (`cargo test --test corpus -- --nocapture` shows it).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use sigsmith::diagnostic::Severity;
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};

fn corpus_files() -> Option<(PathBuf, Vec<PathBuf>)> {
    let root = common::shared_dir()?.join("corpora/sigmahq");
    if !root.is_dir() {
        return None;
    }
    let mut files = Vec::new();
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("corpus folder is readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    Some((root, files))
}

#[test]
fn sigmahq_corpus_lints_without_false_errors() {
    let Some((root, files)) = corpus_files() else {
        let _ = writeln!(
            std::io::stderr(),
            "note: ../shared/corpora/sigmahq is absent; skipping"
        );
        return;
    };
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|p| SourceFile {
            path: p.strip_prefix(&root).expect("under root").to_path_buf(),
            text: std::fs::read_to_string(p).expect("corpus file is UTF-8"),
        })
        .collect();
    let out = lint_sources(&sources, &LintOptions::default());
    assert_eq!(out.files, files.len());
    assert!(out.documents >= files.len());

    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &out.findings {
        *by_code.entry(f.code).or_default() += 1;
    }
    let sig_errors: Vec<String> = out
        .findings
        .iter()
        .filter(|f| f.code.starts_with("SIG") && f.severity == Severity::Error)
        .map(|f| format!("{}:{} {} {}", f.path.display(), f.pos, f.code, f.message))
        .collect();
    let api001: Vec<_> = out.findings.iter().filter(|f| f.code == "API001").collect();
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "corpus: {} files, {} documents, findings by code: {by_code:?}",
        out.files, out.documents
    );
    let mut per_profile: BTreeMap<String, usize> = BTreeMap::new();
    for f in &api001 {
        let profile = f
            .message
            .rsplit_once('(')
            .map_or("?", |(_, p)| p.trim_end_matches(')'));
        *per_profile.entry(profile.to_owned()).or_default() += 1;
    }
    let _ = writeln!(err, "API001 flags {} rules: {per_profile:?}", api001.len());
    let _ = writeln!(err, "examples:");
    // One example from each of the three big clouds.
    for profile in ["(aws-cloudtrail)", "(azure-activitylogs)", "(gcp-audit)"] {
        if let Some(f) = api001.iter().find(|f| f.message.ends_with(profile)) {
            let _ = writeln!(
                err,
                "  {}:{} {}: {}",
                f.path.display(),
                f.pos,
                f.doc_title.as_deref().unwrap_or("?"),
                f.message
            );
        }
    }
    for e in sig_errors.iter().take(40) {
        let _ = writeln!(err, "SIG error: {e}");
    }
    assert!(
        !out.findings
            .iter()
            .any(|f| f.code == "SIG001" || f.code == "SIG005"),
        "SIG001/SIG005 on valid Sigma"
    );
    assert!(
        sig_errors.is_empty(),
        "{} SIG-level errors on the corpus",
        sig_errors.len()
    );
    assert!(
        !api001.is_empty(),
        "API001 should flag presence-only cloud rules in SigmaHQ"
    );
}
