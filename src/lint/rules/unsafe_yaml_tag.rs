//! SIG022: a YAML tag the safe loaders of Sigma tools refuse.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::FileCtx;

declare_rule! {
    /// ## What it does
    /// Flags YAML nodes carrying a tag other than the YAML core ones (`!!str`, `!!int`,
    /// `!!float`, `!!bool`, `!!null`, `!!seq`, `!!map`, and the few more PyYAML's safe loader
    /// constructs): `!!python/object:...`, `!!python/name:...`, local tags such as `!custom`.
    ///
    /// ## Why is this bad?
    /// pySigma loads rules with a safe YAML loader, which refuses these tags, so the whole
    /// file is rejected. Language-specific tags are also how YAML deserialisation attacks run
    /// code; a rule repository should never hold them.
    ///
    /// ## Example
    /// ```yaml
    /// title: !!python/object/apply:os.system ['id']
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// title: Access key created
    /// ```
    pub struct UnsafeYamlTag {
        code: "SIG022",
        name: "unsafe-yaml-tag",
        severity: Severity::Error,
        summary: "tag a safe YAML loader refuses (`!!python/object`, ...)",
    }
}

pub(crate) fn check(cx: &FileCtx<'_>, out: &mut Vec<Finding>) {
    for t in &cx.parsed.unsafe_tags {
        let mut f = cx.finding_span(
            &UnsafeYamlTag::META,
            t.span,
            format!(
                "YAML tag `{}` is refused by Sigma tools' safe YAML loaders",
                t.text
            ),
        );
        f.doc_index = Some(t.doc_index);
        out.push(f.with_help("remove the tag and write the plain value"));
    }
}
