//! SIG007: a detection identifier the condition never uses.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::condition::{Expr, IdentIndex, visit_refs};
use crate::lint::context::DocCtx;

declare_rule! {
    /// ## What it does
    /// Flags a detection identifier (selection or filter) that no condition references, either
    /// by name or through an `x of pattern` / `x of them`.
    ///
    /// ## Why is this bad?
    /// An unused filter looks like a baseline exclusion but excludes nothing: the rule fires on
    /// exactly the events the author meant to drop. An unused selection is dead weight that
    /// misleads reviewers.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     selection: {eventName: CreateUser}
    ///     filter_admins: {userIdentity.arn|endswith: ':role/admin'}
    ///     condition: selection
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     condition: selection and not filter_admins
    /// ```
    pub struct UnusedIdentifier {
        code: "SIG007",
        name: "unused-identifier",
        severity: Severity::Warning,
        summary: "detection identifier is never used in the condition",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(det) = &cx.detection else { return };
    let Some(conds) = cx.parsed_conditions() else {
        return;
    };
    let names = det.names();
    let mut idx = IdentIndex::new(&names);
    let mut used = vec![false; names.len()];
    for cond in &conds {
        visit_refs(&cond.expr, |e| match e {
            Expr::Ident { name, .. } => {
                if let Some(i) = idx.get(name) {
                    used[i] = true;
                }
            }
            Expr::Of { target, .. } => {
                for &i in idx.of_matches(target) {
                    used[i] = true;
                }
            }
            _ => {}
        });
    }
    for (sel, used) in det.selections.iter().zip(used) {
        if !used {
            out.push(cx.finding_at(
                &UnusedIdentifier::META,
                sel.key,
                format!("`{}` is defined but the condition never uses it", sel.name),
            ));
        }
    }
}
