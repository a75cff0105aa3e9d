//! SIG024: a rule without an `id`.

use crate::declare_rule;
use crate::diagnostic::{Finding, Fix, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::lint::fix;

declare_rule! {
    /// ## What it does
    /// Flags a rule, correlation rule or filter without an `id`. The Sigma specification
    /// makes `id` optional (recommended), so this is a warning by default; SigmaHQ requires
    /// it, so a repository following SigmaHQ's conventions raises it to an error
    /// (`[rules.SIG024]` with `severity = "error"` in `sigsmith.toml`). A present `id` that is not a UUID is
    /// SIG003.
    ///
    /// ## Why is this bad?
    /// Without an id, correlation rules and filters can only reference the rule by `name`,
    /// duplicates cannot be detected, and SIEMs lose track of the rule across renames.
    ///
    /// ## Example
    /// ```yaml
    /// title: Access key created
    /// logsource: {product: aws, service: cloudtrail}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// title: Access key created
    /// id: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11
    /// logsource: {product: aws, service: cloudtrail}
    /// ```
    ///
    /// ## Fix
    /// `sigsmith lint --fix` adds `id:` with a new UUID on the line after `title` (or as the
    /// first key), in a block-style document. It never changes an `id` that is there, even an
    /// invalid one (SIG003): other rules may reference it. The UUID (version 5, like the ids
    /// of `sigsmith new` drafts) is derived from the file's path and text and the document's
    /// place in it, so `--fix`, `--fix --diff` and the fixes in JSON and SARIF reports propose
    /// the same id on every run, and no two documents get the same one.
    pub struct MissingId {
        code: "SIG024",
        name: "missing-id",
        severity: Severity::Warning,
        summary: "document has no `id` (optional in Sigma, required by SigmaHQ)",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind == DocKind::Unknown || cx.doc.root.get("id").is_some() {
        return;
    }
    let at = cx
        .doc
        .root
        .entry("title")
        .map_or_else(|| cx.doc.root.clone(), |(k, _)| k.clone());
    let mut finding = cx
        .finding_at(
            &MissingId::META,
            &at,
            format!("{} has no `id`", cx.doc.kind.as_str()),
        )
        .with_help("add `id:` with a new UUID");
    let id = fix::new_uuid("id", cx.path, cx.doc.index, cx.text);
    if let Some(edit) = fix::insert_entry(cx.text, &cx.doc.root, &["title"], "id", &id) {
        finding = finding.with_fix(Fix::new(
            MissingId::META.code,
            format!("add `id: {id}`"),
            vec![edit],
        ));
    }
    out.push(finding);
}
