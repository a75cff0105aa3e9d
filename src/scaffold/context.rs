//! The typed template context of one draft. Templates only lay it out; every decision (ids,
//! names, condition, placeholders or example values) is made here.

use serde::Serialize;
use uuid::Uuid;

use crate::strategy::{Baseline, ModifierKind, Selection, Strategy, Target, detection_key};

/// Fixed namespace of draft ids: `id = uuid_v5(NAMESPACE, "<strategy>/<target>")`, and
/// `"<strategy>/<target>/correlation"` for the companion correlation rule.
pub const ID_NAMESPACE: Uuid = Uuid::from_u128(0x5d8f_1c3a_6b2e_4f70_9a41_c7e2_b8d0_3f96);

/// The stable id of a draft (`key` is `strategy/target` or `strategy/target/correlation`).
pub fn draft_id(key: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, key.as_bytes())
}

/// `DET0078` + `aws-cloudtrail` → `det0078_aws_cloudtrail`.
pub fn snake_name(strategy: &str, target: &str) -> String {
    let mut out = String::new();
    for c in format!("{strategy}_{target}").chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// A key/value pair (keeps the order of mappings such as `logsource`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pair {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// One field condition, ready to print: `key: values`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MatchCtx {
    /// Detection key with modifiers (`userAgent|contains`).
    pub key: String,
    /// Values.
    pub values: Vec<ValueCtx>,
}

/// One value of a field condition: a number where the modifier takes numbers (`|hour: 2`),
/// a string otherwise.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ValueCtx {
    /// A number (time-part modifiers).
    Int(i64),
    /// A string.
    Str(String),
}

/// For a match whose values are still placeholders under a modifier that needs typed values
/// (`cidr`, the time parts): the key without that modifier and the hint to put it back.
fn untyped_placeholder(m: &crate::strategy::FieldMatch) -> Option<(String, String)> {
    let typed = m
        .modifiers
        .iter()
        .copied()
        .find(|x| x.needs_typed_values())?;
    if !m.values.iter().any(|v| v.contains("<<")) {
        return None;
    }
    Some((
        untyped_key(&m.field, &m.modifiers),
        format!(
            "fill with {}, then use the key {}",
            typed_what(typed),
            m.key()
        ),
    ))
}

/// The detection key of `field` without the modifiers that need typed values (for a
/// placeholder value, which is neither a network nor a number).
fn untyped_key(field: &str, modifiers: &[ModifierKind]) -> String {
    let kept: Vec<ModifierKind> = modifiers
        .iter()
        .copied()
        .filter(|m| !m.needs_typed_values())
        .collect();
    detection_key(field, &kept)
}

/// What a typed modifier's values are, for hints (`hours (0-23)`, `CIDR ranges`).
fn typed_what(m: ModifierKind) -> String {
    match m.time_range() {
        Some((lo, hi)) => format!("{}s ({lo}-{hi})", m.as_str()),
        None => "CIDR ranges".to_owned(),
    }
}

/// The values as printed under `modifiers`: a time-part modifier's values that are integers
/// print as numbers (Sigma tools reject `'2'` under `|hour`), every other value as a string.
pub fn typed_values(modifiers: &[ModifierKind], values: &[String]) -> Vec<ValueCtx> {
    let numeric = modifiers.iter().any(|m| m.time_range().is_some());
    values
        .iter()
        .map(|v| match v.trim().parse::<i64>() {
            Ok(n) if numeric => ValueCtx::Int(n),
            _ => ValueCtx::Str(v.clone()),
        })
        .collect()
}

/// One alternative of a selection.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AlternativeCtx {
    /// Comment (may be none).
    pub note: Option<String>,
    /// Field conditions (a Sigma map).
    pub matches: Vec<MatchCtx>,
}

/// A named detection block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SelectionCtx {
    /// Detection identifier (`selection_api`).
    pub name: String,
    /// Comment above it (may be none).
    pub note: Option<String>,
    /// Alternatives; one alternative renders as a map, several as a list of maps.
    pub alternatives: Vec<AlternativeCtx>,
}

/// A detection block of the draft as the templates print it (the exemplar generator compiles
/// the same blocks with the eval engine).
pub(super) fn selection(name: &str, note: Option<String>, alts: &[Selection]) -> SelectionCtx {
    SelectionCtx {
        name: name.to_owned(),
        note,
        alternatives: alts
            .iter()
            .map(|a| {
                let mut note = a.note.clone();
                let matches = a
                    .matches
                    .iter()
                    .map(|m| match untyped_placeholder(m) {
                        // A placeholder under `|cidr` or `|hour` is invalid Sigma: the key goes
                        // without that modifier until the value is filled (the note says so).
                        Some((key, hint)) => {
                            note = Some(match note.take() {
                                Some(n) => format!("{n} ({hint})"),
                                None => hint,
                            });
                            MatchCtx {
                                key,
                                values: typed_values(&[], &m.values),
                            }
                        }
                        None => MatchCtx {
                            key: m.key(),
                            values: typed_values(&m.modifiers, &m.values),
                        },
                    })
                    .collect();
                AlternativeCtx { note, matches }
            })
            .collect(),
    }
}

/// The filter condition of one baseline as the draft prints it, with its comment. Baselines
/// without examples (imported from ATT&CK) keep their placeholder even with `example_values`.
pub(super) fn baseline_match(b: &Baseline, example_values: bool) -> (MatchCtx, String) {
    let use_examples = example_values && !b.examples.is_empty();
    let values = if use_examples {
        b.examples.clone()
    } else {
        vec![b.placeholder()]
    };
    // A placeholder is not a network nor a number: pySigma rejects it under `|cidr` or a time
    // part (`|hour`). Until the baseline is filled, the key goes without that modifier and the
    // comment says what to fill and which key to use.
    let typed = b.modifiers.iter().copied().find(|m| m.needs_typed_values());
    if let Some(typed) = typed.filter(|_| !use_examples) {
        (
            MatchCtx {
                key: untyped_key(&b.field, &b.modifiers),
                values: typed_values(&[], &values),
            },
            format!(
                "{} (fill with {}, then use the key {})",
                b.description,
                typed_what(typed),
                b.key()
            ),
        )
    } else {
        (
            MatchCtx {
                key: b.key(),
                values: typed_values(&b.modifiers, &values),
            },
            b.description.clone(),
        )
    }
}

/// The negated baseline filters of the draft of `target`: one per approved use, a grouped
/// baseline (who AND from where) being one selection with one key per baseline, so every part
/// must match to suppress. `example_values`: the baselines' examples instead of placeholders.
pub(super) fn filters(target: &Target, example_values: bool) -> Vec<SelectionCtx> {
    target
        .baseline_filters()
        .into_iter()
        .map(|f| {
            let (matches, notes): (Vec<MatchCtx>, Vec<String>) = f
                .baselines
                .iter()
                .map(|b| baseline_match(b, example_values))
                .unzip();
            let note = if notes.len() == 1 {
                notes.into_iter().next().unwrap_or_default()
            } else {
                format!(
                    "approved use, every part must match: {}",
                    notes.join("; and ")
                )
            };
            SelectionCtx {
                name: f.name,
                note: Some(note),
                alternatives: vec![AlternativeCtx {
                    note: None,
                    matches,
                }],
            }
        })
        .collect()
}

/// The `detection:` block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DetectionCtx {
    /// Selections in order (`selection_api`, then `selection_context` when present).
    pub selections: Vec<SelectionCtx>,
    /// Negated baseline filters (`filter_<baseline>`, or `filter_<group>` with one key per
    /// baseline of the group: who AND from where).
    pub filters: Vec<SelectionCtx>,
    /// The condition.
    pub condition: String,
}

/// The Sigma rule's metadata and detection.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RuleCtx {
    /// `title`.
    pub title: String,
    /// `id` (UUID v5).
    pub id: String,
    /// `name` (snake_case, referenced by the correlation).
    pub name: String,
    /// `status`.
    pub status: String,
    /// `description`.
    pub description: String,
    /// `references`.
    pub references: Vec<String>,
    /// `author`.
    pub author: String,
    /// `date`.
    pub date: String,
    /// `tags` (may be empty).
    pub tags: Vec<String>,
    /// `logsource` entries in order.
    pub logsource: Vec<Pair>,
    /// `detection`.
    pub detection: DetectionCtx,
    /// `fields` (every context field).
    pub fields: Vec<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `level`.
    pub level: String,
}

/// One context class of the `sigsmith` block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ContextClassCtx {
    /// Class name (`identity`).
    pub class: String,
    /// Fields.
    pub fields: Vec<String>,
}

/// One baseline of the `sigsmith` block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BaselineCtx {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Placeholder token; none with `--example-values`.
    pub placeholder: Option<String>,
    /// Example values used instead of the placeholder; none without `--example-values`.
    pub example_values: Option<Vec<String>>,
    /// Field the filter applies to.
    pub field: String,
}

/// One validation prompt of the `sigsmith` block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PromptCtx {
    /// Prompt id.
    pub id: String,
    /// Question.
    pub question: String,
}

/// The custom top-level `sigsmith:` block (see the contract).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SigsmithCtx {
    /// Strategy id.
    pub strategy: String,
    /// Target name.
    pub target: String,
    /// Template family.
    pub family: String,
    /// Context fields by class, in contract order, empty classes left out.
    pub context: Vec<ContextClassCtx>,
    /// Baselines.
    pub baselines: Vec<BaselineCtx>,
    /// Validation prompts (`answer: null` in the draft).
    pub validation: Vec<PromptCtx>,
    /// Exemplars run by `sigsmith test` (see [`super::exemplar`]); empty when none can be built.
    pub exemplars: Vec<super::exemplar::ExemplarCtx>,
}

/// The companion correlation rule.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CorrelationCtx {
    /// `title`.
    pub title: String,
    /// `id` (UUID v5 of `strategy/target/correlation`).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `correlation.type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `correlation.rules`: the base rule's name.
    pub rules: Vec<String>,
    /// `correlation.group-by`.
    pub group_by: Vec<String>,
    /// `correlation.timespan`.
    pub timespan: String,
    /// `correlation.condition.gte`.
    pub gte: u32,
    /// `correlation.condition.field` (value_count only).
    pub field: Option<String>,
    /// `level`.
    pub level: String,
}

/// What a template receives.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DraftContext {
    /// The strategy (as in the catalog).
    pub strategy: Strategy,
    /// The target (as in the catalog).
    pub target: Target,
    /// The Sigma rule.
    pub rule: RuleCtx,
    /// The `sigsmith` block.
    pub sigsmith: SigsmithCtx,
    /// The companion correlation rule, when the target has one.
    pub correlation: Option<CorrelationCtx>,
    /// Whether placeholders were replaced by example values.
    pub example_values: bool,
}

fn push_unique(out: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
}

impl DraftContext {
    /// Builds the context of the draft for `strategy` × `target`.
    pub fn new(strategy: &Strategy, target: &Target, options: &super::Options) -> Self {
        let key = format!("{}/{}", strategy.id, target.name);
        let name = snake_name(&strategy.id, &target.name);
        let title = format!("{} - {}", strategy.name, target.title);

        let mut selections = vec![selection(
            "selection_api",
            Some(format!("API call ({})", target.api_fields.join(", "))),
            &target.api,
        )];
        let mut condition = vec!["selection_api".to_owned()];
        if let Some(cc) = &target.context_constraint {
            selections.push(selection(
                "selection_context",
                Some(cc.description.clone()),
                &cc.any_of,
            ));
            condition.push("selection_context".to_owned());
        }
        let filters = filters(target, options.example_values);
        let use_examples = |b: &Baseline| options.example_values && !b.examples.is_empty();
        if !filters.is_empty() {
            condition.push("not 1 of filter_*".to_owned());
        }

        let mut description = strategy.summary.trim().to_owned();
        description.push_str(&format!(
            " Target: {} ({}).",
            target.title, target.logsource
        ));
        if let Some(cc) = &target.context_constraint {
            description.push_str(&format!(
                " Context: {}.",
                cc.description.trim_end_matches('.')
            ));
        }
        description.push_str(
            " Draft generated by sigsmith: fill the baselines and answer the validation prompts \
             in the sigsmith block before raising the status.",
        );

        let mut references = Vec::new();
        push_unique(&mut references, strategy.references.iter().cloned());
        push_unique(&mut references, target.references.iter().cloned());
        let mut falsepositives = Vec::new();
        push_unique(
            &mut falsepositives,
            strategy.false_positives.iter().cloned(),
        );
        push_unique(&mut falsepositives, target.false_positives.iter().cloned());

        let ls = &target.logsource;
        let logsource: Vec<Pair> = [
            ("category", &ls.category),
            ("product", &ls.product),
            ("service", &ls.service),
            ("definition", &ls.definition),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_ref().map(|v| Pair {
                key: k.to_owned(),
                value: v.clone(),
            })
        })
        .collect();

        let rule = RuleCtx {
            title: title.clone(),
            id: draft_id(&key).to_string(),
            name: name.clone(),
            status: "experimental".to_owned(),
            description,
            references: references.clone(),
            author: options.author.clone(),
            date: options.date.clone(),
            tags: strategy.tags(),
            logsource,
            detection: DetectionCtx {
                selections,
                filters,
                condition: condition.join(" and "),
            },
            fields: target.context.all_fields(),
            falsepositives: falsepositives.clone(),
            level: target.level.unwrap_or(strategy.level).as_str().to_owned(),
        };

        let sigsmith = SigsmithCtx {
            strategy: strategy.id.clone(),
            target: target.name.clone(),
            family: strategy.family_of(target).as_str().to_owned(),
            context: target
                .context
                .classes()
                .map(|(c, f)| ContextClassCtx {
                    class: c.as_str().to_owned(),
                    fields: f.to_vec(),
                })
                .collect(),
            baselines: target
                .baselines
                .iter()
                .map(|b| BaselineCtx {
                    name: b.name.clone(),
                    description: b.description.clone(),
                    placeholder: (!use_examples(b)).then(|| b.placeholder()),
                    example_values: use_examples(b).then(|| b.examples.clone()),
                    field: b.field.clone(),
                })
                .collect(),
            validation: strategy
                .prompts_for(target)
                .map(|p| PromptCtx {
                    id: p.id.clone(),
                    question: p.question.clone(),
                })
                .collect(),
            exemplars: super::exemplar::exemplars(target, options.example_values),
        };

        let correlation = target.correlation.as_ref().map(|c| CorrelationCtx {
            title: format!("{title} - {}", c.title),
            id: draft_id(&format!("{key}/correlation")).to_string(),
            name: format!("{name}_correlation"),
            description: format!(
                "{} Companion of the rule {name}: it counts only events that rule matched, \
                 so the baselines and context of the rule apply.",
                c.description.trim()
            ),
            kind: c.kind.as_str().to_owned(),
            rules: vec![name.clone()],
            group_by: c.group_by.clone(),
            timespan: c.timespan.clone(),
            gte: c.gte,
            field: c.field.clone(),
            level: c.level.as_str().to_owned(),
        });

        Self {
            strategy: strategy.clone(),
            target: target.clone(),
            rule,
            sigsmith,
            correlation,
            example_values: options.example_values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        assert_eq!(
            snake_name("DET0078", "aws-cloudtrail"),
            "det0078_aws_cloudtrail"
        );
        assert_eq!(snake_name("DC0112", "ios--x"), "dc0112_ios_x");
    }

    #[test]
    fn ids_are_stable_v5() {
        let a = draft_id("DET0078/aws-cloudtrail");
        assert_eq!(a, draft_id("DET0078/aws-cloudtrail"));
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(a, draft_id("DET0078/aws-cloudtrail/correlation"));
    }
}
