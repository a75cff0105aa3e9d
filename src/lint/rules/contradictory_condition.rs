//! API008: a branch of the condition requires one field to equal two different values.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// On a rule of an API-audit log source, expands the condition into its ways of firing
    /// (the same bounded disjunctive normal form API001 uses) and flags a way whose selections
    /// require the same field to equal values that cannot both hold: plain values (no
    /// modifier, no wildcard) with no value in common, compared case-insensitively as Sigma
    /// compares strings. Such a branch can never fire.
    ///
    /// ## Why is this bad?
    /// `eventName: CreateUser` and `eventName: DeleteUser` in one AND branch match nothing: the
    /// author meant OR (a list, or `1 of selection_*`), and the rule is silently dead.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     selection_create:
    ///         eventName: CreateUser
    ///     selection_delete:
    ///         eventName: DeleteUser
    ///     condition: selection_create and selection_delete
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     condition: 1 of selection_*
    /// ```
    pub struct ContradictoryCondition {
        code: "API008",
        name: "contradictory-condition",
        severity: Severity::Warning,
        summary: "a branch of the condition requires a field to equal two different values",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule {
        return;
    }
    let analysis = cx.analysis();
    let mut seen: Vec<(String, crate::yaml::Pos)> = Vec::new();
    for c in &analysis.contradictions {
        if seen
            .iter()
            .any(|(f, p)| *f == c.field && *p == c.node.start)
        {
            continue;
        }
        seen.push((c.field.clone(), c.node.start));
        let mut f = cx.finding_span(
            &ContradictoryCondition::META,
            c.node,
            format!(
                "`{}` must equal {} and {} in the same branch: it can never fire",
                c.field,
                c.first.join(" or "),
                c.second.join(" or ")
            ),
        );
        f.help = Some("use a list of values or `1 of selection_*` for alternatives".to_owned());
        out.push(f);
    }
}
