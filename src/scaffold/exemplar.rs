//! The exemplars of a draft (`sigsmith.exemplars`, run by `sigsmith test`): one event the draft
//! must match and one it must not, built from the draft's own selection, context constraint,
//! context fields and baselines, never written by hand per template.
//!
//! - **Positive**: satisfies the first alternative of the API selection and the first
//!   alternative of the context constraint, and carries a value for every context field and
//!   baseline field, none of which matches a baseline.
//! - **Negative**, when the baseline filters hold example values (`new --example-values`): the
//!   same event with one baseline field set to its first example value, so the filter
//!   suppresses it.
//! - **Negative**, when the filters still hold `<<baseline:...>>` placeholders: the same event
//!   failing the context constraint (or, without one, the API selection). An example value would
//!   only be suppressed once the baseline is filled with it, so such an exemplar would fail on
//!   every fresh draft; this one passes before and after the baselines are filled.
//!
//! Events are built here; they are checked by the eval engine, the matcher of `sigsmith eval`
//! and `sigsmith test`, on the draft's detection blocks as the templates print them
//! (`scaffold::context`), so an exemplar says what `sigsmith test` will find. A draft whose
//! selection cannot be satisfied by a generated value (`<<todo:...>>` placeholders, `re` or
//! `all` on the API selection) gets no exemplars rather than wrong ones.

use serde::Serialize;
use serde_json::Value;

use super::context::{self, SelectionCtx};
use crate::eval::matcher::{CompiledDetection, Placeholders};
use crate::lint::detection::Detection;
use crate::strategy::{Baseline, ContextClass, FieldMatch, ModifierKind, Target};

/// One exemplar of the `sigsmith` block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExemplarCtx {
    /// Name shown by `sigsmith test`.
    pub name: String,
    /// `match` or `no-match`.
    pub expect: String,
    /// The event; dotted field names are nested objects.
    pub event: serde_json::Value,
}

/// Field/value pairs in insertion order.
type Flat = Vec<(String, String)>;

fn get<'a>(event: &'a Flat, field: &str) -> Option<&'a str> {
    event
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.as_str())
}

fn set(event: &mut Flat, field: &str, value: String) {
    match event.iter_mut().find(|(f, _)| f == field) {
        Some(slot) => slot.1 = value,
        None => event.push((field.to_owned(), value)),
    }
}

/// A Sigma value with its wildcards resolved to a literal that the pattern matches: `*` is
/// dropped, `?` becomes `x`, escapes are undone.
fn literal(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('*' | '?' | '\\')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '*' => {}
            '?' => out.push('x'),
            c => out.push(c),
        }
    }
    out
}

/// The address part of a network (`10.0.0.0/8` → `10.0.0.0`), which lies inside it.
fn address_in(network: &str) -> String {
    network
        .split('/')
        .next()
        .unwrap_or(network)
        .trim()
        .to_owned()
}

/// A value that satisfies `m`, or none when it cannot be generated.
fn satisfying(m: &FieldMatch) -> Option<String> {
    let first = m.values.first()?;
    if m.field.contains("<<")
        || m.values.iter().any(|v| v.contains("<<"))
        || m.modifiers.contains(&ModifierKind::Re)
    {
        return None;
    }
    if m.modifiers.contains(&ModifierKind::Cidr) {
        return Some(address_in(first));
    }
    if let Some(part) = time_part(&m.modifiers) {
        return timestamp_with(part, first);
    }
    if m.modifiers.contains(&ModifierKind::All) {
        if !m.modifiers.contains(&ModifierKind::Contains) {
            return None;
        }
        let parts: Vec<String> = m.values.iter().map(|v| literal(v)).collect();
        return Some(parts.join(" "));
    }
    Some(literal(first))
}

/// The time-part modifier among `modifiers` (`hour`...), if any.
fn time_part(modifiers: &[ModifierKind]) -> Option<ModifierKind> {
    modifiers.iter().copied().find(|m| m.time_range().is_some())
}

/// An exemplar timestamp (2026-01-15T13:37:00Z) whose `part` is `value`, or none when the value
/// is not a number in the part's range.
fn timestamp_with(part: ModifierKind, value: &str) -> Option<String> {
    let n: i64 = value.trim().parse().ok()?;
    let (lo, hi) = part.time_range()?;
    if !(lo..=hi).contains(&n) {
        return None;
    }
    let n2 = i8::try_from(n).ok();
    let base = jiff::civil::date(2026, 1, 15).at(13, 37, 0, 0);
    let dt = match part {
        ModifierKind::Minute => base.with().minute(n2?).build().ok()?,
        ModifierKind::Hour => base.with().hour(n2?).build().ok()?,
        ModifierKind::Day => base.with().day(n2?).build().ok()?,
        ModifierKind::Month => base.with().month(n2?).build().ok()?,
        ModifierKind::Year => base.with().year(i16::try_from(n).ok()?).build().ok()?,
        ModifierKind::Week => {
            jiff::civil::ISOWeekDate::new(2026, n2?, jiff::civil::Weekday::Thursday)
                .ok()?
                .date()
                .at(13, 37, 0, 0)
        }
        _ => return None,
    };
    Some(format!("{}Z", dt.strftime("%Y-%m-%dT%H:%M:%S")))
}

/// Detection blocks compiled by the eval engine, with `condition` over them; `None` when the
/// engine does not compile them (then no exemplar can be checked).
fn compile(blocks: &[&SelectionCtx], condition: &str) -> Option<CompiledDetection> {
    let mut detection = serde_json::Map::new();
    for block in blocks {
        let mut alternatives = Vec::new();
        for alt in &block.alternatives {
            let mut map = serde_json::Map::new();
            for m in &alt.matches {
                map.insert(m.key.clone(), serde_json::to_value(&m.values).ok()?);
            }
            alternatives.push(Value::Object(map));
        }
        detection.insert(block.name.clone(), Value::Array(alternatives));
    }
    detection.insert("condition".to_owned(), Value::String(condition.to_owned()));
    // JSON is YAML: the text goes through the same loader and compiler as a rule file.
    let stream = crate::yaml::parse(&Value::Object(detection).to_string());
    if stream.error.is_some() {
        return None;
    }
    let root = &stream.documents.first()?.root;
    CompiledDetection::compile(&Detection::read(root, &[]), &Placeholders::default()).ok()
}

/// The draft of a target, compiled by the eval engine block by block.
struct Draft {
    /// `selection_api` alone.
    api: CompiledDetection,
    /// `selection_context` alone, when the target has a context constraint.
    context: Option<CompiledDetection>,
    /// The draft with its filters still empty (placeholders suppress nothing).
    open: CompiledDetection,
    /// The draft with the filters holding the baselines' example values.
    filled: CompiledDetection,
    /// Each filter with example values, alone, in [`Target::baseline_filters`] order.
    filters: Vec<CompiledDetection>,
}

impl Draft {
    fn new(target: &Target) -> Option<Draft> {
        let api = context::selection("selection_api", None, &target.api);
        let ctx = target
            .context_constraint
            .as_ref()
            .map(|c| context::selection("selection_context", None, &c.any_of));
        let filters = context::filters(target, true);
        let mut blocks = vec![&api];
        let mut condition = "selection_api".to_owned();
        if let Some(c) = &ctx {
            blocks.push(c);
            condition.push_str(" and selection_context");
        }
        let open = compile(&blocks, &condition)?;
        blocks.extend(filters.iter());
        if !filters.is_empty() {
            condition.push_str(" and not 1 of filter_*");
        }
        Some(Draft {
            api: compile(&[&api], "selection_api")?,
            context: match &ctx {
                Some(c) => Some(compile(&[c], "selection_context")?),
                None => None,
            },
            open,
            filled: compile(&blocks, &condition)?,
            filters: filters
                .iter()
                .map(|f| compile(&[f], &f.name))
                .collect::<Option<_>>()?,
        })
    }

    /// Whether the draft matches `event`; `filled`: with the filters holding example values.
    fn matches(&self, event: &Flat, filled: bool) -> bool {
        let event = nest(event);
        if filled {
            self.filled.matches(&event)
        } else {
            self.open.matches(&event)
        }
    }
}

/// Whether `value` in `field` is one of the examples of baseline `b` (the filter of `b` alone,
/// filled, matches it).
fn baseline_matches(b: &Baseline, field: &str, value: &str) -> bool {
    let (m, _) = context::baseline_match(b, true);
    let block = SelectionCtx {
        name: "filter".to_owned(),
        note: None,
        alternatives: vec![context::AlternativeCtx {
            note: None,
            matches: vec![m],
        }],
    };
    !b.examples.is_empty()
        && compile(&[&block], "filter")
            .is_some_and(|d| d.matches(&nest(&vec![(field.to_owned(), value.to_owned())])))
}

/// A neutral value for a context field that matches none of its baselines.
fn neutral(field: &str, class: Option<ContextClass>, target: &Target) -> String {
    let baselines: Vec<&Baseline> = target
        .baselines
        .iter()
        .filter(|b| b.field == field)
        .collect();
    let lower = field.to_ascii_lowercase();
    let ip_like = baselines
        .iter()
        .any(|b| b.modifiers.contains(&ModifierKind::Cidr))
        || lower.ends_with("ip")
        || lower.contains("ipaddress")
        || lower.ends_with("_addr");
    let candidates: Vec<String> = if class == Some(ContextClass::Time) {
        vec![
            "2026-01-15T13:37:00Z".to_owned(),
            "2026-01-15T21:12:00Z".to_owned(),
        ]
    } else if ip_like {
        vec![
            "192.0.2.10".to_owned(),
            "198.51.100.77".to_owned(),
            "203.0.113.200".to_owned(),
        ]
    } else {
        let leaf = field.rsplit('.').next().unwrap_or(field);
        vec![
            format!("exemplar-{leaf}"),
            format!("unlisted-exemplar-{leaf}"),
        ]
    };
    let clear = |v: &String| baselines.iter().all(|b| !baseline_matches(b, field, v));
    candidates
        .iter()
        .find(|v| clear(v))
        .or(candidates.last())
        .cloned()
        .unwrap_or_default()
}

/// The value of a baseline's first example as it appears in an event the filter suppresses.
fn example_event_value(b: &Baseline) -> Option<String> {
    let first = b.examples.first()?;
    if b.modifiers.contains(&ModifierKind::Re) {
        return None;
    }
    if b.modifiers.contains(&ModifierKind::Cidr) {
        return Some(address_in(first));
    }
    if let Some(part) = time_part(&b.modifiers) {
        return timestamp_with(part, first);
    }
    let lit = literal(first);
    Some(if b.modifiers.contains(&ModifierKind::StartsWith) {
        format!("{lit}exemplar")
    } else if b.modifiers.contains(&ModifierKind::EndsWith) {
        format!("exemplar-{lit}")
    } else if b.modifiers.contains(&ModifierKind::Contains) {
        format!("exemplar {lit} exemplar")
    } else {
        lit
    })
}

/// Dotted field names as nested objects (`userIdentity.arn` → `{userIdentity: {arn: ..}}`); a
/// name whose prefix already holds a value stays a literal dotted key.
fn nest(event: &Flat) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    for (field, value) in event {
        let parts: Vec<&str> = field.split('.').collect();
        if !insert(&mut root, &parts, value) {
            root.insert(field.clone(), serde_json::Value::String(value.clone()));
        }
    }
    serde_json::Value::Object(root)
}

/// Inserts `value` at the nested path `parts`; false when a prefix already holds a value.
fn insert(
    map: &mut serde_json::Map<String, serde_json::Value>,
    parts: &[&str],
    value: &str,
) -> bool {
    match parts {
        [] => false,
        [leaf] => {
            if map.contains_key(*leaf) {
                return false;
            }
            map.insert(
                (*leaf).to_owned(),
                serde_json::Value::String(value.to_owned()),
            );
            true
        }
        [head, rest @ ..] => match map
            .entry((*head).to_owned())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()))
        {
            serde_json::Value::Object(m) => insert(m, rest, value),
            _ => false,
        },
    }
}

/// The exemplars of the draft of `target`; `example_values`: whether the filters hold the
/// baselines' example values (`new --example-values`). Empty when no event can be generated.
pub fn exemplars(target: &Target, example_values: bool) -> Vec<ExemplarCtx> {
    build(target, example_values).unwrap_or_default()
}

fn build(target: &Target, example_values: bool) -> Option<Vec<ExemplarCtx>> {
    let api = target.api.first()?;
    let mut event: Flat = Vec::new();
    for m in &api.matches {
        set(&mut event, &m.field, satisfying(m)?);
    }
    let mut selection_fields: Vec<String> = api.matches.iter().map(|m| m.field.clone()).collect();
    if let Some(cc) = &target.context_constraint {
        for m in &cc.any_of.first()?.matches {
            set(&mut event, &m.field, satisfying(m)?);
        }
        selection_fields.extend(
            cc.any_of
                .iter()
                .flat_map(|a| a.matches.iter())
                .map(|m| m.field.clone()),
        );
    }
    for (class, fields) in target.context.classes() {
        for f in fields {
            if get(&event, f).is_none() {
                set(&mut event, f, neutral(f, Some(class), target));
            }
        }
    }
    for b in &target.baselines {
        if get(&event, &b.field).is_none() {
            set(&mut event, &b.field, neutral(&b.field, None, target));
        }
    }
    // The positive event must match with the filters empty and with them filled (compiled
    // only now: most imported drafts stop above, at a `<<todo:...>>` selection value).
    let draft = Draft::new(target)?;
    if !draft.matches(&event, false) || !draft.matches(&event, true) {
        return None;
    }
    let filled = example_values && target.baselines.iter().any(|b| !b.examples.is_empty());
    let mut out = vec![ExemplarCtx {
        name: match &target.context_constraint {
            Some(_) => "API call in context, outside every baseline".to_owned(),
            None => "API call outside every baseline".to_owned(),
        },
        expect: "match".to_owned(),
        event: nest(&event),
    }];
    let negative = if filled {
        negative_baseline(&event, target, &draft, &selection_fields)
    } else {
        None
    }
    .or_else(|| negative_context(&event, target, &draft))
    .or_else(|| negative_api(&event, target, &draft));
    if let Some((name, neg)) = negative
        && !draft.matches(&neg, filled)
    {
        out.push(ExemplarCtx {
            name,
            expect: "no-match".to_owned(),
            event: nest(&neg),
        });
    }
    Some(out)
}

fn negative_baseline(
    event: &Flat,
    target: &Target,
    draft: &Draft,
    selection_fields: &[String],
) -> Option<(String, Flat)> {
    // A filter suppresses only when every baseline of its group matches: set them all.
    let filters = target.baseline_filters().into_iter().zip(&draft.filters);
    filters.into_iter().find_map(|(f, compiled)| {
        if f.baselines
            .iter()
            .any(|b| selection_fields.contains(&b.field))
        {
            return None;
        }
        let mut neg = event.clone();
        for b in &f.baselines {
            set(&mut neg, &b.field, example_event_value(b)?);
        }
        let names: Vec<&str> = f.baselines.iter().map(|b| b.name.as_str()).collect();
        compiled.matches(&nest(&neg)).then(|| {
            (
                format!(
                    "same call from baseline {} (example value)",
                    names.join(" and ")
                ),
                neg,
            )
        })
    })
}

fn negative_context(event: &Flat, target: &Target, draft: &Draft) -> Option<(String, Flat)> {
    let cc = target.context_constraint.as_ref()?;
    let constraint = draft.context.as_ref()?;
    let mut neg = event.clone();
    for m in cc.any_of.iter().flat_map(|a| a.matches.iter()) {
        let leaf = m.field.rsplit('.').next().unwrap_or(&m.field);
        set(&mut neg, &m.field, format!("exemplar-other-{leaf}"));
    }
    if constraint.matches(&nest(&neg)) {
        neg.retain(|(f, _)| {
            !cc.any_of
                .iter()
                .any(|a| a.matches.iter().any(|m| &m.field == f))
        });
    }
    (!constraint.matches(&nest(&neg)))
        .then(|| ("same call outside the context constraint".to_owned(), neg))
}

fn negative_api(event: &Flat, target: &Target, draft: &Draft) -> Option<(String, Flat)> {
    let m = target.api.first()?.matches.last()?;
    let mut neg = event.clone();
    let leaf = m.field.rsplit('.').next().unwrap_or(&m.field);
    set(&mut neg, &m.field, format!("exemplar-other-{leaf}"));
    (!draft.api.matches(&nest(&neg))).then(|| ("another API call".to_owned(), neg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::Selection;

    /// Whether the eval engine matches `{field: value}` with `field|modifiers: pattern`.
    fn engine_matches(modifiers: &[ModifierKind], pattern: &str, value: &str) -> bool {
        let alt = Selection {
            note: None,
            matches: vec![FieldMatch {
                field: "f".to_owned(),
                modifiers: modifiers.to_vec(),
                values: vec![pattern.to_owned()],
            }],
        };
        let block = context::selection("sel", None, &[alt]);
        let event = nest(&vec![("f".to_owned(), value.to_owned())]);
        compile(&[&block], "sel").is_some_and(|d| d.matches(&event))
    }

    #[test]
    fn time_part_exemplars_have_the_part_they_stand_for() {
        for (part, n) in [
            (ModifierKind::Minute, 5),
            (ModifierKind::Hour, 3),
            (ModifierKind::Day, 31),
            (ModifierKind::Week, 53),
            (ModifierKind::Month, 12),
            (ModifierKind::Year, 2030),
        ] {
            let ts = timestamp_with(part, &n.to_string()).expect("timestamp");
            assert!(
                engine_matches(&[part], &n.to_string(), &ts),
                "{part:?} {ts}"
            );
            assert!(
                !engine_matches(&[part], &(n - 1).to_string(), &ts),
                "{part:?} {ts}"
            );
        }
        assert_eq!(timestamp_with(ModifierKind::Hour, "24"), None);
        assert_eq!(timestamp_with(ModifierKind::Hour, "<<baseline:x>>"), None);
    }

    #[test]
    fn wildcards_become_literals() {
        assert_eq!(literal("Get*Key?"), "GetKeyx");
        assert_eq!(literal(r"a\*b\\c"), r"a*b\c");
    }

    #[test]
    fn network_values_lie_in_the_network() {
        for net in ["10.20.0.0/16", "2001:db8::/32", "192.0.2.7"] {
            let cidr = [ModifierKind::Cidr];
            assert!(engine_matches(&cidr, net, &address_in(net)), "{net}");
        }
        assert!(!engine_matches(
            &[ModifierKind::Cidr],
            "10.20.0.0/16",
            "10.21.3.4"
        ));
    }

    fn cloudtrail() -> Target {
        let catalog = crate::strategy::Catalog::builtin().expect("builtin catalog");
        catalog
            .get("DET0078")
            .and_then(|s| s.target("aws-cloudtrail"))
            .expect("aws-cloudtrail")
            .clone()
    }

    fn flat(e: &ExemplarCtx, field: &str) -> Option<String> {
        let mut node = &e.event;
        for p in field.split('.') {
            node = node.get(p)?;
        }
        node.as_str().map(str::to_owned)
    }

    #[test]
    fn negative_follows_the_filters() {
        let t = cloudtrail();
        let with_examples = exemplars(&t, true);
        assert_eq!(with_examples.len(), 2);
        let arn = flat(&with_examples[1], "userIdentity.arn").expect("arn");
        assert!(arn.starts_with(&t.baselines[0].examples[0]), "{arn}");
        let with_placeholders = exemplars(&t, false);
        assert_eq!(
            with_placeholders[1].name,
            "same call outside the context constraint"
        );
        assert_eq!(
            flat(&with_placeholders[1], "userIdentity.arn"),
            flat(&with_placeholders[0], "userIdentity.arn")
        );
    }

    #[test]
    fn cidr_baseline_negative_lies_in_the_network() {
        let mut t = cloudtrail();
        t.baselines.remove(0);
        let ex = exemplars(&t, true);
        assert_eq!(
            flat(&ex[0], "sourceIPAddress").as_deref(),
            Some("192.0.2.10")
        );
        assert_eq!(
            flat(&ex[1], "sourceIPAddress").as_deref(),
            Some("10.20.0.0")
        );
    }

    #[test]
    fn without_baselines_or_context_the_negative_is_another_call() {
        let mut t = cloudtrail();
        t.baselines.clear();
        t.context_constraint = None;
        let ex = exemplars(&t, true);
        assert_eq!(ex[1].name, "another API call");
        assert_eq!(ex[1].expect, "no-match");
    }

    /// A baseline example with wildcards is matched as Sigma matches it. The generator's own
    /// matcher took wildcards literally (`exemplar-*` as the text `exemplar-`), so it called
    /// `exemplar-arn` outside the baseline and wrote a `match` exemplar that the filled filter
    /// suppresses: `sigsmith test` failed on the fresh `--example-values` draft.
    #[test]
    fn wildcard_baseline_examples_match_as_in_sigma() {
        let mut t = cloudtrail();
        t.baselines.truncate(1);
        t.baselines[0].modifiers.clear();
        t.baselines[0].examples = vec!["exemplar-*".to_owned()];
        assert!(engine_matches(&[], "exemplar-*", "exemplar-arn"));
        let ex = exemplars(&t, true);
        assert_eq!(ex.len(), 2, "{ex:?}");
        for e in &ex {
            let arn = flat(e, "userIdentity.arn").unwrap_or_default();
            let suppressed = engine_matches(&[], "exemplar-*", &arn);
            assert_eq!(e.expect == "match", !suppressed, "{e:?}");
        }
    }

    #[test]
    fn unsatisfiable_selections_get_no_exemplars() {
        let mut t = cloudtrail();
        t.api[0].matches[0].modifiers = vec![ModifierKind::Re];
        assert!(exemplars(&t, false).is_empty());
        let mut t = cloudtrail();
        t.api[0].matches[0].values = vec!["<<todo:value>>".to_owned()];
        assert!(exemplars(&t, false).is_empty());
    }

    #[test]
    fn dotted_fields_nest() {
        let flat = vec![
            ("a.b".to_owned(), "1".to_owned()),
            ("a.c".to_owned(), "2".to_owned()),
            ("d".to_owned(), "3".to_owned()),
            ("d.e".to_owned(), "4".to_owned()),
        ];
        assert_eq!(
            nest(&flat),
            serde_json::json!({"a": {"b": "1", "c": "2"}, "d": "3", "d.e": "4"})
        );
    }
}
