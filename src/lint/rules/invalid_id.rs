//! SIG003: `id` not a UUID (a missing `id` is SIG024).

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Flags a rule, correlation rule or filter whose `id` is not a UUID in the canonical
    /// `8-4-4-4-12` hexadecimal form (pySigma refuses such a rule). A missing `id` is allowed
    /// by the specification and reported by SIG024 (a warning).
    ///
    /// ## Why is this bad?
    /// Correlation rules, filters, `related` links, suppression lists and SIEM deployments
    /// refer to rules by id. A malformed id breaks those references and pySigma refuses the
    /// rule.
    ///
    /// ## Example
    /// ```yaml
    /// title: Access key created
    /// id: access-key-created
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// title: Access key created
    /// id: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11
    /// ```
    pub struct InvalidId {
        code: "SIG003",
        name: "invalid-id",
        severity: Severity::Error,
        summary: "`id` is not a UUID",
    }
}

/// Whether `s` is a canonical hyphenated UUID.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind == DocKind::Unknown {
        return;
    }
    if let Some((_, v)) = cx.doc.root.entry("id") {
        let text = v.scalar_text().unwrap_or_default();
        if v.as_str().is_none_or(|s| !is_uuid(s)) {
            out.push(cx.finding_at(&InvalidId::META, v, format!("`id` is not a UUID: `{text}`")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn uuid_shape() {
        assert!(is_uuid("0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11"));
        assert!(is_uuid("0F4C2B8E-5F7A-4D0A-9A43-3B1F1F6D2C11"));
        assert!(!is_uuid("0f4c2b8e5f7a4d0a9a433b1f1f6d2c11"));
        assert!(!is_uuid("0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c1g"));
        assert!(!is_uuid(""));
    }
}
