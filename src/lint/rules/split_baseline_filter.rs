//! API009: who and from where baselined in separate negated filters.

use crate::declare_rule;
use crate::diagnostic::{Finding, Related, Severity};
use crate::lint::condition::to_dnf;
use crate::lint::context::DocCtx;
use crate::lint::detection::Selection;
use crate::lint::document::DocKind;
use crate::vocab::{ContextClass, FieldClass, Profile};

declare_rule! {
    /// ## What it does
    /// Flags an API-audit rule whose condition excludes approved callers (an identity
    /// baseline) and approved networks or hosts (a source baseline) in separate negated
    /// filters, as `not 1 of filter_*` does with one filter per baseline.
    ///
    /// ## Why is this bad?
    /// A baseline of approved automation is the combination of who and from where: the CI
    /// role calling from the CI runners' network. With separate filters, the approved
    /// principal is excluded wherever it calls from, so its stolen keys used from an
    /// attacker's host never alert; and every caller from the approved network is excluded
    /// whoever it is.
    ///
    /// ## Example
    /// ```yaml
    /// detection:
    ///     selection_api:
    ///         eventName: SendCommand
    ///     filter_principals:
    ///         userIdentity.arn|startswith: 'arn:aws:sts::111122223333:assumed-role/ci-deploy/'
    ///     filter_networks:
    ///         sourceIPAddress|cidr: '203.0.113.0/24'
    ///     condition: selection_api and not 1 of filter_*
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// detection:
    ///     selection_api:
    ///         eventName: SendCommand
    ///     filter_approved_automation:   # who AND from where
    ///         userIdentity.arn|startswith: 'arn:aws:sts::111122223333:assumed-role/ci-deploy/'
    ///         sourceIPAddress|cidr: '203.0.113.0/24'
    ///     condition: selection_api and not 1 of filter_*
    /// ```
    pub struct SplitBaselineFilter {
        code: "API009",
        name: "split-baseline-filter",
        severity: Severity::Warning,
        summary: "identity and source baselines in separate filters: an approved principal is excluded from anywhere",
    }
}

/// The one context class every field of `sel` has, when they share one.
fn only_class(sel: &Selection<'_>, profile: &Profile) -> Option<ContextClass> {
    let mut class = None;
    for item in sel.items() {
        let FieldClass::Context(c) = profile.classify(item.field?) else {
            return None;
        };
        if class.is_some_and(|x| x != c) {
            return None;
        }
        class = Some(c);
    }
    class
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule {
        return;
    }
    let (Some(profile), Some(det)) = (cx.profile, cx.detection.as_ref()) else {
        return;
    };
    if !profile.is_api_audit() {
        return;
    }
    let names = det.names();
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else { continue };
        let Ok(dnf) = to_dnf(&cond.expr, &names) else {
            continue;
        };
        for conj in dnf {
            let negated: Vec<&Selection<'_>> = conj
                .iter()
                .filter(|l| l.negated)
                .map(|l| &det.selections[l.ident])
                .collect();
            let of = |c: ContextClass| {
                negated
                    .iter()
                    .find(|s| only_class(s, profile) == Some(c))
                    .copied()
            };
            let (Some(who), Some(from)) = (of(ContextClass::Identity), of(ContextClass::Source))
            else {
                continue;
            };
            let f = cx
                .finding_at(
                    &SplitBaselineFilter::META,
                    who.key,
                    format!(
                        "`{}` (who) and `{}` (from where) are separate negated filters: an approved principal is excluded from any network, and anyone from an approved network",
                        who.name, from.name
                    ),
                )
                .with_related(Related {
                    path: cx.path.to_path_buf(),
                    pos: from.key.pos(),
                    message: format!("the source baseline `{}`", from.name),
                })
                .with_help(
                    "combine them into one filter (both keys in one map) so that only the approved principal from its approved network is excluded; `sigsmith new` drafts do this",
                );
            out.push(f);
            return;
        }
    }
}
