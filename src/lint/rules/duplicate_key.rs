//! SIG012: a key repeated within one YAML mapping.

use crate::declare_rule;
use crate::diagnostic::{Finding, Related, Severity};
use crate::lint::context::FileCtx;

declare_rule! {
    /// ## What it does
    /// Flags a mapping key that appears twice in the same mapping, for example two
    /// `selection:` blocks in one `detection`, or `eventName` twice in one selection.
    ///
    /// ## Why is this bad?
    /// YAML forbids duplicate keys, but many parsers silently keep the last one: the first
    /// selection (or value) vanishes and the rule matches something else than it reads.
    ///
    /// ## Example
    /// ```yaml
    /// selection:
    ///     eventName: CreateUser
    ///     eventName: DeleteUser
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// selection:
    ///     eventName:
    ///         - CreateUser
    ///         - DeleteUser
    /// ```
    pub struct DuplicateKey {
        code: "SIG012",
        name: "duplicate-key",
        severity: Severity::Error,
        summary: "key repeated within one YAML mapping",
    }
}

pub(crate) fn check(cx: &FileCtx<'_>, out: &mut Vec<Finding>) {
    for d in &cx.parsed.duplicate_keys {
        let mut f = cx.finding_span(
            &DuplicateKey::META,
            crate::yaml::Span {
                start: d.again,
                end: d.again_end,
            },
            format!("duplicate key `{}`", d.key),
        );
        if let Some(doc) = cx.parsed.documents.iter().find(|x| x.index == d.doc_index) {
            f.doc_index = Some(doc.index);
            f.doc_id = doc.id().map(str::to_owned);
            f.doc_title = doc.title().map(std::sync::Arc::from);
        }
        f.related.push(Related {
            path: cx.path.to_path_buf(),
            pos: d.first,
            message: "first defined here".to_owned(),
        });
        f.help = Some("merge the two entries into one".to_owned());
        out.push(f);
    }
}
