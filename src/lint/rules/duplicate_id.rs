//! SIG004: two documents share an id.

use std::borrow::Cow;

use crate::declare_rule;
use crate::diagnostic::{Finding, MAX_RELATED, Severity};
use crate::lint::context::{DocSummary, RepoCtx};

declare_rule! {
    /// ## What it does
    /// Flags documents (rules, correlation rules, filters) anywhere in the linted set that
    /// share an `id`. Every occurrence is reported, each pointing at the others.
    ///
    /// ## Why is this bad?
    /// References by id become ambiguous: a correlation rule or filter may bind to the wrong
    /// rule, and deployments overwrite one rule with another. Duplicates usually come from
    /// copying a rule as a template and forgetting to generate a new id.
    ///
    /// ## Example
    /// Two files both containing `id: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11`.
    ///
    /// ## Use instead
    /// Give the copy a fresh UUID.
    pub struct DuplicateId {
        code: "SIG004",
        name: "duplicate-id",
        severity: Severity::Error,
        summary: "two documents share an id",
    }
}

/// ` (10 of the others are listed)` when `n` documents share a value and not every other one
/// fits in [`MAX_RELATED`].
pub(crate) fn listed_note(n: usize) -> String {
    if n.saturating_sub(1) > MAX_RELATED {
        format!(" ({MAX_RELATED} of the others are listed)")
    } else {
        String::new()
    }
}

/// The documents that share a key with another, grouped: groups in key order, each in
/// document order. Keys are borrowed where they need no change, so a repository's worth of
/// them is one vector, not a map of copies.
pub(crate) fn repeated<'a>(
    docs: impl Iterator<Item = &'a DocSummary>,
    key: impl Fn(&'a DocSummary) -> Option<Cow<'a, str>>,
) -> Vec<Vec<&'a DocSummary>> {
    let mut keyed: Vec<(Cow<'a, str>, &'a DocSummary)> =
        docs.filter_map(|d| key(d).map(|k| (k, d))).collect();
    // Stable: documents with the same key stay in document order.
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.len() > 1)
        .map(|group| group.iter().map(|(_, d)| *d).collect())
        .collect()
}

pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    let groups = repeated(cx.docs.iter().copied(), |d| {
        let (id, _) = d.id.as_ref()?;
        Some(if id.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(id.to_ascii_lowercase())
        } else {
            Cow::Borrowed(id.as_str())
        })
    });
    for docs in &groups {
        for (i, d) in docs.iter().enumerate() {
            let Some((id, span)) = &d.id else { continue };
            let mut f = cx.finding_span(
                &DuplicateId::META,
                d,
                *span,
                format!(
                    "id `{id}` is used by {} documents{}",
                    docs.len(),
                    listed_note(docs.len())
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
                let opos = other.id.as_ref().map_or(other.start, |(_, p)| p.start);
                f.related
                    .push(RepoCtx::related(other, opos, "the same id is used here"));
            }
            f.help = Some("give one of the documents a new UUID".to_owned());
            out.push(f);
        }
    }
}
