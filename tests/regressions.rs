//! Every input the fuzzers found (`tests/fixtures/regressions/`), run through the same code
//! as its fuzz target, with the invariants the target asserts plus what each one was about.
//!
//! `fuzz-condition-*.txt`: first line a condition, further lines detection identifiers.
//! `fuzz-lint_document-*.yml`: any bytes, read as lossy UTF-8 and linted with every check.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sigsmith::diagnostic::sort_findings;
use sigsmith::lint::condition;
use sigsmith::lint::engine::{LintOptions, LintOutput, SourceFile, lint_sources};
use sigsmith::output::{self, Format, Report, Summary};

mod common;

fn regressions() -> BTreeMap<String, Vec<u8>> {
    let dir = common::repo_root().join("tests/fixtures/regressions");
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("regressions folder") {
        let p = e.expect("entry").path();
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        if name.starts_with("fuzz-") {
            out.insert(name, std::fs::read(&p).expect("read"));
        }
    }
    out
}

/// Runs a `lint_document` input exactly as the fuzz target does and checks its invariants.
fn lint_document(name: &str, data: &[u8]) -> (String, LintOutput) {
    let text = String::from_utf8_lossy(data).into_owned();
    let stream = sigsmith::yaml::parse(&text);
    for doc in &stream.documents {
        let _ = doc.root.to_json();
    }
    let lines = text.lines().count();
    let out = lint_sources(
        &[SourceFile {
            path: PathBuf::from(name),
            text: text.clone(),
        }],
        &LintOptions::default(),
    );
    assert_eq!(out.files, 1, "{name}");
    assert_eq!(out.documents, stream.documents.len(), "{name}");
    for f in &out.findings {
        let line = usize::try_from(f.pos.line).expect("line");
        assert!(
            f.pos.line >= 1 && f.pos.col >= 1 && line <= lines + 1,
            "{name}: finding outside the file ({lines} lines): {f:?}"
        );
        assert_eq!(f.path, Path::new(name));
    }
    // Then what `sigsmith lint` does with the findings: suppressions and every format.
    let sources = [(Path::new(name), text.as_str())];
    let applied = sigsmith::suppress::apply(out.findings.clone(), sources, &|_| true);
    let mut findings = applied.findings;
    sort_findings(&mut findings);
    let report = Report {
        findings: &findings,
        sources: sources.into_iter().collect(),
        summary: Summary::new(&findings, 1, out.documents, applied.suppressed),
        skipped: &out.skipped,
    };
    for (format, styled) in [
        (Format::Text, false),
        (Format::Text, true),
        (Format::Json, false),
        (Format::Sarif, false),
        (Format::Github, false),
    ] {
        let mut buf = Vec::new();
        output::write(format, &report, &mut buf, styled).expect("write to a Vec");
        let shown = String::from_utf8(buf).expect("UTF-8 output");
        if !findings.is_empty() {
            assert!(
                shown.contains(name),
                "{name}: {format:?} output names no file"
            );
        }
    }
    (text, out)
}

/// Runs a `condition` input exactly as the fuzz target does and checks its invariants.
fn condition_input(name: &str, data: &[u8]) -> Result<usize, condition::ConditionError> {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let cond = lines.next().unwrap_or_default();
    let names: Vec<&str> = lines.collect();
    let parsed = condition::parse(cond).inspect_err(|e| {
        assert!(e.offset <= cond.len(), "{name}: offset past the end");
    })?;
    condition::visit_refs(&parsed.expr, |e| {
        if let condition::Expr::Ident { span, .. } | condition::Expr::Of { span, .. } = e {
            assert!(
                cond.get(span.clone()).is_some(),
                "{name}: bad span {span:?}"
            );
        }
    });
    Ok(match condition::to_dnf(&parsed.expr, &names) {
        Ok(dnf) => {
            assert!(dnf.len() <= condition::MAX_DNF_TERMS, "{name}");
            dnf.len()
        }
        Err(_) => 0,
    })
}

#[test]
fn every_regression_input_holds_the_invariants() {
    let all = regressions();
    assert!(!all.is_empty(), "no regression inputs found");
    for (name, data) in &all {
        if name.starts_with("fuzz-lint_document-") {
            lint_document(name, data);
        } else if name.starts_with("fuzz-condition-") {
            let _ = condition_input(name, data);
        } else {
            panic!("{name}: regression files are fuzz-<target>-<short>.<ext>");
        }
    }
}

/// Lone CR line breaks: the YAML parser counted them as lines, so findings pointed past the
/// end of the file (line 94 of a 25-line file). Lines now count `\n` only.
#[test]
fn lone_cr_findings_point_at_real_lines() {
    let all = regressions();
    let (text, out) = lint_document("lone-cr.yml", &all["fuzz-lint_document-lone-cr.yml"]);
    let sig001 = out
        .findings
        .iter()
        .find(|f| f.code == "SIG001")
        .expect("the stray text after the CRs is a YAML error");
    let line = text
        .lines()
        .nth(usize::try_from(sig001.pos.line).expect("line") - 1)
        .expect("the line exists");
    // Before the fix: line 94. The parser stops at the key after the CR-broken scalar.
    assert_eq!((sig001.pos.line, line), (24, "level: medium"));
    let (_, out) = lint_document("min.yml", &all["fuzz-lint_document-lone-cr-min.yml"]);
    assert!(
        out.findings.iter().all(|f| f.pos.line == 1),
        "{:?}",
        out.findings
    );
}
