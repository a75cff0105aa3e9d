//! SIG011: a correlation rule references a rule that is not in the repository.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::{DocSummary, RepoCtx};
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Flags each entry of a correlation rule's `rules` that matches the `id` or `name` of no
    /// document in the linted files, and each that starts a chain of correlation rules leading
    /// back to the correlation itself (a chain must end in detection rules).
    ///
    /// ## Why is this bad?
    /// The correlation can never be converted: backends need the referenced rules. The usual
    /// causes are a renamed or deleted base rule, or a typo in the name.
    ///
    /// ## Example
    /// ```yaml
    /// correlation:
    ///     type: event_count
    ///     rules: [console_logins]     # the base rule is named console_login
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     rules: [console_login]
    /// ```
    pub struct DanglingCorrelation {
        code: "SIG011",
        name: "dangling-correlation",
        severity: Severity::Error,
        summary: "correlation rule references a rule that is not in the repository",
    }
}

pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    for corr in cx.docs.iter().filter(|d| d.kind == DocKind::Correlation) {
        for (r, span) in corr.references() {
            if cx.lookup(r).next().is_none() {
                out.push(cx.finding_span(
                    &DanglingCorrelation::META,
                    corr,
                    *span,
                    format!("correlation references `{r}`, which no linted rule has as id or name"),
                ));
            } else if reaches(cx, r, corr) {
                out.push(cx.finding_span(
                    &DanglingCorrelation::META,
                    corr,
                    *span,
                    format!(
                        "correlation chain through `{r}` leads back to this correlation: a chain must end in detection rules"
                    ),
                ));
            }
        }
    }
}

/// Whether following correlation references from `start` reaches `target`.
fn reaches(cx: &RepoCtx<'_>, start: &str, target: &DocSummary) -> bool {
    let key = |d: &DocSummary| (d.path.clone(), d.index);
    let goal = key(target);
    let mut seen = std::collections::HashSet::new();
    let mut todo: Vec<&str> = vec![start];
    while let Some(r) = todo.pop() {
        for d in cx.lookup(r) {
            if d.kind != DocKind::Correlation {
                continue;
            }
            if key(d) == goal {
                return true;
            }
            if seen.insert(key(d)) {
                todo.extend(d.references().iter().map(|(x, _)| x.as_str()));
            }
        }
    }
    false
}
