//! SIG023: a YAML merge key (`<<:`).

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::FileCtx;

declare_rule! {
    /// ## What it does
    /// Flags merge keys (`<<: *anchor`), which copy the entries of another mapping into
    /// this one.
    ///
    /// ## Why is this bad?
    /// Merge keys are a YAML 1.1 feature outside YAML 1.2 and outside the Sigma
    /// specification. pySigma and RSigma apply them (and so does sigsmith, as PyYAML does, so
    /// the rule is otherwise checked as they read it), but YAML 1.2 tools read a key named
    /// `<<`, so the same rule means different things in different tools, and a merged
    /// selection is hard to review. It is a warning: the references accept the rule.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     base: &base
    ///         eventSource: iam.amazonaws.com
    ///     selection:
    ///         <<: *base
    ///         eventName: CreateUser
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// detection:
    ///     selection:
    ///         eventSource: iam.amazonaws.com
    ///         eventName: CreateUser
    /// ```
    pub struct YamlMergeKey {
        code: "SIG023",
        name: "yaml-merge-key",
        severity: Severity::Warning,
        summary: "merge key (`<<:`), a YAML 1.1 feature tools read differently",
    }
}

pub(crate) fn check(cx: &FileCtx<'_>, out: &mut Vec<Finding>) {
    for m in &cx.parsed.merge_keys {
        let mut f = cx.finding_span(
            &YamlMergeKey::META,
            m.span,
            "YAML merge key `<<` is YAML 1.1, not YAML 1.2: pySigma applies it, YAML 1.2 tools read a key named `<<`",
        );
        f.doc_index = Some(m.doc_index);
        out.push(f.with_help("write the merged entries out in this mapping"));
    }
}
