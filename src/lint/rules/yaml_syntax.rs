//! SIG001: the file is not valid YAML.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::FileCtx;

declare_rule! {
    /// ## What it does
    /// Flags a file that is not valid YAML, or that breaks one of the loader's limits (nesting
    /// depth, node count, alias expansion), at the line and column the parser reports.
    /// Documents of a multi-document file before the error are still linted, and so are
    /// those after it: every later `---` starts a new document, and each broken document is
    /// reported.
    ///
    /// ## Why is this bad?
    /// No Sigma tool can read the rule: it is silently missing from every backend conversion.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     selection:
    ///         eventName: [CreateUser, DeleteUser
    ///     condition: selection
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// detection:
    ///     selection:
    ///         eventName: [CreateUser, DeleteUser]
    ///     condition: selection
    /// ```
    pub struct YamlSyntax {
        code: "SIG001",
        name: "yaml-syntax",
        severity: Severity::Error,
        summary: "file is not valid YAML",
    }
}

pub(crate) fn check(cx: &FileCtx<'_>, out: &mut Vec<Finding>) {
    for e in cx.parsed.error.iter().chain(&cx.parsed.later_errors) {
        out.push(cx.finding_span(
            &YamlSyntax::META,
            crate::yaml::Span {
                start: e.pos,
                end: crate::yaml::Pos::new(e.pos.line, e.pos.col.saturating_add(1)),
            },
            format!("invalid YAML: {}", e.message),
        ));
    }
}
