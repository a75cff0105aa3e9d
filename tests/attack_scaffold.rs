//! From ATT&CK data to drafts: `strategies`, `show` and `new` with `--attack` over the real ICS
//! v18.1 bundle and the enterprise fixture generated from the v18.1 lookup.

mod common;
#[path = "support/stix_fixture.rs"]
mod stix_fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use sigsmith::attack::logsources::LogsourceTable;
use sigsmith::attack::{self, AttackData, LoadOptions, TagVerdict, convert};
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};
use sigsmith::scaffold::{Options, Renderer};
use sigsmith::schema::{self, SchemaKind};
use sigsmith::strategy::{Catalog, Family, Strategy, check_strategy};

const DATE: &str = "2025-01-01";

/// `(ics bundle, enterprise fixture)`, or `None` (with a note) without `../shared`.
fn bundles() -> Option<(PathBuf, PathBuf)> {
    let Some(shared) = common::shared_dir() else {
        eprintln!("note: ../shared is missing; skipping ATT&CK scaffold test");
        return None;
    };
    Some((
        shared.join("attack").join("ics-attack-18.1.json"),
        stix_fixture::enterprise_bundle(&shared),
    ))
}

fn load(paths: &[&Path]) -> AttackData {
    attack::load(paths, LoadOptions::default()).expect("bundles load")
}

fn sigsmith(args: &[&str]) -> Output {
    common::sigsmith(args).no_attack_env().ok()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Active detection strategy ids in a bundle file, counted with plain serde_json.
fn active_strategy_ids(path: &Path) -> BTreeSet<String> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
    v["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "x-mitre-detection-strategy")
        .filter(|o| o["revoked"] != true && o["x_mitre_deprecated"] != true)
        .filter_map(|o| {
            o["external_references"]
                .as_array()?
                .iter()
                .find(|r| r["source_name"] == "mitre-attack")?["external_id"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn strategies_lists_every_active_strategy_of_both_bundles() {
    let Some((ics, ent)) = bundles() else { return };
    let ics_ids = active_strategy_ids(&ics);
    let ent_ids = active_strategy_ids(&ent);
    assert_eq!((ics_ids.len(), ent_ids.len()), (83, 691));

    let out = sigsmith(&[
        "strategies",
        "--attack",
        s(&ics),
        "--attack",
        s(&ent),
        "--format",
        "json",
    ]);
    let listing: Value = serde_json::from_str(&stdout(&out)).expect("json listing");
    assert_eq!(listing["version"], 1);
    let mut by_domain: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in listing["strategies"].as_array().expect("strategies") {
        by_domain
            .entry(row["domain"].as_str().expect("domain").to_owned())
            .or_default()
            .insert(row["id"].as_str().expect("id").to_owned());
        assert!(
            !row["targets"].as_array().expect("targets").is_empty(),
            "{}",
            row["id"]
        );
    }
    assert_eq!(by_domain["ics"], ics_ids);
    assert_eq!(by_domain["enterprise"], ent_ids);
    // the built-in DC0112 (mobile) has no ATT&CK counterpart here and stays
    assert_eq!(by_domain["mobile"], BTreeSet::from(["DC0112".to_owned()]));

    // text: one summary line counting them all
    let text = stdout(&sigsmith(&[
        "strategies",
        "--attack",
        s(&ics),
        "--attack",
        s(&ent),
    ]));
    let last = text.lines().last().expect("summary");
    assert!(
        last.starts_with(&format!("{} strategies, ", 83 + 691 + 1)),
        "{last}"
    );
}

#[test]
fn strategies_filters_and_unmapped_names() {
    let Some((ics, ent)) = bundles() else { return };
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec![
            "strategies",
            "--format",
            "json",
            "--attack",
            s(&ics),
            "--attack",
            s(&ent),
        ];
        all.extend_from_slice(args);
        let v: Value = serde_json::from_str(&stdout(&sigsmith(&all))).expect("json");
        v["strategies"]
            .as_array()
            .expect("strategies")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect()
    };
    assert_eq!(ids(&["--domain", "ics"]).len(), 83);
    assert_eq!(ids(&["--technique", "T0871"]), ["DET0742"]);
    assert_eq!(ids(&["--technique", "t1059.009"]), ["DET0078"]);
    let t1059 = ids(&["--technique", "T1059"]);
    assert!(
        t1059.len() > 5 && t1059.contains(&"DET0078".to_owned()),
        "{t1059:?}"
    );
    let iaas = ids(&["--platform", "iaas", "--domain", "enterprise"]);
    assert!(iaas.contains(&"DET0078".to_owned()));
    assert!(iaas.len() < 691);

    // --unmapped: counts agree with a count made from the file
    let v: Value = serde_json::from_str(&stdout(&sigsmith(&[
        "strategies",
        "--attack",
        s(&ent),
        "--unmapped",
        "--format",
        "json",
    ])))
    .expect("json");
    let rows = v["unmapped"].as_array().expect("unmapped");
    let scan = rows
        .iter()
        .find(|r| r["name"] == "Internet Scan")
        .expect("Internet Scan is unmapped");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&ent).expect("read")).expect("json");
    let refs = bundle["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "x-mitre-analytic")
        .flat_map(|o| {
            o["x_mitre_log_source_references"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|r| r["name"] == "Internet Scan")
        .count();
    assert_eq!(scan["references"], refs);
    assert!(rows.iter().all(|r| r["name"] != "AWS:CloudTrail"));
    let err = Command::new(common::bin())
        .args(["strategies", "--unmapped"])
        .env_remove("SIGSMITH_ATTACK")
        .output()
        .expect("run");
    assert_eq!(err.status.code(), Some(2));
}

#[test]
fn every_imported_strategy_is_a_sound_catalog_entry() {
    let Some((ics, ent)) = bundles() else { return };
    let data = load(&[&ics, &ent]);
    let table = LogsourceTable::builtin();
    for s in data.strategies() {
        let strategy = convert::convert(&data, table, s);
        assert_eq!(check_strategy(&strategy), Vec::<String>::new(), "{}", s.id);
        let json = serde_json::to_value(&strategy).expect("serialize");
        let violations = schema::validate(SchemaKind::Strategy, &json).expect("schema");
        assert!(violations.is_empty(), "{}: {violations:?}", s.id);
        let analytics: BTreeSet<&str> = strategy
            .targets
            .iter()
            .filter_map(|t| t.analytic.as_deref())
            .collect();
        assert_eq!(
            analytics.len(),
            s.analytics.len(),
            "{}: one target or more per analytic",
            s.id
        );
        let tags = strategy.tags();
        for t in &s.techniques {
            assert!(tags.contains(&format!("attack.{}", t.to_ascii_lowercase())));
        }
        assert!(
            tags.iter().all(|t| data.check_tag(t) == TagVerdict::Ok),
            "{tags:?}"
        );
    }
}

#[test]
fn curated_entries_are_enriched_not_replaced() {
    let Some((ics, ent)) = bundles() else { return };
    let data = load(&[&ics, &ent]);
    let builtin = Catalog::builtin().expect("builtin");
    let catalog = convert::catalog(&builtin, &data, LogsourceTable::builtin()).expect("catalog");
    assert_eq!(catalog.len(), 83 + 691 + 1);

    let curated = builtin.get("DET0742").expect("curated");
    let merged = catalog.get("DET0742").expect("merged");
    assert_eq!(merged.family, Family::IcsApiExecution);
    let n = curated.targets.len();
    assert_eq!(merged.targets[..n], curated.targets[..]);
    assert_eq!(merged.prompts, curated.prompts);
    let extra = &merged.targets[n];
    assert_eq!(extra.name, "an1875-process-creation");
    assert_eq!(merged.family_of(extra), Family::Generic);
    assert_eq!(
        merged.stix_id.as_deref(),
        data.strategy("DET0742").map(|s| s.stix_id.as_str())
    );

    // DET0078's one analytic maps to CloudTrail, Azure activity and Okta, all covered by
    // curated targets: no target is added, their prompts grow by the analytic's.
    let merged = catalog.get("DET0078").expect("merged");
    let curated = builtin.get("DET0078").expect("curated");
    assert_eq!(merged.target_names(), curated.target_names());
    assert_eq!(merged.techniques, curated.techniques);
    let aws = merged.target("aws-cloudtrail").expect("aws");
    assert!(aws.prompts.iter().any(|p| p.id == "AN0215-V01"));
    assert_eq!(
        aws.baselines,
        curated.target("aws-cloudtrail").expect("aws").baselines
    );
    assert!(merged.target("gcp-audit").expect("gcp").prompts.is_empty());
    assert_eq!(check_strategy(merged), Vec::<String>::new());
}

#[test]
fn show_prints_curated_and_imported_sources() {
    let Some((_, ent)) = bundles() else { return };
    let text = stdout(&sigsmith(&["show", "DET0078", "--attack", s(&ent)]));
    assert!(
        text.contains("\nTarget aws-cloudtrail (AWS CloudTrail, IaaS)"),
        "{text}"
    );
    assert!(text.contains("AN0215-V01"));
    let imported = &text[text.find("\nATT&CK DET0078").expect("ATT&CK section")..];
    common::settings(Some(ent.parent().expect("dir"))).bind(|| {
        insta::assert_snapshot!("show_DET0078_attack_section", imported);
    });
    let json: Value = serde_json::from_str(&stdout(&sigsmith(&[
        "show",
        "DET0078",
        "--attack",
        s(&ent),
        "--format",
        "json",
    ])))
    .expect("json");
    assert_eq!(json["attack"]["analytics"][0]["id"], "AN0215");
    assert_eq!(json["attack"]["techniques"][0]["id"], "T1059.009");
    assert_eq!(json["strategy"]["id"], "DET0078");
}

fn render_imported(data: &AttackData, id: &str, filter: impl Fn(&str) -> bool) -> String {
    let s = data.strategy(id).expect("strategy");
    let strategy: Strategy = convert::convert(data, LogsourceTable::builtin(), s);
    let renderer = Renderer::new(None).expect("renderer");
    let options = Options {
        date: DATE.to_owned(),
        ..Options::default()
    };
    let mut out = String::new();
    for t in strategy.targets.iter().filter(|t| filter(&t.name)) {
        let d = renderer.render(&strategy, t, &options).expect("renders");
        out.push_str(&format!("# ---- {} ----\n", d.rel_path.display()));
        out.push_str(&d.text);
    }
    assert!(!out.is_empty(), "{id}: no target selected");
    out
}

#[test]
fn snapshots_of_imported_strategies() {
    let Some((ics, ent)) = bundles() else { return };
    let data = load(&[&ics, &ent]);
    type Case = (&'static str, &'static str, fn(&str) -> bool);
    let cases: [Case; 4] = [
        // from the data alone (without the curated entries)
        ("DET0742", "imported_DET0742", |_| true),
        ("DET0078", "imported_DET0078", |_| true),
        // Windows: Security event 4720 and Sysmon process creation
        ("DET0003", "imported_DET0003_windows", |n| {
            n.contains("windows")
        }),
        // an unmapped log source (ebpf:syscalls) next to a mapped one
        ("DET0001", "imported_DET0001_unmapped", |_| true),
    ];
    for (id, name, filter) in cases {
        let text = render_imported(&data, id, filter);
        common::settings(None).bind(|| insta::assert_snapshot!(name, text));
    }
    let unmapped = render_imported(&data, "DET0001", |n| n.ends_with("unmapped"));
    assert!(unmapped.contains("    product: '<<todo:logsource>>'\n"));
    assert!(unmapped.contains("'<<todo:field>>': '<<todo:value>>'"));
}

/// Every `*.yml` under `dir`, relative path → bytes.
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under dir").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read draft"));
            }
        }
    }
    out
}

#[test]
fn new_all_writes_valid_lint_clean_byte_identical_drafts() {
    let Some((ics, ent)) = bundles() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    // Two independent runs, side by side.
    let started = Instant::now();
    let runs: Vec<_> = [&a, &b]
        .into_iter()
        .map(|out| {
            Command::new(common::bin())
                .args([
                    "--quiet",
                    "new",
                    "--all",
                    "--attack",
                    s(&ics),
                    "--attack",
                    s(&ent),
                    "--out",
                    s(out),
                    "--date",
                    DATE,
                ])
                .env_remove("SIGSMITH_ATTACK")
                .spawn()
                .expect("spawn sigsmith")
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().expect("wait").success());
    }
    eprintln!("two `new --all --attack` runs: {:?}", started.elapsed());
    let first = read_tree(&a);
    assert!(first == read_tree(&b), "reruns differ");

    let data = load(&[&ics, &ent]);
    let catalog = convert::catalog(
        &Catalog::builtin().expect("builtin"),
        &data,
        LogsourceTable::builtin(),
    )
    .expect("catalog");
    let targets: usize = catalog.list().iter().map(|s| s.targets.len()).sum();
    assert_eq!(first.len(), targets);

    let mut strategies_seen = BTreeSet::new();
    let mut sources = Vec::with_capacity(first.len());
    for (rel, bytes) in &first {
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let stream = sigsmith::yaml::parse(&text);
        assert!(
            stream.error.is_none(),
            "{}: {:?}",
            rel.display(),
            stream.error
        );
        for (i, doc) in stream.documents.iter().enumerate() {
            let kind = if i == 0 {
                SchemaKind::SigmaRule
            } else {
                SchemaKind::SigmaCorrelation
            };
            let v = schema::validate(kind, &doc.root.to_json()).expect("schema");
            assert!(v.is_empty(), "{}: {v:?}", rel.display());
        }
        let id = stream.documents[0]
            .root
            .pointer("/sigsmith/strategy")
            .as_str()
            .expect("sigsmith.strategy")
            .to_owned();
        strategies_seen.insert(id);
        sources.push(SourceFile {
            path: rel.clone(),
            text,
        });
    }
    let all: BTreeSet<String> = catalog.list().iter().map(|s| s.id.clone()).collect();
    assert_eq!(strategies_seen, all, "a draft for every strategy");

    let opts = LintOptions {
        attack: Some(Arc::new(data)),
        ..LintOptions::default()
    };
    let lint = lint_sources(&sources, &opts);
    let bad: Vec<String> = lint
        .findings
        .iter()
        .filter(|f| {
            f.code.starts_with("SIG") || f.severity == sigsmith::diagnostic::Severity::Error
        })
        .take(10)
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f.code,
                f.path.display(),
                f.pos.line,
                f.message
            )
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    // every unmapped placeholder logsource is flagged as an unresolved placeholder
    let unmapped: BTreeSet<&Path> = sources
        .iter()
        .filter(|s| s.text.contains("product: '<<todo:logsource>>'"))
        .map(|s| s.path.as_path())
        .collect();
    assert!(!unmapped.is_empty());
    let flagged: BTreeSet<&Path> = lint
        .findings
        .iter()
        .filter(|f| f.code == "API004" && f.message.contains("<<todo:logsource>>"))
        .map(|f| f.path.as_path())
        .collect();
    assert_eq!(flagged, unmapped);
}

#[test]
fn tags_are_checked_against_real_data() {
    let Some((ics, ent)) = bundles() else { return };
    let data = load(&[&ics, &ent]);
    assert_eq!(data.check_tag("attack.t0871"), TagVerdict::Ok);
    assert_eq!(data.check_tag("attack.t1059.009"), TagVerdict::Ok);
    assert_eq!(
        data.check_tag("attack.inhibit-response-function"),
        TagVerdict::Ok
    );
    assert_eq!(data.check_tag("attack.defense-evasion"), TagVerdict::Ok);
    assert_eq!(
        data.check_tag("attack.t1002"),
        TagVerdict::Revoked {
            by: Some("attack.t1560".into()),
            by_name: Some("Archive Collected Data".into())
        }
    );
    assert_eq!(
        data.check_tag("attack.defense_evasion"),
        TagVerdict::Unknown {
            suggestion: Some("attack.defense-evasion".into())
        }
    );
    let deprecated = data
        .techniques()
        .find(|t| t.status == attack::Status::Deprecated)
        .expect("a deprecated technique");
    assert_eq!(
        data.check_tag(&format!("attack.{}", deprecated.id.to_ascii_lowercase())),
        TagVerdict::Deprecated
    );
}
