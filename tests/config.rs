//! `sigsmith.toml`: discovery upward from the first path, `--config`, `--no-config`, select,
//! severity overrides, per-path ignores, excludes, errors with line and column (exit 2), and
//! the committed JSON Schema kept current (set `SIGSMITH_UPDATE_SCHEMAS=1` to rewrite it).

mod common;

use std::path::{Path, PathBuf};

use common::Out;

fn run(dir: &Path, args: &[&str]) -> Out {
    common::sigsmith(args).dir(dir).out()
}

fn configured() -> PathBuf {
    common::repo_root().join("tests/fixtures/cli/configured")
}

fn codes_and_paths(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| is_finding_line(l))
        .map(|l| {
            let (loc, rest) = l.split_once(": ").expect("location");
            let path = loc.split(':').next().expect("path");
            let code = rest.split('[').next().expect("code");
            format!("{code} {path}")
        })
        .collect()
}

#[test]
fn config_file_shapes_the_run() {
    let out = run(&configured(), &["lint"]);
    assert_eq!(
        out.code, 0,
        "API001 is downgraded to a warning:\n{}{}",
        out.stdout, out.stderr
    );
    assert_eq!(
        codes_and_paths(&out.stdout),
        ["API001 rules/aws/presence.yml"]
    );
    assert!(out.stdout.contains("^ warning"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("0 errors, 1 warning, 0 infos in 3 files"),
        "drafts/ excluded: {}",
        out.stderr
    );
    assert!(out.stderr.contains("; 2 suppressed"), "{}", out.stderr);
}

#[test]
fn config_is_found_upwards_from_the_first_path() {
    let sub = configured().join("rules/aws");
    let out = run(&sub, &["lint"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(codes_and_paths(&out.stdout), ["API001 presence.yml"]);

    // From the repository root, naming the folder: per-path ignores stay relative to the config.
    let out = run(
        &common::repo_root(),
        &["lint", "tests/fixtures/cli/configured"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        codes_and_paths(&out.stdout),
        ["API001 tests/fixtures/cli/configured/rules/aws/presence.yml"]
    );
}

#[test]
fn no_config_and_explicit_config() {
    let out = run(&configured(), &["lint", "--no-config"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let found = codes_and_paths(&out.stdout);
    assert!(
        found.contains(&"API001 rules/legacy/presence_old.yml".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"SIG001 drafts/draft.yml".to_owned()),
        "{found:?}"
    );

    let t = tempfile::tempdir().expect("tmp");
    let cfg = t.path().join("strict.toml");
    std::fs::write(
        &cfg,
        "strict = true\nselect = [\"API001\"]\n[rules.API001]\nseverity = \"info\"\n",
    )
    .expect("write");
    let out = run(
        &configured(),
        &["lint", "--config", cfg.to_str().expect("utf8"), "rules/aws"],
    );
    assert_eq!(
        out.code, 1,
        "strict fails on an info finding:\n{}{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("^ info"), "{}", out.stdout);
}

#[test]
fn config_errors_name_file_line_and_help() {
    let cases = [
        ("unknown key", "select = [\"API001\"]\nexclud = [\"x/\"]\n"),
        (
            "unknown check",
            "ignore = [\"API001\", \"api-presense-only\"]\n",
        ),
        ("unknown rule table", "[rules.SIG999]\ndisable = true\n"),
        ("bad severity", "[rules.API001]\nseverity = \"fatal\"\n"),
        (
            "bad ignore glob",
            "[rules.API001]\nignore = [\"rules/[x.yml\"]\n",
        ),
        (
            "unknown rule setting",
            "[rules.API001]\nsevrity = \"info\"\n",
        ),
        (
            "bad profile",
            "[[profiles]]\nname = \"acme\"\nlogsources = [{product = \"acme\"}]\napi_fields = [\"op\"]\n",
        ),
        ("not toml", "select = [\n"),
    ];
    let mut transcript = String::new();
    for (what, text) in cases {
        let t = tempfile::tempdir().expect("tmp");
        std::fs::write(t.path().join("sigsmith.toml"), text).expect("write");
        std::fs::write(t.path().join("r.yml"), "title: x\n").expect("write");
        let out = run(t.path(), &["lint"]);
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{what}");
        assert!(
            out.stderr.starts_with("error: sigsmith.toml:"),
            "{what}: {}",
            out.stderr
        );
        transcript.push_str(&format!("## {what}\n{text}--\n{}\n", out.stderr));
    }
    common::settings(None).bind(|| insta::assert_snapshot!("config_errors", transcript));
}

#[test]
fn valid_profiles_section_is_accepted() {
    let t = tempfile::tempdir().expect("tmp");
    std::fs::write(
        t.path().join(".sigsmith.toml"),
        "[[profiles]]\nname = \"acme-api\"\nlogsources = [{product = \"acme\", service = \"api_audit\"}]\napi = [\"operation\"]\ncontext = {identity = [\"actor\"], source = [\"client_ip\"]}\n",
    )
    .expect("write");
    std::fs::write(t.path().join("r.yml"), "title: x\n").expect("write");
    let out = run(t.path(), &["lint", "--select", "SIG019"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn extra_profiles_make_a_log_source_api_audit() {
    let t = tempfile::tempdir().expect("tmp");
    let rule = "\
title: Acme Tenant Deleted
id: 3e1f2a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b
status: test
description: Detects tenant deletion in the Acme admin API.
author: sigsmith tests
date: 2024-03-01
logsource:
    product: acme
    service: api_audit
detection:
    selection:
        operation: DeleteTenant
    condition: selection
level: high
";
    std::fs::write(t.path().join("acme.yml"), rule).expect("write");
    let before = run(t.path(), &["lint", "--select", "API001"]);
    assert_eq!(
        before.code, 0,
        "no profile, not an API-audit source:\n{}",
        before.stdout
    );
    std::fs::write(
        t.path().join("sigsmith.toml"),
        "select = [\"API001\"]\n\n[[profiles]]\nname = \"acme-api\"\nlogsources = [{product = \"acme\", service = \"api_audit\"}]\napi = [\"operation\"]\ncontext = {identity = [\"actor\"], source = [\"client_ip\"]}\n",
    )
    .expect("write");
    let after = run(t.path(), &["lint"]);
    assert_eq!(after.code, 1, "{}{}", after.stdout, after.stderr);
    assert!(
        after.stdout.contains("API001[api-presence-only]"),
        "{}",
        after.stdout
    );
    assert!(
        after.stdout.contains("(profile acme-api, exact)"),
        "{}",
        after.stdout
    );
}

#[test]
fn config_schema_is_current() {
    let path = common::repo_root().join("schemas/sigsmith-config.schema.json");
    let generated = sigsmith::config::json_schema();
    if std::env::var_os("SIGSMITH_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/sigsmith-config.schema.json is stale; run `SIGSMITH_UPDATE_SCHEMAS=1 cargo test --test config`"
    );
}

#[test]
fn fixture_config_validates_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo_root().join("schemas/sigsmith-config.schema.json"))
            .expect("schema"),
    )
    .expect("json");
    let text = std::fs::read_to_string(configured().join("sigsmith.toml")).expect("config");
    let value: toml::Value = toml::from_str(&text).expect("toml");
    let instance = serde_json::to_value(value).expect("to json");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let bad = serde_json::json!({"selct": ["API001"]});
    assert!(
        !validator.is_valid(&bad),
        "unknown keys are rejected by the schema too"
    );
}

/// Whether a text-output line is a finding header (`path:line:col: CODE[name] message`).
fn is_finding_line(line: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^\S+:\d+:\d+: [A-Z]+\d+\[[a-z0-9-]+\] ").expect("regex"))
        .is_match(line)
}
