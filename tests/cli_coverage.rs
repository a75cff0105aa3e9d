//! `sigsmith coverage` and `new --uncovered`: on the SigmaHQ corpus with the three shared
//! ATT&CK v18.1 bundles (each loaded once per test binary), Navigator layers validated against
//! `schemas/navigator-layer-4.5.schema.json` and against the bundle (technique ids, score range,
//! platforms), the mobile log source mapping bar, and the CLI on small repositories (`--out`,
//! `--diff REV`, `new --uncovered`).

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use serde_json::Value;
use sigsmith::attack::logsources::LogsourceTable;
use sigsmith::attack::{AttackData, Domain, LoadOptions};
use sigsmith::coverage::{self, Coverage, State, Verdict, navigator};
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};

const BUNDLES: [&str; 3] = [
    "enterprise-attack-18.1.json",
    "mobile-attack-18.1.json",
    "ics-attack-18.1.json",
];

fn bundle(shared: &Path, name: &str) -> PathBuf {
    shared.join("attack").join(name)
}

fn data() -> Option<&'static AttackData> {
    static DATA: OnceLock<Option<AttackData>> = OnceLock::new();
    DATA.get_or_init(|| {
        let shared = common::shared_dir()?;
        let paths: Vec<PathBuf> = BUNDLES.iter().map(|b| bundle(&shared, b)).collect();
        Some(sigsmith::attack::load(&paths, LoadOptions::default()).expect("bundles load"))
    })
    .as_ref()
}

/// The SigmaHQ corpus's coverage, computed once.
fn sigmahq() -> Option<&'static Coverage> {
    static COV: OnceLock<Option<Coverage>> = OnceLock::new();
    COV.get_or_init(|| {
        let shared = common::shared_dir()?;
        let data = data()?;
        let mut files = Vec::new();
        common::yaml_files(&shared.join("corpora/sigmahq/rules"), &mut files);
        files.sort();
        let sources: Vec<SourceFile> = files
            .into_iter()
            .filter_map(|p| {
                Some(SourceFile {
                    text: std::fs::read_to_string(&p).ok()?,
                    path: p,
                })
            })
            .collect();
        let lint = lint_sources(&sources, &LintOptions::default());
        let rules = coverage::Rule::from_lint(&sources, &lint);
        Some(coverage::compute(data, LogsourceTable::builtin(), rules))
    })
    .as_ref()
}

fn layer_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        common::repo_root().join("schemas/navigator-layer-4.5.schema.json"),
    )
    .expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// Checks a layer against the schema and against the ATT&CK data of its domain; returns the
/// number of techniques whose metadata names a detection strategy.
fn check_layer(layer: &Value, data: &AttackData, domain: Domain) -> usize {
    let schema = layer_schema();
    let errors: Vec<String> = schema
        .iter_errors(layer)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{domain:?} layer violates the 4.5 schema: {errors:#?}"
    );
    assert_eq!(layer["domain"], domain.stix_name());
    assert_eq!(layer["versions"]["layer"], "4.5");
    let min = layer["gradient"]["minValue"].as_f64().expect("min");
    let max = layer["gradient"]["maxValue"].as_f64().expect("max");
    assert!(max > min);
    assert_eq!(layer["legendItems"].as_array().expect("legend").len(), 3);
    let platforms: BTreeSet<&str> = layer["filters"]["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let domain_platforms: BTreeSet<&str> = data
        .techniques()
        .filter(|t| t.domain == domain && t.status.is_active())
        .flat_map(|t| t.platforms.iter().map(String::as_str))
        .chain(
            data.strategies()
                .filter(|s| s.domain == domain)
                .flat_map(|s| &s.analytics)
                .flat_map(|a| a.platforms.iter().map(String::as_str)),
        )
        .collect();
    assert!(
        !platforms.contains("None") || platforms.len() == 1,
        "{platforms:?}"
    );
    assert!(!platforms.is_empty());
    assert!(platforms.is_subset(&domain_platforms), "{platforms:?}");
    let mut with_strategy = 0;
    let mut seen = BTreeSet::new();
    for t in layer["techniques"].as_array().expect("techniques") {
        let id = t["techniqueID"].as_str().expect("id");
        assert!(seen.insert(id), "{id} listed twice");
        let tech = data
            .technique(id)
            .unwrap_or_else(|| panic!("{id} is not in the bundle"));
        assert_eq!(tech.domain, domain, "{id}");
        assert!(tech.status.is_active(), "{id} is {}", tech.status.as_str());
        if let Some(score) = t["score"].as_f64() {
            assert!((min..=max).contains(&score), "{id} score {score}");
        }
        let meta = t["metadata"].as_array().expect("metadata");
        let strategies: Vec<&str> = meta
            .iter()
            .filter(|m| m["name"] == "strategy")
            .filter_map(|m| m["value"].as_str())
            .collect();
        for s in &strategies {
            let s = data.strategy(s).unwrap_or_else(|| panic!("{s} unknown"));
            assert!(
                s.techniques.iter().any(|x| x == id),
                "{} does not detect {id}",
                s.id
            );
        }
        for a in meta.iter().filter(|m| m["name"] == "analytic") {
            assert!(
                a["value"].as_str().is_some_and(|v| v.starts_with("AN")),
                "{a}"
            );
        }
        let rules = meta.iter().filter(|m| m["name"] == "rule").count();
        if t["score"].is_null() && rules == 0 {
            // A parent shown for its covered sub-techniques.
            assert_eq!(t["showSubtechniques"], true, "{id}");
            assert!(
                layer["techniques"]
                    .as_array()
                    .expect("techniques")
                    .iter()
                    .any(|s| s["techniqueID"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(&format!("{id}.")))),
                "{id}"
            );
        } else {
            assert!(rules > 0, "{id} has no rule in its metadata");
        }
        if !strategies.is_empty() {
            with_strategy += 1;
        }
    }
    with_strategy
}

#[test]
fn sigmahq_enterprise_layer_is_a_valid_v18_layer_with_hundreds_of_techniques() {
    let (Some(data), Some(cov)) = (data(), sigmahq()) else {
        return;
    };
    let d = cov.domain(Domain::Enterprise).expect("enterprise loaded");
    let layer = navigator::layer(cov, d);
    assert!(
        layer["versions"]["attack"]
            .as_str()
            .is_some_and(|v| v.starts_with("18.")),
        "{}",
        layer["versions"]
    );
    let with_strategy = check_layer(&layer, data, Domain::Enterprise);
    let techniques = layer["techniques"].as_array().expect("techniques").len();
    assert!(techniques >= 200, "{techniques} techniques");
    assert!(
        with_strategy >= 200,
        "{with_strategy} techniques with strategy ids"
    );
    // Some technique metadata names analytics matched by log source (Windows process creation
    // rules against Sysmon/Security analytics).
    let with_analytic = layer["techniques"]
        .as_array()
        .expect("techniques")
        .iter()
        .filter(|t| {
            t["metadata"]
                .as_array()
                .is_some_and(|m| m.iter().any(|x| x["name"] == "analytic"))
        })
        .count();
    assert!(with_analytic >= 100, "{with_analytic}");
    let enterprise_platforms = layer["filters"]["platforms"].as_array().expect("platforms");
    assert!(enterprise_platforms.iter().any(|p| p == "Windows"));
    assert!(enterprise_platforms.iter().any(|p| p == "IaaS"));
}

#[test]
fn mobile_and_ics_layers_validate() {
    let (Some(data), Some(cov)) = (data(), sigmahq()) else {
        return;
    };
    for domain in [Domain::Mobile, Domain::Ics] {
        let d = cov.domain(domain).expect("loaded");
        let layer = navigator::layer(cov, d);
        check_layer(&layer, data, domain);
        assert_eq!(layer["versions"]["attack"], "18.1", "{domain:?}");
    }
    let mobile = cov.domain(Domain::Mobile).expect("mobile");
    assert_eq!(
        mobile.platforms,
        vec!["Android".to_owned(), "iOS".to_owned()]
    );
    assert_eq!(mobile.totals.strategies, 124);
    // ATT&CK for ICS v18.1 gives every active technique and analytic the platform `None`.
    let ics = cov.domain(Domain::Ics).expect("ics");
    assert_eq!(ics.platforms, vec!["None".to_owned()]);
    assert_eq!(ics.totals.strategies, 83);
}

#[test]
fn sigmahq_states_follow_the_api001_verdicts() {
    let Some(cov) = sigmahq() else { return };
    let d = cov.domain(Domain::Enterprise).expect("enterprise");
    assert_eq!(d.totals.strategies, 691);
    let by = |s: State| d.totals.strategies_by_state[s.as_str()];
    assert!(by(State::Context) > 0 && by(State::PresenceOnly) > 0 && by(State::NotJudged) > 100);
    assert_eq!(
        by(State::Context) + by(State::PresenceOnly) + by(State::NotJudged) + by(State::Uncovered),
        691
    );
    for s in &d.strategies {
        let verdicts: Vec<Verdict> = s
            .rules
            .iter()
            .map(|m| &cov.rules[m.rule])
            .filter(|r| r.counts())
            .map(|r| r.context)
            .collect();
        match s.state {
            State::PresenceOnly => assert!(
                verdicts.iter().all(|v| *v == Verdict::PresenceOnly) && !verdicts.is_empty()
            ),
            State::Context => assert!(verdicts.contains(&Verdict::Context)),
            State::NotJudged => {
                assert!(
                    verdicts.contains(&Verdict::NotJudged) && !verdicts.contains(&Verdict::Context)
                );
            }
            State::Uncovered => assert!(verdicts.is_empty(), "{}", s.id),
        }
    }
    // A presence-only rule is one the linter flags with API001, and a context rule one it
    // judges (an API-audit log source) without flagging.
    let presence: Vec<&coverage::Rule> = cov
        .rules
        .iter()
        .filter(|r| r.context == Verdict::PresenceOnly)
        .collect();
    assert!(presence.len() > 10, "{}", presence.len());
    assert!(presence.iter().all(|r| r.logsource.product.is_some()));
    let report = coverage::report::json(cov);
    assert_eq!(report["version"], 1);
    let strategies: usize = report["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .map(|d| d["strategies"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(strategies, 691 + 124 + 83);
}

/// Mobile drafts are mapped: no mobile log source name is unmapped, and at most 10% of the
/// log source references of any domain are.
#[test]
fn log_source_mapping_bar_per_domain() {
    let Some(data) = data() else { return };
    let table = LogsourceTable::builtin();
    let unmapped = table.unmapped(data);
    let mobile: Vec<&str> = unmapped
        .iter()
        .filter(|u| u.domains.contains(&Domain::Mobile))
        .map(|u| u.name.as_str())
        .collect();
    assert!(mobile.is_empty(), "unmapped mobile log sources: {mobile:?}");
    let mut refs: HashMap<Domain, (usize, usize)> = HashMap::new();
    for s in data.strategies() {
        for a in &s.analytics {
            for l in &a.log_sources {
                let e = refs.entry(s.domain).or_default();
                e.1 += 1;
                if table
                    .resolve(s.domain, &l.name, l.channel.as_deref())
                    .is_empty()
                {
                    e.0 += 1;
                }
            }
        }
    }
    for (domain, (un, total)) in refs {
        assert!(
            un * 10 <= total,
            "{domain:?}: {un} of {total} references unmapped"
        );
    }
    // Drafts: only analytics that name no log source at all keep a placeholder logsource.
    let builtin = sigsmith::strategy::Catalog::builtin().expect("catalog");
    let catalog = sigsmith::attack::convert::catalog(&builtin, data, table).expect("catalog");
    let (mut drafts, mut unmapped_drafts) = (0, 0);
    for s in catalog.list() {
        if s.domain != Domain::Mobile {
            continue;
        }
        for t in &s.targets {
            drafts += 1;
            if t.logsource.product.as_deref() == Some(sigsmith::attack::convert::TODO_LOGSOURCE)
                && !t.title.contains("no log source in ATT&CK")
            {
                unmapped_drafts += 1;
            }
        }
    }
    assert!(drafts > 200, "{drafts}");
    assert!(
        unmapped_drafts * 10 <= drafts,
        "{unmapped_drafts} of {drafts} mobile drafts unmapped"
    );
}

// ---- the command line, on small repositories ----------------------------------------------

const ICS_RULE: &str = "\
title: Execution through API on an engineering workstation
id: 5b0d9c1e-8f3a-4e2b-9c7d-1a2b3c4d5e6f
status: test
description: d
author: a
date: 2026-01-01
tags:
    - attack.execution
    - attack.t0871
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\\\x.exe'
    condition: selection
level: medium
";

fn sigsmith(dir: &Path, args: &[&str]) -> std::process::Output {
    common::sigsmith(args)
        .dir(dir)
        .env_remove(&["SIGSMITH_ATTACK"])
        .output()
}

fn ics_bundle() -> Option<String> {
    Some(
        bundle(&common::shared_dir()?, "ics-attack-18.1.json")
            .display()
            .to_string(),
    )
}

#[test]
fn navigator_layers_go_to_out_and_are_not_overwritten_without_force() {
    let Some(ics) = ics_bundle() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("rules")).expect("mkdir");
    std::fs::write(tmp.path().join("rules/r.yml"), ICS_RULE).expect("write");
    let out = sigsmith(
        tmp.path(),
        &["coverage", "rules", "--attack", &ics, "-f", "navigator"],
    );
    assert_eq!(out.status.code(), Some(2), "navigator needs --out");
    let out = sigsmith(
        tmp.path(),
        &[
            "coverage",
            "rules",
            "--attack",
            &ics,
            "-f",
            "navigator",
            "--out",
            "layers",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<_> = std::fs::read_dir(tmp.path().join("layers"))
        .expect("layers")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        entries,
        vec![std::ffi::OsString::from("ics-attack-layer.json")]
    );
    let path = tmp.path().join("layers/ics-attack-layer.json");
    let layer: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    let errors: Vec<String> = layer_schema()
        .iter_errors(&layer)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let t = &layer["techniques"][0];
    assert_eq!(t["techniqueID"], "T0871");
    assert_eq!(
        t["score"], 2,
        "a process-creation rule is not judged by API001"
    );
    assert!(
        t["metadata"]
            .as_array()
            .expect("metadata")
            .iter()
            .any(|m| m["value"] == "DET0742")
    );
    assert!(t["metadata"].as_array().expect("metadata").iter().any(|m| {
        m["value"]
            .as_str()
            .is_some_and(|v| v.starts_with("rules/r.yml:1"))
    }));
    std::fs::write(&path, "mine").expect("write");
    let out = sigsmith(
        tmp.path(),
        &[
            "coverage",
            "rules",
            "--attack",
            &ics,
            "-f",
            "navigator",
            "--out",
            "layers",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "mine",
        "left alone without --force"
    );
    let out = sigsmith(
        tmp.path(),
        &[
            "coverage",
            "rules",
            "--attack",
            &ics,
            "-f",
            "navigator",
            "--out",
            "layers",
            "--force",
        ],
    );
    assert!(out.status.success());
    assert_ne!(std::fs::read_to_string(&path).expect("read"), "mine");
    // Text and markdown summarise; no ATT&CK data is a usage error.
    let out = sigsmith(tmp.path(), &["coverage", "rules", "--attack", &ics]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ics") && text.contains("18.1"), "{text}");
    let out = sigsmith(
        tmp.path(),
        &["coverage", "rules", "--attack", &ics, "-f", "markdown"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("## ATT&CK coverage"));
    let out = sigsmith(tmp.path(), &["coverage", "rules"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--attack"));
}

use common::git;

#[test]
fn diff_reports_what_a_change_adds_and_removes() {
    let Some(ics) = ics_bundle() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("rules")).expect("mkdir");
    std::fs::write(repo.join("README.md"), "x\n").expect("write");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "empty"]);
    std::fs::write(repo.join("rules/r.yml"), ICS_RULE).expect("write");
    let out = sigsmith(
        repo,
        &[
            "coverage", "rules", "--attack", &ics, "--diff", "HEAD", "-f", "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &v["diff"];
    assert_eq!(d["rules"][0]["rule"], "rules/r.yml:1");
    assert!(d["rules"][0]["before"].is_null());
    let changes = d["domains"][0]["strategies"]
        .as_array()
        .expect("strategies");
    assert!(
        changes.iter().any(|c| c["id"] == "DET0742"
            && c["before"] == "uncovered"
            && c["after"] == "not-judged"),
        "{changes:?}"
    );
    // Committed: no change against HEAD; removed in the working tree: a regression.
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "rule"]);
    let out = sigsmith(
        repo,
        &["coverage", "rules", "--attack", &ics, "--diff", "HEAD"],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("no coverage change"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_file(repo.join("rules/r.yml")).expect("rm");
    let out = sigsmith(
        repo,
        &[
            "coverage", "rules", "--attack", &ics, "--diff", "HEAD", "-f", "markdown",
        ],
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("removed") && md.contains(":warning:"), "{md}");
    assert_eq!(out.status.code(), Some(0));
    let out = sigsmith(
        repo,
        &[
            "coverage",
            "rules",
            "--attack",
            &ics,
            "--diff",
            "HEAD",
            "--fail-on-regression",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "DET0742 lost its only rule");
    let out = sigsmith(
        repo,
        &[
            "coverage",
            "rules",
            "--attack",
            &ics,
            "--diff",
            "no-such-rev",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn new_uncovered_renders_only_strategies_without_rules() {
    let Some(ics) = ics_bundle() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("rules")).expect("mkdir");
    std::fs::write(tmp.path().join("rules/r.yml"), ICS_RULE).expect("write");
    let out = sigsmith(
        tmp.path(),
        &[
            "new",
            "--uncovered",
            "--rules",
            "rules",
            "--attack",
            &ics,
            "--date",
            "2026-01-01",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drafts = String::from_utf8_lossy(&out.stdout);
    assert!(
        !drafts.contains("DET0742"),
        "DET0742 is covered by rules/r.yml"
    );
    let all = sigsmith(
        tmp.path(),
        &["new", "--all", "--attack", &ics, "--date", "2026-01-01"],
    );
    let all_text = String::from_utf8_lossy(&all.stdout);
    assert!(all_text.contains("DET0742"));
    assert!(drafts.len() < all_text.len());
    assert!(
        drafts.contains("DET0743"),
        "other ICS strategies are rendered"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("82 of 83"), "{err}");
}
