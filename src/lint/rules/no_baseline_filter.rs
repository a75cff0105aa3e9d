//! API003: a high/critical API-audit rule with no negated filter at all.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::condition::has_negation;
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Flags a rule on an API-audit log source at level `high` or `critical` whose condition
    /// negates nothing: no `not filter_*`, no allowlist, no baseline of any kind.
    ///
    /// ## Why is this bad?
    /// Every organisation has sanctioned automation, administrators and tools calling the
    /// same APIs attackers use. A high-severity rule without a single exclusion pages someone
    /// for each of them; it is either ignored or tuned in the SIEM where reviewers cannot see
    /// it. Baseline exclusions belong in the rule, next to the logic they refine.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     selection:
    ///         eventName: PutBucketPolicy
    ///         userAgent|contains: 'aws-cli'
    ///     condition: selection
    /// level: high
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// detection:
    ///     selection:
    ///         eventName: PutBucketPolicy
    ///         userAgent|contains: 'aws-cli'
    ///     filter_iac:
    ///         userIdentity.arn|endswith: ':role/terraform'
    ///     condition: selection and not 1 of filter_*
    /// level: high
    /// ```
    pub struct NoBaselineFilter {
        code: "API003",
        name: "no-baseline-filter",
        severity: Severity::Warning,
        summary: "high/critical API-audit rule without any negated baseline filter",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule || !cx.profile.is_some_and(|p| p.is_api_audit()) {
        return;
    }
    let Some(level) = cx.doc.level() else { return };
    if level != "high" && level != "critical" {
        return;
    }
    let Some(conds) = cx.parsed_conditions() else {
        return;
    };
    if conds.iter().any(|c| has_negation(&c.expr)) {
        return;
    }
    let pos = cx.conditions.first().map_or(cx.doc.start, |c| c.node.pos());
    let mut f = cx.finding(
        &NoBaselineFilter::META,
        pos,
        format!("{level}-level API-audit rule has no negated filter (no baseline or allowlist)"),
    );
    f.help = Some("exclude sanctioned callers with `and not 1 of filter_*`".to_owned());
    out.push(f);
}
