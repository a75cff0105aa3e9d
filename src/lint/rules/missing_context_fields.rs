//! API002: an API-audit rule that declares what its alert shows (`fields`, a draft's
//! `sigsmith.context`) but names no field of a required context class anywhere.

use std::collections::BTreeSet;

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::vocab::{ContextClass, FieldClass};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// For a rule on an API-audit log source that declares the context its alert carries (the
    /// `fields` list, or the `sigsmith.context` block of a draft), checks that the rule names
    /// at least one field of each context class the log source's vocabulary requires (by
    /// default caller **identity** and **source**, for example `userIdentity.arn` and
    /// `sourceIPAddress` in CloudTrail) in any of the places it names fields: `fields`,
    /// `sigsmith.context`, or its detection (a selection or baseline filter on
    /// `userIdentity.arn` names identity). Fields are classified with the vocabulary; a class
    /// in `sigsmith.context` counts when it lists at least one field.
    ///
    /// A rule that declares nothing (no `fields`, which Sigma deprecated, and no
    /// `sigsmith.context`) is not judged: the SIEM shows the whole event.
    ///
    /// ## Why is this bad?
    /// A rule that lists what the analyst should see but leaves out who made the call and from
    /// where cannot be triaged without a second search; its author has probably not thought
    /// about the caller at all.
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
        summary: "rule declares its alert's fields but names no identity or source field of the log source",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule {
        return;
    }
    let Some(profile) = cx.profile.filter(|p| p.is_api_audit()) else {
        return;
    };
    let fields = cx.doc.root.entry("fields");
    let block = cx.doc.root.get("sigsmith").and_then(|s| s.entry("context"));
    if fields.is_none() && block.is_none() {
        return;
    }
    let required = profile.required_classes();
    if required.is_empty() {
        return;
    }
    let mut covered: BTreeSet<ContextClass> = BTreeSet::new();
    let mut cover = |f: &str| {
        if let FieldClass::Context(c) = profile.classify(f) {
            covered.insert(c);
        }
    };
    if let Some(items) = fields.and_then(|(_, v)| v.as_seq()) {
        items.iter().filter_map(Node::as_str).for_each(&mut cover);
    }
    if let Some(det) = &cx.detection {
        det.selections
            .iter()
            .flat_map(|s| s.items())
            .filter_map(|i| i.field)
            .for_each(&mut cover);
    }
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
    let draft = profile.draft_context();
    let examples: Vec<&str> = missing
        .iter()
        .filter_map(|c| {
            draft
                .class(*c)
                .first()
                .or_else(|| profile.context.class(*c).first())
                .map(String::as_str)
        })
        .collect();
    let (key, what) = match (fields, block) {
        (Some((k, _)), _) => (k, "`fields` names"),
        (None, Some((k, _))) => (k, "`sigsmith.context` names"),
        (None, None) => return,
    };
    let mut f = cx.finding_at(
        &MissingContextFields::META,
        key,
        format!(
            "{what} no {} field, nor does the detection, for {} (e.g. {})",
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
