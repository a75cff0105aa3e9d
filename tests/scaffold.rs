//! Scaffolder tests: a snapshot of every strategy × target draft, schema validity, stable ids,
//! YAML-safe quoting of hostile text, catalog files against `strategy.schema.json`, and the
//! shape of cloud conditions (never the API selection alone).

mod common;

use sigsmith::scaffold::{self, Options, Renderer, ScaffoldError};
use sigsmith::schema::{self, SchemaKind};
use sigsmith::strategy::{Catalog, Strategy, Target};
use sigsmith::yaml;

fn options() -> Options {
    Options {
        author: "sigsmith tests".to_owned(),
        date: "2025-01-01".to_owned(),
        example_values: false,
    }
}

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog loads")
}

fn pairs(c: &Catalog) -> Vec<(&Strategy, &Target)> {
    c.list()
        .iter()
        .flat_map(|s| s.targets.iter().map(move |t| (s, t)))
        .collect()
}

fn renderer() -> Renderer {
    Renderer::new(None).expect("built-in templates compile")
}

/// Parses a draft and returns its documents, asserting valid YAML without duplicate keys.
fn documents(text: &str) -> Vec<yaml::Node> {
    let stream = yaml::parse(text);
    assert!(stream.error.is_none(), "{:?}\n{text}", stream.error);
    assert!(
        stream.duplicate_keys.is_empty(),
        "{:?}",
        stream.duplicate_keys
    );
    stream.documents.into_iter().map(|d| d.root).collect()
}

#[test]
fn snapshot_every_draft() {
    let c = catalog();
    let r = renderer();
    for (s, t) in pairs(&c) {
        let draft = r.render(s, t, &options()).expect("renders");
        common::settings(None).bind(|| {
            insta::assert_snapshot!(format!("{}__{}", s.id, t.name), draft.text);
        });
    }
}

#[test]
fn every_draft_parses_and_validates_against_the_schemas() {
    let c = catalog();
    let r = renderer();
    let mut files = 0;
    for example_values in [false, true] {
        let opts = Options {
            example_values,
            ..options()
        };
        for (s, t) in pairs(&c) {
            let draft = r.render(s, t, &opts).expect("renders");
            files += 1;
            let docs = documents(&draft.text);
            assert_eq!(
                docs.len(),
                1 + usize::from(t.correlation.is_some()),
                "{}",
                draft.rel_path.display()
            );
            let v = schema::validate(SchemaKind::SigmaRule, &docs[0].to_json()).expect("schema");
            assert!(v.is_empty(), "{}: {v:?}", draft.rel_path.display());
            let sig = docs[0].get("sigsmith").expect("sigsmith block");
            assert_eq!(
                sig.get("strategy").and_then(|n| n.as_str()),
                Some(s.id.as_str())
            );
            assert_eq!(
                sig.get("target").and_then(|n| n.as_str()),
                Some(t.name.as_str())
            );
            let prompts = sig
                .get("validation")
                .and_then(|n| n.as_seq())
                .expect("prompts");
            assert_eq!(prompts.len(), s.prompts.len());
            assert!(
                prompts
                    .iter()
                    .all(|p| p.get("answer").is_some_and(|a| a.is_null()))
            );
            // `fields:` carries every context field.
            let fields: Vec<&str> = docs[0]
                .get("fields")
                .and_then(|n| n.as_seq())
                .expect("fields")
                .iter()
                .filter_map(|n| n.as_str())
                .collect();
            assert_eq!(fields, t.context.all_fields());
            if let Some(corr) = docs.get(1) {
                let v = schema::validate(SchemaKind::SigmaCorrelation, &corr.to_json())
                    .expect("schema");
                assert!(v.is_empty(), "{}: {v:?}", draft.rel_path.display());
                let rules = corr.pointer("/correlation/rules/0").as_str();
                assert_eq!(rules, docs[0].get("name").and_then(|n| n.as_str()));
                let group_by = corr
                    .pointer("/correlation/group-by/0")
                    .as_str()
                    .expect("group-by");
                assert!(
                    t.context.identity.iter().any(|f| f == group_by),
                    "{group_by}"
                );
            }
            let has_placeholder = draft.text.contains("<<baseline:");
            assert_eq!(has_placeholder, !example_values && !t.baselines.is_empty());
            if example_values {
                assert!(!draft.text.contains("<<"), "{}", draft.rel_path.display());
                for b in &t.baselines {
                    for e in &b.examples {
                        assert!(draft.text.contains(e.as_str()), "{e} missing");
                    }
                }
            }
        }
    }
    assert!(files >= 20, "{files}");
}

#[test]
fn ids_are_stable_uuid_v5_and_unique() {
    let c = catalog();
    let r = renderer();
    let mut seen = std::collections::BTreeSet::new();
    for (s, t) in pairs(&c) {
        let a = r.render(s, t, &options()).expect("renders");
        let b = renderer()
            .render(
                s,
                t,
                &Options {
                    date: "2030-12-31".into(),
                    author: "someone else".into(),
                    ..options()
                },
            )
            .expect("renders");
        let ids = |text: &str| -> Vec<String> {
            documents(text)
                .iter()
                .map(|d| d.get("id").and_then(|n| n.as_str()).expect("id").to_owned())
                .collect()
        };
        let ia = ids(&a.text);
        assert_eq!(ia, ids(&b.text), "ids depend only on strategy/target");
        assert_eq!(
            ia[0],
            scaffold::draft_id(&format!("{}/{}", s.id, t.name)).to_string()
        );
        if ia.len() > 1 {
            assert_eq!(
                ia[1],
                scaffold::draft_id(&format!("{}/{}/correlation", s.id, t.name)).to_string()
            );
        }
        for id in ia {
            let u = uuid::Uuid::parse_str(&id).expect("uuid");
            assert_eq!(u.get_version_num(), 5);
            assert!(seen.insert(id), "duplicate id");
        }
    }
    // Pinned: a change of namespace or key scheme would silently re-id every deployed rule.
    assert_eq!(
        scaffold::draft_id("DET0078/aws-cloudtrail").to_string(),
        "f50cbfb8-778f-5f8c-95cc-72a867b5344b"
    );
}

const HOSTILE: [&str; 12] = [
    "Ends with colon: and # hash",
    "it's \"double\" and 'single'",
    "first line\nsecond: line\n- third",
    "*alias-like",
    "&anchor-like",
    "!tag-like",
    "- dash first",
    "{flow: map} [flow, seq]",
    "unicode: café ✓ 𝔘 \u{2028}sep",
    "% percent | pipe > gt",
    "<<baseline:looks_like_a_placeholder>>",
    "trailing space ",
];

#[test]
fn hostile_text_never_breaks_or_changes_the_document() {
    let c = catalog();
    let base = c.get("DET0078").expect("DET0078");
    for (i, h) in HOSTILE.iter().enumerate() {
        let mut s = base.clone();
        s.name = format!("Name {h}");
        s.summary = format!("Summary {h}");
        s.prompts[0].question = (*h).to_owned();
        s.false_positives = vec![(*h).to_owned()];
        let t = &mut s.targets[0];
        t.title = format!("Title {h}");
        t.baselines[0].description = (*h).to_owned();
        t.api[0].note = Some((*h).to_owned());
        t.api[0].matches[1].values = vec![(*h).to_owned(), "SendCommand".to_owned()];
        let t = t.clone();
        let draft = renderer()
            .render(
                &s,
                &t,
                &Options {
                    author: (*h).to_owned(),
                    ..options()
                },
            )
            .unwrap_or_else(|e| panic!("hostile #{i} {h:?}: {e}"));
        let docs = documents(&draft.text);
        let rule = &docs[0];
        let get = |p: &str| rule.pointer(p).as_str().map(str::to_owned);
        assert_eq!(get("/author").as_deref(), Some(*h));
        assert_eq!(get("/sigsmith/validation/0/question").as_deref(), Some(*h));
        assert_eq!(
            get("/sigsmith/baselines/0/description").as_deref(),
            Some(*h)
        );
        assert_eq!(get("/falsepositives/0").as_deref(), Some(*h));
        assert_eq!(get("/title"), Some(format!("Name {h} - Title {h}")));
        assert!(
            get("/description")
                .expect("description")
                .starts_with(&format!("Summary {h}"))
        );
        assert_eq!(
            get("/detection/selection_api/0/eventName/0").as_deref(),
            Some(*h)
        );
        // Structure unchanged: same top-level keys, same detection identifiers.
        let keys: Vec<String> = rule
            .as_map()
            .expect("map")
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            keys,
            [
                "title",
                "id",
                "name",
                "status",
                "description",
                "references",
                "author",
                "date",
                "tags",
                "logsource",
                "detection",
                "fields",
                "falsepositives",
                "level",
                "sigsmith"
            ]
        );
        assert_eq!(docs.len(), 2, "correlation still a separate document");
    }
}

#[test]
fn catalog_files_validate_against_the_strategy_schema() {
    let dir = common::repo_root().join("data").join("strategies");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("data/strategies")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = sigsmith::strategy::BUILTIN_FILES
        .iter()
        .map(|(n, _)| n.rsplit('/').next().expect("name").to_owned())
        .collect();
    assert_eq!(on_disk, embedded, "every data/strategies file is embedded");
    for name in on_disk {
        let text = std::fs::read_to_string(dir.join(&name)).expect("read");
        let stream = yaml::parse(&text);
        assert!(stream.error.is_none(), "{name}: {:?}", stream.error);
        let v = schema::validate(SchemaKind::Strategy, &stream.documents[0].root.to_json())
            .expect("schema");
        assert!(v.is_empty(), "{name}: {v:?}");
        let s = sigsmith::strategy::load_strategy(&name, &text).expect("loads");
        assert!(sigsmith::strategy::check_strategy(&s).is_empty());
        assert_eq!(format!("{}.yml", s.id), name, "file named after the id");
    }
}

#[test]
fn catalog_covers_the_issue_targets() {
    let c = catalog();
    let det0078 = c.get("DET0078").expect("DET0078");
    let platforms: std::collections::BTreeSet<&str> = det0078
        .targets
        .iter()
        .map(|t| t.platform.as_str())
        .collect();
    for p in ["IaaS", "Identity Provider", "Office Suite", "SaaS"] {
        assert!(platforms.contains(p), "{p} not covered");
    }
    for name in [
        "aws-cloudtrail",
        "azure-activity-logs",
        "gcp-audit",
        "m365-unified-audit",
        "okta-system-log",
    ] {
        assert!(det0078.target(name).is_some(), "{name}");
    }
    assert!(det0078.targets.iter().all(|t| t.correlation.is_some()));
    let det0742 = c.get("DET0742").expect("DET0742");
    let services: Vec<_> = det0742
        .targets
        .iter()
        .map(|t| t.logsource.service.as_deref())
        .collect();
    assert_eq!(
        services,
        [
            Some("audit"),
            Some("modbus_detailed"),
            Some("dnp3"),
            Some("s7comm"),
            Some("cip"),
            Some("opcua_binary")
        ]
    );
    // Each target names the product that produces its log.
    for t in &det0742.targets {
        let d = t.logsource.definition.as_deref().unwrap_or_default();
        assert!(
            d.contains("OPC UA") || d.contains("Zeek"),
            "{}: {d}",
            t.name
        );
    }
    let dc0112 = c.get("DC0112").expect("DC0112");
    let products: Vec<_> = dc0112
        .targets
        .iter()
        .map(|t| t.logsource.product.as_deref())
        .collect();
    assert_eq!(products, [Some("mobsf")]);
    // One prompt per point of "Detection direction", plus availability, retention, blind spots.
    assert!(c.list().iter().all(|s| s.prompts.len() >= 7));
}

#[test]
fn cloud_conditions_never_match_on_the_api_selection_alone() {
    let c = catalog();
    let s = c.get("DET0078").expect("DET0078");
    for t in &s.targets {
        let draft = renderer().render(s, t, &options()).expect("renders");
        let docs = documents(&draft.text);
        let detection = docs[0].get("detection").expect("detection");
        let condition = detection
            .get("condition")
            .and_then(|n| n.as_str())
            .expect("condition");
        let terms: Vec<&str> = condition.split(" and ").collect();
        assert_eq!(terms[0], "selection_api", "{condition}");
        assert!(
            terms.len() >= 2,
            "{}: API selection alone: {condition}",
            t.name
        );
        assert!(!condition.contains(" or "), "{condition}");
        assert!(
            terms.contains(&"selection_context") && terms.contains(&"not 1 of filter_*"),
            "{}: {condition}",
            t.name
        );
        // selection_context is on context fields, not on the API fields.
        let ctx = detection
            .get("selection_context")
            .expect("selection_context");
        let maps: Vec<&yaml::Node> = match ctx.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![ctx],
        };
        for m in maps {
            for (k, _) in m.as_map().expect("map") {
                let field = k.as_str().expect("key").split('|').next().expect("field");
                assert!(t.context.contains(field), "{field}");
                assert!(!t.api_fields.iter().any(|f| f == field), "{field}");
            }
        }
        // Every filter_* is a baseline placeholder.
        let filters: Vec<&str> = detection
            .as_map()
            .expect("map")
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .filter(|k| k.starts_with("filter_"))
            .collect();
        assert_eq!(filters.len(), t.baseline_filters().len());
        // Who and from where are one approved use: the principal baseline and the network
        // baseline sit in the same filter, so an approved principal calling from outside its
        // network is not suppressed.
        for f in t.baseline_filters() {
            let sel = detection.get(&f.name).expect("filter");
            let keys: Vec<&str> = sel
                .as_map()
                .expect("filter map")
                .iter()
                .filter_map(|(k, _)| k.as_str())
                .collect();
            assert_eq!(keys.len(), f.baselines.len(), "{}: {keys:?}", t.name);
        }
        let grouped = t.baseline_filters().iter().any(|f| {
            f.baselines
                .iter()
                .any(|b| t.context.identity.contains(&b.field))
                && f.baselines
                    .iter()
                    .any(|b| !t.context.identity.contains(&b.field))
        });
        assert!(
            grouped,
            "{}: who and from where are separate filters",
            t.name
        );
    }
}

fn user_templates(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), text).expect("write");
    dir
}

#[test]
fn undefined_variable_names_template_and_line() {
    let dir = user_templates(
        "mobile-api-calls.yml.j2",
        "title: x\n\nlevel: {{ rule.nope }}\n",
    );
    let r = Renderer::new(Some(dir.path())).expect("loads");
    let c = catalog();
    let s = c.get("DC0112").expect("DC0112");
    let err = r
        .render(s, &s.targets[0], &options())
        .expect_err("undefined");
    assert!(
        matches!(&err, ScaffoldError::Template { template, line: Some(3), .. } if template == "mobile-api-calls.yml.j2"),
        "{err}"
    );
}

#[test]
fn invalid_yaml_and_invalid_rules_name_the_template() {
    let c = catalog();
    let s = c.get("DC0112").expect("DC0112");
    let dir = user_templates(
        "mobile-api-calls.yml.j2",
        "title: x\nlogsource: [unclosed\n",
    );
    let err = Renderer::new(Some(dir.path()))
        .expect("loads")
        .render(s, &s.targets[0], &options())
        .expect_err("invalid yaml");
    assert!(
        matches!(&err, ScaffoldError::InvalidYaml { template, .. } if template == "mobile-api-calls.yml.j2"),
        "{err}"
    );
    let dir = user_templates(
        "mobile-api-calls.yml.j2",
        "title: {{ rule.title }}\nlogsource:\n    product: android\ndetection:\n    sel:\n        a: 1\n    condition: sel\nlevel: severe\n",
    );
    let err = Renderer::new(Some(dir.path()))
        .expect("loads")
        .render(s, &s.targets[0], &options())
        .expect_err("invalid rule");
    let msg = err.to_string();
    assert!(
        matches!(&err, ScaffoldError::InvalidDocument { template, line: 8, .. } if template == "mobile-api-calls.yml.j2"),
        "{msg}"
    );
    assert!(msg.contains("/level"), "{msg}");
}

#[test]
fn user_template_overrides_builtin_by_name() {
    let c = catalog();
    let s = c.get("DC0112").expect("DC0112");
    // An override extends the built-in base and changes one block.
    let custom = "{% extends \"base.yml.j2\" %}\n{% block level %}\nlevel: {{ rule.level }}\ncustom_marker: {{ target.platform }}\n{% endblock %}\n";
    let dir = user_templates("mobile-api-calls.yml.j2", custom);
    let draft = Renderer::new(Some(dir.path()))
        .expect("loads")
        .render(s, &s.targets[0], &options())
        .expect("renders");
    assert!(
        draft.text.contains("custom_marker: Android\n"),
        "{}",
        draft.text
    );
    // Everything outside the block is the built-in draft, byte for byte.
    let builtin = renderer()
        .render(s, &s.targets[0], &options())
        .expect("renders")
        .text;
    assert_eq!(draft.text.replace("custom_marker: Android\n", ""), builtin);
    // Other families still use the built-in templates.
    let d = c.get("DET0742").expect("DET0742");
    let other = Renderer::new(Some(dir.path()))
        .expect("loads")
        .render(d, &d.targets[0], &options())
        .expect("renders");
    assert_eq!(
        other.text,
        renderer()
            .render(d, &d.targets[0], &options())
            .expect("r")
            .text
    );
}

#[test]
fn user_base_template_changes_every_family() {
    let c = catalog();
    let base = scaffold::BUILTIN_TEMPLATES
        .iter()
        .find(|(n, _)| *n == scaffold::BASE_TEMPLATE)
        .expect("base")
        .1;
    let custom = base.replace(
        "status: {{ rule.status }}",
        "status: test\ncustom_marker: {{ target.name }}",
    );
    assert_ne!(custom, base, "the base template prints the status");
    let dir = user_templates(scaffold::BASE_TEMPLATE, &custom);
    let r = Renderer::new(Some(dir.path())).expect("loads");
    for id in ["DC0112", "DET0742", "DET0078"] {
        let s = c.get(id).expect("strategy");
        let t = &s.targets[0];
        let draft = r.render(s, t, &options()).expect("renders");
        assert!(
            draft.text.contains(&format!("custom_marker: {}\n", t.name)),
            "{}",
            draft.text
        );
        assert!(draft.text.starts_with("title: "), "{}", draft.text);
    }
}

/// `tests/fixtures/scaffold/*.json`: strategies in the model's JSON form (the way the ATT&CK
/// importer builds them), rendered, snapshotted, validated, and read back value by value.
#[test]
fn fixture_strategies_render_and_roundtrip() {
    let dir = common::repo_root().join("tests/fixtures/scaffold");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 2);
    for path in files {
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let v = schema::validate(SchemaKind::Strategy, &json).expect("schema");
        assert!(v.is_empty(), "{stem}: {v:?}");
        let s: Strategy = serde_json::from_value(json).expect("model");
        assert!(sigsmith::strategy::check_strategy(&s).is_empty(), "{stem}");
        for t in &s.targets {
            for example_values in [false, true] {
                let opts = Options {
                    example_values,
                    ..options()
                };
                let draft = renderer()
                    .render(&s, t, &opts)
                    .unwrap_or_else(|e| panic!("{stem}: {e}"));
                let docs = documents(&draft.text);
                let rule = &docs[0];
                assert!(
                    rule.get("description")
                        .and_then(|n| n.as_str())
                        .expect("description")
                        .starts_with(s.summary.trim())
                );
                let fps: Vec<&str> = rule
                    .get("falsepositives")
                    .and_then(|n| n.as_seq())
                    .expect("falsepositives")
                    .iter()
                    .filter_map(|n| n.as_str())
                    .collect();
                assert_eq!(fps, s.false_positives);
                for (i, m) in t.api[0].matches.iter().enumerate() {
                    let node = rule.pointer(&format!("/detection/selection_api/{}", m.key()));
                    let got: Vec<String> = match node.as_seq() {
                        Some(items) => items
                            .iter()
                            .filter_map(|n| n.scalar_text())
                            .map(|c| c.into_owned())
                            .collect(),
                        None => node
                            .scalar_text()
                            .into_iter()
                            .map(|c| c.into_owned())
                            .collect(),
                    };
                    assert_eq!(got, m.values, "{stem}: match {i}");
                    assert!(
                        node.as_seq()
                            .is_none_or(|items| items.iter().all(|n| n.as_str().is_some())),
                        "values stay strings"
                    );
                }
                let condition = rule
                    .pointer("/detection/condition")
                    .as_str()
                    .expect("condition");
                let expected = match (&t.context_constraint, t.baselines.is_empty()) {
                    (Some(_), false) => "selection_api and selection_context and not 1 of filter_*",
                    (None, false) => "selection_api and not 1 of filter_*",
                    (Some(_), true) => "selection_api and selection_context",
                    (None, true) => "selection_api",
                };
                assert_eq!(condition, expected, "{stem}");
                if !example_values {
                    common::settings(None).bind(|| {
                        insta::assert_snapshot!(format!("fixture__{stem}__{}", t.name), draft.text);
                    });
                }
            }
        }
    }
}

/// The linter accepts every built-in draft: no API001/API002/API003/API006 and no SIG finding;
/// the open placeholders and prompts are API004/API005 warnings, and nothing is an error.
/// With the placeholders filled (`--example-values`), API004 disappears too.
#[test]
fn every_draft_lints_clean_but_for_open_placeholders_and_prompts() {
    use sigsmith::diagnostic::Severity;
    use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};

    let c = catalog();
    let r = renderer();
    for example_values in [false, true] {
        let opts = Options {
            example_values,
            ..options()
        };
        let sources: Vec<SourceFile> = pairs(&c)
            .into_iter()
            .map(|(s, t)| {
                let d = r.render(s, t, &opts).expect("render");
                SourceFile {
                    path: d.rel_path.clone(),
                    text: d.text,
                }
            })
            .collect();
        assert!(sources.len() >= 10);
        let out = lint_sources(&sources, &LintOptions::default());
        let unexpected: Vec<String> = out
            .findings
            .iter()
            .filter(|f| {
                f.severity == Severity::Error
                    || !(f.code == "API005" || (f.code == "API004" && !example_values))
            })
            .map(|f| format!("{}:{}: {} {}", f.path.display(), f.pos, f.code, f.message))
            .collect();
        assert!(
            unexpected.is_empty(),
            "example_values={example_values}: {unexpected:#?}"
        );
        // Every draft still has its open checklist, so API005 must fire for each file.
        for s in &sources {
            assert!(
                out.findings
                    .iter()
                    .any(|f| f.path == s.path && f.code == "API005"),
                "{} has no API005",
                s.path.display()
            );
            if !example_values {
                assert!(
                    out.findings
                        .iter()
                        .any(|f| f.path == s.path && f.code == "API004"),
                    "{} has no API004",
                    s.path.display()
                );
            }
        }
    }
}
