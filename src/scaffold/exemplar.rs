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
//! Every event is checked here against the draft's own conditions; a draft whose selection
//! cannot be satisfied by a generated value (`<<todo:...>>` placeholders, `re` or `all` on the
//! API selection) gets no exemplars rather than wrong ones.

use std::net::IpAddr;

use serde::Serialize;

use crate::strategy::{Baseline, ContextClass, FieldMatch, ModifierKind, Selection, Target};

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

/// The `part` of an ISO 8601 timestamp (UTC), as Sigma's time-part modifiers read it.
fn part_of(part: ModifierKind, value: &str) -> Option<i64> {
    let ts: jiff::Timestamp = value.trim().parse().ok()?;
    part.time_part_of(ts.to_zoned(jiff::tz::TimeZone::UTC).datetime())
}

fn in_network(value: &str, network: &str) -> bool {
    let (addr, len) = match network.split_once('/') {
        Some((a, l)) => (a, l.trim().parse::<u32>().ok()),
        None => (network, None),
    };
    let (Ok(ip), Ok(net)) = (value.parse::<IpAddr>(), addr.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let len = len.unwrap_or(32).min(32);
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let len = len.unwrap_or(128).min(128);
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether `value` matches one pattern under `modifiers` (case-insensitive, as Sigma's default;
/// wildcards in patterns are taken literally, which only makes this check stricter).
fn value_matches(value: &str, modifiers: &[ModifierKind], pattern: &str) -> bool {
    if modifiers.contains(&ModifierKind::Cidr) {
        return in_network(value, pattern);
    }
    if modifiers.contains(&ModifierKind::Re) {
        return regex::Regex::new(pattern).is_ok_and(|r| r.is_match(value));
    }
    if let Some(part) = time_part(modifiers) {
        return part_of(part, value).is_some_and(|n| pattern.trim().parse() == Ok(n));
    }
    let v = value.to_lowercase();
    let p = literal(pattern).to_lowercase();
    if modifiers.contains(&ModifierKind::Contains) {
        v.contains(&p)
    } else if modifiers.contains(&ModifierKind::StartsWith) {
        v.starts_with(&p)
    } else if modifiers.contains(&ModifierKind::EndsWith) {
        v.ends_with(&p)
    } else {
        v == p
    }
}

fn field_matches(event: &Flat, m: &FieldMatch) -> bool {
    let Some(value) = get(event, &m.field) else {
        return false;
    };
    let hit = |p: &String| value_matches(value, &m.modifiers, p);
    if m.modifiers.contains(&ModifierKind::All) {
        m.values.iter().all(hit)
    } else {
        m.values.iter().any(hit)
    }
}

fn any_matches(event: &Flat, alternatives: &[Selection]) -> bool {
    alternatives
        .iter()
        .any(|a| a.matches.iter().all(|m| field_matches(event, m)))
}

fn baseline_matches(event: &Flat, b: &Baseline) -> bool {
    get(event, &b.field)
        .is_some_and(|v| b.examples.iter().any(|p| value_matches(v, &b.modifiers, p)))
}

/// Whether the draft (API selection, context constraint, not any filter) matches `event`.
/// `filled`: the filters hold the baselines' example values rather than placeholders.
fn draft_matches(event: &Flat, target: &Target, filled: bool) -> bool {
    any_matches(event, &target.api)
        && target
            .context_constraint
            .as_ref()
            .is_none_or(|c| any_matches(event, &c.any_of))
        && !(filled
            && target.baseline_filters().iter().any(|f| {
                f.baselines
                    .iter()
                    .all(|b| !b.examples.is_empty() && baseline_matches(event, b))
            }))
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
    let clear = |v: &String| {
        baselines
            .iter()
            .all(|b| !b.examples.iter().any(|p| value_matches(v, &b.modifiers, p)))
    };
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
    // The positive event must match with the filters empty and with them filled.
    if !draft_matches(&event, target, false) || !draft_matches(&event, target, true) {
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
        negative_baseline(&event, target, &selection_fields)
    } else {
        None
    }
    .or_else(|| negative_context(&event, target))
    .or_else(|| negative_api(&event, target));
    if let Some((name, neg)) = negative
        && !draft_matches(&neg, target, filled)
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
    selection_fields: &[String],
) -> Option<(String, Flat)> {
    // A filter suppresses only when every baseline of its group matches: set them all.
    target.baseline_filters().into_iter().find_map(|f| {
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
        f.baselines
            .iter()
            .all(|b| baseline_matches(&neg, b))
            .then(|| {
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

fn negative_context(event: &Flat, target: &Target) -> Option<(String, Flat)> {
    let cc = target.context_constraint.as_ref()?;
    let mut neg = event.clone();
    for m in cc.any_of.iter().flat_map(|a| a.matches.iter()) {
        let leaf = m.field.rsplit('.').next().unwrap_or(&m.field);
        set(&mut neg, &m.field, format!("exemplar-other-{leaf}"));
    }
    if any_matches(&neg, &cc.any_of) {
        neg.retain(|(f, _)| {
            !cc.any_of
                .iter()
                .any(|a| a.matches.iter().any(|m| &m.field == f))
        });
    }
    (!any_matches(&neg, &cc.any_of))
        .then(|| ("same call outside the context constraint".to_owned(), neg))
}

fn negative_api(event: &Flat, target: &Target) -> Option<(String, Flat)> {
    let m = target.api.first()?.matches.last()?;
    let mut neg = event.clone();
    let leaf = m.field.rsplit('.').next().unwrap_or(&m.field);
    set(&mut neg, &m.field, format!("exemplar-other-{leaf}"));
    (!any_matches(&neg, &target.api)).then(|| ("another API call".to_owned(), neg))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let ts = timestamp_with(part, &n.to_string());
            assert_eq!(
                ts.as_deref().and_then(|t| part_of(part, t)),
                Some(n),
                "{part:?} {ts:?}"
            );
            assert!(value_matches(
                ts.as_deref().unwrap_or_default(),
                &[part],
                &n.to_string()
            ));
        }
        assert_eq!(timestamp_with(ModifierKind::Hour, "24"), None);
        assert_eq!(timestamp_with(ModifierKind::Hour, "<<baseline:x>>"), None);
        assert!(!value_matches(
            "2026-01-15T13:37:00Z",
            &[ModifierKind::Hour],
            "3"
        ));
    }

    #[test]
    fn wildcards_become_literals() {
        assert_eq!(literal("Get*Key?"), "GetKeyx");
        assert_eq!(literal(r"a\*b\\c"), r"a*b\c");
    }

    #[test]
    fn networks() {
        assert!(in_network("10.20.3.4", "10.20.0.0/16"));
        assert!(!in_network("10.21.3.4", "10.20.0.0/16"));
        assert!(in_network("2001:db8::1", "2001:db8::/32"));
        assert!(!in_network("not-an-ip", "10.0.0.0/8"));
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
