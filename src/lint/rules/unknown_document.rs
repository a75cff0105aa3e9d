//! SIG015: a YAML document that is not a Sigma rule, correlation rule or filter.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::{DocCtx, FileCtx};
use crate::lint::document::DocKind;
use crate::yaml::Pos;

declare_rule! {
    /// ## What it does
    /// Flags a YAML document that is meant as a Sigma document but is none of the three
    /// Sigma document kinds: a rule (`detection`), a correlation rule (`correlation`) or a
    /// filter (`filter`). Sigma v1 rule collections (`action: global` / `action: repeat`) are
    /// named as such. A `.yml` file that holds no document at all (empty, or only comments) is
    /// reported as a warning.
    ///
    /// YAML that is not Sigma at all is skipped with a note (`note: skipped ...` on standard
    /// error, `skipped` in the JSON report), never reported. The rule, decided by the
    /// document's top-level keys and not by the file's name:
    /// 1. a mapping with `detection`, `logsource`, `correlation` or `filter` (or a v1
    ///    `action: global|reset|repeat`) is Sigma;
    /// 2. a mapping with a key that marks a known other format is that format: pySigma
    ///    processing pipelines (`transformations`, `postprocessing`, `finalizers`, `vars`,
    ///    `priority`), CI workflows (`jobs`, `on`, `stages`), GitHub Actions (`runs`), MkDocs
    ///    (`site_name`, `nav`), Compose files (`services`), pre-commit (`repos`), issue forms
    ///    (`body`), Dependabot (`updates`), Kubernetes (`apiVersion`);
    /// 3. a mapping with no Sigma key (no property of the Sigma rule, correlation or filter
    ///    schema), or where Sigma keys are at most half of its keys, is not Sigma;
    /// 4. any other mapping (mostly Sigma keys such as `title`, `id`, `status`, `level`, but no
    ///    kind key) is a broken Sigma document and reported here, unless its file is hidden or
    ///    in a hidden folder (`.github/`): the path is only this secondary hint;
    /// 5. a sequence is reported only when one of its items looks like a Sigma document;
    ///    other sequences and scalars are not Sigma.
    ///
    /// ## Why is this bad?
    /// The document is ignored by every Sigma tool; usually it is a rule whose top-level keys
    /// are misspelled or mis-indented, a v1 collection that needs splitting, or rules written
    /// as a YAML list.
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
