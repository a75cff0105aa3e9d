//! SIG009: `date`/`modified` not `YYYY-MM-DD`, or `modified` before `date`.

use crate::declare_rule;
use crate::diagnostic::{Finding, Fix, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::lint::fix;

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
    ///
    /// ## Fix
    /// `sigsmith lint --fix` rewrites a real date written another way as `YYYY-MM-DD`:
    /// `2023/01/05`, `2023.1.5`, `20230105`, a timestamp (`2023-01-05T10:00:00Z`, date kept),
    /// and day-first or month-first dates whose order is unambiguous (`25/12/2023`,
    /// `12/25/2023`). `05/01/2023` (May or January?), impossible dates and `modified` before
    /// `date` are left to you.
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

/// The real date another way of writing means, when only one reading is possible: year first
/// with `-`, `/` or `.` and unpadded parts, `YYYYMMDD`, an ISO timestamp (its date), or day
/// and month before the year when one of them is above 12.
pub(crate) fn normalize_date(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    let date = |y: &str, m: &str, d: &str| -> Option<jiff::civil::Date> {
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4
            || !all_digits(y)
            || !all_digits(m)
            || !all_digits(d)
            || m.len() > 2
            || d.len() > 2
        {
            return None;
        }
        jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
    };
    // A timestamp: the date before `T` or a space, when what follows is a time.
    if let Some((day, time)) = s.split_once(['T', ' '])
        && time.starts_with(|c: char| c.is_ascii_digit())
        && time.contains(':')
    {
        return parse_date(day);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return date(&s[..4], &s[4..6], &s[6..]);
    }
    let sep = ['-', '/', '.'].into_iter().find(|c| s.contains(*c))?;
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if a.len() == 4 {
        return date(a, b, c);
    }
    if c.len() != 4 {
        return None;
    }
    let (na, nb): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    match (na > 12, nb > 12) {
        (true, false) => date(c, b, a),
        (false, true) => date(c, a, b),
        _ => None,
    }
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
            None => {
                let mut finding = cx.finding_at(
                    &InvalidDate::META,
                    node,
                    format!("`{key}` is not a YYYY-MM-DD date: `{text}`"),
                );
                if let Some(date) = normalize_date(&text)
                    && let Some(edit) = fix::replace_scalar(cx.text, node, &date.to_string())
                {
                    finding = finding.with_fix(Fix::new(
                        InvalidDate::META.code,
                        format!("write `{key}` as {date}"),
                        vec![edit],
                    ));
                }
                out.push(finding);
            }
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
    use super::{normalize_date, parse_date};

    #[test]
    fn strict_dates() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023/01/05").is_none());
        assert!(parse_date("2023-1-5").is_none());
        assert!(parse_date("").is_none());
    }

    #[test]
    fn only_unambiguous_dates_are_normalized() {
        let n = |s: &str| normalize_date(s).map(|d| d.to_string());
        assert_eq!(n("2023/01/05").as_deref(), Some("2023-01-05"));
        assert_eq!(n("2023.1.5").as_deref(), Some("2023-01-05"));
        assert_eq!(n("20230105").as_deref(), Some("2023-01-05"));
        assert_eq!(n("2023-01-05T10:00:00Z").as_deref(), Some("2023-01-05"));
        assert_eq!(n("25/12/2023").as_deref(), Some("2023-12-25"));
        assert_eq!(n("12/25/2023").as_deref(), Some("2023-12-25"));
        assert_eq!(n("05/01/2023"), None);
        assert_eq!(n("2023/02/30"), None);
        assert_eq!(n("2023/01"), None);
        assert_eq!(n("yesterday"), None);
        assert_eq!(n("2023-001-05"), None);
    }
}
