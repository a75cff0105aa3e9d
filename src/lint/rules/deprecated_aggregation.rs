//! SIG014: a Sigma v1 aggregation (`| count() by ...`) in a condition.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;

declare_rule! {
    /// ## What it does
    /// Flags the obsolete Sigma v1 parts of a condition: the pipe aggregation (`selection |
    /// count(x) by y > 10`, `| near ...`) and the `near` operator. The boolean part before
    /// them is still checked. It is an error (pySigma refuses any `|` in a condition); it has
    /// its own code so a repository migrating from Sigma v1 can lower it to a warning.
    ///
    /// ## Why is this bad?
    /// Sigma v2 removed aggregations from conditions in favour of correlation rules; current
    /// backends (pySigma) reject them, so the rule is not deployed.
    ///
    /// ## Example
    /// ```yaml
    /// condition: selection | count() by userIdentity.arn > 20
    /// timeframe: 10m
    /// ```
    ///
    /// ## Use instead
    /// A base rule with `condition: selection` and a `name`, plus a correlation rule:
    /// ```yaml
    /// correlation:
    ///     type: event_count
    ///     rules: [secrets_read]
    ///     group-by: [userIdentity.arn]
    ///     timespan: 10m
    ///     condition: {gt: 20}
    /// ```
    pub struct DeprecatedAggregation {
        code: "SIG014",
        name: "deprecated-aggregation",
        severity: Severity::Error,
        summary: "condition uses the obsolete `|` aggregation or `near`",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else { continue };
        let Some(agg) = &cond.aggregation else {
            continue;
        };
        let span = cx.cond_span(entry, agg.offset..entry.text.trim_end().len());
        let (message, help) = if agg.near {
            (
                format!("obsolete `near` operator: `{}`", agg.text),
                "express the relationship with a `temporal` correlation rule over named rules",
            )
        } else {
            (
                format!("obsolete aggregation `| {}`", agg.text),
                "move the aggregation into a correlation rule (`event_count`, `value_count`, ...)",
            )
        };
        out.push(
            cx.finding_span(&DeprecatedAggregation::META, span, message)
                .with_help(help),
        );
    }
}
