//! SIG015: a YAML document that is not a Sigma rule, correlation rule or filter.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::{DocCtx, FileCtx};
use crate::lint::document::DocKind;
use crate::yaml::Pos;

declare_rule! {
    /// ## What it does
    /// Flags a YAML document that is none of the three Sigma document kinds: a rule
    /// (`detection`), a correlation rule (`correlation`) or a filter (`filter`). Sigma v1 rule
    /// collections (`action: global` / `action: repeat`) are named as such. A `.yml` file that
    /// holds no document at all (empty, or only comments) is reported as a warning.
    ///
    /// ## Why is this bad?
    /// The document is ignored by every Sigma tool; usually it is a rule whose top-level keys
    /// are misspelled or mis-indented, a v1 collection that needs splitting, or a stray
    /// non-rule file in the rule folder.
    ///
    /// ## Example
    /// ```yaml
    /// title: Access key created
    /// detections:
    ///     selection: {eventName: CreateAccessKey}
    ///     condition: selection
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// detection:
    ///     selection: {eventName: CreateAccessKey}
    ///     condition: selection
    /// ```
    pub struct UnknownDocument {
        code: "SIG015",
        name: "unknown-document",
        severity: Severity::Error,
        summary: "document is not a Sigma rule, correlation rule or filter",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Unknown {
        return;
    }
    let message = if cx.doc.root.as_map().is_none() {
        format!(
            "document is a {}, not a Sigma rule, correlation rule or filter",
            cx.doc.root.kind_name()
        )
    } else if let Some(action) = cx.doc.str_attr("action") {
        format!(
            "Sigma v1 rule collection (`action: {action}`) is not supported; split it into standalone rules"
        )
    } else {
        "document has no `detection`, `correlation` or `filter`: not a Sigma document".to_owned()
    };
    // Point at the content (a scalar or list document's first token), not at the `---`.
    out.push(cx.finding_at(&UnknownDocument::META, &cx.doc.root, message));
}

pub(crate) fn check_file(cx: &FileCtx<'_>, out: &mut Vec<Finding>) {
    if cx.parsed.documents.is_empty() && cx.parsed.error.is_none() {
        let mut f = cx.finding(
            &UnknownDocument::META,
            Pos::new(1, 1),
            "file holds no YAML document (empty or only comments)",
        );
        f.severity = Severity::Warning;
        out.push(f);
    }
}
