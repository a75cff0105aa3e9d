//! API001: a rule on an API-audit log source that can fire on API presence alone.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::condition::to_dnf;
use crate::lint::context::{DocCtx, Presence, RepoCtx};
use crate::lint::detection::{Item, Selection};
use crate::lint::document::DocKind;
use crate::vocab::{FieldClass, Profile};
use crate::yaml::Span;

declare_rule! {
    /// ## What it does
    /// Flags a rule on an API-audit log source whose condition can be satisfied by
    /// constraints on API fields (`eventName`, `eventSource`, `operationName`, ...) alone,
    /// possibly with outcome or metadata fields (`errorCode`, `event.dataset`). The log source
    /// is recognised with the vocabulary (`data/vocabulary/`): exactly, by an alias
    /// (`service: activity_logs`, `okta` / `system`) or from the fields the detection uses
    /// (CloudTrail split per AWS service, a missing or misspelled product); fields are
    /// classified in every naming scheme the vocabulary knows (native, ECS, vendor-prefixed
    /// integration names, envelopes such as `data.protoPayload.` or `detail.`).
    ///
    /// The condition is expanded into its disjunctive normal form (bounded); the rule is
    /// flagged when some way of satisfying it uses only selections whose constraints name the
    /// API (or keywords), applies no negated filter on a context field (caller identity,
    /// source, client, target, session, or a draft's `<<baseline:...>>` placeholder), and is
    /// not correlated: no correlation rule references it (by `id` or `name`) with a `group-by`
    /// on a context field without `generate: true` (which lets the base rule alert on its own),
    /// no deprecated aggregation `| count() by F` with a `timeframe` counts per context field
    /// `F`, and no Sigma filter applying to the rule constrains a context field.
    ///
    /// Not API presence: a way of firing that constrains no API field at all (only outcome or
    /// metadata fields), one that selects only vendor verdict events (Okta
    /// `security.threat.detected`, a lockout result code: the vendor already correlated), a log
    /// of the vendor's own verdicts (Entra ID risk detections, GuardDuty), and a way that can
    /// never fire because a field must equal two different values (API008). A field the
    /// vocabulary does not know neither names the API nor adds context: API001 decides from
    /// the fields it knows and API007 reports the unknown one.
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

/// What one alternative of a selection constrains.
#[derive(Debug, Default)]
struct AltFacts {
    /// Fields of class API, in order.
    api: Vec<String>,
    /// Fields of class outcome or metadata, in order.
    other: Vec<String>,
    /// It constrains a context or verdict field, or selects only vendor verdict events.
    context: bool,
    /// It has keyword (field-less) items only.
    keywords_only: bool,
}

fn push_unique(v: &mut Vec<String>, f: &str) {
    if !v.iter().any(|x| x == f) {
        v.push(f.to_owned());
    }
}

/// Whether every value of the item is a vendor verdict event of the profile.
fn selects_verdicts(item: &Item<'_>, profile: &Profile) -> bool {
    !profile.verdict_events.is_empty()
        && !item.values.is_empty()
        && item.values.iter().all(|v| {
            v.scalar_text().is_some_and(|t| {
                let t = t.trim_matches('*');
                !t.is_empty() && profile.is_verdict_event(t)
            })
        })
}

fn alt_facts(alt: &[Item<'_>], profile: &Profile) -> AltFacts {
    let mut facts = AltFacts {
        keywords_only: alt.iter().all(|i| i.field.is_none()),
        ..AltFacts::default()
    };
    for item in alt {
        let Some(f) = item.field else { continue };
        let class = profile.classify(f);
        if class.is_context() {
            facts.context = true;
        }
        match class {
            FieldClass::Api | FieldClass::Outcome if selects_verdicts(item, profile) => {
                facts.context = true;
            }
            FieldClass::Api => push_unique(&mut facts.api, f),
            FieldClass::Outcome | FieldClass::Metadata => push_unique(&mut facts.other, f),
            _ => {}
        }
    }
    facts
}

/// The alternative of the selection that constrains no context, preferring one that names
/// the API; `None` when every alternative carries context.
fn presence_alt(sel: &Selection<'_>, profile: &Profile) -> Option<AltFacts> {
    let mut best: Option<AltFacts> = None;
    for alt in &sel.alternatives {
        let f = alt_facts(alt, profile);
        if f.context {
            continue;
        }
        let better = best.as_ref().is_none_or(|b| {
            (!f.api.is_empty() && b.api.is_empty()) || (f.keywords_only && b.api.is_empty())
        });
        if better {
            best = Some(f);
        }
    }
    best
}

/// Whether the item's values are a draft's baseline placeholder (`<<baseline:NAME>>`): a
/// declared baseline, whatever its field (API004 reports the placeholder until it is filled).
fn is_baseline_placeholder(item: &Item<'_>) -> bool {
    !item.values.is_empty()
        && item.values.iter().all(|v| {
            v.scalar_text()
                .is_some_and(|t| t.trim().starts_with("<<baseline:"))
        })
}

fn has_context(sel: &Selection<'_>, profile: &Profile) -> bool {
    sel.items().any(is_baseline_placeholder)
        || sel.items().any(|i| {
            i.field.is_some_and(|f| {
                let c = profile.classify(f);
                c.is_context()
                    || (matches!(c, FieldClass::Api | FieldClass::Outcome)
                        && selects_verdicts(i, profile))
            })
        })
}

/// Why a selection all of whose alternatives carry context does: the first context field, or
/// the vendor verdict events it selects.
fn context_reason(sel: &Selection<'_>, profile: &Profile) -> String {
    for item in sel.items() {
        let Some(f) = item.field else { continue };
        let class = profile.classify(f);
        if class.is_context() {
            return format!("`{}` constrains `{f}` ({class} context)", sel.name);
        }
        if matches!(class, FieldClass::Api | FieldClass::Outcome) && selects_verdicts(item, profile)
        {
            return format!(
                "`{}` selects vendor verdict events only (`{f}`): the vendor already correlated",
                sel.name
            );
        }
    }
    format!("`{}` carries caller context", sel.name)
}

/// The group-by fields of a deprecated aggregation (`count() by a, b > 5`).
pub(crate) fn aggregation_group_by(text: &str) -> Vec<&str> {
    let Some(i) = text.find(" by ") else {
        return Vec::new();
    };
    let rest = &text[i + 4..];
    let end = rest.find(['<', '>', '=']).unwrap_or(rest.len());
    rest[..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A field required to equal disjoint plain values in one branch of the condition.
#[derive(Debug, Clone)]
pub(crate) struct Contradiction {
    /// The field.
    pub field: String,
    /// Where the second constraint is.
    pub node: Span,
    /// Values of the first and of the second constraint.
    pub first: Vec<String>,
    /// Values of the second constraint.
    pub second: Vec<String>,
}

/// Plain (modifier-free, wildcard-free) values of an item, lowercased: Sigma compares
/// strings case-insensitively.
fn plain_values(item: &Item<'_>) -> Option<Vec<String>> {
    if !item.modifiers.is_empty() || item.values.is_empty() {
        return None;
    }
    item.values
        .iter()
        .map(|v| {
            let t = v.scalar_text()?;
            (!v.is_null() && !t.contains(['*', '?'])).then(|| t.to_lowercase())
        })
        .collect()
}

fn contradiction(sels: &[&Selection<'_>]) -> Option<Contradiction> {
    let mut seen: Vec<(String, Vec<String>)> = Vec::new();
    for sel in sels {
        let [alt] = sel.alternatives.as_slice() else {
            continue;
        };
        for item in alt {
            let (Some(field), Some(vals)) = (item.field, plain_values(item)) else {
                continue;
            };
            let key = field.to_ascii_lowercase();
            if let Some((_, prev)) = seen.iter().find(|(k, _)| *k == key) {
                if !prev.iter().any(|p| vals.contains(p)) {
                    return Some(Contradiction {
                        field: field.to_owned(),
                        node: item.key.map_or(item.node.span, |k| k.span),
                        first: prev.clone(),
                        second: vals,
                    });
                }
            } else {
                seen.push((key, vals));
            }
        }
    }
    None
}

/// One way the condition can be satisfied, as `lint --explain` prints it.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    /// The branch (`selection and not filter`).
    pub text: String,
    /// Whether it fires on API presence alone.
    pub presence: bool,
    /// Why (or why not).
    pub why: String,
}

/// The per-document analysis of API001 (and API008).
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    /// Why the rule can fire on API presence alone, if it can.
    pub presence: Option<Presence>,
    /// Every branch judged.
    pub branches: Vec<Branch>,
    /// Branches that can never fire.
    pub contradictions: Vec<Contradiction>,
    /// Why nothing was judged, when nothing was.
    pub skipped: Option<String>,
}

/// The per-document half of API001: why the rule can fire on API presence alone, if it can.
pub(crate) fn analyze(cx: &DocCtx<'_>) -> Option<Presence> {
    cx.analysis().presence.clone()
}

/// The whole analysis (for `lint --explain` and API008).
pub(crate) fn analyze_full(cx: &DocCtx<'_>) -> Analysis {
    let mut out = Analysis::default();
    if cx.doc.kind != DocKind::Rule {
        out.skipped = Some("not a rule".into());
        return out;
    }
    let Some(profile) = cx.profile else {
        out.skipped =
            Some("the log source is not an API-audit log source of the vocabulary".into());
        return out;
    };
    if !profile.is_api_audit() {
        out.skipped = Some(format!(
            "{} is a log of the vendor's own verdicts: its events are already correlated",
            profile.name
        ));
        return out;
    }
    let Some(det) = cx.detection.as_ref() else {
        out.skipped = Some("no detection".into());
        return out;
    };
    let how = cx.recognized.map_or("exact", |h| h.as_str());
    let names = det.names();
    for entry in &cx.conditions {
        let Ok(cond) = &entry.parsed else {
            out.skipped = Some("the condition does not parse".into());
            return out;
        };
        // The deprecated aggregation: `| count() by F` with a timeframe is a correlation on F;
        // `| near ...` a temporal correlation with other selections.
        let correlated_by: Option<String> = cond.aggregation.as_ref().and_then(|agg| {
            let text = agg.text.trim();
            if let Some(rest) = text.strip_prefix("near") {
                let ctx = rest
                    .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .filter_map(|w| det.selection(w))
                    .any(|s| has_context(s, profile));
                return ctx.then(|| "`near` a selection with caller context".to_owned());
            }
            det.timeframe?;
            aggregation_group_by(text)
                .into_iter()
                .find(|f| profile.classify(f).is_context())
                .map(|f| format!("the aggregation counts per `{f}` within the timeframe"))
        });
        let Ok(dnf) = to_dnf(&cond.expr, &names) else {
            continue;
        };
        'conj: for conj in dnf {
            let mut text_parts = Vec::new();
            let mut sels = Vec::new();
            let mut positive: Vec<&Selection<'_>> = Vec::new();
            let mut api_fields: Vec<String> = Vec::new();
            let mut other_fields: Vec<String> = Vec::new();
            let mut keywords = false;
            let mut filters = Vec::new();
            let mut reason: Option<String> = None;
            for lit in &conj {
                let sel = &det.selections[lit.ident];
                if lit.negated {
                    text_parts.push(format!("not {}", sel.name));
                    if reason.is_none() && has_context(sel, profile) {
                        reason = Some(format!(
                            "`{}` excludes by a context field (baseline)",
                            sel.name
                        ));
                    }
                    filters.push(sel.name);
                } else {
                    text_parts.push(sel.name.to_owned());
                    positive.push(sel);
                    match presence_alt(sel, profile) {
                        None => {
                            if reason.is_none() {
                                reason = Some(context_reason(sel, profile));
                            }
                        }
                        Some(f) => {
                            sels.push(sel.name);
                            keywords |= f.keywords_only;
                            for x in f.api {
                                push_unique(&mut api_fields, &x);
                            }
                            for x in f.other {
                                push_unique(&mut other_fields, &x);
                            }
                        }
                    }
                }
            }
            let text = text_parts.join(" and ");
            if let Some(c) = contradiction(&positive) {
                out.branches.push(Branch {
                    text,
                    presence: false,
                    why: format!(
                        "can never fire: `{}` must equal two different values",
                        c.field
                    ),
                });
                out.contradictions.push(c);
                continue 'conj;
            }
            if let Some(why) = reason.or_else(|| correlated_by.clone()) {
                out.branches.push(Branch {
                    text,
                    presence: false,
                    why,
                });
                continue 'conj;
            }
            if !positive.is_empty() && api_fields.is_empty() && !keywords {
                out.branches.push(Branch {
                    text,
                    presence: false,
                    why: if other_fields.is_empty() {
                        "no constraint on a field of the vocabulary".to_owned()
                    } else {
                        format!(
                            "no constraint on the API (only {})",
                            other_fields.join(", ")
                        )
                    },
                });
                continue 'conj;
            }
            let what = if sels.is_empty() {
                let excl = if filters.is_empty() {
                    String::new()
                } else {
                    format!(" except those of `{}`", filters.join("`, `"))
                };
                format!("the condition matches every event{excl}")
            } else if api_fields.is_empty() {
                format!("`{}` matches keywords only", sels.join("` and `"))
            } else {
                let mut fields = api_fields.clone();
                fields.extend(other_fields.iter().cloned());
                format!(
                    "`{}` matches on {} only",
                    sels.join("` and `"),
                    fields.join(", ")
                )
            };
            out.branches.push(Branch {
                text,
                presence: true,
                why: what.clone(),
            });
            if out.presence.is_none() {
                out.presence = Some(Presence {
                    pos: entry.node.pos(),
                    message: format!(
                        "rule can fire on API presence alone: {what}, with no caller context, baseline filter or correlation (profile {}, {how})",
                        profile.name
                    ),
                });
            }
        }
    }
    out
}

/// The repository half of API001: report unless a correlation rule groups the rule's events by
/// a context field (and does not also let the rule alert on its own), or a filter applies a
/// context constraint.
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
            !c.generate()
                && c.group_by().iter().any(|(g, _)| {
                    profile
                        .classify(c.resolve_group_field(g, &refs))
                        .is_context()
                })
        });
        let filtered = cx.filters_of(doc).iter().any(|flt| {
            flt.filter_fields()
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
            let pos = c.group_by().first().map_or(c.block_pos(), |(_, p)| *p);
            let why = if c.generate() {
                "correlated here, but `generate: true` lets the rule alert on its own too"
            } else {
                "correlated here, but the group-by has no context field"
            };
            f.related.push(RepoCtx::related(c, pos, why));
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
