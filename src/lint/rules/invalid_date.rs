//! SIG009: `date`/`modified` not `YYYY-MM-DD`, or `modified` before `date`.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Checks that `date` and `modified` are real calendar dates written `YYYY-MM-DD` (the
    /// Sigma v2 format), and that `modified` is not earlier than `date` (the latter as a
    /// warning).
    ///
    /// ## Why is this bad?
    /// Tools sort, filter and report rules by these dates; `2023/01/05` (Sigma v1), `05-01-2023`
    /// or `2023-02-30` break them or are silently misread.
    ///
    /// ## Example
    /// ```yaml
    /// date: 2023/01/05
    /// modified: 2022-12-01
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// date: 2023-01-05
    /// modified: 2023-02-01
    /// ```
    pub struct InvalidDate {
        code: "SIG009",
        name: "invalid-date",
        severity: Severity::Error,
        summary: "`date`/`modified` not YYYY-MM-DD or modified before date",
    }
}

/// Parses a strict `YYYY-MM-DD` date.
pub(crate) fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    s.parse::<jiff::civil::Date>().ok()
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind == DocKind::Unknown {
        return;
    }
    let mut dates = [None, None];
    for (slot, key) in ["date", "modified"].into_iter().enumerate() {
        let Some(node) = cx.doc.root.get(key) else {
            continue;
        };
        let text = node.scalar_text().unwrap_or_default();
        match node.as_str().and_then(parse_date) {
            Some(d) => dates[slot] = Some((d, node)),
            None => out.push(cx.finding_at(
                &InvalidDate::META,
                node,
                format!("`{key}` is not a YYYY-MM-DD date: `{text}`"),
            )),
        }
    }
    if let [Some((date, _)), Some((modified, pos))] = dates
        && modified < date
    {
        let mut f = cx.finding_at(
            &InvalidDate::META,
            pos,
            format!("`modified` ({modified}) is before `date` ({date})"),
        );
        f.severity = Severity::Warning;
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn strict_dates() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023/01/05").is_none());
        assert!(parse_date("2023-1-5").is_none());
        assert!(parse_date("").is_none());
    }
}
