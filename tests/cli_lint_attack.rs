//! `sigsmith lint --attack`: SIG010 checks technique tags against real ATT&CK data.

mod common;

use std::process::Command;

const RULE: &str = "\
title: ICS tag check
id: 0b9c5a8e-1d2f-4c3b-9a7e-6f5d4c3b2a10
status: experimental
description: d
author: a
date: 2026-01-01
tags:
    - attack.execution
    - attack.t0871
    - attack.t0850
    - attack.t0999
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\\\x.exe'
    condition: selection
level: low
";

fn sig010_messages(args: &[&str]) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rule = tmp.path().join("rule.yml");
    std::fs::write(&rule, RULE).expect("write");
    let out = Command::new(common::bin())
        .args(["lint", "--no-config", "--format", "json"])
        .args(args)
        .arg(&rule)
        .env_remove("SIGSMITH_ATTACK")
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "SIG010")
        .map(|f| format!("{}: {}", f["line"], f["message"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn attack_bundle_turns_on_existence_checks() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("../shared missing: skipped");
        return;
    };
    // Without ATT&CK data only the tag shape is checked: all four tags are well formed.
    assert!(sig010_messages(&[]).is_empty());
    let bundle = shared.join("attack").join("ics-attack-18.1.json");
    let msgs = sig010_messages(&["--attack", bundle.to_str().expect("utf-8 path")]);
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("10:") && m.contains("T0850") && m.contains("deprecated")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("11:") && m.to_lowercase().contains("t0999")),
        "{msgs:?}"
    );
}

#[test]
fn unreadable_attack_bundle_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = Command::new(common::bin())
        .current_dir(tmp.path())
        .args(["lint", "--no-config", "--attack", "missing.json", "."])
        .env_remove("SIGSMITH_ATTACK")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

/// `attack = [...]` in sigsmith.toml is honoured by `strategies`, `show` and `new` (not only
/// `lint`): the configured ICS bundle's strategies appear without `--attack`.
#[test]
fn config_attack_key_is_honoured_by_every_command() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let ics = shared.join("attack/ics-attack-18.1.json");
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("sigsmith.toml"),
        format!("attack = [{:?}]\n", ics.display().to_string()),
    )
    .expect("write config");
    let run = |args: &[&str]| {
        let out = common::sigsmith(args)
            .dir(tmp.path())
            .env_remove(&["SIGSMITH_ATTACK"])
            .ok();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listing = run(&["strategies", "--domain", "ics"]);
    assert!(listing.contains("DET0743"), "{listing}");
    let shown = run(&["show", "DET0743"]);
    assert!(shown.contains("ATT&CK DET0743"), "{shown}");
    let drafts = run(&["new", "DET0743"]);
    assert!(drafts.contains("attack."), "{drafts}");
    // Without the configuration the imported strategy is unknown.
    let out = Command::new(common::bin())
        .args(["show", "DET0743"])
        .env_remove("SIGSMITH_ATTACK")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}
