//! SIG006: the condition names an identifier that does not exist.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::condition::{Expr, IdentIndex, OfTarget, visit_refs};
use crate::lint::context::DocCtx;

declare_rule! {
    /// ## What it does
    /// Flags a detection identifier in the condition that the detection does not define, and
    /// an `x of pattern` (or `x of them`) that matches no identifier.
    ///
    /// ## Why is this bad?
    /// Backends reject the rule, or (worse, for patterns) some treat the empty match as false
    /// and the rule never fires.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     selection: {eventName: CreateUser}
    ///     condition: selection and not filter
    /// ```
    ///
    /// ## Use instead
    /// Define `filter`, or fix the name in the condition.
    pub struct UndefinedIdentifier {
        code: "SIG006",
        name: "undefined-identifier",
        severity: Severity::Error,
        summary: "condition names an identifier that does not exist",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(det) = &cx.detection else { return };
    let names = det.names();
    let mut idx = IdentIndex::new(&names);
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else { continue };
        visit_refs(&cond.expr, |e| match e {
            Expr::Ident { name, span } if idx.get(name).is_none() => {
                out.push(cx.finding_span(
                    &UndefinedIdentifier::META,
                    cx.cond_span(entry, span.clone()),
                    format!("condition uses `{name}`, which the detection does not define"),
                ));
            }
            Expr::Of { target, span, .. } if idx.of_matches(target).is_empty() => {
                let message = match target {
                    OfTarget::Them => {
                        "`of them` matches nothing: every identifier starts with `_` (which `them` leaves out) or there is none".to_owned()
                    }
                    OfTarget::Pattern(p) if p.starts_with('_') || p.starts_with('*') => {
                        format!(
                            "pattern `{p}` matches no detection identifier (`x of` leaves out identifiers starting with `_`)"
                        )
                    }
                    OfTarget::Pattern(p) => {
                        format!("pattern `{p}` matches no detection identifier")
                    }
                };
                out.push(cx.finding_span(
                    &UndefinedIdentifier::META,
                    cx.cond_span(entry, span.clone()),
                    message,
                ));
            }
            _ => {}
        });
    }
}
