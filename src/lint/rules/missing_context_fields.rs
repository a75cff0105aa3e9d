//! API002: an API-audit rule's `fields` (or draft context block) lacks a required context class.

use std::collections::BTreeSet;

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::lint::profile::{ContextClass, FieldClass};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// For a rule on an API-audit log source, checks that the standard `fields` list (or the
    /// `sigsmith.context` block of a draft) names at least one field of each context class the
    /// log source's profile requires — by default caller **identity** and **source** (for
    /// example `userIdentity.arn` and `sourceIPAddress` in CloudTrail). Fields are classified
    /// with the log source's field profile; a class in `sigsmith.context` counts when it lists
    /// at least one field.
    ///
    /// ## Why is this bad?
    /// `fields` tells the analyst (and the SIEM query) what to show with an alert. An alert on
    /// an API call without who made it and from where cannot be triaged without a second
    /// search, and the rule's author has probably not thought about the caller at all.
    ///
    /// ## Example
    /// ```yaml
    /// logsource: {product: aws, service: cloudtrail}
    /// fields:
    ///     - eventName
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// fields:
    ///     - eventName
    ///     - userIdentity.arn
    ///     - sourceIPAddress
    ///     - userAgent
    /// ```
    pub struct MissingContextFields {
        code: "API002",
        name: "missing-context-fields",
        severity: Severity::Warning,
        summary: "`fields` lacks a required context class (identity, source) for the log source",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule {
        return;
    }
    let Some(profile) = cx.profile else { return };
    let required = profile.required_classes();
    if required.is_empty() {
        return;
    }
    let mut covered: BTreeSet<ContextClass> = BTreeSet::new();
    let fields = cx.doc.root.entry("fields");
    if let Some(items) = fields.and_then(|(_, v)| v.as_seq()) {
        for f in items.iter().filter_map(Node::as_str) {
            if let FieldClass::Context(c) = profile.classify(f) {
                covered.insert(c);
            }
        }
    }
    let block = cx.doc.root.get("sigsmith").and_then(|s| s.entry("context"));
    if let Some(entries) = block.and_then(|(_, v)| v.as_map()) {
        for (k, v) in entries {
            let non_empty = v.as_seq().is_some_and(|s| !s.is_empty()) || v.as_str().is_some();
            if let (Some(class), true) = (k.as_str().and_then(ContextClass::parse), non_empty) {
                covered.insert(class);
            }
        }
    }
    let missing: Vec<ContextClass> = required
        .into_iter()
        .filter(|c| !covered.contains(c))
        .collect();
    if missing.is_empty() {
        return;
    }
    let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
    let examples: Vec<&str> = missing
        .iter()
        .filter_map(|c| profile.context.of(*c).first().map(String::as_str))
        .collect();
    let (pos, what) = match (fields, block) {
        (Some((k, _)), _) => (k.pos(), "`fields` names"),
        (None, Some((k, _))) => (k.pos(), "`sigsmith.context` names"),
        (None, None) => (cx.doc.key_pos("title"), "rule has no `fields`, so it names"),
    };
    let mut f = cx.finding(
        &MissingContextFields::META,
        pos,
        format!(
            "{what} no {} field for {} (e.g. {})",
            names.join(" or "),
            profile.name,
            examples.join(", ")
        ),
    );
    f.help = Some(format!(
        "list the caller's {} fields under `fields`",
        names.join(" and ")
    ));
    out.push(f);
}
