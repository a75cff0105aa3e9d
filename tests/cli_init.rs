//! `sigsmith init`: a new rule repository that lints end to end, and never an overwrite.

mod common;

use std::path::Path;
use std::process::Output;

fn sigsmith(dir: &Path, args: &[&str]) -> Output {
    common::sigsmith(args).dir(dir).no_color().output()
}

#[test]
fn init_writes_a_repository_that_lints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = sigsmith(tmp.path(), &["init", "demo"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let demo = tmp.path().join("demo");
    for rel in [
        "sigsmith.toml",
        ".pre-commit-config.yaml",
        ".github/workflows/sigsmith.yml",
        "README.md",
        "rules/cloud-api-audit/det0078_aws_cloudtrail.yml",
    ] {
        assert!(demo.join(rel).is_file(), "{rel} missing");
    }
    // The example draft is a draft: open placeholders and prompts are warnings, not errors.
    let lint = sigsmith(&demo, &["lint", "--format", "json"]);
    assert_eq!(lint.status.code(), Some(0), "{lint:?}");
    let report: serde_json::Value = serde_json::from_slice(&lint.stdout).expect("json report");
    assert_eq!(report["summary"]["errors"], 0, "{report}");
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"API004"), "{codes:?}");
    assert!(codes.contains(&"API005"), "{codes:?}");
    assert!(!codes.contains(&"API001"), "{codes:?}");
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("sigsmith.toml"), "strict = true\n").expect("write");
    let out = sigsmith(dir, &["init"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert!(err.contains("sigsmith.toml"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("sigsmith.toml")).expect("read"),
        "strict = true\n"
    );
    assert!(!dir.join(".pre-commit-config.yaml").exists());
    assert!(!dir.join("rules").exists());
}

#[test]
fn init_leaves_an_existing_readme_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("README.md"), "# mine\n").expect("write");
    let out = sigsmith(dir, &["init"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).expect("read"),
        "# mine\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Sigma rules and sigsmith"), "{stdout}");
    assert!(dir.join("sigsmith.toml").is_file());
}
