//! SIG018: a filter applies to a rule that is not in the repository.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::RepoCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Flags each entry of a filter's `filter.rules` that matches the `id` or `name` of no
    /// document in the linted files. A warning: filters are sometimes kept apart from the rules
    /// they tune (for example for SigmaHQ rules pulled in at build time).
    ///
    /// ## Why is this bad?
    /// A filter bound to a rule that does not exist excludes nothing: the allowlist the author
    /// wrote has no effect, and the rule it was meant for stays noisy.
    ///
    /// ## Example
    /// ```yaml
    /// filter:
    ///     rules: [aws_access_key_created]   # the rule is named aws_access_key_creation
    /// ```
    ///
    /// ## Use instead
    /// Reference the rule's current `id` or `name`.
    pub struct DanglingFilter {
        code: "SIG018",
        name: "dangling-filter",
        severity: Severity::Warning,
        summary: "filter applies to a rule that is not in the repository",
    }
}

pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    for filter in cx.docs.iter().filter(|d| d.kind == DocKind::Filter) {
        for (r, span) in filter.references() {
            if cx.lookup(r).next().is_none() {
                out.push(cx.finding_span(
                    &DanglingFilter::META,
                    filter,
                    *span,
                    format!("filter applies to `{r}`, which no linted rule has as id or name"),
                ));
            }
        }
    }
}
