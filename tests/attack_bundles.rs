//! Reading MITRE ATT&CK STIX bundles: the real ICS v18.1 bundle, the enterprise fixture generated
//! from the v18.1 lookup, and a small hand-written mobile bundle for revoked/deprecated handling.

mod common;
#[path = "support/stix_fixture.rs"]
mod stix_fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sigsmith::attack::logsources::{Family, LogsourceTable};
use sigsmith::attack::{self, AttackData, AttackError, Domain, LoadOptions, Status};

fn shared() -> Option<PathBuf> {
    let dir = common::shared_dir();
    if dir.is_none() {
        eprintln!("note: ../shared is missing; skipping ATT&CK bundle test");
    }
    dir
}

fn ics_path(shared: &Path) -> PathBuf {
    shared.join("attack").join("ics-attack-18.1.json")
}

fn mini_path() -> PathBuf {
    common::repo_root().join("tests/fixtures/attack/mini-mobile-bundle.json")
}

fn load(paths: &[PathBuf]) -> AttackData {
    attack::load(paths, LoadOptions::default()).expect("bundles load")
}

/// Counts objects of `kind` in a bundle file with plain serde_json, independently of the loader:
/// (all, neither revoked nor deprecated).
fn count_in_file(path: &Path, kind: &str) -> (usize, usize) {
    let v: Value =
        serde_json::from_slice(&std::fs::read(path).expect("read bundle")).expect("json");
    let objects = v["objects"].as_array().expect("objects");
    let of_kind: Vec<&Value> = objects.iter().filter(|o| o["type"] == kind).collect();
    let active = of_kind
        .iter()
        .filter(|o| o["revoked"] != true && o["x_mitre_deprecated"] != true)
        .count();
    (of_kind.len(), active)
}

#[test]
fn ics_bundle_strategy_count_matches_the_file() {
    let Some(shared) = shared() else { return };
    let path = ics_path(&shared);
    let (all, active) = count_in_file(&path, "x-mitre-detection-strategy");
    assert_eq!(all, 83);
    let data = load(std::slice::from_ref(&path));
    assert_eq!(data.bundles()[0].detection_strategies, all);
    assert_eq!(data.strategies().len(), active);
    assert_eq!(data.bundles()[0].domain, Domain::Ics);
    assert_eq!(data.bundles()[0].version.as_deref(), Some("18.1"));
    assert_eq!(data.bundles()[0].name.as_deref(), Some("ICS ATT&CK"));
    assert!(data.warnings().is_empty(), "{:?}", data.warnings());
    assert!(data.strategies().all(|s| s.domain == Domain::Ics));
}

#[test]
fn enterprise_fixture_strategy_and_analytic_counts_match_the_lookup() {
    let Some(shared) = shared() else { return };
    let path = stix_fixture::enterprise_bundle(&shared);
    let (all, active) = count_in_file(&path, "x-mitre-detection-strategy");
    assert_eq!(all, 691);
    // the lookup the fixture came from, counted independently
    let lookup: Value = serde_json::from_slice(
        &std::fs::read(
            stix_fixture::lookup_dir(&shared).join("detection-objects-lookup-v18.1.json"),
        )
        .expect("read lookup"),
    )
    .expect("lookup json");
    assert_eq!(
        lookup["detection_strategies"].as_array().map(Vec::len),
        Some(all)
    );
    let analytics_in_lookup = lookup["analytics"].as_array().map_or(0, Vec::len);
    assert_eq!(analytics_in_lookup, 1739);

    let data = load(std::slice::from_ref(&path));
    assert_eq!(data.bundles()[0].domain, Domain::Enterprise);
    assert_eq!(data.bundles()[0].detection_strategies, all);
    assert_eq!(data.strategies().len(), active);
    let analytics: usize = data.strategies().map(|s| s.analytics.len()).sum();
    assert_eq!(analytics, analytics_in_lookup);
    assert_eq!(data.data_components().len(), 109);
    assert!(data.warnings().is_empty(), "{:?}", data.warnings());
    // every strategy detects exactly one technique in v18 enterprise
    assert!(data.strategies().all(|s| s.techniques.len() == 1));
}

#[test]
fn both_bundles_load_together() {
    let Some(shared) = shared() else { return };
    let paths = [ics_path(&shared), stix_fixture::enterprise_bundle(&shared)];
    let data = load(&paths);
    assert_eq!(data.strategies().len(), 83 + 691);
    let by_domain: BTreeMap<Domain, usize> = data.strategies().fold(BTreeMap::new(), |mut m, s| {
        *m.entry(s.domain).or_default() += 1;
        m
    });
    assert_eq!(by_domain[&Domain::Ics], 83);
    assert_eq!(by_domain[&Domain::Enterprise], 691);
    // tactics of both domains, `execution` in both
    let execution: Vec<_> = data
        .tactics()
        .iter()
        .filter(|t| t.shortname == "execution")
        .map(|t| (t.domain, t.id.as_str()))
        .collect();
    assert_eq!(
        execution,
        vec![(Domain::Enterprise, "TA0002"), (Domain::Ics, "TA0104")]
    );
}

#[test]
fn det0742_resolves_from_the_ics_bundle() {
    let Some(shared) = shared() else { return };
    let data = load(&[ics_path(&shared)]);
    let s = data.strategy("det0742").expect("DET0742");
    assert_eq!(s.name, "Detection of Execution through API");
    assert_eq!(s.domain, Domain::Ics);
    assert_eq!(
        s.url.as_deref(),
        Some("https://attack.mitre.org/detectionstrategies/DET0742")
    );
    assert_eq!(s.techniques, vec!["T0871"]);
    assert_eq!(data.tactics_of(s), vec!["execution"]);
    let [a] = s.analytics.as_slice() else {
        panic!("one analytic: {:?}", s.analytics)
    };
    assert_eq!(a.id, "AN1875");
    assert_eq!(a.platforms, vec!["None"]);
    assert!(
        a.description
            .starts_with("Devices that provide user access")
    );
    assert_eq!(a.log_sources.len(), 1);
    assert_eq!(a.log_sources[0].name, "Process");
    assert_eq!(a.log_sources[0].channel, None);
    assert_eq!(a.log_sources[0].data_component.as_deref(), Some("DC0021"));
    assert_eq!(
        a.log_sources[0].data_component_name.as_deref(),
        Some("OS API Execution")
    );
    assert!(a.mutable_elements.is_empty());
    let t = data.technique("T0871").expect("T0871");
    assert_eq!(t.name, "Execution through API");
    assert_eq!(t.tactics, vec!["execution"]);
    assert!(!t.is_subtechnique && t.parent.is_none());
    assert_eq!(t.status, Status::Active);
    let tactic = data
        .tactic("inhibit-response-function")
        .expect("ICS tactic");
    assert_eq!(tactic.id, "TA0107");
}

#[test]
fn det0078_resolves_from_the_enterprise_fixture() {
    let Some(shared) = shared() else { return };
    let data = load(&[stix_fixture::enterprise_bundle(&shared)]);
    let s = data.strategy("DET0078").expect("DET0078");
    assert_eq!(
        s.name,
        "Behavioral Detection of Malicious Cloud API Scripting"
    );
    assert_eq!(s.domain, Domain::Enterprise);
    assert_eq!(s.techniques, vec!["T1059.009"]);
    assert_eq!(data.tactics_of(s), vec!["execution"]);
    let [a] = s.analytics.as_slice() else {
        panic!("one analytic: {:?}", s.analytics)
    };
    assert_eq!(a.id, "AN0215");
    assert_eq!(a.platforms, vec!["IaaS"]);
    let sources: Vec<(&str, Option<&str>)> = a
        .log_sources
        .iter()
        .map(|l| (l.name.as_str(), l.channel.as_deref()))
        .collect();
    assert_eq!(
        sources,
        vec![
            (
                "AWS:CloudTrail",
                Some("eventName: RunInstances, CreateUser, PutRolePolicy, InvokeCommand")
            ),
            (
                "azure:activity",
                Some("operationName: Write, Access Review, RoleAssignment")
            ),
            (
                "Okta:SystemLog",
                Some("eventType: user.authentication.sso, app.oauth2.token.grant")
            ),
        ]
    );
    assert!(a.log_sources.iter().all(|l| l.data_component.is_some()));
    let fields: Vec<&str> = a
        .mutable_elements
        .iter()
        .map(|m| m.field.as_str())
        .collect();
    assert_eq!(
        fields,
        vec![
            "TimeWindow",
            "UserAgent",
            "CredentialType",
            "APISequence",
            "ConsoleContext"
        ]
    );
    assert!(a.mutable_elements[1].description.contains("boto3"));
    let t = data.technique("t1059.009").expect("T1059.009");
    assert_eq!(t.name, "Cloud API");
    assert!(t.is_subtechnique);
    assert_eq!(t.parent.as_deref(), Some("T1059"));
    assert_eq!(
        data.technique("T1059").map(|t| t.name.as_str()),
        Some("Command and Scripting Interpreter")
    );
}

#[test]
fn enterprise_revoked_techniques_name_their_replacement() {
    let Some(shared) = shared() else { return };
    let data = load(&[stix_fixture::enterprise_bundle(&shared)]);
    let revoked: Vec<_> = data
        .techniques()
        .filter(|t| t.status == Status::Revoked)
        .collect();
    assert_eq!(revoked.len(), 132);
    assert!(revoked.iter().all(|t| t.revoked_by.is_some()));
    // T1002 Data Compressed was revoked by T1560 Archive Collected Data
    assert_eq!(
        data.technique("T1002")
            .and_then(|t| t.revoked_by.as_deref()),
        Some("T1560")
    );
    let deprecated = data
        .techniques()
        .filter(|t| t.status == Status::Deprecated)
        .count();
    assert_eq!(deprecated, 12);
}

#[test]
fn the_fixture_uses_only_fields_of_the_real_ics_bundle() {
    let Some(shared) = shared() else { return };
    let keys_by_type = |path: &Path| -> BTreeMap<String, BTreeSet<String>> {
        let v: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for o in v["objects"].as_array().expect("objects") {
            let kind = o["type"].as_str().expect("type").to_owned();
            let keys = o.as_object().expect("object").keys().cloned();
            out.entry(kind).or_default().extend(keys);
        }
        out
    };
    let ics = keys_by_type(&ics_path(&shared));
    let ent = keys_by_type(&stix_fixture::enterprise_bundle(&shared));
    for (kind, keys) in &ent {
        let model = ics
            .get(kind)
            .unwrap_or_else(|| panic!("{kind} is not in the ICS bundle"));
        let extra: Vec<&String> = keys
            .iter()
            // the ICS analytics happen to have no mutable elements; enterprise ones do
            .filter(|k| !model.contains(*k) && k.as_str() != "x_mitre_mutable_elements")
            .collect();
        assert!(
            extra.is_empty(),
            "{kind} has fields the ICS bundle lacks: {extra:?}"
        );
    }
}

#[test]
fn revoked_and_deprecated_objects_are_skipped_and_reported() {
    let data = load(&[mini_path()]);
    assert_eq!(data.bundles()[0].domain, Domain::Mobile);
    let ids: Vec<&str> = data.strategies().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["DET9001"]);
    let s = data.strategy("DET9001").expect("active strategy");
    assert_eq!(s.analytics.len(), 1, "deprecated analytic left out");
    assert_eq!(
        s.analytics[0].log_sources[0].data_component.as_deref(),
        Some("DC0112")
    );
    assert_eq!(s.analytics[0].mutable_elements[0].field, "ApprovedApps");
    assert_eq!(s.techniques, vec!["T1517"], "revoked relationship ignored");
    let skipped: Vec<(&str, &str, Status, Option<&str>)> = data
        .skipped()
        .iter()
        .map(|s| {
            (
                s.kind.as_str(),
                s.id.as_str(),
                s.status,
                s.replaced_by.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        vec![
            ("x-mitre-analytic", "AN9002", Status::Deprecated, None),
            (
                "x-mitre-detection-strategy",
                "DET9002",
                Status::Revoked,
                Some("DET9001")
            ),
            (
                "x-mitre-detection-strategy",
                "DET9003",
                Status::Deprecated,
                None
            ),
        ]
    );
    assert_eq!(
        data.warnings(),
        [format!(
            "{}: strategy DET9001 refers to analytic \
             x-mitre-analytic--00000000-0000-4000-8000-000000000059, which no bundle defines",
            mini_path().display()
        )]
    );
    let old = data.technique("T1412").expect("revoked technique kept");
    assert_eq!(
        (old.status, old.revoked_by.as_deref()),
        (Status::Revoked, Some("T1517"))
    );
    let sub = data
        .technique("T1517.001")
        .expect("deprecated sub-technique kept");
    assert_eq!(sub.status, Status::Deprecated);
    assert_eq!(
        sub.parent.as_deref(),
        Some("T1517"),
        "parent from the id prefix"
    );
    assert_eq!(
        data.tactic("collection").map(|t| t.domain),
        Some(Domain::Mobile)
    );
}

#[test]
fn include_deprecated_keeps_them() {
    let data = attack::load(
        &[mini_path()],
        LoadOptions {
            include_deprecated: true,
        },
    )
    .expect("load");
    let ids: Vec<(&str, Status)> = data
        .strategies()
        .map(|s| (s.id.as_str(), s.status))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("DET9001", Status::Active),
            ("DET9002", Status::Revoked),
            ("DET9003", Status::Deprecated)
        ]
    );
    let s = data.strategy("DET9001").expect("DET9001");
    assert_eq!(s.analytics.len(), 2);
    assert_eq!(s.analytics[1].status, Status::Deprecated);
    assert_eq!(data.skipped().len(), 3, "still reported");
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let msg = |p: &Path| {
        attack::load(&[p], LoadOptions::default())
            .expect_err("must fail")
            .to_string()
    };
    let broken = write(
        "broken.json",
        "{\"type\": \"bundle\",\n \"objects\": [\n  {\"type\": }\n]}",
    );
    assert_eq!(
        msg(&broken),
        format!(
            "{}:3:12: invalid STIX bundle: expected value",
            broken.display()
        )
    );
    let shape = write(
        "shape.json",
        "{\"type\": \"bundle\", \"objects\": [\n{\"type\": \"x-mitre-analytic\", \"id\": \"x\", \"x_mitre_platforms\": \"IaaS\"}]}",
    );
    let m = msg(&shape);
    assert!(
        m.starts_with(&format!("{}:2:", shape.display())) && m.contains("expected a sequence"),
        "{m}"
    );
    let not_bundle = write("x.json", "{\"type\": \"identity\", \"objects\": []}");
    assert_eq!(
        msg(&not_bundle),
        format!(
            "{}: not a STIX bundle: top-level `type` is `identity`, expected `bundle`",
            not_bundle.display()
        )
    );
    let list = write("list.json", "[]");
    assert!(
        msg(&list).contains("invalid STIX bundle: invalid type: sequence"),
        "{}",
        msg(&list)
    );
    let no_domain = write("nodomain.json", "{\"type\": \"bundle\", \"objects\": []}");
    assert!(msg(&no_domain).contains("cannot tell the ATT&CK domain"));
    let missing = dir.path().join("missing.json");
    let err = attack::load(&[&missing], LoadOptions::default()).expect_err("missing file");
    assert!(matches!(err, AttackError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read ATT&CK bundle {}", missing.display()))
    );
}

#[test]
fn logsource_mapping_over_the_real_data() {
    let Some(shared) = shared() else { return };
    let data = load(&[ics_path(&shared), stix_fixture::enterprise_bundle(&shared)]);
    let table = LogsourceTable::builtin();
    let (mapped, total) = table.coverage(&data);
    assert_eq!(total, 4126 + 236, "all log source references counted");
    assert!(mapped * 100 / total >= 85, "{mapped}/{total} mapped");
    // DET0078's three log sources map to cloud API audit profiles
    let s = data.strategy("DET0078").expect("DET0078");
    let mapped: Vec<(String, Family, Option<String>)> = s.analytics[0]
        .log_sources
        .iter()
        .flat_map(|l| table.resolve(s.domain, &l.name, l.channel.as_deref()))
        .map(|m| (m.logsource.to_string(), m.family, m.profile))
        .collect();
    assert_eq!(
        mapped,
        vec![
            (
                "product: aws, service: cloudtrail".into(),
                Family::CloudApiAudit,
                Some("aws-cloudtrail".into())
            ),
            (
                "product: azure, service: activitylogs".into(),
                Family::CloudApiAudit,
                Some("azure-activitylogs".into())
            ),
            (
                "product: okta, service: okta".into(),
                Family::CloudApiAudit,
                Some("okta-systemlog".into())
            ),
        ]
    );
    let unmapped: Vec<String> = table
        .unmapped(&data)
        .iter()
        .map(|u| {
            let domains: Vec<&str> = u.domains.iter().map(|d| d.as_str()).collect();
            format!(
                "{:>4} refs {:>3} strategies  {} [{}]",
                u.references,
                u.strategies,
                u.name,
                domains.join(",")
            )
        })
        .collect();
    common::settings(None)
        .bind(|| insta::assert_snapshot!("attack_unmapped_logsources", unmapped.join("\n")));
}
