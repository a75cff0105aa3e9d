//! The bar for drafts imported from ATT&CK, measured over the full v18.1 bundles in
//! `../shared/attack` (skipped when that folder is absent), one domain at a time:
//!
//! - at most 10% of a domain's drafts have an unmapped log source (a placeholder logsource
//!   although the analytic names a log source); drafts whose analytic names none are counted
//!   apart: ATT&CK itself gives them no telemetry ("difficult to detect");
//! - no draft has a `'<<todo:field>>'` selection where the data names the event: an analytic
//!   log source reference with a channel (`EventCode=4688`, `eventName: RunInstances`) that
//!   maps to a logsource must give the draft a field of that log source;
//! - the validation prompts of an imported analytic are split, one question per point, and a
//!   curated strategy's prompt that names a baseline reaches only drafts with that baseline.

mod common;

use std::path::PathBuf;

use sigsmith::attack::convert::{self, TODO_LOGSOURCE};
use sigsmith::attack::logsources::LogsourceTable;
use sigsmith::attack::{AttackData, LoadOptions};
use sigsmith::strategy::{Catalog, Source, Strategy, Target};

fn load(domain: &str) -> Option<AttackData> {
    let shared = common::shared_dir()?;
    let path: PathBuf = shared
        .join("attack")
        .join(format!("{domain}-attack-18.1.json"));
    if !path.is_file() {
        return None;
    }
    Some(sigsmith::attack::load(&[path], LoadOptions::default()).expect("bundle loads"))
}

fn todo_field(t: &Target) -> bool {
    t.api
        .iter()
        .flat_map(|s| &s.matches)
        .any(|m| m.field == convert::todo("field"))
}

/// Whether a channel names the event rather than describing behaviour in prose: Windows event
/// codes (`EventCode=4688`, `Event ID 4624`) or one `key: value` / `key=value` pair whose key is
/// a field name (`eventName: RunInstances`, `eventSource=ec2.amazonaws.com`).
fn names_an_event(channel: &str) -> bool {
    static KEY_VALUE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let kv = KEY_VALUE.get_or_init(|| {
        regex::Regex::new(r"^\s*[A-Za-z][A-Za-z0-9_.]*\s*(?:[:=]|==)\s*[\w.'\x22*-]+")
            .expect("static regex is valid")
    });
    !sigsmith::attack::logsources::event_codes(channel).is_empty() || kv.is_match(channel)
}

/// Drafts per domain, drafts with an unmapped log source, drafts whose analytic names none.
#[derive(Debug, Default)]
struct Bar {
    drafts: usize,
    unmapped: usize,
    no_log_source: usize,
    todo_field: usize,
    todo_where_named: Vec<String>,
}

fn measure(data: &AttackData, catalog: &Catalog) -> Bar {
    let table = LogsourceTable::builtin();
    let mut bar = Bar::default();
    for s in data.strategies() {
        let strategy = catalog
            .get(&s.id)
            .expect("every imported strategy is in the catalog");
        for t in strategy.targets.iter().filter(|t| t.analytic.is_some()) {
            bar.drafts += 1;
            let a = s
                .analytics
                .iter()
                .find(|a| Some(a.id.as_str()) == t.analytic.as_deref())
                .expect("the target's analytic");
            if t.logsource.product.as_deref() == Some(TODO_LOGSOURCE) {
                if a.log_sources.is_empty() {
                    bar.no_log_source += 1;
                    assert!(t.title.contains("no log source in ATT&CK"), "{}", t.title);
                } else {
                    bar.unmapped += 1;
                }
                continue;
            }
            // The references of the analytic that map to this draft's logsource and name an
            // event in their channel.
            let named = a.log_sources.iter().any(|r| {
                r.channel.as_deref().is_some_and(names_an_event)
                    && table
                        .resolve_ref(s.domain, r, &a.description)
                        .iter()
                        .any(|m| {
                            (
                                &m.logsource.category,
                                &m.logsource.product,
                                &m.logsource.service,
                            ) == (
                                &t.logsource.category,
                                &t.logsource.product,
                                &t.logsource.service,
                            )
                        })
            });
            if named && todo_field(t) {
                bar.todo_where_named
                    .push(format!("{}/{} ({})", s.id, t.name, t.logsource));
            }
            if todo_field(t) {
                bar.todo_field += 1;
            }
        }
    }
    bar
}

#[test]
fn imported_drafts_meet_the_bar_in_every_domain() {
    let builtin = Catalog::builtin().expect("catalog");
    let mut measured = 0;
    for domain in ["enterprise", "mobile", "ics"] {
        let Some(data) = load(domain) else { continue };
        let catalog =
            convert::catalog(&builtin, &data, LogsourceTable::builtin()).expect("catalog");
        let bar = measure(&data, &catalog);
        eprintln!(
            "{domain}: {} drafts, {} with an unmapped log source ({:.1}%), {} whose analytic \
             names no log source, {} mapped drafts with a todo-field selection, {} of them where the \
             data names the event",
            bar.drafts,
            bar.unmapped,
            100.0 * bar.unmapped as f64 / bar.drafts.max(1) as f64,
            bar.no_log_source,
            bar.todo_field,
            bar.todo_where_named.len()
        );
        assert!(bar.drafts > 100, "{domain}: {bar:?}");
        assert!(
            bar.unmapped * 10 <= bar.drafts,
            "{domain}: {} of {} drafts have an unmapped log source",
            bar.unmapped,
            bar.drafts
        );
        assert!(
            bar.todo_where_named.is_empty(),
            "{domain}: todo-field selections where the data names the event: {:?}",
            bar.todo_where_named
        );
        measured += 1;
    }
    if common::shared_dir().is_some() {
        assert_eq!(measured, 3, "the three bundles are in ../shared/attack");
    }
}

#[test]
fn prompts_are_one_per_point_and_stay_with_their_target() {
    let Some(data) = load("ics") else { return };
    let builtin = Catalog::builtin().expect("catalog");
    let catalog = convert::catalog(&builtin, &data, LogsourceTable::builtin()).expect("catalog");
    // One question per sentence of the analytic: no prompt carries two points.
    for s in catalog.list().iter().filter(|s| s.source == Source::Attack) {
        for t in &s.targets {
            for p in t
                .prompts
                .iter()
                .filter(|p| p.question.starts_with("ATT&CK analytic"))
            {
                let body = p.question.split_once(": ").map_or("", |(_, b)| b);
                let point = body
                    .split(" How does this draft cover it")
                    .next()
                    .unwrap_or("");
                assert!(
                    !point.contains(". Monitor ") && !point.contains(". Consider "),
                    "{}/{}: {}",
                    s.id,
                    t.name,
                    p.question
                );
            }
        }
    }
    let many = catalog
        .list()
        .iter()
        .flat_map(|s| &s.targets)
        .filter(|t| t.prompts.iter().any(|p| p.question.contains("(2/")))
        .count();
    assert!(
        many > 10,
        "descriptions with several points are split ({many})"
    );

    // DET0742 (curated) gains ATT&CK's process-creation target: its maintenance-window
    // prompt, which asks about a baseline that target does not have, stays with the curated
    // targets.
    let det: &Strategy = catalog.get("DET0742").expect("DET0742");
    let v03 = det
        .prompts
        .iter()
        .find(|p| p.question.contains("maintenance_windows"))
        .expect("curated maintenance-window prompt");
    for t in &det.targets {
        let has = det.prompts_for(t).any(|p| p.id == v03.id);
        let baseline = t.baselines.iter().any(|b| b.name == "maintenance_windows");
        assert_eq!(has, baseline, "{}", t.name);
    }
    assert!(det.targets.iter().any(|t| t.analytic.is_some()));
    // A prompt that names no baseline reaches every draft.
    for t in &det.targets {
        assert!(
            det.prompts_for(t).any(|p| p.id == "DET0742-V01"),
            "{}",
            t.name
        );
    }
}
