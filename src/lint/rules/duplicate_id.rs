//! SIG004: two documents share an id.

use std::collections::BTreeMap;

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

pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    let mut by_id: BTreeMap<String, Vec<&DocSummary>> = BTreeMap::new();
    for d in cx.docs {
        if let Some((id, _)) = &d.id {
            by_id.entry(id.to_ascii_lowercase()).or_default().push(d);
        }
    }
    for docs in by_id.values().filter(|v| v.len() > 1) {
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
