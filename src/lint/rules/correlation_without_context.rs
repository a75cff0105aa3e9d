//! API006: a correlation rule over API-audit rules that groups by no identity or source field.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::RepoCtx;
use crate::lint::document::DocKind;
use crate::vocab::{ContextClass, FieldClass};

declare_rule! {
    /// ## What it does
    /// Flags a correlation rule that references rules on API-audit log sources but whose
    /// `group-by` contains no caller **identity** or **source** field of those log sources
    /// (aliases are resolved per rule). A field the profile does not know is given the benefit
    /// of the doubt. A correlation without any `group-by` is flagged too.
    ///
    /// ## Why is this bad?
    /// "20 `GetSecretValue` calls in 10 minutes" across the whole account is normal load;
    /// "20 calls by one principal" is a signal. Without grouping by who or where, the
    /// correlation counts everybody's activity together and is as noisy as the API-presence
    /// rule it was meant to refine.
    ///
    /// ## Example
    /// ```yaml
    /// correlation:
    ///     type: event_count
    ///     rules: [secrets_read]
    ///     group-by: [eventName]
    ///     timespan: 10m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     group-by: [userIdentity.arn, sourceIPAddress]
    /// ```
    pub struct CorrelationWithoutContext {
        code: "API006",
        name: "correlation-without-context",
        severity: Severity::Warning,
        summary: "correlation over API-audit rules groups by no identity or source field",
    }
}

pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    for corr in cx.docs.iter().filter(|d| d.kind == DocKind::Correlation) {
        let mut api_rules = Vec::new();
        for (r, _) in corr.references() {
            for target in cx.lookup(r) {
                if let Some(p) = target
                    .profile
                    .as_deref()
                    .and_then(|p| cx.opts.profiles.get(p))
                    .filter(|p| p.is_api_audit())
                {
                    api_rules.push((target, p));
                }
            }
        }
        let Some((_, first_profile)) = api_rules.first() else {
            continue;
        };
        let ok = api_rules.iter().all(|(rule, profile)| {
            let refs: Vec<&str> = rule
                .id
                .iter()
                .chain(rule.name.iter())
                .map(|(s, _)| s.as_str())
                .collect();
            corr.group_by().iter().any(|(g, _)| {
                matches!(
                    profile.classify(corr.resolve_group_field(g, &refs)),
                    FieldClass::Context(ContextClass::Identity | ContextClass::Source)
                        | FieldClass::Unknown
                )
            })
        });
        if ok {
            continue;
        }
        let examples: Vec<&str> = [ContextClass::Identity, ContextClass::Source]
            .iter()
            .filter_map(|c| first_profile.context.class(*c).first().map(String::as_str))
            .collect();
        let (pos, message) = if corr.group_by().is_empty() {
            (
                corr.block_pos(),
                format!(
                    "correlation over {} rules has no group-by (e.g. {})",
                    first_profile.name,
                    examples.join(", ")
                ),
            )
        } else {
            let fields: Vec<&str> = corr.group_by().iter().map(|(g, _)| g.as_str()).collect();
            (
                corr.group_by()[0].1,
                format!(
                    "correlation groups by {} but by no identity or source field of {} (e.g. {})",
                    fields.join(", "),
                    first_profile.name,
                    examples.join(", ")
                ),
            )
        };
        let mut f = cx.finding(&CorrelationWithoutContext::META, corr, pos, message);
        f.help = Some("group by the caller identity or source address".to_owned());
        out.push(f);
    }
}
