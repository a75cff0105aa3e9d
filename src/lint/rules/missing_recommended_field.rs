//! SIG013: a rule without the metadata every maintained rule carries.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Flags a detection rule that lacks any of `status`, `level`, `description`, `author` or
    /// `date`. The Sigma specification makes them optional; every maintained rule repository
    /// (SigmaHQ included) requires them.
    ///
    /// ## Why is this bad?
    /// Without `level` backends default the severity; without `status` nobody knows whether
    /// the rule is production-ready; without `description`, `author` and `date` the rule
    /// cannot be reviewed, attributed or aged out.
    ///
    /// ## Example
    /// ```yaml
    /// title: Access key created
    /// logsource: {product: aws, service: cloudtrail}
    /// detection: ...
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// title: Access key created
    /// status: experimental
    /// description: Detects ...
    /// author: Jane Doe
    /// date: 2025-01-15
    /// level: medium
    /// ```
    pub struct MissingRecommendedField {
        code: "SIG013",
        name: "missing-recommended-field",
        severity: Severity::Warning,
        summary: "rule lacks status, level, description, author or date",
    }
}

/// The attributes this check requires.
pub const RECOMMENDED: &[&str] = &["status", "description", "author", "date", "level"];

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule {
        return;
    }
    let missing: Vec<&str> = RECOMMENDED
        .iter()
        .copied()
        .filter(|k| cx.doc.root.get(k).is_none_or(|n| n.is_null()))
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(cx.finding(
        &MissingRecommendedField::META,
        cx.doc.key_pos("title"),
        format!("rule has no `{}`", missing.join("`, `")),
    ));
}
