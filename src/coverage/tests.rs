//! Unit tests on a small synthetic bundle (the SigmaHQ corpus tests are in
//! tests/cli_coverage.rs).

use std::path::Path;

use super::*;
use crate::attack::{LoadOptions, Loader};
use crate::lint::engine::{LintOptions, lint_sources};

const BUNDLE: &str = r#"{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "name": "Enterprise ATT&CK", "x_mitre_version": "18.1", "x_mitre_domains": ["enterprise-attack"]},
 {"type": "attack-pattern", "id": "attack-pattern--1", "name": "Cloud API", "x_mitre_domains": ["enterprise-attack"], "x_mitre_platforms": ["IaaS", "SaaS"], "x_mitre_is_subtechnique": true,
  "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
  "external_references": [{"source_name": "mitre-attack", "external_id": "T1059.009"}]},
 {"type": "attack-pattern", "id": "attack-pattern--2", "name": "Valid Accounts", "x_mitre_domains": ["enterprise-attack"], "x_mitre_platforms": ["Windows"],
  "external_references": [{"source_name": "mitre-attack", "external_id": "T1078"}]},
 {"type": "attack-pattern", "id": "attack-pattern--3", "name": "Old", "revoked": true, "x_mitre_domains": ["enterprise-attack"],
  "external_references": [{"source_name": "mitre-attack", "external_id": "T1999"}]},
 {"type": "x-mitre-analytic", "id": "x-mitre-analytic--1", "name": "a", "x_mitre_platforms": ["IaaS"],
  "x_mitre_log_source_references": [{"name": "AWS:CloudTrail", "channel": "eventName: RunInstances"}],
  "external_references": [{"source_name": "mitre-attack", "external_id": "AN0001"}]},
 {"type": "x-mitre-detection-strategy", "id": "x-mitre-detection-strategy--1", "name": "Cloud API use", "x_mitre_domains": ["enterprise-attack"],
  "x_mitre_analytic_refs": ["x-mitre-analytic--1"], "external_references": [{"source_name": "mitre-attack", "external_id": "DET0001"}]},
 {"type": "x-mitre-detection-strategy", "id": "x-mitre-detection-strategy--2", "name": "Accounts", "x_mitre_domains": ["enterprise-attack"],
  "x_mitre_analytic_refs": [], "external_references": [{"source_name": "mitre-attack", "external_id": "DET0002"}]},
 {"type": "relationship", "id": "relationship--1", "relationship_type": "detects", "source_ref": "x-mitre-detection-strategy--1", "target_ref": "attack-pattern--1"},
 {"type": "relationship", "id": "relationship--2", "relationship_type": "detects", "source_ref": "x-mitre-detection-strategy--2", "target_ref": "attack-pattern--2"}
]}"#;

fn data() -> AttackData {
    let mut l = Loader::new(LoadOptions::default());
    l.add_bytes(BUNDLE.as_bytes(), Path::new("enterprise-attack.json"))
        .expect("bundle");
    l.finish()
}

fn rule(title: &str, status: &str, tags: &str, detection: &str) -> String {
    format!(
        "title: {title}\nid: {}\nstatus: {status}\ndescription: d\nauthor: a\ndate: 2026-01-01\ntags: [{tags}]\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n{detection}\nlevel: high\n",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, title.as_bytes())
    )
}

const PRESENCE: &str = "  selection: {eventName: RunInstances}\n  condition: selection";
const CONTEXT: &str =
    "  selection: {eventName: RunInstances, userAgent|contains: python}\n  condition: selection";

fn coverage_of(files: &[(&str, String)]) -> Coverage {
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(p, t)| SourceFile {
            path: PathBuf::from(p),
            text: t.clone(),
        })
        .collect();
    let lint = lint_sources(&sources, &LintOptions::default());
    let rules = Rule::from_lint(&sources, &lint);
    compute(&data(), LogsourceTable::builtin(), rules)
}

#[test]
fn verdicts_come_from_the_lint_engine() {
    let cov = coverage_of(&[
        (
            "a.yml",
            rule("presence", "stable", "attack.t1059.009", PRESENCE),
        ),
        (
            "b.yml",
            rule("context", "test", "attack.t1059.009", CONTEXT),
        ),
    ]);
    let v: Vec<Verdict> = cov.rules.iter().map(|r| r.context).collect();
    assert_eq!(v, vec![Verdict::PresenceOnly, Verdict::Context]);
    let d = cov.domain(Domain::Enterprise).expect("enterprise");
    assert_eq!(d.attack_version.as_deref(), Some("18.1"));
    let s = &d.strategies[0];
    assert_eq!(s.id, "DET0001");
    assert_eq!(s.state, State::Context);
    assert_eq!(s.rules.len(), 2);
    assert!(s.rules.iter().all(|m| m.kind == MatchKind::TagAndLogsource));
    assert_eq!(s.rules[0].analytics, vec!["AN0001".to_owned()]);
    assert_eq!(d.strategies[1].state, State::Uncovered);
    assert_eq!(cov.uncovered(), vec!["DET0002"]);
}

#[test]
fn presence_only_strategies_and_non_counting_rules() {
    let cov = coverage_of(&[
        (
            "a.yml",
            rule("presence", "stable", "attack.t1059.009", PRESENCE),
        ),
        (
            "b.yml",
            rule(
                "old",
                "deprecated",
                "attack.t1059.009, attack.t1078",
                CONTEXT,
            ),
        ),
    ]);
    let d = cov.domain(Domain::Enterprise).expect("enterprise");
    assert_eq!(d.strategies[0].state, State::PresenceOnly);
    // The deprecated rule is listed but does not count.
    assert_eq!(d.strategies[1].state, State::Uncovered);
    assert_eq!(d.strategies[1].rules.len(), 1);
    assert_eq!(d.totals.strategies_by_state["presence-only"], 1);
    assert_eq!(d.totals.rules, 1);
    let t = d
        .techniques
        .iter()
        .find(|t| t.id == "T1078")
        .expect("T1078");
    assert_eq!(t.state, State::Uncovered);
    let layer = navigator::layer(&cov, d);
    let techs = layer["techniques"].as_array().expect("techniques");
    let sub = techs
        .iter()
        .find(|t| t["techniqueID"] == "T1059.009")
        .expect("entry");
    assert_eq!(sub["score"], 1);
    assert!(
        techs
            .iter()
            .find(|t| t["techniqueID"] == "T1078")
            .expect("T1078")["score"]
            .is_null()
    );
}

#[test]
fn tags_match_and_untagged_rules_are_candidates_by_logsource() {
    // A Windows rule tagging T1078 matches DET0002 by tag only (DET0002 has no analytic); a rule
    // without technique tags on CloudTrail is a log source candidate for DET0001 only.
    let win = "title: w\nstatus: test\ntags: [attack.t1078]\nlogsource: {product: windows, category: process_creation}\ndetection: {sel: {Image: x}, condition: sel}\n".to_owned();
    let cov = coverage_of(&[
        ("w.yml", win),
        (
            "u.yml",
            rule("untagged", "test", "attack.execution", CONTEXT),
        ),
        (
            "s.yml",
            rule("stale", "test", "attack.t1999, attack.t0000", CONTEXT),
        ),
    ]);
    let d = cov.domain(Domain::Enterprise).expect("enterprise");
    let det2 = &d.strategies[1];
    assert_eq!(det2.state, State::NotJudged);
    assert_eq!(det2.rules[0].kind, MatchKind::Tag);
    let det1 = &d.strategies[0];
    assert_eq!(det1.state, State::Uncovered);
    assert!(det1.rules.is_empty());
    assert_eq!(
        det1.candidates,
        vec![1],
        "u.yml, the untagged CloudTrail rule"
    );
    let stale: Vec<(&str, &str)> = cov
        .stale_tags
        .iter()
        .map(|t| (t.technique.as_str(), t.status))
        .collect();
    assert_eq!(stale, vec![("T0000", "unknown"), ("T1999", "revoked")]);
}

#[test]
fn attack_version_falls_back_to_the_file_name() {
    let info = |path: &str, version: Option<&str>| BundleInfo {
        path: PathBuf::from(path),
        id: None,
        domain: Domain::Mobile,
        name: None,
        version: version.map(str::to_owned),
        objects: 0,
        detection_strategies: 0,
    };
    assert_eq!(
        attack_version(&info("x/mobile-attack-18.1.json", None)).as_deref(),
        Some("18.1")
    );
    assert_eq!(
        attack_version(&info("mobile-attack-v17.json", None)).as_deref(),
        Some("17")
    );
    assert_eq!(
        attack_version(&info("mobile-attack.json", Some("18.0"))).as_deref(),
        Some("18.0")
    );
    assert_eq!(attack_version(&info("mobile-attack.json", None)), None);
}

#[test]
fn diff_reports_added_rules_and_state_changes() {
    let before = coverage_of(&[(
        "a.yml",
        rule("presence", "stable", "attack.t1059.009", PRESENCE),
    )]);
    let after = coverage_of(&[
        (
            "a.yml",
            rule("presence", "stable", "attack.t1059.009", PRESENCE),
        ),
        (
            "b.yml",
            rule("context", "test", "attack.t1059.009", CONTEXT),
        ),
    ]);
    let d = diff::diff("main", &before, &after);
    assert_eq!(d.rules.len(), 1);
    assert_eq!(d.rules[0].before, None);
    assert_eq!(d.domains[0].strategies[0].before, State::PresenceOnly);
    assert_eq!(d.domains[0].strategies[0].after, State::Context);
    assert_eq!(d.regressions(), 0);
    let back = diff::diff("main", &after, &before);
    assert_eq!(back.regressions(), 1);
    assert!(back.text().contains("regression"), "{}", back.text());
    assert!(diff::diff("main", &after, &after).is_empty());
}

#[test]
fn a_sub_technique_tag_covers_its_parent_but_not_the_reverse() {
    assert!(tag_covers("T1059.009", "T1059.009"));
    assert!(tag_covers("T1059.009", "T1059"));
    assert!(!tag_covers("T1059", "T1059.009"));
    assert!(!tag_covers("T1059.009", "T1059.001"));
    assert!(!tag_covers("T10590", "T1059"));
}

#[test]
fn text_from_bundles_and_rules_cannot_drive_the_terminal() {
    assert_eq!(report::clean("a\u{1b}[31mb\nc"), "a\\x1b[31mb\\nc");
    assert_eq!(report::md_escape("x|y\n`z`"), "x\\|y \\`z\\`");
}
