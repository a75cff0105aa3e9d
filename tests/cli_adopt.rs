//! Adoption on real repositories: `lint .` on a repository layout with pipelines, docs and
//! workflows reports only the rules; output that scales (`--format concise`, `--statistics`,
//! the top-checks line, GitHub annotation grouping, `--fail-on`).

mod common;

use std::path::Path;

use common::Out;

fn run(dir: &Path, args: &[&str]) -> Out {
    common::sigsmith(args)
        .dir(dir)
        .env_remove(&["CLICOLOR_FORCE", "SIGSMITH_ATTACK"])
        .out()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// A copy of `tests/fixtures/adopt/repo` (rules, pySigma pipelines, mkdocs.yml and docs/,
/// GitHub and GitLab CI, Compose, pre-commit, an issue form, a README) in a fresh folder, with
/// a `.git` folder so it is a repository root of its own.
fn repo_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(
        &common::repo_root().join("tests/fixtures/adopt/repo"),
        tmp.path(),
    );
    std::fs::create_dir_all(tmp.path().join(".git")).expect("git dir");
    tmp
}

/// `(path, severity, code)` of every concise line.
fn concise(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let path = parts.next().expect("path").to_owned();
            let _line = parts.next().expect("line");
            let _col = parts.next().expect("col");
            let rest = parts.next().expect("rest");
            let mut words = rest.split_whitespace();
            let sev = words.next().expect("severity").to_owned();
            let code = words.next().expect("code").to_owned();
            (path, sev, code)
        })
        .collect()
}

#[test]
fn lint_dot_on_a_real_layout_reports_only_the_rules() {
    let tmp = repo_copy();
    let out = run(tmp.path(), &["lint", "--format", "concise", "."]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines = concise(&out.stdout);
    assert!(!lines.is_empty());
    for (path, _, code) in &lines {
        assert!(
            path.starts_with("rules/"),
            "finding outside rules/: {path} {code}\n{}",
            out.stdout
        );
    }
    // The broken rule (Sigma keys, no detection) is still reported.
    assert!(
        lines
            .iter()
            .any(|(p, _, c)| p == "rules/cloud/broken.yml" && c == "SIG015"),
        "{}",
        out.stdout
    );
    // The second document of a file whose first document is broken YAML is still linted.
    assert!(
        lines
            .iter()
            .any(|(p, _, c)| p == "rules/windows/multi.yml" && c == "SIG001"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("rules/windows/multi.yml:17:30: error SIG006 condition uses `nope`"),
        "{}",
        out.stdout
    );
    // Every non-Sigma file is named in a note, with the format it was recognised as.
    for (file, why) in [
        ("pipelines/ecs.yml", "pySigma processing pipeline"),
        ("pipelines/windows.yml", "pySigma processing pipeline"),
        ("mkdocs.yml", "MkDocs configuration"),
        ("docker-compose.yml", "Compose file"),
        ("docs/tags.yml", "YAML sequence"),
    ] {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with(&format!("note: skipped {file}:")) && l.contains(why)),
            "{file}: {}",
            out.stderr
        );
    }
    assert!(
        out.stderr.contains("documents skipped (not Sigma)"),
        "{}",
        out.stderr
    );
}

#[test]
fn every_broken_document_is_reported_and_the_others_linted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rule = |title: &str, cond: &str| {
        format!(
            "title: {title}\nlogsource: {{product: windows, category: process_creation}}\ndetection:\n    sel: {{Image: x}}\n    condition: {cond}\n"
        )
    };
    let text = format!(
        "{}---\ntitle: broken\ndetection: [\n{}---\nbroken: {{\n---\n{}",
        rule("one", "sel and a"),
        rule("two", "sel and b"),
        rule("three", "sel and c")
    );
    std::fs::write(tmp.path().join("multi.yml"), &text).expect("write");
    let out = run(
        tmp.path(),
        &[
            "lint",
            "--no-config",
            "--format",
            "concise",
            "--select",
            "SIG001,SIG006",
        ],
    );
    let got: Vec<String> = out
        .stdout
        .lines()
        .map(|l| {
            let (loc, rest) = l.split_once(": ").expect("loc");
            let code = rest.split_whitespace().nth(1).expect("code");
            format!("{code} {}", loc.trim_start_matches("multi.yml:"))
        })
        .collect();
    // `a`, `b` and `c` are undefined in documents 1, 3 and 5; documents 2 and 4 are broken. The
    // flow sequence of document 2 swallows document 3 up to the next marker (YAML allows no
    // recovery inside it), so its error stands for both.
    assert_eq!(
        got.iter().filter(|l| l.starts_with("SIG001")).count(),
        2,
        "{got:?}"
    );
    assert!(got.contains(&"SIG006 5:24".to_owned()), "{got:?}");
    assert!(got.contains(&"SIG006 21:24".to_owned()), "{got:?}");
}

#[test]
fn hidden_ci_files_named_explicitly_are_skipped_not_errors() {
    let tmp = repo_copy();
    let out = run(
        tmp.path(),
        &[
            "lint",
            ".github",
            ".gitlab-ci.yml",
            ".pre-commit-config.yaml",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "");
    for why in [
        "CI workflow",
        "GitLab CI configuration",
        "pre-commit configuration",
        "GitHub issue form",
    ] {
        assert!(out.stderr.contains(why), "{why}: {}", out.stderr);
    }
    assert!(
        out.stderr.contains("no problems in 4 files"),
        "{}",
        out.stderr
    );
}

#[test]
fn json_report_lists_skipped_documents() {
    let tmp = repo_copy();
    let out = run(tmp.path(), &["lint", "--format", "json", "pipelines"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["summary"]["not_sigma"], 2);
    let skipped = v["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0]["path"], "pipelines/ecs.yml");
    assert_eq!(skipped[0]["line"], 1);
    assert!(
        skipped[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("transformations")),
        "{skipped:?}"
    );
}

/// A folder with `n` presence-only rules `rNN.yml` (one API001 error each) and `n` rules
/// `uNN.yml` whose condition names an undefined identifier (SIG006, made a warning by the
/// folder's sigsmith.toml). Tests select these two checks so other checks' evolution does not
/// change the counts.
fn many_rules(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join(".git")).expect("git dir");
    std::fs::write(
        tmp.path().join("sigsmith.toml"),
        "select = [\"API001\", \"SIG006\", \"SIG001\"]\n[rules.undefined-identifier]\nseverity = \"warning\"\n",
    )
    .expect("config");
    for i in 0..n {
        for (prefix, condition) in [("r", "selection"), ("u", "selection or nope")] {
            std::fs::write(
                tmp.path().join(format!("{prefix}{i:02}.yml")),
                format!(
                    "title: Rule {prefix}{i}\nid: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c{i:02}\nstatus: experimental\ndescription: d\nauthor: a\ndate: 2025-01-15\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        eventName: CreateAccessKey\n    condition: {condition}\nfalsepositives:\n    - Unknown\nlevel: medium\n"
                ),
            )
            .expect("write rule");
        }
    }
    tmp
}

#[test]
fn concise_is_one_line_per_finding_matching_text() {
    let tmp = many_rules(3);
    let text = run(tmp.path(), &["lint", "--color", "never"]);
    let conc = run(tmp.path(), &["lint", "--format", "concise"]);
    assert_eq!(text.code, conc.code);
    let headers: Vec<&str> = text
        .stdout
        .lines()
        .filter(|l| (l.starts_with('r') || l.starts_with('u')) && l.contains(".yml:"))
        .collect();
    assert_eq!(
        headers.len(),
        conc.stdout.lines().count(),
        "{}",
        conc.stdout
    );
    for (h, c) in headers.iter().zip(conc.stdout.lines()) {
        // text: `path:l:c: CODE[name] message`; concise: `path:l:c: severity CODE message`.
        let (loc_h, rest_h) = h.split_once(": ").expect("text header");
        let (loc_c, rest_c) = c.split_once(": ").expect("concise line");
        assert_eq!(loc_h, loc_c);
        let (code_name, msg_h) = rest_h.split_once(' ').expect("code");
        let code = code_name.split('[').next().expect("code");
        let mut words = rest_c.splitn(3, ' ');
        let sev = words.next().expect("sev");
        assert!(["error", "warning", "info"].contains(&sev), "{c}");
        assert_eq!(words.next(), Some(code));
        assert_eq!(words.next(), Some(msg_h));
    }
    assert!(
        conc.stderr
            .contains("top checks: API001 api-presence-only (3), SIG006 undefined-identifier (3)"),
        "{}",
        conc.stderr
    );
}

#[test]
fn statistics_count_per_check() {
    let tmp = many_rules(4);
    std::fs::write(tmp.path().join("broken.yml"), "title: x\nid: [\n").expect("write");
    let out = run(tmp.path(), &["lint", "--statistics"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rows: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["4", "API001", "api-presence-only", "error"],
            vec!["4", "SIG006", "undefined-identifier", "warning"],
            vec!["1", "SIG001", "yaml-syntax", "error"],
        ],
        "{}",
        out.stdout
    );
    let bad = run(tmp.path(), &["lint", "--statistics", "--format", "sarif"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--statistics"), "{}", bad.stderr);
}

#[test]
fn fail_on_thresholds_and_strict() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join(".git")).expect("git dir");
    // A draft: warnings (API004/API005), no error.
    let draft = run(
        tmp.path(),
        &["new", "DET0078", "--target", "aws-cloudtrail"],
    );
    assert_eq!(draft.code, 0, "{}", draft.stderr);
    std::fs::write(tmp.path().join("draft.yml"), &draft.stdout).expect("write");
    let code = |args: &[&str]| {
        let mut all = vec!["lint", "-q", "draft.yml"];
        all.extend_from_slice(args);
        run(tmp.path(), &all).code
    };
    assert_eq!(code(&[]), 0);
    assert_eq!(code(&["--fail-on", "error"]), 0);
    assert_eq!(code(&["--fail-on", "warning"]), 1);
    assert_eq!(code(&["--fail-on", "info"]), 1);
    assert_eq!(code(&["--strict"]), 1);
    assert_eq!(code(&["--fail-on", "never"]), 0);
    // The CLI threshold wins over the configuration's `strict`.
    std::fs::write(tmp.path().join("sigsmith.toml"), "strict = true\n").expect("config");
    assert_eq!(code(&[]), 1);
    assert_eq!(code(&["--fail-on", "error"]), 0);
    // Both on the command line is a usage error.
    assert_eq!(code(&["--strict", "--fail-on", "never"]), 2);
    assert_eq!(code(&["--fail-on", "sometimes"]), 2);
}

#[test]
fn github_annotations_put_errors_first_and_list_the_rest() {
    let tmp = many_rules(12);
    let out = run(tmp.path(), &["lint", "--format", "github"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let commands: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("::"))
        .map(|l| l.split([' ', ':']).next().unwrap_or_default())
        .collect();
    // 10 errors, then 10 warnings, then the notice about the rest and the group.
    let mut expected = vec!["error"; 10];
    expected.extend(vec!["warning"; 10]);
    expected.extend(["notice", "group", "endgroup"]);
    assert_eq!(commands, expected, "{}", out.stdout);
    let notice = lines
        .iter()
        .find(|l| l.starts_with("::notice"))
        .expect("notice");
    assert!(
        notice.contains("4 more findings (2 errors, 2 warnings, 0 infos)"),
        "{notice}"
    );
    let group: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.starts_with("::group::"))
        .skip(1)
        .take_while(|l| !l.starts_with("::endgroup::"))
        .copied()
        .collect();
    assert_eq!(group.len(), 4, "{group:?}");
    assert!(group[0].starts_with("r10.yml:") && group[0].contains(": error API001 "));
    assert!(group[2].starts_with("u10.yml:") && group[2].contains(": warning SIG006 "));
    // Below the limit, every finding is an annotation and nothing else is printed.
    let few = run(many_rules(2).path(), &["lint", "--format", "github"]);
    assert_eq!(few.stdout.lines().count(), 4, "{}", few.stdout);
    assert!(
        few.stdout
            .lines()
            .all(|l| l.starts_with("::error ") || l.starts_with("::warning "))
    );
}

#[test]
fn many_skipped_documents_are_summarised() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join(".git")).expect("git dir");
    for i in 0..12 {
        std::fs::write(
            tmp.path().join(format!("p{i:02}.yml")),
            format!("name: pipeline {i}\npriority: {i}\ntransformations: []\n"),
        )
        .expect("write");
    }
    let out = run(tmp.path(), &["lint"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let notes: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: "))
        .collect();
    assert_eq!(notes.len(), 11, "{}", out.stderr);
    assert!(
        notes[0].starts_with("note: skipped p00.yml:1: "),
        "{notes:?}"
    );
    assert_eq!(
        notes[10],
        "note: skipped 2 more non-Sigma documents (listed by --format json)"
    );
    assert!(
        out.stderr.ends_with(
            "no problems in 12 files (12 documents); 12 documents skipped (not Sigma)\n"
        ),
        "{}",
        out.stderr
    );
    // --quiet prints none of it.
    let quiet = run(tmp.path(), &["lint", "-q"]);
    assert_eq!(quiet.stderr, "");
}
