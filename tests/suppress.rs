//! `# sigsmith: ignore[...]` comments end to end: document- and line-level suppression, unused
//! and unknown entries reported as SIG000, `#` inside block scalars ignored, `--no-ignores`.

mod common;

use std::path::{Path, PathBuf};

use common::Out;

fn fixture() -> PathBuf {
    common::repo_root().join("tests/fixtures/cli/suppress")
}

fn lint(dir: &Path, extra: &[&str]) -> Out {
    common::sigsmith(["lint", "--no-config"])
        .args(extra)
        .dir(dir)
        .out()
}

/// `CODE path:line:col` per finding.
fn findings(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| is_finding_line(l))
        .map(|l| {
            let (loc, rest) = l.split_once(": ").expect("location");
            format!("{} {loc}", rest.split('[').next().expect("code"))
        })
        .collect()
}

#[test]
fn suppressions_hide_findings_and_unused_ones_are_reported() {
    let out = lint(&fixture(), &["--select", "API001,SIG000"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        findings(&out.stdout),
        [
            "API001 in_scalar.yml:19:16",
            "API001 multi.yml:17:16",
            "SIG000 unused.yml:19:71",
            "SIG000 unused.yml:26:34",
            "SIG000 unused.yml:27:1",
        ]
    );
    assert!(out.stderr.ends_with("; 4 suppressed\n"), "{}", out.stderr);
    common::settings(None).bind(|| insta::assert_snapshot!("suppress_text", out.stdout));
}

#[test]
fn no_ignores_shows_everything_and_reports_no_unused() {
    let out = lint(&fixture(), &["--select", "API001,SIG000", "--no-ignores"]);
    let got = findings(&out.stdout);
    for file in [
        "doc_level.yml",
        "line_level.yml",
        "line_above.yml",
        "in_scalar.yml",
    ] {
        assert!(
            got.iter()
                .any(|f| f.starts_with("API001") && f.contains(file)),
            "{file}: {got:?}"
        );
    }
    assert_eq!(
        got.iter().filter(|f| f.contains("multi.yml")).count(),
        2,
        "{got:?}"
    );
    assert!(!got.iter().any(|f| f.starts_with("SIG000")), "{got:?}");
    assert!(!out.stderr.contains("suppressed"), "{}", out.stderr);
}

#[test]
fn unused_reports_follow_the_selection() {
    // API001 does not run: its suppressions are not "unused"; the unknown code and the
    // malformed comment still are.
    let out = lint(&fixture(), &["--select", "SIG000"]);
    assert_eq!(
        findings(&out.stdout),
        ["SIG000 unused.yml:26:34", "SIG000 unused.yml:27:1"]
    );
    assert_eq!(out.code, 0, "SIG000 is a warning");
    // SIG000 itself switched off: suppressions still work, nothing is reported about them.
    let out = lint(&fixture(), &["--select", "API001"]);
    assert_eq!(
        findings(&out.stdout),
        ["API001 in_scalar.yml:19:16", "API001 multi.yml:17:16"]
    );
}

#[test]
fn suppression_in_stdin_and_strict() {
    let text = std::fs::read_to_string(fixture().join("doc_level.yml")).expect("fixture");
    let out = common::sigsmith([
        "lint",
        "--no-config",
        "--select",
        "API001,SIG000",
        "--strict",
        "-",
    ])
    .stdin(&text)
    .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 suppressed"));
}

/// Whether a text-output line is a finding header (`path:line:col: CODE[name] message`).
fn is_finding_line(line: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^\S+:\d+:\d+: [A-Z]+\d+\[[a-z0-9-]+\] ").expect("regex"))
        .is_match(line)
}
