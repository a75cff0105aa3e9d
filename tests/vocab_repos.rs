//! API001 on rule repositories written in other naming schemes than SigmaHQ's:
//! `tests/fixtures/vocab-repos/<repo>/` holds rules labelled by file name, `presence_*.yml`
//! (can fire on API presence alone: API001 must flag it) and `context_*.yml` (carries caller
//! context, a baseline, a vendor verdict or a correlation: API001 must not). The repositories
//! use ECS and Elastic integration names, SaaS vendors' native names, envelopes
//! (`properties.*`, `protoPayload.*`, `data.protoPayload.*`, EventBridge `detail.*`),
//! CloudTrail split per AWS service and other log-source spellings. The test measures
//! precision and recall (`cargo test --test vocab_repos -- --nocapture` prints them).

mod common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;

use sigsmith::diagnostic::Severity;
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};

#[test]
fn api001_precision_and_recall_on_other_naming_schemes() {
    let root = common::repo_root().join("tests/fixtures/vocab-repos");
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixture repos")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    assert!(repos.len() >= 5, "{repos:?}");
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut report = String::new();
    let mut mistakes = Vec::new();
    for repo in &repos {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo)
            .expect("repo")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml"))
            .collect();
        files.sort();
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|p| SourceFile {
                path: p.clone(),
                text: std::fs::read_to_string(p).expect("fixture"),
            })
            .collect();
        let out = lint_sources(&sources, &LintOptions::default());
        let sig: Vec<String> = out
            .findings
            .iter()
            // SIG014: two fixtures use the deprecated aggregation on purpose.
            .filter(|f| {
                f.code.starts_with("SIG") && f.code != "SIG014" && f.severity == Severity::Error
            })
            .map(|f| format!("{}:{} {} {}", f.path.display(), f.pos, f.code, f.message))
            .collect();
        assert!(sig.is_empty(), "fixtures must be valid Sigma: {sig:#?}");
        let flagged: BTreeSet<PathBuf> = out
            .findings
            .iter()
            .filter(|f| f.code == "API001")
            .map(|f| f.path.clone())
            .collect();
        let (mut rtp, mut rfp, mut rfn, mut total) = (0, 0, 0, 0);
        for f in &files {
            let name = f.file_name().expect("name").to_string_lossy().into_owned();
            let expected = name.starts_with("presence_");
            assert!(
                expected || name.starts_with("context_"),
                "{name}: label by prefix"
            );
            total += 1;
            match (expected, flagged.contains(f)) {
                (true, true) => rtp += 1,
                (false, true) => {
                    rfp += 1;
                    mistakes.push(format!("false positive: {name}"));
                }
                (true, false) => {
                    rfn += 1;
                    mistakes.push(format!("missed: {name}"));
                }
                (false, false) => {}
            }
        }
        report.push_str(&format!(
            "{}: {total} rules, {rtp} flagged right, {rfp} false positives, {rfn} missed\n",
            repo.file_name().expect("name").to_string_lossy()
        ));
        tp += rtp;
        fp += rfp;
        fn_ += rfn;
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let _ = writeln!(
        std::io::stderr(),
        "{report}API001 precision {precision:.3}, recall {recall:.3} ({tp} TP, {fp} FP, {fn_} FN)\n{mistakes:#?}"
    );
    assert!(tp + fn_ >= 30, "too few presence-only fixtures");
    assert!(precision >= 0.95, "precision {precision:.3}: {mistakes:#?}");
    assert!(recall >= 0.90, "recall {recall:.3}: {mistakes:#?}");
}
