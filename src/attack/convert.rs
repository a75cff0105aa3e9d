//! From imported ATT&CK detection strategies to the scaffolder's [`Strategy`] model, and the
//! merge with the curated catalog ("curated beats generated").
//!
//! [`convert`] makes one [`Target`] per analytic × mapped Sigma logsource (log source
//! references of an analytic that map to the same logsource share a target), plus one target
//! with a placeholder logsource (`product: '<<todo:logsource>>'`) for the references no entry of
//! the [`LogsourceTable`] maps. The target's field profile gives the behaviour selection (values
//! from event codes, the log source name or the channel text, else `<<todo:NAME>>`
//! placeholders) and the context fields. The analytic's mutable elements become baselines
//! (`<<baseline:NAME>>` filters) when they name an allowlist, or validation prompts when they are
//! tuning parameters (time windows, thresholds); the analytic's description is the target's
//! first validation prompt; the strategy's techniques and their tactics are the tags.
//!
//! [`catalog`] builds the catalog `strategies`, `show` and `new` use with `--attack`: every
//! imported strategy, where the built-in catalog has the same id the curated strategy enriched
//! by the imported one ([`merge`]), and the remaining built-in strategies.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;

use super::logsources::{FieldProfile, LogsourceTable, MappedLogsource};
use super::{Analytic, AttackData, DetectionStrategy, LogSourceRef, MutableElement};
use crate::strategy::{
    Baseline, Catalog, CatalogError, ContextClass, ContextConstraint, ContextFields, Family,
    FieldMatch, Level, LogSource, ModifierKind, ObjectKind, Prompt, Selection, Source, Strategy,
    Target, TechniqueRef,
};

/// The placeholder logsource value of a draft whose ATT&CK log source no entry maps.
pub const TODO_LOGSOURCE: &str = "<<todo:logsource>>";

/// A `todo` placeholder (`<<todo:NAME>>`).
pub fn todo(name: &str) -> String {
    format!("<<todo:{name}>>")
}

/// The catalog with ATT&CK data: every imported strategy (curated ones enriched by their
/// imported counterpart, see [`merge`]) plus the built-in strategies ATT&CK does not have.
pub fn catalog(
    builtin: &Catalog,
    data: &AttackData,
    table: &LogsourceTable,
) -> Result<Catalog, CatalogError> {
    let mut out = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for s in data.strategies() {
        let imported = convert(data, table, s);
        let strategy = match builtin.get(&s.id) {
            Some(curated) => merge(curated, &imported, s),
            None => imported,
        };
        ids.insert(strategy.id.to_ascii_lowercase());
        out.push(strategy);
    }
    for s in builtin.list() {
        if !ids.contains(&s.id.to_ascii_lowercase()) {
            out.push(s.clone());
        }
    }
    Catalog::from_strategies(out)
}

/// Converts one imported detection strategy.
pub fn convert(data: &AttackData, table: &LogsourceTable, s: &DetectionStrategy) -> Strategy {
    let techniques: Vec<TechniqueRef> = s
        .techniques
        .iter()
        .map(|id| TechniqueRef {
            id: id.clone(),
            name: data
                .technique(id)
                .map_or_else(|| id.clone(), |t| t.name.clone()),
        })
        .collect();
    let domain_name = s.domain.title();
    let mut platforms: Vec<String> = Vec::new();
    for a in &s.analytics {
        push_all(&mut platforms, a.platforms.iter().filter(|p| *p != "None"));
    }
    if platforms.is_empty() {
        for t in s.techniques.iter().filter_map(|t| data.technique(t)) {
            push_all(&mut platforms, t.platforms.iter().filter(|p| *p != "None"));
        }
    }
    if platforms.is_empty() {
        platforms.push(domain_name.to_owned());
    }

    let mut targets: Vec<Target> = Vec::new();
    // Names taken, and the next suffix to try per base name: linear however many targets
    // share a name.
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for a in &s.analytics {
        for t in analytic_targets(table, s, a, &platforms) {
            let mut t = t;
            let base = t.name.clone();
            let n = next.entry(base.clone()).or_insert(2);
            while taken.contains(&t.name) {
                t.name = format!("{base}-{n}");
                *n += 1;
            }
            taken.insert(t.name.clone());
            targets.push(t);
        }
    }
    if targets.is_empty() {
        targets.push(placeholder_target(
            "unmapped",
            "No analytic in ATT&CK".to_owned(),
            platforms.join(", "),
            None,
            &[],
            &[],
        ));
    }
    let family = dominant_family(&targets);
    for t in &mut targets {
        if t.family == Some(family) {
            t.family = None;
        }
    }

    let technique_text = if techniques.is_empty() {
        format!("the behaviour \"{}\"", s.name)
    } else {
        techniques
            .iter()
            .map(|t| format!("{} {}", t.id, t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut summary = String::new();
    if let Some(d) = &s.description {
        summary.push_str(d.trim());
        summary.push(' ');
    }
    summary.push_str(&format!(
        "MITRE ATT&CK detection strategy {} ({domain_name}) for {technique_text}, imported with \
         its {} analytic(s): each draft follows one analytic and one log source, with the \
         analytic's description as its first validation prompt.",
        s.id,
        s.analytics.len()
    ));

    let mut telemetry: Vec<String> = Vec::new();
    for a in &s.analytics {
        push_owned(&mut telemetry, a.log_sources.iter().map(describe_ref));
    }
    if telemetry.is_empty() {
        telemetry.push("ATT&CK names no log source for this strategy".to_owned());
    }

    let mut references = Vec::new();
    if let Some(u) = &s.url {
        references.push(slash(u));
    }
    push_owned(&mut references, techniques.iter().map(TechniqueRef::url));
    if references.is_empty() {
        references.push("https://attack.mitre.org/".to_owned());
    }

    Strategy {
        id: s.id.clone(),
        name: s.name.clone(),
        kind: ObjectKind::DetectionStrategy,
        domain: s.domain,
        source: Source::Attack,
        stix_id: Some(s.stix_id.clone()),
        family,
        summary,
        platforms,
        techniques,
        tactics: data.tactics_of(s),
        level: Level::Medium,
        telemetry,
        mitigations: Vec::new(),
        prompts: vec![
            Prompt {
                id: format!("{}-V01", s.id),
                question: format!(
                    "Which procedures of {technique_text} must be detected in your environment, \
                     and does each draft of this strategy select them rather than every event \
                     of its log source?"
                ),
            },
            Prompt {
                id: format!("{}-V02", s.id),
                question: "Which legitimate administration, software and automation produce the \
                           same events, and is each of them in a baseline of the drafts instead \
                           of being tuned out by narrowing the selection?"
                    .to_owned(),
            },
        ],
        false_positives: vec![
            "Legitimate administration, software deployment and automation producing the same \
             events; put them in the baselines"
                .to_owned(),
        ],
        references,
        targets,
    }
}

/// The curated strategy `curated` enriched by its imported counterpart: imported techniques,
/// tactics, platforms, telemetry and references are added; an imported target whose logsource
/// a curated target already covers is dropped, its analytic's description and mutable elements
/// becoming prompts of that curated target; the other imported targets are added.
pub fn merge(curated: &Strategy, imported: &Strategy, source: &DetectionStrategy) -> Strategy {
    let mut out = curated.clone();
    out.stix_id = out.stix_id.or_else(|| imported.stix_id.clone());
    for t in &imported.techniques {
        if !out
            .techniques
            .iter()
            .any(|c| c.id.eq_ignore_ascii_case(&t.id))
        {
            out.techniques.push(t.clone());
        }
    }
    push_all(&mut out.tactics, imported.tactics.iter());
    push_all(&mut out.platforms, imported.platforms.iter());
    push_all(&mut out.telemetry, imported.telemetry.iter());
    let mut seen: BTreeSet<String> = out.references.iter().map(|r| slash(r)).collect();
    for r in &imported.references {
        if seen.insert(slash(r)) {
            out.references.push(r.clone());
        }
    }
    for t in &imported.targets {
        let covering = out.targets.iter_mut().find(|c| {
            (
                &c.logsource.category,
                &c.logsource.product,
                &c.logsource.service,
            ) == (
                &t.logsource.category,
                &t.logsource.product,
                &t.logsource.service,
            )
        });
        match covering {
            Some(c) => {
                let analytic = t
                    .analytic
                    .as_deref()
                    .and_then(|id| source.analytics.iter().find(|a| a.id == id));
                let mut prompts = t.prompts.clone();
                if let Some(a) = analytic {
                    // Tuning parameters are prompts of the imported target already.
                    let allowlists = a
                        .mutable_elements
                        .iter()
                        .filter(|m| classify(&words(&m.field)).is_some());
                    for m in allowlists {
                        prompts.push(Prompt {
                            id: String::new(),
                            question: format!(
                                "ATT&CK mutable element {} of {}: {} Is it covered by a \
                                 baseline or the context constraint of this draft?",
                                m.field,
                                a.id,
                                sentence(&m.description)
                            ),
                        });
                    }
                }
                let prefix = t.analytic.clone().unwrap_or_else(|| out.id.clone());
                for p in prompts {
                    if c.prompts.iter().any(|q| q.question == p.question) {
                        continue;
                    }
                    let n = c
                        .prompts
                        .iter()
                        .filter(|q| q.id.starts_with(&prefix))
                        .count();
                    c.prompts.push(Prompt {
                        id: format!("{prefix}-V{:02}", n + 1),
                        question: p.question,
                    });
                }
            }
            None => {
                let mut t = t.clone();
                let family = imported.family_of(&t);
                t.family = (family != out.family).then_some(family);
                out.targets.push(t);
            }
        }
    }
    out
}

/// Whether a target still holds `<<todo:...>>` placeholders (logsource, selection, watchlists).
pub fn has_todo(t: &Target) -> bool {
    let ls = &t.logsource;
    let in_selections = |sels: &[Selection]| {
        sels.iter()
            .flat_map(|s| &s.matches)
            .any(|m| m.field.contains("<<todo:") || m.values.iter().any(|v| v.contains("<<todo:")))
    };
    [&ls.category, &ls.product, &ls.service]
        .into_iter()
        .flatten()
        .any(|v| v.contains("<<todo:"))
        || in_selections(&t.api)
        || t.context_constraint
            .as_ref()
            .is_some_and(|c| in_selections(&c.any_of))
}

/// Drops the (strategy, target) pairs whose target has todo placeholders; returns how many.
pub fn without_todo(pairs: &mut Vec<(&Strategy, &Target)>) -> usize {
    let before = pairs.len();
    pairs.retain(|(_, t)| !has_todo(t));
    before - pairs.len()
}

// ---------------------------------------------------------------------------------------------

/// Log source references of one analytic that map to the same Sigma logsource.
struct Group<'a> {
    mapped: MappedLogsource,
    refs: Vec<(&'a LogSourceRef, Vec<u32>)>,
}

fn analytic_targets(
    table: &LogsourceTable,
    s: &DetectionStrategy,
    a: &Analytic,
    strategy_platforms: &[String],
) -> Vec<Target> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut unmapped: Vec<&LogSourceRef> = Vec::new();
    for r in &a.log_sources {
        let mapped = table.resolve_ref(s.domain, r, &a.description);
        if mapped.is_empty() {
            unmapped.push(r);
        }
        for m in mapped {
            let codes = m.event_codes.clone();
            match groups
                .iter_mut()
                .find(|g| g.mapped.logsource == m.logsource)
            {
                Some(g) => g.refs.push((r, codes)),
                None => groups.push(Group {
                    mapped: m,
                    refs: vec![(r, codes)],
                }),
            }
        }
    }
    let platform = {
        let own: Vec<&str> = a
            .platforms
            .iter()
            .map(String::as_str)
            .filter(|p| *p != "None")
            .collect();
        if own.is_empty() {
            strategy_platforms.join(", ")
        } else {
            own.join(", ")
        }
    };
    let mut out: Vec<Target> = groups
        .iter()
        .map(|g| mapped_target(table, a, g, &platform))
        .collect();
    // One reference can map to several logsources (Sysmon 3 and 22): name them in the titles.
    let titles: Vec<String> = out.iter().map(|t| t.title.clone()).collect();
    for t in &mut out {
        if titles.iter().filter(|x| **x == t.title).count() > 1 {
            let ls = &t.logsource;
            let parts: Vec<&str> = [&ls.product, &ls.service, &ls.category]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            t.title = format!("{} as {}", t.title, parts.join(" "));
        }
    }
    if !unmapped.is_empty() || a.log_sources.is_empty() {
        let names: Vec<&LogSourceRef> = unmapped;
        let title = if names.is_empty() {
            format!("{} (no log source in ATT&CK)", a.id)
        } else {
            format!("{} {} (unmapped)", a.id, ref_names(&names))
        };
        let mut t = placeholder_target(
            &format!("{}-unmapped", a.id.to_ascii_lowercase()),
            title,
            platform.clone(),
            Some(a),
            &names,
            &a.mutable_elements,
        );
        t.references = a.url.iter().cloned().collect();
        out.push(t);
    }
    out
}

fn mapped_target(table: &LogsourceTable, a: &Analytic, g: &Group<'_>, platform: &str) -> Target {
    let m = &g.mapped;
    let refs: Vec<&LogSourceRef> = g.refs.iter().map(|(r, _)| *r).collect();
    let profile = m.profile.as_deref().and_then(|p| table.profile(p));
    let (api_fields, api, mut context) = match profile {
        Some(p) => profile_selection(p, g),
        None => todo_selection(&refs),
    };
    let ElementParts {
        mut baselines,
        watch,
        tuning,
    } = element_parts(&a.mutable_elements, &mut context);
    // An API-audit draft filters the callers expected to make these calls: by identity, or
    // by source address where the log has no account (an ICS protocol log).
    let caller = [ContextClass::Identity, ContextClass::Source]
        .into_iter()
        .find_map(|c| context.class(c).first().map(|f| (c, f.clone())));
    if m.family != Family::Generic
        && let Some((class, field)) = caller
        && !baselines
            .iter()
            .any(|b| context.class(class).contains(&b.field))
    {
        let (description, modifiers) = if class == ContextClass::Identity {
            (
                "Identities expected to make these calls (service accounts, automation, \
                 administrators), from the inventory of this API's legitimate users",
                Vec::new(),
            )
        } else {
            (
                "Addresses of the systems expected to make these calls (control servers, \
                 HMIs, engineering workstations), from the inventory of this interface's \
                 legitimate clients",
                Vec::new(),
            )
        };
        baselines.push(Baseline {
            name: unique_name(&baselines, "expected_callers"),
            description: description.to_owned(),
            field,
            modifiers,
            examples: Vec::new(),
            group: None,
        });
    }
    let ls = &m.logsource;
    let slug: Vec<&str> = [&ls.product, &ls.service, &ls.category]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let logsource = LogSource {
        category: ls.category.clone(),
        product: ls.product.clone(),
        service: ls.service.clone(),
        definition: m.definition.clone(),
    };
    let mut prompts = analytic_prompts(a, &refs, &format!("Sigma logsource {ls}"));
    push_tuning(&mut prompts, a, &tuning);
    Target {
        name: kebab(&format!("{}-{}", a.id, slug.join("-"))),
        title: format!("{} {}", a.id, ref_names(&refs)),
        platform: platform.to_owned(),
        analytic: Some(a.id.clone()),
        family: Some(m.family),
        custom_logsource: m.custom,
        logsource,
        api_fields,
        api,
        context_constraint: watch_constraint(watch),
        context,
        baselines,
        correlation: None,
        false_positives: Vec::new(),
        references: a.url.iter().cloned().collect(),
        prompts,
        level: None,
    }
}

/// A target with a placeholder logsource and selection (log source unmapped or absent).
fn placeholder_target(
    name: &str,
    title: String,
    platform: String,
    analytic: Option<&Analytic>,
    refs: &[&LogSourceRef],
    elements: &[MutableElement],
) -> Target {
    let (api_fields, api, mut context) = todo_selection(refs);
    let ElementParts {
        baselines,
        watch,
        tuning,
    } = element_parts(elements, &mut context);
    let definition = if refs.is_empty() {
        "No ATT&CK log source: replace the product placeholder with the Sigma logsource of the \
         telemetry that shows this behaviour"
            .to_owned()
    } else {
        let mut dcs: Vec<String> = Vec::new();
        push_owned(
            &mut dcs,
            refs.iter().filter_map(|r| r.data_component_name.clone()),
        );
        format!(
            "ATT&CK log source {}{}; no Sigma logsource is mapped: replace the product \
             placeholder with your log's logsource, or map the name in the [attack] logsources \
             table",
            refs.iter()
                .map(|r| describe_ref(r))
                .collect::<Vec<_>>()
                .join("; "),
            if dcs.is_empty() {
                String::new()
            } else {
                format!(" (data component {})", dcs.join(", "))
            }
        )
    };
    let mut prompts = Vec::new();
    if let Some(a) = analytic {
        prompts = analytic_prompts(a, refs, "a Sigma logsource");
        push_tuning(&mut prompts, a, &tuning);
    }
    Target {
        name: kebab(name),
        title,
        platform,
        analytic: analytic.map(|a| a.id.clone()),
        family: Some(Family::Generic),
        custom_logsource: false,
        logsource: LogSource {
            category: None,
            product: Some(TODO_LOGSOURCE.to_owned()),
            service: None,
            definition: Some(definition),
        },
        api_fields,
        api,
        context_constraint: watch_constraint(watch),
        context,
        baselines,
        correlation: None,
        false_positives: Vec::new(),
        references: Vec::new(),
        prompts,
        level: None,
    }
}

fn profile_selection(
    p: &FieldProfile,
    g: &Group<'_>,
) -> (Vec<String>, Vec<Selection>, ContextFields) {
    let mut matches = Vec::new();
    for f in &p.selection {
        let mut values: Vec<String> = Vec::new();
        for (r, codes) in &g.refs {
            let found = f.values(&r.name, r.channel.as_deref(), codes);
            push_all(&mut values, found.iter());
        }
        if values.is_empty() {
            if f.optional {
                continue;
            }
            values.push(todo(&f.placeholder));
        }
        matches.push(FieldMatch {
            field: f.field.clone(),
            modifiers: f.modifiers.clone(),
            values,
        });
    }
    let refs: Vec<&LogSourceRef> = g.refs.iter().map(|(r, _)| *r).collect();
    let selection = Selection {
        note: channel_note(&refs),
        matches,
    };
    (p.api_fields.clone(), vec![selection], p.context.clone())
}

fn todo_selection(refs: &[&LogSourceRef]) -> (Vec<String>, Vec<Selection>, ContextFields) {
    let field = todo("field");
    let selection = Selection {
        note: channel_note(refs),
        matches: vec![FieldMatch {
            field: field.clone(),
            modifiers: Vec::new(),
            values: vec![todo("value")],
        }],
    };
    (vec![field], vec![selection], ContextFields::default())
}

fn channel_note(refs: &[&LogSourceRef]) -> Option<String> {
    let channels: Vec<String> = refs
        .iter()
        .filter_map(|r| r.channel.as_ref().map(|c| format!("{}: {c}", r.name)))
        .collect();
    (!channels.is_empty()).then(|| format!("ATT&CK channel {}", channels.join("; ")))
}

fn analytic_prompts(a: &Analytic, refs: &[&LogSourceRef], logsource: &str) -> Vec<Prompt> {
    let mut prompts = Vec::new();
    let points = points(&a.description);
    if points.is_empty() {
        prompts.push(Prompt {
            id: format!("{}-V01", a.id),
            question: format!(
                "ATT&CK analytic {} has no description: which behaviour must this draft's \
                 selection express?",
                a.id
            ),
        });
    }
    let total = points.len();
    for (n, point) in points.iter().enumerate() {
        let head = if total == 1 {
            format!("ATT&CK analytic {}:", a.id)
        } else {
            format!("ATT&CK analytic {} ({}/{total}):", a.id, n + 1)
        };
        prompts.push(Prompt {
            id: format!("{}-V{:02}", a.id, prompts.len() + 1),
            question: format!(
                "{head} {point} How does this draft cover it (selection, context constraint, \
                 baseline), with every todo placeholder replaced, or which other draft does?"
            ),
        });
        if prompts.len() >= 90 {
            break;
        }
    }
    if !refs.is_empty() {
        prompts.push(Prompt {
            id: format!("{}-V{:02}", a.id, prompts.len() + 1),
            question: format!(
                "Is the ATT&CK log source {} collected as {logsource}, with the fields this \
                 draft uses, for every system in scope?",
                refs.iter()
                    .map(|r| describe_ref(r))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    prompts
}

fn push_tuning(prompts: &mut Vec<Prompt>, a: &Analytic, tuning: &[&MutableElement]) {
    for m in tuning {
        let n = prompts.len() + 1;
        if n > 99 {
            break;
        }
        prompts.push(Prompt {
            id: format!("{}-V{n:02}", a.id),
            question: format!(
                "Tuning parameter {} (ATT&CK mutable element of {}): {} Which value fits your \
                 environment, and where is it applied (correlation window, threshold)?",
                m.field,
                a.id,
                sentence(&m.description)
            ),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Mutable elements.

/// How a mutable element is used.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ElementUse {
    /// A baseline filter on a field of `class`; `known` when the profile has the field.
    Baseline {
        field: String,
        class: ContextClass,
        known: bool,
        modifiers: Vec<ModifierKind>,
    },
    /// A tuning parameter (window, threshold): a validation prompt.
    Tuning,
}

/// Words of an element name: `ParentProcessName` → `parent process name`, `DestinationIP` →
/// `destination ip`, `user_context` → `user context`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn singular(w: &str) -> String {
    if let Some(s) = w.strip_suffix("ies")
        && s.len() >= 3
    {
        return format!("{s}y");
    }
    for suffix in ["sses", "xes", "ches", "shes"] {
        if w.ends_with(suffix) {
            return w[..w.len() - 2].to_owned();
        }
    }
    match w.strip_suffix('s') {
        Some(s)
            if s.len() >= 3 && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") =>
        {
            s.to_owned()
        }
        _ => w.to_owned(),
    }
}

fn has_word(ws: &[String], set: &[&str]) -> bool {
    ws.iter()
        .any(|w| set.contains(&singular(w).as_str()) || set.contains(&w.as_str()))
}

const TUNING: &[&str] = &[
    "window",
    "threshold",
    "entropy",
    "interval",
    "duration",
    "count",
    "rate",
    "frequency",
    "limit",
    "score",
    "size",
    "ratio",
    "period",
    "volume",
    "timeout",
    "delay",
    "sequence",
    "chain",
    "correlation",
    "deviation",
    "age",
    "length",
    "depth",
    "timeframe",
    "sensitivity",
    "weight",
    "percentage",
    "percent",
    "max",
    "min",
    "minimum",
    "maximum",
    "number",
    "burst",
    "spike",
    "tolerance",
    "anomaly",
];

/// Words that qualify a field name without changing the field (`CommandLinePattern`).
const QUALIFIERS: &[&str] = &[
    "pattern",
    "regex",
    "list",
    "name",
    "value",
    "filter",
    "allowlist",
    "whitelist",
    "allow",
    "white",
    "context",
    "scope",
    "set",
    "match",
    "string",
    "rule",
    "criteria",
    "allowed",
    "approved",
    "known",
    "expected",
    "trusted",
    "monitored",
    "suspicious",
    "excluded",
    "exclusion",
    "fingerprint",
];

/// Class words; an element's class is that of its first word found here (`HostRole` is about
/// hosts, `UserContext` about users), `user agent` counting as one client word.
const CLASS_WORDS: [(ContextClass, &[&str]); 7] = [
    (
        ContextClass::Client,
        &[
            "useragent",
            "agent",
            "client",
            "tool",
            "application",
            "app",
            "parent",
            "browser",
            "sdk",
            "cli",
            "signer",
            "installer",
            "software",
        ],
    ),
    (
        ContextClass::Session,
        &[
            "session",
            "token",
            "mfa",
            "logon",
            "login",
            "credential",
            "auth",
            "authentication",
            "cookie",
        ],
    ),
    (
        ContextClass::Target,
        &[
            "destination",
            "dest",
            "dst",
            "remote",
            "port",
            "url",
            "uri",
            "domain",
        ],
    ),
    (
        ContextClass::Identity,
        &[
            "user",
            "username",
            "account",
            "principal",
            "identity",
            "actor",
            "caller",
            "admin",
            "administrator",
            "owner",
            "group",
            "role",
            "sid",
            "privileged",
            "privilege",
            "uid",
        ],
    ),
    (
        ContextClass::Source,
        &[
            "ip",
            "cidr",
            "subnet",
            "network",
            "geo",
            "geolocation",
            "location",
            "country",
            "region",
            "source",
            "src",
            "host",
            "hostname",
            "device",
            "asn",
            "origin",
            "vpn",
            "machine",
            "workstation",
            "computer",
            "endpoint",
        ],
    ),
    (
        ContextClass::Outcome,
        &["status", "result", "error", "outcome"],
    ),
    (
        ContextClass::Time,
        &[
            "time",
            "hour",
            "schedule",
            "maintenance",
            "business",
            "day",
            "date",
            "weekend",
        ],
    ),
];

/// The context class an element belongs to, `None` for a tuning parameter.
fn classify(ws: &[String]) -> Option<ContextClass> {
    if has_word(ws, TUNING) {
        return None;
    }
    let mut joined: Vec<String> = Vec::new();
    for w in ws {
        if w == "agent" && joined.last().is_some_and(|l| l == "user") {
            joined.pop();
            joined.push("useragent".to_owned());
        } else {
            joined.push(w.clone());
        }
    }
    for w in &joined {
        let w = singular(w);
        if let Some((class, _)) = CLASS_WORDS
            .iter()
            .find(|(_, set)| set.contains(&w.as_str()))
        {
            return Some(*class);
        }
    }
    Some(ContextClass::Target)
}

/// Words for comparing an element with a field: singular, `command line` as one word, and
/// synonyms folded (`ProcessName` and `Image` both give `image`).
fn field_words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(name) {
        let w = singular(&w).to_owned();
        if w == "line" && out.last().is_some_and(|l| l == "commandline") {
            continue;
        }
        let folded = match w.as_str() {
            "process" | "executable" | "binary" | "exe" | "image" => "image",
            "command" | "cmdline" | "cmd" => "commandline",
            "username" => "user",
            _ => w.as_str(),
        };
        if folded == "image" && out.last().is_some_and(|l| l == "image") {
            continue; // `ProcessImage`
        }
        out.push(folded.to_owned());
    }
    out
}

/// The profile field an element names. The element's core words (without leading and trailing
/// qualifiers: `ParentProcessAllowList` → `parent image`) equal the words of the field's last
/// dotted segment (`ParentImage`), or, failing that, end them (`UserAgent` →
/// `callerSuppliedUserAgent`).
fn similar_field(m: &str, context: &ContextFields) -> Option<(String, ContextClass)> {
    let norm = field_words(m);
    let start = norm
        .iter()
        .take_while(|w| QUALIFIERS.contains(&w.as_str()))
        .count();
    let end = norm.len()
        - norm[start..]
            .iter()
            .rev()
            .take_while(|w| QUALIFIERS.contains(&w.as_str()))
            .count();
    let core = &norm[start..end.max(start)];
    if core.concat().len() < 3 {
        return None;
    }
    for exact in [true, false] {
        for (class, fields) in context.classes() {
            for f in fields {
                let fw = field_words(f.rsplit('.').next().unwrap_or(f));
                let hit = if exact {
                    fw[..] == core[..]
                } else {
                    core.concat().len() >= 4 && fw.ends_with(core)
                };
                if hit {
                    return Some((f.clone(), class));
                }
            }
        }
    }
    None
}

fn element_use(m: &MutableElement, context: &ContextFields) -> ElementUse {
    let ws = words(&m.field);
    let Some(class) = classify(&ws) else {
        return ElementUse::Tuning;
    };
    let cidr = |field: &str| {
        has_word(&ws, &["ip", "cidr", "subnet", "network", "range"])
            && words(field.rsplit('.').next().unwrap_or(field))
                .iter()
                .any(|w| w == "ip")
    };
    if let Some((field, class)) = similar_field(&m.field, context) {
        let modifiers = if cidr(&field) {
            vec![ModifierKind::Cidr]
        } else {
            Vec::new()
        };
        return ElementUse::Baseline {
            field,
            class,
            known: true,
            modifiers,
        };
    }
    // Classes whose first field is the obvious one; target and client fields vary too much.
    let by_class = matches!(
        class,
        ContextClass::Identity
            | ContextClass::Source
            | ContextClass::Session
            | ContextClass::Outcome
            | ContextClass::Time
    );
    if by_class && let Some(field) = context.class(class).first() {
        // Time windows as Sigma's time-part modifier (hours of the day), not a regex over
        // the timestamp text that backends misread.
        let modifiers = if class == ContextClass::Time {
            vec![ModifierKind::Hour]
        } else if cidr(field) {
            vec![ModifierKind::Cidr]
        } else {
            Vec::new()
        };
        return ElementUse::Baseline {
            field: field.clone(),
            class,
            known: true,
            modifiers,
        };
    }
    ElementUse::Baseline {
        field: field_name(&m.field),
        class,
        known: false,
        modifiers: Vec::new(),
    }
}

/// Words that make an element an allowlist (a baseline filter) ...
const ALLOW_WORDS: &[&str] = &[
    "allow",
    "allowed",
    "allowlist",
    "whitelist",
    "approved",
    "expected",
    "known",
    "trusted",
    "legitimate",
    "benign",
    "excluded",
    "exclusion",
    "exception",
    "authorized",
    "sanctioned",
    "normal",
    "baseline",
    "safe",
];

/// ... and words that make it a watchlist (values to select, not to filter out).
const WATCH_WORDS: &[&str] = &[
    "suspicious",
    "monitored",
    "monitor",
    "high",
    "risk",
    "risky",
    "rare",
    "unusual",
    "sensitive",
    "critical",
    "malicious",
    "blocklist",
    "blacklist",
    "watch",
    "watchlist",
    "untrusted",
    "unexpected",
    "unknown",
    "anomalous",
    "abnormal",
    "uncommon",
    "dangerous",
];

/// Whether an element lists values to watch for rather than values to allow: by its name's
/// words, else by its description (`Restrict to ...`, `high-risk ...` without `allowlist`).
fn is_watchlist(m: &MutableElement) -> bool {
    let ws = words(&m.field);
    if has_word(&ws, ALLOW_WORDS) {
        return false;
    }
    if has_word(&ws, WATCH_WORDS) {
        return true;
    }
    static ALLOW: OnceLock<Regex> = OnceLock::new();
    static WATCH: OnceLock<Regex> = OnceLock::new();
    let allow = ALLOW.get_or_init(|| {
        Regex::new(
            r"(?i)\b(allow ?list|white ?list|exclu|known[- ]good|approved|legitimate|benign|expected|sanctioned|authori[sz]ed|trusted)",
        )
        .expect("static regex is valid")
    });
    let watch = WATCH.get_or_init(|| {
        Regex::new(
            r"(?i)^\s*(restrict|limit|focus|scope|monitor|watch|flag|alert)\b|\b(suspicious|high[- ]risk|sensitive|rare|unusual|unexpected|unknown|anomalous|malicious|block ?list|deny ?list)\b",
        )
        .expect("static regex is valid")
    });
    !allow.is_match(&m.description) && watch.is_match(&m.description)
}

/// What the mutable elements of an analytic become in one target.
#[derive(Debug, Default)]
struct ElementParts<'m> {
    /// Allowlists: negated filters.
    baselines: Vec<Baseline>,
    /// Watchlists: alternatives of the context constraint, with todo placeholders.
    watch: Vec<Selection>,
    /// Tuning parameters (validation prompts).
    tuning: Vec<&'m MutableElement>,
}

/// Splits the mutable elements into baselines, watchlist conditions and tuning parameters
/// (fields named after elements the profile does not know are added to `context`).
fn element_parts<'m>(
    elements: &'m [MutableElement],
    context: &mut ContextFields,
) -> ElementParts<'m> {
    let mut parts = ElementParts::default();
    for m in elements {
        let ElementUse::Baseline {
            field,
            class,
            known,
            modifiers,
        } = element_use(m, context)
        else {
            parts.tuning.push(m);
            continue;
        };
        if !context.contains(&field) {
            context.class_mut(class).push(field.clone());
        }
        let mut description = sentence(&m.description);
        if description.is_empty() {
            description = format!("Values of {} in your environment.", m.field);
        }
        description.push_str(&format!(" (ATT&CK mutable element {}", m.field));
        if !known {
            description.push_str("; the field is named after it: use your log's field name");
        }
        description.push(')');
        let name = snake(&m.field);
        if is_watchlist(m) {
            parts.watch.push(Selection {
                note: Some(description),
                matches: vec![FieldMatch {
                    field,
                    // a placeholder is no network yet (see the baseline filters)
                    modifiers: modifiers
                        .into_iter()
                        .filter(|x| *x != ModifierKind::Cidr)
                        .collect(),
                    values: vec![todo(&name)],
                }],
            });
        } else {
            parts.baselines.push(Baseline {
                name: unique_name(&parts.baselines, &name),
                description,
                field,
                modifiers,
                examples: Vec::new(),
                group: None,
            });
        }
    }
    parts
}

/// The context constraint made of watchlist alternatives (any of them).
fn watch_constraint(mut watch: Vec<Selection>) -> Option<ContextConstraint> {
    match watch.len() {
        0 => None,
        // One alternative renders as a map, without its note: the note is the description.
        1 => Some(ContextConstraint {
            description: watch[0].note.take().unwrap_or_default(),
            any_of: watch,
        }),
        _ => Some(ContextConstraint {
            description: "ATT&CK mutable elements naming values to watch for (any of them): \
                          fill each todo placeholder"
                .to_owned(),
            any_of: watch,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

fn push_all<'a, T: Clone + PartialEq + 'a>(
    out: &mut Vec<T>,
    items: impl IntoIterator<Item = &'a T>,
) {
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
}

fn push_owned<T: PartialEq>(out: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
}

fn describe_ref(r: &LogSourceRef) -> String {
    match &r.channel {
        Some(c) => format!("{} ({c})", r.name),
        None => r.name.clone(),
    }
}

/// Distinct log source names, shortened when there are many.
fn ref_names(refs: &[&LogSourceRef]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for r in refs {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    let joined = names.join(" + ");
    if joined.len() <= 80 || names.len() < 2 {
        joined
    } else {
        format!("{} and {} more", names[0], names.len() - 1)
    }
}

fn dominant_family(targets: &[Target]) -> Family {
    let count = |f: Family| targets.iter().filter(|t| t.family == Some(f)).count();
    Family::ALL
        .into_iter()
        .max_by_key(|f| (count(*f), std::cmp::Reverse(*f)))
        .unwrap_or(Family::Generic)
}

/// A description as a sentence: trimmed, whitespace collapsed, ending with a period.
/// The points of an analytic's description, one per sentence or list item: citations
/// (`(Citation: ...)`) dropped, Markdown links reduced to their text, whitespace collapsed.
fn points(description: &str) -> Vec<String> {
    static CITATION: OnceLock<Regex> = OnceLock::new();
    static LINK: OnceLock<Regex> = OnceLock::new();
    static END: OnceLock<Regex> = OnceLock::new();
    let citation = CITATION
        .get_or_init(|| Regex::new(r"\s*\(Citation:[^)]*\)").expect("static regex is valid"));
    let link =
        LINK.get_or_init(|| Regex::new(r"\[([^\]]*)\]\([^)]*\)").expect("static regex is valid"));
    // A sentence ends at `.`, `!` or `?` followed by space and a capital, a digit, a quote or
    // a bracket (not at `e.g. the` or `(i.e., ...)`).
    let end = END.get_or_init(|| {
        Regex::new(r#"[.!?]["')]?\s+[A-Z0-9"'(\[]"#).expect("static regex is valid")
    });
    let text = citation.replace_all(description, "");
    let text = link.replace_all(&text, "$1");
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•']).trim_start();
        // Empty lines and headings that introduce a list (`*Data Collection Measures:*`).
        if line.is_empty() || line.trim_end_matches('*').ends_with(':') {
            continue;
        }
        let mut start = 0;
        for m in end.find_iter(line) {
            // Keep the closing mark and quote with the sentence; the next starts at the capital.
            let cut = m.end() - m.as_str().chars().next_back().map_or(0, char::len_utf8);
            out.push(sentence(&line[start..cut]));
            start = cut;
        }
        out.push(sentence(&line[start..]));
    }
    out.retain(|p| p.split_whitespace().count() >= 3);
    out
}

fn sentence(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.is_empty() && !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

fn slash(url: &str) -> String {
    if url.ends_with('/') || url.contains('#') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// `AN0215-aws-cloudtrail_x` → `an0215-aws-cloudtrail-x`.
fn kebab(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// `ParentProcessName` → `parent_process_name`.
fn snake(s: &str) -> String {
    let w = words(s);
    if w.is_empty() {
        "baseline".to_owned()
    } else {
        w.join("_")
    }
}

/// A field name from an element name: `Parent Process` → `ParentProcess`.
fn field_name(s: &str) -> String {
    let mut out: String = s
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + cs.as_str()
            })
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Field");
    }
    out
}

fn unique_name(existing: &[Baseline], base: &str) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while existing.iter().any(|b| b.name == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(field: &str) -> MutableElement {
        MutableElement {
            field: field.to_owned(),
            description: format!("About {field}"),
        }
    }

    fn process_context() -> ContextFields {
        LogsourceTable::builtin()
            .profile("process-creation")
            .expect("profile")
            .context
            .clone()
    }

    #[test]
    fn descriptions_split_into_points() {
        let p = points(
            "Monitor for [Valid Accounts](https://attack.mitre.org/techniques/T0859) used \
             outside shifts (e.g. at night).(Citation: Vendor Guide) Correlate with change \
             tickets! \"Read\" functions matter too.\n\n*Data Collection Measures:*\n\
             - Zeek modbus.log records each function\n- ok",
        );
        assert_eq!(
            p,
            [
                "Monitor for Valid Accounts used outside shifts (e.g. at night).",
                "Correlate with change tickets!",
                "\"Read\" functions matter too.",
                "Zeek modbus.log records each function.",
            ]
        );
        assert!(points("").is_empty());
        let a = Analytic {
            id: "AN0001".into(),
            stix_id: String::new(),
            name: String::new(),
            description: "Monitor writes from new hosts. Alert on restarts.".into(),
            url: None,
            platforms: Vec::new(),
            log_sources: Vec::new(),
            mutable_elements: Vec::new(),
            status: super::super::Status::Active,
        };
        let prompts = analytic_prompts(&a, &[], "x");
        let ids: Vec<&str> = prompts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["AN0001-V01", "AN0001-V02"], "one question per point");
        assert!(prompts[1].question.contains("(2/2): Alert on restarts."));
        let a = Analytic {
            description: String::new(),
            ..a
        };
        let prompts = analytic_prompts(&a, &[], "x");
        assert_eq!(prompts.len(), 1, "no description: one question");
    }

    #[test]
    fn words_split_camel_snake_and_acronyms() {
        assert_eq!(words("ParentProcessName"), ["parent", "process", "name"]);
        assert_eq!(words("DestinationIP"), ["destination", "ip"]);
        assert_eq!(words("APISequence"), ["api", "sequence"]);
        assert_eq!(words("user_context"), ["user", "context"]);
        assert_eq!(words("Parent Process"), ["parent", "process"]);
        assert_eq!(
            field_words("SuspiciousParentProcesses"),
            ["suspicious", "parent", "image"]
        );
        assert_eq!(field_words("CommandLineRegexes"), ["commandline", "regex"]);
        assert_eq!(
            field_words("MonitoredDirectories"),
            ["monitored", "directory"]
        );
        assert_eq!(snake("ParentProcessName"), "parent_process_name");
        assert_eq!(field_name("Parent Process/Name"), "ParentProcessName");
        assert_eq!(field_name("3rdParty"), "Field3rdParty");
    }

    #[test]
    fn elements_map_to_profile_fields_or_prompts() {
        let ctx = process_context();
        let use_of = |f: &str| element_use(&element(f), &ctx);
        let field = |f: &str| match use_of(f) {
            ElementUse::Baseline { field, known, .. } => Some((field, known)),
            ElementUse::Tuning => None,
        };
        assert_eq!(use_of("TimeWindow"), ElementUse::Tuning);
        assert_eq!(use_of("EntropyThreshold"), ElementUse::Tuning);
        assert_eq!(field("UserContext"), Some(("User".into(), true)));
        assert_eq!(
            field("CommandLinePattern"),
            Some(("CommandLine".into(), true))
        );
        assert_eq!(field("ParentImage"), Some(("ParentImage".into(), true)));
        assert_eq!(field("Image"), Some(("Image".into(), true)));
        assert_eq!(
            field("MonitoredCommandLines"),
            Some(("CommandLine".into(), true))
        );
        assert_eq!(
            field("ParentProcessName"),
            Some(("ParentImage".into(), true))
        );
        assert_eq!(field("ProcessAllowlist"), Some(("Image".into(), true)));
        assert_eq!(field("CommandPattern"), Some(("CommandLine".into(), true)));
        assert_eq!(
            field("HighRiskChildren"),
            Some(("HighRiskChildren".into(), false))
        );
        assert_eq!(field("AccessMask"), Some(("AccessMask".into(), false)));
        let aws = &LogsourceTable::builtin()
            .profile("aws-cloudtrail")
            .expect("profile")
            .context;
        assert_eq!(
            element_use(&element("UserAgent"), aws),
            ElementUse::Baseline {
                field: "userAgent".into(),
                class: ContextClass::Client,
                known: true,
                modifiers: vec![]
            }
        );
        let gcp = &LogsourceTable::builtin()
            .profile("gcp-audit")
            .expect("profile")
            .context;
        assert_eq!(
            element_use(&element("UserAgentFingerprint"), gcp),
            ElementUse::Baseline {
                field: "data.protoPayload.requestMetadata.callerSuppliedUserAgent".into(),
                class: ContextClass::Client,
                known: true,
                modifiers: vec![]
            }
        );
        assert_eq!(
            element_use(&element("SourceIPRange"), aws),
            ElementUse::Baseline {
                field: "sourceIPAddress".into(),
                class: ContextClass::Source,
                known: true,
                modifiers: vec![ModifierKind::Cidr]
            }
        );
        assert_eq!(
            element_use(&element("WorkingHours"), aws),
            ElementUse::Baseline {
                field: "eventTime".into(),
                class: ContextClass::Time,
                known: true,
                modifiers: vec![ModifierKind::Hour]
            }
        );
    }

    #[test]
    fn classes_follow_the_first_class_word() {
        let class = |f: &str| classify(&words(f));
        assert_eq!(class("HostRole"), Some(ContextClass::Source));
        assert_eq!(class("UserContext"), Some(ContextClass::Identity));
        assert_eq!(class("UserAgent"), Some(ContextClass::Client));
        assert_eq!(class("ParentProcessName"), Some(ContextClass::Client));
        assert_eq!(class("CredentialType"), Some(ContextClass::Session));
        assert_eq!(class("MonitoredDirectories"), Some(ContextClass::Target));
        assert_eq!(class("CorrelationWindow"), None);
    }

    #[test]
    fn unknown_element_fields_join_the_context() {
        let mut ctx = process_context();
        let elements = [
            element("AccessMask"),
            element("ParentProcessName"),
            element("TimeWindow"),
            element("UserContext"),
            element("user context"),
        ];
        let ElementParts {
            baselines,
            watch,
            tuning,
        } = element_parts(&elements, &mut ctx);
        assert!(watch.is_empty());
        let names: Vec<&str> = baselines.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "access_mask",
                "parent_process_name",
                "user_context",
                "user_context_2"
            ]
        );
        assert_eq!(tuning.len(), 1);
        assert!(ctx.target.contains(&"AccessMask".to_owned()));
        assert_eq!(baselines[1].field, "ParentImage");
        assert!(baselines[0].description.contains("named after it"));
        assert!(!baselines[1].description.contains("named after it"));
    }

    #[test]
    fn watchlists_select_and_allowlists_filter() {
        let watch = |field: &str, description: &str| {
            is_watchlist(&MutableElement {
                field: field.to_owned(),
                description: description.to_owned(),
            })
        };
        assert!(watch("SuspiciousParentProcesses", "Parents to flag."));
        assert!(watch("HighRiskChildren", "Children to flag."));
        assert!(!watch(
            "ParentProcessAllowList",
            "Suspicious parents are not in it."
        ));
        assert!(watch(
            "HostRole",
            "Restrict to only domain controller hosts."
        ));
        assert!(!watch("UserContext", "Filter known admin accounts."));
        assert!(!watch("UserContext", "Tune based on expected roles."));

        let mut ctx = process_context();
        let elements = [
            MutableElement {
                field: "SuspiciousParentProcesses".into(),
                description: "Parents that rarely spawn shells".into(),
            },
            element("ParentProcessAllowList"),
        ];
        let parts = element_parts(&elements, &mut ctx);
        assert_eq!(parts.baselines.len(), 1);
        assert_eq!(parts.baselines[0].field, "ParentImage");
        assert_eq!(parts.watch.len(), 1);
        assert_eq!(parts.watch[0].matches[0].field, "ParentImage");
        assert_eq!(
            parts.watch[0].matches[0].values,
            ["<<todo:suspicious_parent_processes>>"]
        );
        assert!(
            parts.watch[0]
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("Parents that rarely spawn shells."))
        );
    }

    #[test]
    fn unmapped_strategy_renders_a_valid_generic_draft() {
        let mut loader = super::super::Loader::new(super::super::LoadOptions::default());
        loader
            .add_bytes(
                include_bytes!("../../tests/fixtures/attack/mini-mobile-bundle.json"),
                std::path::Path::new("mini-mobile-bundle.json"),
            )
            .expect("fixture loads");
        let data = loader.finish();
        let s = data.strategy("DET9001").expect("active strategy");
        let strategy = convert(&data, LogsourceTable::builtin(), s);
        assert_eq!(
            crate::strategy::check_strategy(&strategy),
            Vec::<String>::new()
        );
        assert_eq!(strategy.family, Family::Generic);
        assert_eq!(strategy.tags(), ["attack.collection", "attack.t1517"]);
        let renderer = crate::scaffold::Renderer::new(None).expect("renderer");
        let t = &strategy.targets[0];
        assert_eq!(t.logsource.product.as_deref(), Some(TODO_LOGSOURCE));
        assert!(has_todo(t));
        let draft = renderer
            .render(&strategy, t, &crate::scaffold::Options::default())
            .expect("renders and validates");
        assert_eq!(draft.template, "generic.yml.j2");
        assert!(draft.text.contains("    product: '<<todo:logsource>>'\n"));
        assert!(
            draft
                .text
                .contains("        '<<todo:field>>': '<<todo:value>>'\n")
        );
        assert!(draft.text.contains("ATT&CK log source android:api"));
        // the same target with --example-values cannot be filled
        let options = crate::scaffold::Options {
            example_values: true,
            ..crate::scaffold::Options::default()
        };
        assert!(renderer.render(&strategy, t, &options).is_err());
    }

    #[test]
    fn api_profiles_agree_with_the_curated_targets() {
        let table = LogsourceTable::builtin();
        let catalog = Catalog::builtin().expect("catalog");
        let mut checked = 0;
        for s in catalog.list() {
            for t in &s.targets {
                let ls = super::super::logsources::SigmaLogsource {
                    definition: None,
                    ..t.logsource.clone()
                };
                let p = table
                    .profile_for(&ls)
                    .unwrap_or_else(|| panic!("{}/{}: no profile", s.id, t.name));
                assert_eq!(p.context, t.context, "{}/{} ({})", s.id, t.name, p.name);
                assert_eq!(
                    p.api_fields, t.api_fields,
                    "{}/{} ({})",
                    s.id, t.name, p.name
                );
                checked += 1;
            }
        }
        let targets: usize = catalog.list().iter().map(|s| s.targets.len()).sum();
        assert!(
            checked == targets && checked >= 10,
            "{checked} of {targets} checked"
        );
    }
}
