//! SIG016: two rules share a title.

use std::borrow::Cow;

use crate::declare_rule;
use crate::diagnostic::{Finding, MAX_RELATED, Severity};
use crate::lint::context::RepoCtx;
use crate::lint::document::DocKind;

declare_rule! {
    /// ## What it does
    /// Flags detection rules in the linted set that share a `title` (compared
    /// case-insensitively, surrounding whitespace ignored). Every occurrence is reported, each
    /// pointing at the others.
    ///
    /// ## Why is this bad?
    /// Alerts are named after the title: two rules with the same title produce alerts analysts
    /// cannot tell apart, and one is usually a forgotten copy of the other.
    ///
    /// ## Example
    /// Two files both titled `AWS Access Key Created`.
    ///
    /// ## Use instead
    /// Make each title say what is specific to its rule, or delete the copy.
    pub struct DuplicateTitle {
        code: "SIG016",
        name: "duplicate-title",
        severity: Severity::Warning,
        summary: "two rules share a title",
    }
}

pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    let rules = cx.docs.iter().copied().filter(|d| d.kind == DocKind::Rule);
    let groups = crate::lint::rules::duplicate_id::repeated(rules, |d| {
        let t = d.title.as_ref()?.0.trim();
        // Lowercasing changes nothing in ASCII text without capitals.
        Some(
            if t.is_ascii() && !t.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Borrowed(t)
            } else {
                Cow::Owned(t.to_lowercase())
            },
        )
    });
    for docs in &groups {
        for (i, d) in docs.iter().enumerate() {
            let Some((title, span)) = &d.title else {
                continue;
            };
            let mut f = cx.finding_span(
                &DuplicateTitle::META,
                d,
                *span,
                format!(
                    "title `{title}` is used by {} rules{}",
                    docs.len(),
                    crate::lint::rules::duplicate_id::listed_note(docs.len())
                ),
            );
            // At most MAX_RELATED others (the message has the full count): n duplicates
            // make n findings of bounded size, not n² related locations.
            for (_, other) in docs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .take(MAX_RELATED)
            {
                let opos = other.title.as_ref().map_or(other.start, |(_, p)| p.start);
                f.related
                    .push(RepoCtx::related(other, opos, "the same title is used here"));
            }
            out.push(f);
        }
    }
}
