//! SIG014: a Sigma v1 aggregation (`| count() by ...`) in a condition.

use crate::declare_rule;
use std::sync::LazyLock;

use crate::diagnostic::{Finding, Fix, Severity};
use crate::lint::context::{CondEntry, DocCtx};
use crate::lint::document::DocKind;
use crate::lint::fix;
use crate::scaffold::quote;

declare_rule! {
    /// ## What it does
    /// Flags the obsolete Sigma v1 parts of a condition: the pipe aggregation (`selection |
    /// count(x) by y > 10`, `| near ...`) and the `near` operator. The boolean part before
    /// them is still checked. It is an error (pySigma refuses any `|` in a condition); it has
    /// its own code so a repository migrating from Sigma v1 can lower it to a warning.
    ///
    /// ## Why is this bad?
    /// Sigma v2 removed aggregations from conditions in favour of correlation rules; current
    /// backends (pySigma) reject them, so the rule is not deployed.
    ///
    /// ## Example
    /// ```yaml
    /// condition: selection | count() by userIdentity.arn > 20
    /// timeframe: 10m
    /// ```
    ///
    /// ## Use instead
    /// A base rule with `condition: selection` and a `name`, plus a correlation rule:
    /// ```yaml
    /// correlation:
    ///     type: event_count
    ///     rules: [secrets_read]
    ///     group-by: [userIdentity.arn]
    ///     timespan: 10m
    ///     condition: {gt: 20}
    /// ```
    ///
    /// ## Fix
    /// `sigsmith lint --fix` converts `| count() by F > N` (and `count(field)`, several
    /// group-by fields, `>=`, `<`, `<=`, `=`) with a `timeframe` into a correlation rule in the
    /// same file: the rule keeps its boolean condition, loses `timeframe` and gets a `name`
    /// (from its title, unless it has one); a new document after it (new `id`, the rule's
    /// status, author, date and level) is an `event_count` (`count()`) or `value_count`
    /// (`count(field)`) correlation over that name, grouped by F, with the timeframe as
    /// `timespan`. Without a `timeframe`, with `near`, with other functions (`max`, `sum`) or
    /// a flow-style rule, the conversion is left to you.
    pub struct DeprecatedAggregation {
        code: "SIG014",
        name: "deprecated-aggregation",
        severity: Severity::Error,
        summary: "condition uses the obsolete `|` aggregation or `near`",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else { continue };
        let Some(agg) = &cond.aggregation else {
            continue;
        };
        let span = cx.cond_span(entry, agg.offset..entry.text.trim_end().len());
        let (message, help) = if agg.near {
            (
                format!("obsolete `near` operator: `{}`", agg.text),
                "express the relationship with a `temporal` correlation rule over named rules",
            )
        } else {
            (
                format!("obsolete aggregation `| {}`", agg.text),
                "move the aggregation into a correlation rule (`event_count`, `value_count`, ...)",
            )
        };
        let mut finding = cx
            .finding_span(&DeprecatedAggregation::META, span, message)
            .with_help(help);
        if let Some(fix) = to_correlation(cx, entry, agg) {
            finding = finding.with_fix(fix);
        }
        out.push(finding);
    }
}

/// A Sigma v1 count aggregation, read from the text after the `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Count {
    /// The counted field (`count(field)`: distinct values), or none (`count()`: events).
    field: Option<String>,
    /// The `by` fields.
    group_by: Vec<String>,
    /// The correlation condition operator (`gt`, `gte`, `lt`, `lte`, `eq`).
    op: &'static str,
    /// The threshold.
    threshold: u64,
}

/// Reads `count(FIELD?) [by F1, F2] OP N`; `None` for anything else (other functions, `!=`,
/// a missing threshold).
fn parse_count(text: &str) -> Option<Count> {
    static RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(
            r"^count\s*\(\s*([^()\s]*)\s*\)\s*(?:by\s+([^<>=!]+?))?\s*(<=|>=|==|=|<|>)\s*(\d+)\s*$",
        )
        .ok()
    });
    let caps = RE.as_ref()?.captures(text.trim())?;
    let field = caps
        .get(1)
        .map(|m| m.as_str().to_owned())
        .filter(|f| !f.is_empty());
    let group_by: Vec<String> = caps
        .get(2)
        .map(|m| m.as_str().split(',').map(|f| f.trim().to_owned()).collect())
        .unwrap_or_default();
    if group_by
        .iter()
        .any(|f| f.is_empty() || f.contains(char::is_whitespace))
    {
        return None;
    }
    let op = match caps.get(3)?.as_str() {
        ">" => "gt",
        ">=" => "gte",
        "<" => "lt",
        "<=" => "lte",
        _ => "eq",
    };
    Some(Count {
        field,
        group_by,
        op,
        threshold: caps.get(4)?.as_str().parse().ok()?,
    })
}

/// A correlation-rule `name` from a title: lowercase ASCII letters and digits joined by `_`,
/// at most 64 characters (`Secrets read burst` -> `secrets_read_burst`).
pub(crate) fn name_from_title(title: &str) -> Option<String> {
    let mut name = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if name.len() + word.len() + 1 > 64 {
            break;
        }
        if !name.is_empty() {
            name.push('_');
        }
        name.push_str(&word.to_ascii_lowercase());
    }
    (!name.is_empty()).then_some(name)
}

/// The fix that turns the rule into a base rule plus a correlation rule (see the docs).
fn to_correlation(
    cx: &DocCtx<'_>,
    entry: &CondEntry<'_>,
    agg: &crate::lint::condition::Aggregation,
) -> Option<Fix> {
    if agg.near || cx.doc.kind != DocKind::Rule || cx.conditions.len() != 1 {
        return None;
    }
    let count = parse_count(&agg.text)?;
    let det_node = cx.doc.root.get("detection")?;
    let timespan = cx
        .detection
        .as_ref()?
        .timeframe?
        .scalar_text()?
        .trim()
        .to_owned();
    if timespan.is_empty() {
        return None;
    }
    let text = cx.text;
    let boolean = entry.text.get(..agg.offset)?.trim_end();
    let title = cx.doc.title()?;
    let (name, name_edit) = match cx.doc.name() {
        Some(n) => (n.to_owned(), None),
        None => {
            let n = name_from_title(title)?;
            let e = fix::insert_entry(text, &cx.doc.root, &["id", "title"], "name", &n)?;
            (n, Some(e))
        }
    };
    // The file's indentation step: the column of the detection block's first key.
    let step = det_node
        .as_map()
        .and_then(|m| m.first())
        .map_or(4, |(k, _)| k.span.start.col.saturating_sub(1).max(1));
    let ind = " ".repeat(usize::try_from(step).ok()?);
    let mut doc = String::from("---\n");
    doc.push_str(&format!(
        "title: {}\n",
        quote::scalar(&format!("{title} (correlation)"))
    ));
    doc.push_str(&format!(
        "id: {}\n",
        fix::new_uuid("correlation", cx.path, cx.doc.index, text)
    ));
    for key in ["status", "author", "date"] {
        if let Some(v) = cx.doc.text_attr(key) {
            doc.push_str(&format!("{key}: {}\n", fix::render_like("", &v)));
        }
    }
    let what = match &count.field {
        Some(f) => format!("distinct `{f}` values"),
        None => "events".to_owned(),
    };
    let per = if count.group_by.is_empty() {
        String::new()
    } else {
        format!(" per {}", count.group_by.join(", "))
    };
    doc.push_str(&format!(
        "description: {}\n",
        quote::quote(&format!(
            "Counts {what} of rule {name}{per} within {timespan} (the Sigma v1 aggregation `| {}`).",
            agg.text.trim()
        ))
    ));
    doc.push_str("correlation:\n");
    let kind = if count.field.is_some() {
        "value_count"
    } else {
        "event_count"
    };
    doc.push_str(&format!(
        "{ind}type: {kind}\n{ind}rules:\n{ind}{ind}- {}\n",
        quote::scalar(&name)
    ));
    if !count.group_by.is_empty() {
        doc.push_str(&format!("{ind}group-by:\n"));
        for f in &count.group_by {
            doc.push_str(&format!("{ind}{ind}- {}\n", quote::scalar(f)));
        }
    }
    doc.push_str(&format!(
        "{ind}timespan: {}\n{ind}condition:\n",
        fix::render_like("", &timespan)
    ));
    if let Some(f) = &count.field {
        doc.push_str(&format!("{ind}{ind}field: {}\n", quote::scalar(f)));
    }
    doc.push_str(&format!("{ind}{ind}{}: {}\n", count.op, count.threshold));
    if let Some(level) = cx.doc.text_attr("level") {
        doc.push_str(&format!("level: {}\n", quote::scalar(&level)));
    }
    let end = fix::document_end(text, cx.doc.start.line);
    if end > 0 && text.as_bytes().get(end - 1) != Some(&b'\n') {
        doc.insert(0, '\n');
    }
    let mut edits = vec![
        fix::replace_scalar(text, entry.node, boolean)?,
        fix::delete_entry_line(text, det_node, "timeframe")?,
        crate::edit::Edit::insert(end, doc),
    ];
    edits.extend(name_edit);
    Some(Fix::new(
        DeprecatedAggregation::META.code,
        format!(
            "move `| {}` into a correlation rule ({kind}) over `{name}`",
            agg.text.trim()
        ),
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse() {
        let c = parse_count("count() by userIdentity.arn > 20").expect("count");
        assert_eq!(c.field, None);
        assert_eq!(c.group_by, vec!["userIdentity.arn"]);
        assert_eq!((c.op, c.threshold), ("gt", 20));
        let c = parse_count("count(dst_ip) by src_ip, user >= 5").expect("count");
        assert_eq!(c.field.as_deref(), Some("dst_ip"));
        assert_eq!(c.group_by, vec!["src_ip", "user"]);
        assert_eq!(c.op, "gte");
        assert_eq!(
            parse_count("count() > 3").map(|c| c.group_by.len()),
            Some(0)
        );
        assert!(parse_count("max(x) by y > 3").is_none());
        assert!(parse_count("count() by y != 3").is_none());
        assert!(parse_count("count() by y").is_none());
    }

    #[test]
    fn names_from_titles() {
        assert_eq!(
            name_from_title("AWS Secrets read: burst!").as_deref(),
            Some("aws_secrets_read_burst")
        );
        assert_eq!(name_from_title("***"), None);
    }
}
