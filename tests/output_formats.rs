//! Every `--format` on the fixture repository: snapshots, the SARIF output validated against
//! the official SARIF 2.1.0 schema, the JSON output validated against
//! `schemas/lint-report.schema.json`, and that schema kept current (set
//! `SIGSMITH_UPDATE_SCHEMAS=1` to rewrite it).

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    common::repo_root().join("tests/fixtures/cli/repo")
}

fn lint(format: &str) -> (i32, String) {
    let out = Command::new(common::bin())
        .args(["lint", "--no-config", "--format", format])
        .current_dir(repo())
        // GitHub annotation paths are relative to the workspace (the repository root on a
        // runner): the fixture folder stands for it here.
        .env("GITHUB_WORKSPACE", repo())
        .stdin(Stdio::null())
        .output()
        .expect("run sigsmith");
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
