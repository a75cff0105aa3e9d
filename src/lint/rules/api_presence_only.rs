//! API001: a rule on an API-audit log source that can fire on API presence alone.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::condition::to_dnf;
use crate::lint::context::{DocCtx, Presence, RepoCtx};
use crate::lint::detection::Selection;
use crate::lint::document::DocKind;
use crate::lint::profile::Profile;

declare_rule! {
    /// ## What it does
    /// Flags a rule on an API-audit log source (CloudTrail, Azure, GCP, Okta, ...; see the field
    /// profiles) whose condition can be satisfied by constraints on API identity fields
    /// (`eventName`, `eventSource`, `operationName`, ...) and outcome fields (`errorCode`,
    /// `status`) alone. The condition is expanded into its disjunctive normal form (bounded);
    /// the rule is flagged when some way of satisfying it uses only selections that match
    /// API/outcome fields or keywords, and applies no negated filter on a context field
    /// (caller identity, source, client, target, session) — and no correlation rule in the
    /// repository references the rule (by `id` or `name`) with a `group-by` on a context field,
    /// and no Sigma filter (meta filter) applying to the rule constrains a context field.
    ///
    /// Filters that are defined but not used in the condition do not count. Keyword-only
    /// detections on an API-audit log source count as presence only. Fields a profile does not
    /// know are treated as context, so an incomplete profile never causes this finding.
    ///
    /// ## Why is this bad?
    /// An API call is not malicious by itself: `eventName: CreateAccessKey` fires for every
    /// sanctioned automation, every administrator and every backup job. Such rules are
    /// false-positive machines. Detection guidance for API-driven behaviour says the same
    /// thing: correlate with caller identity, source, client and target, and baseline approved
    /// automation.
    ///
    /// ## Example
    /// ```yaml
    /// logsource: {product: aws, service: cloudtrail}
    /// detection:
    ///     selection:
    ///         eventSource: iam.amazonaws.com
    ///         eventName: CreateAccessKey
    ///     filter_automation:
    ///         userIdentity.arn|startswith: 'arn:aws:iam::111122223333:role/ci-'
    ///     condition: selection   # the filter is defined but never applied
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// detection:
    ///     selection_api:
    ///         eventSource: iam.amazonaws.com
    ///         eventName: CreateAccessKey
    ///     filter_automation:
    ///         userIdentity.arn|startswith: 'arn:aws:iam::111122223333:role/ci-'
    ///     condition: selection_api and not 1 of filter_*
    /// ```
    /// or constrain the caller context (`userAgent`, `sourceIPAddress`, ...) in the selection,
    /// or reference the rule from a correlation rule that groups by a context field such as
    /// `userIdentity.arn`.
    pub struct ApiPresenceOnly {
        code: "API001",
        name: "api-presence-only",
        severity: Severity::Error,
        summary: "rule alerts on API presence without caller context, baseline or correlation",
    }
}

/// Whether some alternative of the selection constrains no context field; returns the API and
/// outcome fields it uses.
fn api_only_fields(sel: &Selection<'_>, profile: &Profile) -> Option<Vec<String>> {
    sel.alternatives.iter().find_map(|alt| {
        let mut fields = Vec::new();
        for item in alt {
            if let Some(f) = item.field {
                if profile.classify(f).is_context() {
                    return None;
                }
                if !fields.iter().any(|x: &String| x == f) {
                    fields.push(f.to_owned());
                }
            }
        }
        Some(fields)
    })
}

fn has_context(sel: &Selection<'_>, profile: &Profile) -> bool {
    sel.items()
        .filter_map(|i| i.field)
        .any(|f| profile.classify(f).is_context())
}

/// The per-document half of API001: why the rule can fire on API presence alone, if it can.
pub(crate) fn analyze(cx: &DocCtx<'_>) -> Option<Presence> {
    if cx.doc.kind != DocKind::Rule {
        return None;
    }
    let profile = cx.profile?;
    let det = cx.detection.as_ref()?;
    let names = det.names();
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else { return None };
        let Ok(dnf) = to_dnf(&cond.expr, &names) else {
            continue;
        };
        'conj: for conj in dnf {
            let mut sels = Vec::new();
            let mut fields: Vec<String> = Vec::new();
            let mut filters = Vec::new();
            for lit in &conj {
                let sel = &det.selections[lit.ident];
                if lit.negated {
                    if has_context(sel, profile) {
                        continue 'conj;
                    }
                    filters.push(sel.name);
                } else {
                    let Some(fs) = api_only_fields(sel, profile) else {
                        continue 'conj;
                    };
                    sels.push(sel.name);
                    for f in fs {
                        if !fields.contains(&f) {
                            fields.push(f);
                        }
                    }
                }
            }
            let what = if sels.is_empty() {
                let excl = if filters.is_empty() {
                    String::new()
                } else {
                    format!(" except those of `{}`", filters.join("`, `"))
                };
                format!("the condition matches every event{excl}")
            } else if fields.is_empty() {
                format!("`{}` matches keywords only", sels.join("` and `"))
            } else {
                format!(
                    "`{}` matches on {} only",
                    sels.join("` and `"),
                    fields.join(", ")
                )
            };
            return Some(Presence {
                pos: entry.node.pos(),
                message: format!(
                    "rule can fire on API presence alone: {what}, with no caller context, baseline filter or correlation ({})",
                    profile.name
                ),
            });
        }
    }
    None
}

/// The repository half of API001: report unless a correlation rule groups the rule's events by
/// a context field.
pub(crate) fn check(cx: &RepoCtx<'_>, out: &mut Vec<Finding>) {
    for doc in cx.docs {
        let Some(presence) = &doc.presence else {
            continue;
        };
        let Some(profile) = doc.profile.as_deref().and_then(|p| cx.opts.profiles.get(p)) else {
            continue;
        };
        let refs: Vec<&str> = doc
            .id
            .iter()
            .chain(doc.name.iter())
            .map(|(s, _)| s.as_str())
            .collect();
        let correlations = cx.correlations_of(doc);
        let rescued = correlations.iter().any(|c| {
            c.group_by.iter().any(|(g, _)| {
                profile
                    .classify(c.resolve_group_field(g, &refs))
                    .is_context()
            })
        });
        let filtered = cx.filters_of(doc).iter().any(|flt| {
            flt.filter_fields
                .iter()
                .any(|f| profile.classify(f).is_context())
        });
        if rescued || filtered {
            continue;
        }
        let mut f = cx.finding(
            &ApiPresenceOnly::META,
            doc,
            presence.pos,
            presence.message.clone(),
        );
        for c in correlations {
            let pos = c.group_by.first().map_or(c.block_pos, |(_, p)| *p);
            f.related.push(RepoCtx::related(
                c,
                pos,
                "correlated here, but the group-by has no context field",
            ));
        }
        f.help = Some(
            "constrain caller identity, source or client, apply a baseline filter (`and not 1 of filter_*`), or correlate by a context field".to_owned(),
        );
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::engine::{LintOptions, lint_text};

    fn api001(detection: &str) -> Vec<String> {
        let text = format!(
            "title: t\nid: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n{detection}"
        );
        lint_text("t.yml", text, &LintOptions::default())
            .findings
            .into_iter()
            .filter(|f| f.code == "API001")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn negation_only_condition_is_presence_only_unless_filter_has_context() {
        let m = api001("  f: {eventName: Describe*}\n  condition: not f\n");
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("every event except those of `f`"), "{}", m[0]);
        assert!(api001("  f: {userAgent: x}\n  condition: not f\n").is_empty());
    }

    #[test]
    fn a_list_alternative_without_context_is_enough() {
        // The second alternative of the list constrains only the API.
        let m = api001(
            "  sel:\n    - {eventName: A, userAgent: x}\n    - {eventName: B}\n  condition: sel\n",
        );
        assert_eq!(m.len(), 1);
        assert!(api001("  sel:\n    - {eventName: A, userAgent: x}\n    - {eventName: B, sourceIPAddress: y}\n  condition: sel\n").is_empty());
    }

    #[test]
    fn unparsable_or_undefined_conditions_are_not_judged() {
        assert!(api001("  sel: {eventName: A}\n  condition: sel and (\n").is_empty());
        assert!(api001("  sel: {eventName: A}\n  condition: nope\n").is_empty());
    }

    #[test]
    fn every_condition_of_a_list_counts() {
        let m = api001(
            "  sel: {eventName: A, userAgent: x}\n  api: {eventName: B}\n  condition:\n    - sel\n    - api\n",
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("`api`"), "{}", m[0]);
    }

    #[test]
    fn time_fields_are_not_context() {
        assert_eq!(
            api001("  sel: {eventName: A, eventTime|gt: 5}\n  condition: sel\n").len(),
            1
        );
    }
}
