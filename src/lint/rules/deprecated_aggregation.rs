//! SIG014: a Sigma v1 aggregation (`| count() by ...`) in a condition.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;

declare_rule! {
    /// ## What it does
    /// Flags the deprecated aggregation expression of Sigma v1 (`selection | count(x) by y >
    /// 10`, `| near ...`) in a condition. The boolean part before the `|` is still checked.
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
        severity: Severity::Warning,
        summary: "condition uses the deprecated `|` aggregation",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else { continue };
        let Some(agg) = &cond.aggregation else {
            continue;
        };
        let mut f = cx.finding(
            &DeprecatedAggregation::META,
            cx.cond_pos(entry, agg.offset),
            format!("deprecated aggregation `| {}`", agg.text),
        );
        f.help = Some("move the aggregation into a correlation rule".to_owned());
        out.push(f);
    }
}
