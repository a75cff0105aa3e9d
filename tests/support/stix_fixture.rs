//! Test fixture generator: turns the enterprise ATT&CK v18.1 lookup in
//! `../shared/attack/enterprise-lookup-18.1/` (691 detection strategies, 1,739 analytics, data
//! components, techniques) plus the committed relationship subset
//! `tests/fixtures/attack/enterprise-relationships-18.1.json` (`detects`, `subtechnique-of`,
//! `revoked-by`) into a STIX 2.1 bundle of the real `enterprise-attack.json` shape. Every object
//! follows the field set of the same type in the real ICS v18.1 bundle (the model), so the
//! product's loader reads it exactly as it reads MITRE's files.
//!
//! The bundle is written once per test process to
//! `target/tmp/attack-fixtures/enterprise-attack-18.1.json` (atomic rename; the content is
//! deterministic) and its path returned. Run `cargo test --test attack_bundles` to produce it
//! for manual use (`sigsmith strategies --attack target/tmp/attack-fixtures/...`).
#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

const IDENTITY: &str = "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5";
const MARKING: &str = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168";
const SPEC: &str = "3.3.0";
const V18_DATE: &str = "2025-10-21T15:10:28.402Z";

/// Enterprise tactics: short name, id, name (the lookup lists tactics by short name only).
const TACTICS: [(&str, &str, &str); 14] = [
    ("reconnaissance", "TA0043", "Reconnaissance"),
    ("resource-development", "TA0042", "Resource Development"),
    ("initial-access", "TA0001", "Initial Access"),
    ("execution", "TA0002", "Execution"),
    ("persistence", "TA0003", "Persistence"),
    ("privilege-escalation", "TA0004", "Privilege Escalation"),
    ("defense-evasion", "TA0005", "Defense Evasion"),
    ("credential-access", "TA0006", "Credential Access"),
    ("discovery", "TA0007", "Discovery"),
    ("lateral-movement", "TA0008", "Lateral Movement"),
    ("collection", "TA0009", "Collection"),
    ("command-and-control", "TA0011", "Command and Control"),
    ("exfiltration", "TA0010", "Exfiltration"),
    ("impact", "TA0040", "Impact"),
];

/// The lookup folder under `shared`.
pub fn lookup_dir(shared: &Path) -> PathBuf {
    shared.join("attack").join("enterprise-lookup-18.1")
}

/// The committed relationship subset.
pub fn relationships_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/attack/enterprise-relationships-18.1.json")
}

/// Path of the generated enterprise bundle, generating it on first use in this process.
pub fn enterprise_bundle(shared: &Path) -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("attack-fixtures");
        std::fs::create_dir_all(&dir).expect("create target/tmp/attack-fixtures");
        let path = dir.join("enterprise-attack-18.1.json");
        let bundle = build_enterprise_bundle(shared);
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).expect("temp file in target/tmp");
        serde_json::to_writer_pretty(&mut tmp, &bundle).expect("write bundle");
        tmp.write_all(b"\n").expect("write bundle");
        tmp.persist(&path).expect("rename bundle into place");
        path
    })
    .clone()
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

fn arr<'v>(v: &'v Value, key: &str) -> &'v Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not a list in {v}"))
}

fn fixture_uuid(name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("sigsmith-fixture/{name}").as_bytes(),
    )
    .to_string()
}

/// The fields every ATT&CK object carries, in the ICS bundle's order.
fn common(kind: &str, id: &str, created: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id));
    m.insert("created".into(), json!(created));
    m.insert("created_by_ref".into(), json!(IDENTITY));
    m
}

fn ext_refs(external_id: &str, url: &str) -> Value {
    json!([{ "source_name": "mitre-attack", "url": url, "external_id": external_id }])
}

fn finish(mut m: Map<String, Value>, modified: &str, version: &str) -> Value {
    m.insert("object_marking_refs".into(), json!([MARKING]));
    m.insert("modified".into(), json!(modified));
    m.insert("x_mitre_modified_by_ref".into(), json!(IDENTITY));
    m.insert("x_mitre_version".into(), json!(version));
    m.insert("x_mitre_attack_spec_version".into(), json!(SPEC));
    Value::Object(m)
}

/// Builds the bundle in memory.
pub fn build_enterprise_bundle(shared: &Path) -> Value {
    let dir = lookup_dir(shared);
    let detection = read_json(&dir.join("detection-objects-lookup-v18.1.json"));
    let patterns = read_json(&dir.join("attack-patterns-lookup-v18.1.json"));
    let relationships = read_json(&relationships_file());
    let bundle_id = s(&patterns["_metadata"], "bundle_id").to_owned();

    let mut objects: Vec<Value> = Vec::new();

    // identity and marking, exactly as in the ICS bundle
    objects.push(json!({
        "modified": "2025-03-19T15:00:40.855Z", "name": "The MITRE Corporation", "description": "",
        "identity_class": "organization", "type": "identity", "spec_version": "2.1",
        "id": IDENTITY, "created": "2017-06-01T00:00:00.000Z",
        "object_marking_refs": [MARKING], "x_mitre_attack_spec_version": "3.2.0"
    }));
    objects.push(json!({
        "definition": { "statement": "Copyright 2015-2025, The MITRE Corporation. MITRE ATT&CK and ATT&CK are registered trademarks of The MITRE Corporation." },
        "id": MARKING, "type": "marking-definition", "spec_version": "2.1",
        "created": "2017-06-01T00:00:00.000Z", "created_by_ref": IDENTITY, "definition_type": "statement"
    }));

    // tactics and the matrix
    let mut tactic_refs = Vec::new();
    let mut body: Vec<Value> = Vec::new();
    for (short, id, name) in TACTICS {
        let stix = format!("x-mitre-tactic--{}", fixture_uuid(id));
        tactic_refs.push(json!(stix));
        let mut m = common("x-mitre-tactic", &stix, "2018-10-17T00:14:20.652Z");
        m.insert("revoked".into(), json!(false));
        m.insert(
            "external_references".into(),
            ext_refs(id, &format!("https://attack.mitre.org/tactics/{id}")),
        );
        m.insert("name".into(), json!(name));
        m.insert(
            "description".into(),
            json!(format!("The adversary's {name} objective.")),
        );
        m.insert("x_mitre_deprecated".into(), json!(false));
        m.insert("x_mitre_domains".into(), json!(["enterprise-attack"]));
        m.insert("x_mitre_shortname".into(), json!(short));
        body.push(finish(m, V18_DATE, "1.0"));
    }
    {
        let stix = format!("x-mitre-matrix--{}", fixture_uuid("enterprise-matrix"));
        let mut m = common("x-mitre-matrix", &stix, "2018-10-17T00:14:20.652Z");
        m.insert(
            "external_references".into(),
            ext_refs(
                "enterprise-attack",
                "https://attack.mitre.org/matrices/enterprise",
            ),
        );
        m.insert("name".into(), json!("Enterprise ATT&CK"));
        m.insert("description".into(), json!("The Enterprise ATT&CK matrix."));
        m.insert("tactic_refs".into(), json!(tactic_refs));
        m.insert("x_mitre_deprecated".into(), json!(false));
        m.insert("x_mitre_domains".into(), json!(["enterprise-attack"]));
        body.push(finish(m, V18_DATE, "1.0"));
    }

    // techniques
    for t in arr(&patterns, "attack_patterns") {
        let mut m = common("attack-pattern", s(t, "stix_id"), s(t, "created"));
        m.insert(
            "revoked".into(),
            json!(t["revoked"].as_bool() == Some(true)),
        );
        m.insert(
            "external_references".into(),
            ext_refs(s(t, "external_id"), s(t, "url")),
        );
        m.insert("name".into(), json!(s(t, "name")));
        m.insert("description".into(), json!(s(t, "description")));
        let phases: Vec<Value> = arr(t, "tactics")
            .iter()
            .map(|p| json!({ "kill_chain_name": "mitre-attack", "phase_name": p }))
            .collect();
        m.insert("kill_chain_phases".into(), json!(phases));
        m.insert(
            "x_mitre_deprecated".into(),
            json!(t["deprecated"].as_bool() == Some(true)),
        );
        m.insert("x_mitre_domains".into(), json!(["enterprise-attack"]));
        m.insert(
            "x_mitre_is_subtechnique".into(),
            t["is_subtechnique"].clone(),
        );
        m.insert("x_mitre_platforms".into(), t["platforms"].clone());
        body.push(finish(m, s(t, "modified"), "1.0"));
    }

    // data sources (deprecated in v18) and data components
    for d in arr(&detection, "data_sources") {
        let mut m = common(
            "x-mitre-data-source",
            s(d, "stix_id"),
            "2021-04-20T03:43:01.299Z",
        );
        m.insert(
            "revoked".into(),
            json!(d["revoked"].as_bool() == Some(true)),
        );
        let id = s(d, "external_id");
        m.insert(
            "external_references".into(),
            ext_refs(id, &format!("https://attack.mitre.org/datasources/{id}")),
        );
        m.insert("name".into(), json!(s(d, "name")));
        m.insert("description".into(), json!(s(d, "description")));
        m.insert("x_mitre_platforms".into(), d["platforms"].clone());
        m.insert(
            "x_mitre_deprecated".into(),
            json!(d["deprecated"].as_bool() == Some(true)),
        );
        m.insert("x_mitre_domains".into(), json!(["enterprise-attack"]));
        m.insert(
            "x_mitre_collection_layers".into(),
            d["collection_layers"].clone(),
        );
        body.push(finish(m, V18_DATE, "2.0"));
    }
    for d in arr(&detection, "data_components") {
        let mut m = common(
            "x-mitre-data-component",
            s(d, "stix_id"),
            "2021-10-20T15:05:19.273Z",
        );
        m.insert(
            "revoked".into(),
            json!(d["revoked"].as_bool() == Some(true)),
        );
        let id = s(d, "external_id");
        m.insert(
            "external_references".into(),
            ext_refs(id, &format!("https://attack.mitre.org/datacomponents/{id}")),
        );
        m.insert("name".into(), json!(s(d, "name")));
        m.insert("description".into(), json!(s(d, "description")));
        m.insert("x_mitre_deprecated".into(), json!(false));
        m.insert("x_mitre_domains".into(), d["domains"].clone());
        m.insert("x_mitre_log_sources".into(), d["log_sources"].clone());
        if let Some(ds) = d["data_source_ref"].as_str().filter(|r| !r.is_empty()) {
            m.insert("x_mitre_data_source_ref".into(), json!(ds));
        }
        body.push(finish(m, V18_DATE, "2.0"));
    }

    // detection strategies and analytics
    for d in arr(&detection, "detection_strategies") {
        let mut m = common("x-mitre-detection-strategy", s(d, "stix_id"), V18_DATE);
        m.insert(
            "external_references".into(),
            ext_refs(s(d, "external_id"), s(d, "url")),
        );
        m.insert("object_marking_refs".into(), json!([MARKING]));
        m.insert("modified".into(), json!(V18_DATE));
        m.insert("name".into(), json!(s(d, "name")));
        m.insert("x_mitre_modified_by_ref".into(), json!(IDENTITY));
        m.insert("x_mitre_version".into(), json!("1.0"));
        m.insert("x_mitre_attack_spec_version".into(), json!(SPEC));
        m.insert("x_mitre_domains".into(), d["domains"].clone());
        m.insert("x_mitre_analytic_refs".into(), d["analytic_refs"].clone());
        m.insert("x_mitre_deprecated".into(), json!(false));
        body.push(Value::Object(m));
    }
    for a in arr(&detection, "analytics") {
        let mut m = common("x-mitre-analytic", s(a, "stix_id"), V18_DATE);
        m.insert(
            "external_references".into(),
            ext_refs(s(a, "external_id"), s(a, "url")),
        );
        m.insert("object_marking_refs".into(), json!([MARKING]));
        m.insert("modified".into(), json!(V18_DATE));
        m.insert("name".into(), json!(s(a, "name")));
        m.insert("description".into(), json!(s(a, "description")));
        m.insert("x_mitre_modified_by_ref".into(), json!(IDENTITY));
        m.insert("x_mitre_version".into(), json!("1.0"));
        m.insert("x_mitre_attack_spec_version".into(), json!(SPEC));
        m.insert("x_mitre_domains".into(), a["domains"].clone());
        m.insert("x_mitre_platforms".into(), a["platforms"].clone());
        if !arr(a, "log_source_references").is_empty() {
            m.insert(
                "x_mitre_log_source_references".into(),
                a["log_source_references"].clone(),
            );
        }
        if !arr(a, "mutable_elements").is_empty() {
            m.insert(
                "x_mitre_mutable_elements".into(),
                a["mutable_elements"].clone(),
            );
        }
        m.insert("x_mitre_deprecated".into(), json!(false));
        body.push(Value::Object(m));
    }

    // relationships
    for r in arr(&relationships, "relationships") {
        let mut m = common("relationship", s(r, "stix_id"), V18_DATE);
        m.insert("revoked".into(), json!(false));
        m.insert("object_marking_refs".into(), json!([MARKING]));
        m.insert("modified".into(), json!(V18_DATE));
        m.insert("description".into(), json!(""));
        m.insert("relationship_type".into(), json!(s(r, "relationship_type")));
        m.insert("source_ref".into(), json!(s(r, "source_ref")));
        m.insert("target_ref".into(), json!(s(r, "target_ref")));
        m.insert("x_mitre_modified_by_ref".into(), json!(IDENTITY));
        m.insert("x_mitre_deprecated".into(), json!(false));
        m.insert("x_mitre_attack_spec_version".into(), json!(SPEC));
        body.push(Value::Object(m));
    }

    // the collection lists every object, like MITRE's
    let contents: Vec<Value> = body
        .iter()
        .map(|o| json!({ "object_ref": o["id"], "object_modified": o["modified"] }))
        .collect();
    objects.push(json!({
        "type": "x-mitre-collection",
        "id": format!("x-mitre-collection--{}", fixture_uuid("enterprise-collection")),
        "spec_version": "2.1", "x_mitre_attack_spec_version": SPEC,
        "name": "Enterprise ATT&CK", "x_mitre_version": "18.1",
        "description": "Generated from the enterprise v18.1 lookup for sigsmith's tests.",
        "created_by_ref": IDENTITY, "created": "2018-01-17T12:56:55.080Z", "modified": V18_DATE,
        "x_mitre_contents": contents, "object_marking_refs": [MARKING]
    }));
    objects.extend(body);
    json!({ "type": "bundle", "id": bundle_id, "objects": objects })
}
