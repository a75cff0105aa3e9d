//! SIG004: two documents share an id.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

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
/// document order. Keys are borrowed where they need no change; they are grouped with one hash
/// lookup each (sorting a repository's keys compared strings scattered over the heap), and
/// only the repeated ones are kept.
pub(crate) fn repeated<'a>(
    docs: impl Iterator<Item = &'a DocSummary>,
    key: impl Fn(&'a DocSummary) -> Option<Cow<'a, str>>,
) -> Vec<Vec<&'a DocSummary>> {
    let keyed: Vec<(Cow<'a, str>, &'a DocSummary)> =
        docs.filter_map(|d| key(d).map(|k| (k, d))).collect();
    // Key -> its first document and, once it repeats, its group.
    let mut seen: HashMap<&str, (&'a DocSummary, Option<usize>)> =
        HashMap::with_capacity(keyed.len());
    let mut groups: Vec<(&str, Vec<&'a DocSummary>)> = Vec::new();
    for (k, d) in &keyed {
        match seen.entry(k.as_ref()) {
            Entry::Vacant(slot) => {
                slot.insert((d, None));
            }
            Entry::Occupied(mut slot) => match slot.get_mut() {
                (_, Some(g)) => groups[*g].1.push(d),
                (first, group @ None) => {
                    *group = Some(groups.len());
                    groups.push((k.as_ref(), vec![*first, d]));
                }
            },
        }
    }
    groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    groups.into_iter().map(|(_, docs)| docs).collect()
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
