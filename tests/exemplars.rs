//! Every draft `sigsmith new` writes ships testable: one positive and one negative exemplar in
//! its `sigsmith` block, both passing `sigsmith test`, for the built-in catalog (with
//! placeholders and with `--example-values`) and for ATT&CK-imported drafts whose selection is
//! concrete.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

fn run(args: &[&str]) -> std::process::Output {
    common::sigsmith(args).no_attack_env().output()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every `*.yml` draft under `dir`, path → text.
fn drafts(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml") {
                let text = std::fs::read_to_string(&p).expect("read draft");
                out.insert(s(&p).to_owned(), text);
            }
        }
    }
    out
}

/// `sigsmith test DIR --format json`: exit status 0 and the outcomes by file.
fn test_dir(dir: &Path) -> BTreeMap<String, Vec<Value>> {
    let out = run(&["test", s(dir), "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let outcomes: Vec<Value> = serde_json::from_str(&stdout).expect("JSON outcomes");
    let failed: Vec<&Value> = outcomes.iter().filter(|o| o["passed"] != true).collect();
    assert!(failed.is_empty(), "failing exemplars: {failed:#?}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let mut by_file: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for o in outcomes {
        let path = o["path"].as_str().expect("path").to_owned();
        by_file.entry(path).or_default().push(o);
    }
    by_file
}

/// One exemplar expecting a match and one expecting none.
fn assert_pair(path: &str, outcomes: Option<&Vec<Value>>) {
    let Some(outcomes) = outcomes else {
        panic!("{path}: no exemplars");
    };
    let expects: Vec<&str> = outcomes
        .iter()
        .map(|o| o["expect"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(expects, ["match", "no-match"], "{path}: {outcomes:#?}");
}

/// The text of the rule's detection between `selection_api:` and `condition:`.
fn selections(text: &str) -> &str {
    let start = text.find("    selection_api:").unwrap_or(0);
    let rest = &text[start..];
    let end = rest.find("    condition:").unwrap_or(rest.len());
    &rest[..end]
}

fn builtin(example_values: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--quiet", "new", "--all", "--out", s(tmp.path())];
    if example_values {
        args.push("--example-values");
    }
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drafts = drafts(tmp.path());
    assert!(drafts.len() >= 10, "{} drafts", drafts.len());
    let outcomes = test_dir(tmp.path());
    for (path, text) in &drafts {
        assert_pair(path, outcomes.get(path));
        assert!(text.contains("\n    exemplars:\n"), "{path}");
        // With example values the negative exemplar is the baseline's own example; with
        // placeholders it fails the context constraint (see src/scaffold/exemplar.rs).
        let names: Vec<&str> = outcomes[path]
            .iter()
            .map(|o| o["name"].as_str().unwrap_or_default())
            .collect();
        if example_values && text.contains("example_values:") {
            assert!(
                names[1].starts_with("same call from baseline"),
                "{path}: {names:?}"
            );
        } else if text.contains("selection_context:") {
            assert_eq!(
                names[1], "same call outside the context constraint",
                "{path}"
            );
        }
    }
}

#[test]
fn builtin_drafts_ship_passing_exemplars() {
    builtin(false);
}

#[test]
fn builtin_drafts_with_example_values_ship_passing_exemplars() {
    builtin(true);
}

#[test]
fn exemplar_events_nest_dotted_fields() {
    let out = run(&[
        "new",
        "DET0078",
        "--target",
        "aws-cloudtrail",
        "--example-values",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let stream = sigsmith::yaml::parse(&text);
    assert!(stream.error.is_none(), "{:?}", stream.error);
    let doc: serde_yaml::Value =
        serde_yaml::from_str(text.split("\n---\n").next().expect("rule")).expect("draft is YAML");
    let ex = &doc["sigsmith"]["exemplars"];
    let pos = &ex[0]["event"];
    let neg = &ex[1]["event"];
    assert_eq!(ex[0]["expect"].as_str(), Some("match"));
    assert_eq!(ex[1]["expect"].as_str(), Some("no-match"));
    assert_eq!(pos["eventSource"].as_str(), Some("ssm.amazonaws.com"));
    assert!(pos["userIdentity"]["arn"].is_string(), "{pos:?}");
    assert!(pos["userIdentity.arn"].is_null());
    // The negative event differs from the positive in the fields of the approved use only
    // (who AND from where: the principal and the network of one combined filter).
    let arn = neg["userIdentity"]["arn"].as_str().expect("arn");
    assert!(
        arn.starts_with("arn:aws:sts::111122223333:assumed-role/ci-deploy/"),
        "{arn}"
    );
    assert_ne!(neg["sourceIPAddress"], pos["sourceIPAddress"]);
    let mut same = neg.clone();
    same["userIdentity"]["arn"] = pos["userIdentity"]["arn"].clone();
    same["sourceIPAddress"] = pos["sourceIPAddress"].clone();
    assert_eq!(&same, pos);
}

#[test]
fn imported_drafts_with_concrete_selections_ship_passing_exemplars() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("note: ../shared is missing; skipping ATT&CK exemplar test");
        return;
    };
    let attack = shared.join("attack");
    let tmp = tempfile::tempdir().expect("tempdir");
    let bundles = [
        attack.join("ics-attack-18.1.json"),
        attack.join("mobile-attack-18.1.json"),
        attack.join("enterprise-attack-18.1.json"),
    ];
    let mut args = vec!["--quiet", "new", "--all", "--out", s(tmp.path())];
    for b in &bundles {
        args.extend(["--attack", s(b)]);
    }
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcomes = test_dir(tmp.path());
    let (mut concrete, mut todo) = (0, 0);
    for (path, text) in drafts(tmp.path()) {
        // Drafts whose selection still holds `<<todo:...>>` placeholders get no exemplars: no
        // event can be built for a value ATT&CK does not give.
        if selections(&text).contains("<<todo:") {
            todo += 1;
            assert!(!outcomes.contains_key(&path), "{path} has exemplars");
            continue;
        }
        concrete += 1;
        assert_pair(&path, outcomes.get(&path));
    }
    eprintln!("{concrete} drafts with concrete selections, {todo} with todo placeholders");
    assert!(
        concrete > 100 && todo > 0,
        "{concrete} concrete, {todo} todo"
    );
}
