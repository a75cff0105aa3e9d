//! SIG005: the condition does not parse.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;

declare_rule! {
    /// ## What it does
    /// Parses every `condition` with the full Sigma grammar (`and`, `or`, `not`, parentheses,
    /// `1 of x*`, `all of x*`, `1 of them`, `all of them`, `any of`) and reports the line and
    /// column where it fails. Precedence is `not` > `and` > `or`. Conditions nested deeper than
    /// 64 levels are rejected.
    ///
    /// ## Why is this bad?
    /// A condition that does not parse makes the whole rule unusable: backends refuse it.
    ///
    /// ## Example
    /// ```yaml
    /// condition: selection and (filter_a or filter_b
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// condition: selection and not (filter_a or filter_b)
    /// ```
    pub struct ConditionSyntax {
        code: "SIG005",
        name: "condition-syntax",
        severity: Severity::Error,
        summary: "condition does not parse",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    for entry in &cx.conditions {
        if let Err(e) = &entry.parsed {
            let end = entry.text[e.offset.min(entry.text.len())..]
                .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .map_or(entry.text.len(), |n| e.offset + n.max(1));
            let span = cx.cond_span(entry, e.offset..end);
            out.push(cx.finding_span(
                &ConditionSyntax::META,
                span,
                format!("invalid condition: {}", e.message),
            ));
        }
    }
}
