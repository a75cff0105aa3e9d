//! `sigsmith harden`: presence-only rules (API001) become drafts with context, combined
//! baselines and prompts. Tested on every presence-only rule of the SigmaHQ corpus's cloud,
//! application and identity folders (every API-audit log source family they have), on a rule
//! whose tags map to a catalog strategy, and through the command line.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources, lint_text};
use sigsmith::scaffold::harden::{Basis, harden_text};
use sigsmith::scaffold::{Options, Renderer};
use sigsmith::strategy::Catalog;
use sigsmith::yaml::Node;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

/// The detection entries (other than `condition`) of document `index` of `text`, as source
/// text per key.
fn doc_root(text: &str, index: usize) -> Node {
    sigsmith::yaml::parse(text)
        .documents
        .into_iter()
        .find(|d| d.index == index)
        .map(|d| d.root)
        .expect("document")
}

#[test]
fn every_presence_only_rule_of_the_corpus_hardens() {
    let Some(shared) = common::shared_dir() else {
        panic!("../shared is missing: the SigmaHQ corpus is needed (see README)");
    };
    let corpus = shared.join("corpora/sigmahq/rules");
    let mut paths = Vec::new();
    for folder in ["cloud", "application", "identity"] {
        yaml_files(&corpus.join(folder), &mut paths);
    }
    let sources: Vec<SourceFile> = paths
        .iter()
        .filter_map(|p| {
            Some(SourceFile {
                path: p.clone(),
                text: std::fs::read_to_string(p).ok()?,
            })
        })
        .collect();
    let opts = LintOptions::default();
    let linted = lint_sources(&sources, &opts);
    let catalog = Catalog::builtin().expect("catalog");
    let renderer = Renderer::new(None).expect("renderer");
    // Family (vocabulary profile) -> hardened / failed rules.
    let mut families: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for s in &linted.summaries {
        let Some(profile) = &s.profile else { continue };
        let flagged = linted
            .findings
            .iter()
            .any(|f| f.code == "API001" && f.path == s.path && f.doc_index == Some(s.index));
        if !flagged {
            continue;
        }
        let source = sources.iter().find(|x| x.path == s.path).expect("source");
        let (new, outcomes) = harden_text(
            &source.path,
            &source.text,
            &[s.index],
            &opts,
            &catalog,
            &renderer,
            &Options::default(),
        );
        let entry = families.entry(profile.clone()).or_default();
        let rel = s.path.strip_prefix(&corpus).unwrap_or(&s.path).display();
        let Some(new) = new else {
            entry.1.push(format!("{rel}: {:?}", outcomes[0].result));
            continue;
        };
        // Parses, no API001 any more, id/related/tags kept, the API selection kept byte for
        // byte, status experimental, sigsmith block with prompts.
        let after = lint_text(&source.path, new.clone(), &opts);
        assert!(
            !after
                .findings
                .iter()
                .any(|f| f.code == "API001" || f.code == "SIG001"),
            "{rel}:\n{new}"
        );
        let old_root = doc_root(&source.text, s.index);
        let new_root = doc_root(&new, s.index);
        for key in ["id", "related", "tags", "logsource", "title"] {
            assert_eq!(
                old_root.get(key).map(Node::to_json),
                new_root.get(key).map(Node::to_json),
                "{rel}: `{key}` changed"
            );
        }
        let old_det = old_root.get("detection").expect("detection");
        let new_det = new_root.get("detection").expect("detection");
        for (k, v) in old_det.as_map().expect("map") {
            if k.as_str() == Some("condition") {
                continue;
            }
            let name = k.as_str().expect("key");
            assert_eq!(
                new_det.get(name).map(Node::to_json),
                Some(v.to_json()),
                "{rel}: selection `{name}` changed"
            );
        }
        assert!(
            new_det.get("selection_context").is_some()
                || new_det.as_map().is_some_and(|m| m.iter().any(|(k, _)| k
                    .as_str()
                    .is_some_and(|n| n.starts_with("filter_"))
                    && old_det.get(k.as_str().unwrap_or_default()).is_none())),
            "{rel}: no context or baseline added"
        );
        assert_eq!(
            new_root.get("status").and_then(Node::as_str),
            Some("experimental"),
            "{rel}"
        );
        let sig = new_root.get("sigsmith").expect("sigsmith block");
        assert!(
            sig.get("validation")
                .and_then(Node::as_seq)
                .is_some_and(|v| !v.is_empty()),
            "{rel}"
        );
        assert!(
            sig.get("exemplars").is_none(),
            "{rel}: exemplars of another API"
        );
        // Everything before the detection block is unchanged text apart from `status`.
        entry.0 += 1;
    }
    let report: Vec<String> = families
        .iter()
        .map(|(f, (ok, failed))| format!("{f}: {ok} hardened, {} failed", failed.len()))
        .collect();
    eprintln!("{}", report.join("\n"));
    // Every API-audit family with presence-only rules in the corpus is covered, and at least
    // the big cloud, SaaS and identity families are there (the corpus has them).
    for must in [
        "aws-cloudtrail",
        "azure-activitylogs",
        "gcp-audit",
        "okta",
        "github-audit",
    ] {
        assert!(families.contains_key(must), "{must} missing:\n{report:?}");
    }
    assert!(families.len() >= 8, "{report:?}");
    let failures: Vec<&String> = families.values().flat_map(|(_, f)| f).collect();
    // A rule may be refused for a documented reason (flow style, several conditions); none
    // of those may be a failure to keep the promise, and most rules must harden.
    for f in &failures {
        assert!(
            !f.contains("would still have"),
            "hardened text broke the promise: {f}"
        );
    }
    let hardened: usize = families.values().map(|(ok, _)| ok).sum();
    assert!(
        failures.len() * 10 <= hardened,
        "too many refusals ({}) for {hardened} hardened: {failures:#?}",
        failures.len()
    );
    for (f, (ok, _)) in &families {
        assert!(*ok > 0, "no rule of {f} hardened: {report:?}");
    }
}

const SCRIPTED: &str = "title: SSM command sent
id: 3f0d4c1e-2b7a-4c59-8e61-0d9a7b5c4e21
related:
    - id: 8d1f0b2c-7e3a-4f65-9c10-2a4b6d8e0f13
      type: derived
status: test
description: An SSM command was sent.
author: sigsmith tests
date: 2025-01-15
tags:
    - attack.execution
    - attack.t1059.009
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: ssm.amazonaws.com   # the service
    eventName: SendCommand
  condition: selection
falsepositives:
  - Administrators
level: medium
";

#[test]
fn tags_that_map_to_a_strategy_take_its_context_and_prompts() {
    let opts = LintOptions::default();
    let (new, outcomes) = harden_text(
        Path::new("r.yml"),
        SCRIPTED,
        &[0],
        &opts,
        &Catalog::builtin().expect("catalog"),
        &Renderer::new(None).expect("renderer"),
        &Options::default(),
    );
    assert_eq!(
        outcomes[0].result,
        Ok(Basis::Strategy {
            strategy: "DET0078".into(),
            target: "aws-cloudtrail".into()
        })
    );
    let new = new.expect("hardened");
    assert!(new.contains("# the service"), "comments kept");
    assert!(new.contains("\nstatus: experimental\n"), "{new}");
    assert!(new.contains("DET0078-V01"), "{new}");
    // The rule's two-space indentation is kept for what is added.
    assert!(
        new.contains("\n  selection_context:\n    userAgent|contains:\n"),
        "{new}"
    );
    assert!(
        new.contains("\n  condition: selection and selection_context and not 1 of filter_*\n"),
        "{new}"
    );
    let diff = sigsmith::edit::unified_diff("r.yml", SCRIPTED, &new);
    let mut s = common::settings(None);
    s.add_filter(r"date: '\d{4}-\d{2}-\d{2}'", "date: '[TODAY]'");
    s.bind(|| insta::assert_snapshot!("harden_DET0078_aws", diff));
    let findings = lint_text("r.yml", new, &opts).findings;
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert!(!codes.contains(&"API001"), "{findings:#?}");
    assert!(
        codes.iter().all(|c| ["API004", "API005"].contains(c)),
        "only the draft's placeholders and open prompts remain: {findings:#?}"
    );
}

#[test]
fn own_filters_are_kept_apart_from_the_new_ones() {
    let text = SCRIPTED.replace(
        "  condition: selection\n",
        "  filter_main:\n    userIdentity.type: AWSService\n  condition: selection and not filter_main\n",
    );
    let (new, _) = harden_text(
        Path::new("r.yml"),
        &text,
        &[0],
        &LintOptions::default(),
        &Catalog::builtin().expect("catalog"),
        &Renderer::new(None).expect("renderer"),
        &Options::default(),
    );
    let new = new.expect("hardened");
    assert!(
        new.contains(
            "condition: '(selection and not filter_main) and selection_context and not filter_"
        ),
        "{new}"
    );
    assert!(!new.contains("1 of filter_*"), "{new}");
}

#[test]
fn refusals_name_the_reason() {
    let opts = LintOptions::default();
    let catalog = Catalog::builtin().expect("catalog");
    let renderer = Renderer::new(None).expect("renderer");
    for (text, reason) in [
        (
            SCRIPTED.replace("level: medium\n", "level: medium\nsigsmith: {strategy: x}\n"),
            "already has a `sigsmith` block",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection: {sel: {eventName: x}, condition: sel}\n".to_owned(),
            "flow mapping",
        ),
    ] {
        let (new, outcomes) = harden_text(
            Path::new("r.yml"),
            &text,
            &[0],
            &opts,
            &catalog,
            &renderer,
            &Options::default(),
        );
        assert!(new.is_none());
        let msg = outcomes[0].result.clone().expect_err("refused");
        assert!(msg.contains(reason), "{msg}");
    }
}

#[test]
fn cli_diff_shows_and_write_hardens() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("r.yml");
    std::fs::write(&path, SCRIPTED).expect("write");
    let ok = tmp.path().join("ok.yml");
    let hardened_before = SCRIPTED
        .replace("SSM command sent", "SSM command by a script")
        .replace("3f0d4c1e", "4f0d4c1e")
        .replace(
            "    eventName: SendCommand\n",
            "    eventName: SendCommand\n    userAgent|contains: aws-cli/\n",
        );
    std::fs::write(&ok, &hardened_before).expect("write");
    let run = |args: &[&str]| {
        Command::new(common::bin())
            .args(args)
            .current_dir(tmp.path())
            .output()
            .expect("runs")
    };
    let out = run(&["harden", "--no-config", "--diff", "r.yml", "ok.yml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.starts_with("--- a/r.yml\n+++ b/r.yml\n"), "{diff}");
    assert!(
        !diff.contains("ok.yml"),
        "a rule with context is left alone"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), SCRIPTED);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("would harden r.yml:1 SSM command sent (strategy DET0078/aws-cloudtrail)"),
        "{err}"
    );

    let out = run(&["harden", "--no-config", "--format", "json", "r.yml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows[0]["status"], "hardened");
    assert_eq!(rows[0]["basis"], "DET0078/aws-cloudtrail");
    let written = std::fs::read_to_string(&path).expect("read");
    assert!(written.contains("sigsmith:\n"), "{written}");
    assert_eq!(std::fs::read_to_string(&ok).expect("read"), hardened_before);

    let out = run(&["lint", "--no-config", "--select", "API001", "r.yml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Hardening again: nothing left to do.
    let out = run(&["harden", "--no-config", "--diff", "r.yml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());

    // Standard input without --diff: refused, nothing read.
    let out = run(&["harden", "--no-config", "-"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
