//! SIG002: the document violates the Sigma JSON Schema of its kind.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::schema::{self, SchemaKind};
use crate::yaml::Style;

declare_rule! {
    /// ## What it does
    /// Validates each document against the embedded JSON Schema of its kind
    /// (`schemas/sigma-rule.schema.json`, `sigma-correlation.schema.json` or
    /// `sigma-filter.schema.json`) and reports every violation at the line and column of the
    /// offending key or value. Violations of `id` are left to SIG003.
    ///
    /// ## Why is this bad?
    /// Sigma backends reject or silently misread documents that break the specification: a
    /// misspelled `level`, a `logsource` that is a string, a `detection` without `condition`.
    ///
    /// ## Example
    /// ```yaml
    /// title: Access key created
    /// logsource: {product: aws, service: cloudtrail}
    /// detection:
    ///     selection: {eventName: CreateAccessKey}
    ///     condition: selection
    /// level: severe
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// level: high
    /// ```
    pub struct SchemaViolation {
        code: "SIG002",
        name: "schema",
        severity: Severity::Error,
        summary: "document violates the Sigma schema",
    }
}

/// Longest message kept from the validator (some list every allowed value).
const MAX_MESSAGE: usize = 200;

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let kind = match cx.doc.kind {
        DocKind::Rule => SchemaKind::SigmaRule,
        DocKind::Correlation => SchemaKind::SigmaCorrelation,
        DocKind::Filter => SchemaKind::SigmaFilter,
        DocKind::Unknown | DocKind::Foreign => return,
    };
    let violations = match schema::validate_node(kind, &cx.doc.root) {
        Ok(v) => v,
        Err(e) => {
            out.push(cx.finding(&SchemaViolation::META, cx.doc.start, e.to_string()));
            return;
        }
    };
    for v in violations {
        if v.pointer == "/id" {
            continue;
        }
        let mut node = cx.doc.root.pointer(&v.pointer);
        // A repeated list item: point at the repetition, not at the list.
        if v.message.contains("non-unique")
            && let Some(items) = node.as_seq()
            && let Some(dup) = items
                .iter()
                .enumerate()
                .find(|(i, it)| items[..*i].iter().any(|p| p.to_json() == it.to_json()))
                .map(|(_, it)| it)
        {
            node = dup;
        }
        // Point at `key:` for collections (their value starts on the next line), at the value
        // for scalars.
        let pos = if node.style == Style::Collection {
            cx.doc
                .root
                .pointer_key(&v.pointer)
                .map_or(node.pos(), |k| k.pos())
        } else {
            node.pos()
        };
        let mut message = v.message;
        if message.len() > MAX_MESSAGE {
            let mut cut = MAX_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str("...");
        }
        let at = if v.pointer.is_empty() {
            String::new()
        } else {
            format!(" at {}", v.pointer)
        };
        let span = if node.style == Style::Collection {
            crate::yaml::Span {
                start: pos,
                end: pos,
            }
        } else {
            node.span
        };
        out.push(cx.finding_span(
            &SchemaViolation::META,
            span,
            format!("{} schema{at}: {message}", cx.doc.kind.as_str()),
        ));
    }
}
