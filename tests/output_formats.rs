//! Every `--format` on the fixture repository: snapshots, the SARIF output validated against
//! the official SARIF 2.1.0 schema, the JSON output validated against
//! `schemas/lint-report.schema.json`, and that schema kept current (set
//! `SIGSMITH_UPDATE_SCHEMAS=1` to rewrite it).

mod common;

use std::path::PathBuf;

fn repo() -> PathBuf {
    common::repo_root().join("tests/fixtures/cli/repo")
}

fn lint(format: &str) -> (i32, String) {
    let out = common::sigsmith(["lint", "--no-config", "--format", format])
        .dir(repo())
        // GitHub annotation paths are relative to the workspace (the repository root on a
        // runner): the fixture folder stands for it here.
        .env("GITHUB_WORKSPACE", repo())
        .output();
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf8"),
    )
}

fn settings() -> insta::Settings {
    let mut s = common::settings(None);
    s.add_filter(
        &regex::escape(&format!("\"{}\"", env!("CARGO_PKG_VERSION"))),
        "\"[VERSION]\"",
    );
    s
}

fn load_schema(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(common::repo_root().join("schemas").join(name))
        .expect("schema file");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn violations(schema: &serde_json::Value, instance: &serde_json::Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn json_report_snapshot_and_schema() {
    let (code, stdout) = lint("json");
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["files"], 4);
    let errors = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(report["summary"]["errors"], errors);
    let v = violations(&load_schema("lint-report.schema.json"), &report);
    assert!(v.is_empty(), "{v:#?}");
    settings().bind(|| insta::assert_snapshot!("lint_repo_json", stdout));
}

#[test]
fn sarif_snapshot_validates_against_the_official_schema() {
    let (code, stdout) = lint("sarif");
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let schema = load_schema("sarif-2.1.0.json");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let v = violations(&schema, &log);
    assert!(v.is_empty(), "{v:#?}");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for result in run["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    assert!(rules.iter().all(|r| {
        r["help"]["markdown"]
            .as_str()
            .is_some_and(|h| h.contains("## What it does"))
    }));
    // The driver's rule table (long docs) is covered by `sigsmith rules`; snapshot the results.
    settings().bind(|| insta::assert_json_snapshot!("lint_repo_sarif_results", run["results"]));
}

#[test]
fn sarif_validation_catches_a_broken_log() {
    let (_, stdout) = lint("sarif");
    let mut log: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    log["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        serde_json::json!(0);
    let v = violations(&load_schema("sarif-2.1.0.json"), &log);
    assert!(v.len() >= 2, "{v:#?}");
}

#[test]
fn github_annotations_snapshot() {
    let (code, stdout) = lint("github");
    assert_eq!(code, 1);
    assert!(
        stdout.lines().all(|l| l.starts_with("::error ")
            || l.starts_with("::warning ")
            || l.starts_with("::notice ")),
        "{stdout}"
    );
    settings().bind(|| insta::assert_snapshot!("lint_repo_github", stdout));
}

#[test]
fn gitlab_code_quality_snapshot() {
    let (code, stdout) = lint("gitlab");
    assert_eq!(code, 1);
    let issues: serde_json::Value = serde_json::from_str(&stdout).expect("json array");
    let issues = issues.as_array().expect("array");
    assert!(!issues.is_empty());
    let mut fingerprints = std::collections::HashSet::new();
    for i in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key} missing in {i}");
        }
        assert!(i["location"]["path"].is_string(), "{i}");
        assert!(
            i["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1),
            "{i}"
        );
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap_or("")),
            "{i}"
        );
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap_or("").to_owned()),
            "duplicate fingerprint {i}"
        );
    }
    settings().bind(|| insta::assert_snapshot!("lint_repo_gitlab", stdout));
}

#[test]
fn lint_report_schema_is_current() {
    let path = common::repo_root().join("schemas/lint-report.schema.json");
    let generated = sigsmith::output::json::json_schema();
    if std::env::var_os("SIGSMITH_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/lint-report.schema.json is stale; run `SIGSMITH_UPDATE_SCHEMAS=1 cargo test --test output_formats`"
    );
}

/// A rule with several safe fixes that do not interact (a misspelled modifier, a slash date,
/// a missing id, stale suppressions), with characters outside ASCII (one outside the Basic
/// Multilingual Plane) before an edit, so columns in characters, UTF-16 units and bytes differ.
const FIXABLE: &str = "title: Access key created 𝄞 café # sigsmith: ignore[API004]
status: test
description: Sévère — an access key is created for a user.
author: sigsmith tests
date: 2025/01/15
tags:
    - attack.persistence
logsource:
    product: aws
    service: cloudtrail
detection:
    # sigsmith: ignore[SIG017] stale
    selection:
        eventSource: iam.amazonaws.com
        'eventName|endwith': 'CreateAccessKey' # é
    filter:
        userIdentity.arn|startswith: 'arn:aws:iam::123456789012:role/ci-'
    condition: selection and not filter
level: low
";

/// `lint --format FORMAT rule.yml` in `repo`, run twice: the same bytes both times; parsed
/// and valid against the schema `schema`.
fn fix_report(repo: &common::TempRepo, format: &str, schema: &str) -> serde_json::Value {
    let run = || {
        repo.sigsmith(["lint", "--no-config", "--format", format, "rule.yml"])
            .output()
            .stdout
    };
    let first = run();
    assert_eq!(first, run(), "{format}: deterministic");
    let report: serde_json::Value = serde_json::from_slice(&first).expect("json");
    let v = violations(&load_schema(schema), &report);
    assert!(v.is_empty(), "{format}: {v:#?}");
    report
}

/// Byte offset in [`FIXABLE`] of the position `obj[line]`, `obj[column]`.
fn offset_in(obj: &serde_json::Value, line: &str, column: &str) -> usize {
    offset_at(
        FIXABLE,
        obj[line].as_u64().expect("line"),
        obj[column].as_u64().expect("column"),
    )
}

/// Byte offset of 1-based `line` and 1-based `column` counted in characters.
fn offset_at(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let rest = &text[start..];
    start
        + rest
            .char_indices()
            .nth(column as usize - 1)
            .map_or(rest.len(), |(i, _)| i)
}

/// Applies replacements `(start, end, text)` of several fixes as `lint --fix` does: fix by
/// fix, each whole or not at all, skipping one that overlaps a fix already taken. Returns the
/// text and how many fixes were taken.
fn apply_fixes(text: &str, fixes: &[Vec<(usize, usize, String)>]) -> (String, usize) {
    let mut taken: Vec<(usize, usize, String)> = Vec::new();
    let mut count = 0;
    for fix in fixes {
        // As `edit::apply` sees it: touching ranges and insertions at one place are fine.
        let overlaps = fix
            .iter()
            .any(|(s, e, _)| taken.iter().any(|(ts, te, _)| s < te && ts < e));
        if !overlaps {
            taken.extend(fix.iter().cloned());
            count += 1;
        }
    }
    // In order of place, stable for insertions at one place: each range refers to the original.
    let mut order: Vec<usize> = (0..taken.len()).collect();
    order.sort_by_key(|&i| (taken[i].0, taken[i].1, i));
    let mut out = String::new();
    let mut at = 0;
    for i in order {
        let (s, e, t) = &taken[i];
        out.push_str(&text[at..*s]);
        out.push_str(t);
        at = *e;
    }
    out.push_str(&text[at..]);
    (out, count)
}

/// The fixes in `--format json` and `--format sarif` are the edits `lint --fix` applies:
/// applied to the file they give exactly what `--fix` writes; their positions agree with
/// their byte offsets; the SARIF log stays valid; and the reports are the same on every run
/// (the id the missing-id fix inserts included).
#[test]
fn json_and_sarif_fixes_reproduce_lint_fix() {
    let repo = common::TempRepo::new();
    repo.file("rule.yml", FIXABLE);

    let report = fix_report(&repo, "json", "lint-report.schema.json");
    let mut json_fixes = Vec::new();
    let mut codes = Vec::new();
    for f in report["findings"].as_array().expect("findings") {
        let Some(fix) = f.get("fix") else { continue };
        assert!(fix["title"].as_str().is_some_and(|t| !t.is_empty()), "{f}");
        codes.push(f["code"].as_str().expect("code").to_owned());
        let mut edits = Vec::new();
        for e in fix["edits"].as_array().expect("edits") {
            let (start, end) = (
                e["offset"].as_u64().expect("offset") as usize,
                e["end_offset"].as_u64().expect("end_offset") as usize,
            );
            assert_eq!(offset_in(e, "line", "column"), start, "{e}");
            assert_eq!(offset_in(e, "end_line", "end_column"), end, "{e}");
            edits.push((start, end, e["text"].as_str().expect("text").to_owned()));
        }
        json_fixes.push(edits);
    }
    codes.sort();
    assert_eq!(codes, ["SIG000", "SIG000", "SIG008", "SIG009", "SIG024"]);
    let (from_json, taken) = apply_fixes(FIXABLE, &json_fixes);
    assert_eq!(taken, json_fixes.len(), "no two fixes overlap");

    let log = fix_report(&repo, "sarif", "sarif-2.1.0.json");
    let run = &log["runs"][0];
    // Columns count code points, as the run declares.
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let mut sarif_fixes = Vec::new();
    for r in run["results"].as_array().expect("results") {
        let Some(fixes) = r.get("fixes") else {
            continue;
        };
        let fixes = fixes.as_array().expect("fixes");
        assert_eq!(fixes.len(), 1, "{r}");
        assert!(fixes[0]["description"]["text"].is_string(), "{r}");
        let changes = fixes[0]["artifactChanges"].as_array().expect("changes");
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0]["artifactLocation"]["uri"], "rule.yml");
        let mut edits = Vec::new();
        for rep in changes[0]["replacements"].as_array().expect("replacements") {
            let region = &rep["deletedRegion"];
            let text = rep["insertedContent"]["text"].as_str().unwrap_or("");
            edits.push((
                offset_in(region, "startLine", "startColumn"),
                offset_in(region, "endLine", "endColumn"),
                text.to_owned(),
            ));
        }
        sarif_fixes.push(edits);
    }
    assert_eq!(
        sarif_fixes, json_fixes,
        "SARIF and JSON carry the same edits"
    );
    let (from_sarif, _) = apply_fixes(FIXABLE, &sarif_fixes);

    let fixed = repo
        .sigsmith(["lint", "--no-config", "--fix", "rule.yml"])
        .output();
    assert!(
        String::from_utf8_lossy(&fixed.stderr).contains("fixed 5 findings in 1 file"),
        "{fixed:?}"
    );
    let written = std::fs::read_to_string(repo.path().join("rule.yml")).expect("read");
    assert_ne!(written, FIXABLE);
    assert_eq!(from_json, written);
    assert_eq!(from_sarif, written);
    // Nothing fixable is left.
    let report = fix_report(&repo, "json", "lint-report.schema.json");
    let left: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f.get("fix").is_some())
        .collect();
    assert!(left.is_empty(), "{left:#?}");
}
