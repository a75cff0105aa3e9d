//! SIG000: a `# sigsmith: ignore[...]` comment that suppresses nothing.
//!
//! The `lint` driver reports it after applying suppression comments ([`crate::suppress`]),
//! since only then is it known which comments matched a finding; the check has no stage in the
//! [registry](crate::lint::registry).

use crate::declare_rule;
use crate::diagnostic::Severity;

declare_rule! {
    /// ## What it does
    /// Reports a `# sigsmith: ignore[...]` comment, or one check listed in it, that suppresses
    /// no finding: nothing with that check is reported on the comment's line, the line below
    /// it, or (for a comment at the top of a document) anywhere in the document. Unknown check
    /// codes or names and malformed `# sigsmith:` comments are reported too.
    ///
    /// ## Why is this bad?
    /// Stale suppressions hide future problems: once the rule changes, the comment silently
    /// swallows a new finding of the same check. Typos in codes suppress nothing at all.
    ///
    /// ## Example
    /// ```yaml
    /// # sigsmith: ignore[API001] reviewed with the SOC, see TICKET-12
    /// title: Console login from a new country   # no API001 finding here any more
    /// ```
    ///
    /// ## Use instead
    /// Remove the comment or the stale code from it. Checks disabled in the configuration are
    /// not reported as unused. Run with `--no-ignores` to see what the comments hide.
    ///
    /// ## Fix
    /// `sigsmith lint --fix` removes an unused check from its comment, with its comma
    /// (`ignore[API001, SIG013] reason` becomes `ignore[SIG013] reason`). When none of the
    /// comment's checks suppresses anything, it removes the whole comment (and its line,
    /// when the comment was all there was on it): the reason goes with it. Unknown checks
    /// (usually a typo of the intended code) and malformed comments are left for you to
    /// correct, and checks that did not run (`--select`, `--ignore`, disabled in the
    /// configuration) are never removed.
    pub struct UnusedSuppression {
        code: "SIG000",
        name: "unused-suppression",
        severity: Severity::Warning,
        summary: "a suppression comment suppresses nothing",
    }
}
