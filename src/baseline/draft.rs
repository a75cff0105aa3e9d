//! What `sigsmith baseline` reads from a draft: its baselines (placeholders in the negated
//! filters, described in the `sigsmith.baselines` block), the conditions that select the API
//! call alone and the API call in context, the required context fields and the time fields.
//!
//! The conditions come from the rule's own condition in disjunctive normal form: in each
//! branch, the positive identifiers are the selection (those constraining an API field of the
//! log source's vocabulary profile are the API selection, the others the context constraint)
//! and the negated identifiers are the baseline filters.

use crate::lint::condition::{self, to_dnf};
use crate::lint::detection::Detection;
use crate::lint::document::SigmaDocument;
use crate::vocab::{FieldClass, Vocabulary};
use crate::yaml::Node;

/// Where a baseline's values sit in the detection.
#[derive(Debug, Clone)]
pub struct Location {
    /// The filter (detection identifier) holding the item.
    pub filter: String,
    /// The item's key node (`sourceIPAddress|cidr`).
    pub key: Node,
    /// The item's value node (a placeholder scalar or a list of values).
    pub value: Node,
    /// The item's field.
    pub field: String,
    /// The item's modifiers, in order.
    pub modifiers: Vec<String>,
}

/// One baseline of a draft.
#[derive(Debug, Clone)]
pub struct BaselineDef {
    /// Name (`approved_automation_principals`).
    pub name: String,
    /// Description from the `sigsmith` block.
    pub description: Option<String>,
    /// The field whose values make the baseline.
    pub field: String,
    /// Where the values are written (none when the detection has no item for it).
    pub location: Option<Location>,
    /// The `sigsmith.baselines` entry (a mapping), where provenance is recorded.
    pub entry: Option<Node>,
}

/// A draft rule, as `sigsmith baseline` sees it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// `title`.
    pub title: String,
    /// `id` or `name` (for messages).
    pub id: String,
    /// 1-based line of the document.
    pub line: u32,
    /// Baselines, in `sigsmith.baselines` order, then those found only in the detection.
    pub baselines: Vec<BaselineDef>,
    /// Required context fields: (class, field), from `sigsmith.context`, else `fields`.
    pub context: Vec<(String, String)>,
    /// The condition of the API selection alone.
    pub api_condition: String,
    /// The condition of the API selection with its context constraint (no filters).
    pub context_condition: String,
    /// The negated (baseline) filters of the condition.
    pub filters: Vec<String>,
    /// Time fields to read (the `time` context class first).
    pub time_fields: Vec<String>,
    /// The detection node.
    pub detection: Node,
    /// The `validation` prompts: (id, question, answer node).
    pub prompts: Vec<(String, String, Option<Node>)>,
    /// The identifiers the selection uses (every positive identifier of the condition).
    pub positive: Vec<String>,
    /// The `logsource` node.
    pub logsource: Option<Node>,
}

/// The placeholder name in `text` (`<<baseline:NAME>>`), when the whole value is one.
pub fn placeholder_name(text: &str) -> Option<&str> {
    let inner = text
        .trim()
        .strip_prefix("<<baseline:")?
        .strip_suffix(">>")?;
    (!inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    .then_some(inner)
}

impl Draft {
    /// Reads a rule document; `Err` says why it cannot be baselined.
    pub fn read(doc: &SigmaDocument) -> Result<Draft, String> {
        let det_node = doc
            .root
            .get("detection")
            .ok_or_else(|| "rule has no detection".to_owned())?;
        let det = Detection::read(det_node, &[]);
        if let Some(p) = det.problems.first() {
            return Err(p.message.clone());
        }
        let names = det.names();
        let sig = doc.root.get("sigsmith");

        // Baselines described in the sigsmith block.
        let mut baselines: Vec<BaselineDef> = Vec::new();
        if let Some(items) = sig.and_then(|s| s.get("baselines")).and_then(Node::as_seq) {
            for e in items {
                let Some(name) = e.get("name").and_then(|n| n.scalar_text()) else {
                    continue;
                };
                baselines.push(BaselineDef {
                    name: name.into_owned(),
                    description: e
                        .get("description")
                        .and_then(|n| n.scalar_text())
                        .map(|t| t.into_owned()),
                    field: e
                        .get("field")
                        .and_then(|n| n.scalar_text())
                        .map(|t| t.into_owned())
                        .unwrap_or_default(),
                    location: None,
                    entry: Some(e.clone()),
                });
            }
        }

        // The condition in DNF: positives and negated filters per branch.
        let mut branches: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        for (_, text) in &det.conditions {
            let c = condition::parse(text).map_err(|e| format!("condition `{text}`: {e}"))?;
            if c.aggregation.is_some() {
                return Err(format!(
                    "condition `{text}` uses the deprecated aggregation syntax"
                ));
            }
            let dnf = to_dnf(&c.expr, &names).map_err(|e| format!("condition `{text}`: {e:?}"))?;
            for conj in dnf {
                let pos = conj
                    .iter()
                    .filter(|l| !l.negated)
                    .map(|l| l.ident)
                    .collect();
                let neg = conj.iter().filter(|l| l.negated).map(|l| l.ident).collect();
                branches.push((pos, neg));
            }
        }
        if branches.is_empty() {
            return Err("detection has no condition".to_owned());
        }
        let mut filters: Vec<String> = Vec::new();
        for (_, neg) in &branches {
            for &i in neg {
                let n = names[i].to_owned();
                if !filters.contains(&n) {
                    filters.push(n);
                }
            }
        }

        // Where each baseline's values are: a placeholder item, else the item of a negated
        // filter on the baseline's field (a draft filled before).
        for sel in &det.selections {
            for item in sel.items() {
                let (Some(field), Some(key)) = (item.field, item.key) else {
                    continue;
                };
                let loc = || Location {
                    filter: sel.name.to_owned(),
                    key: key.clone(),
                    value: item.node.clone(),
                    field: field.to_owned(),
                    modifiers: item.modifiers.iter().map(|m| m.name.to_owned()).collect(),
                };
                let ph = item
                    .values
                    .iter()
                    .find_map(|v| v.as_str().and_then(placeholder_name));
                if let Some(name) = ph {
                    match baselines.iter_mut().find(|b| b.name == name) {
                        Some(b) => {
                            if b.location.is_none() {
                                b.location = Some(loc());
                            }
                        }
                        None => baselines.push(BaselineDef {
                            name: name.to_owned(),
                            description: None,
                            field: field.to_owned(),
                            location: Some(loc()),
                            entry: None,
                        }),
                    }
                }
            }
        }
        for b in baselines.iter_mut().filter(|b| b.location.is_none()) {
            'found: for sel in det
                .selections
                .iter()
                .filter(|s| filters.iter().any(|f| f == s.name))
            {
                for item in sel.items() {
                    if let (Some(field), Some(key)) = (item.field, item.key)
                        && field == b.field
                    {
                        b.location = Some(Location {
                            filter: sel.name.to_owned(),
                            key: key.clone(),
                            value: item.node.clone(),
                            field: field.to_owned(),
                            modifiers: item.modifiers.iter().map(|m| m.name.to_owned()).collect(),
                        });
                        break 'found;
                    }
                }
            }
        }

        // Context fields.
        let mut context: Vec<(String, String)> = Vec::new();
        if let Some(map) = sig.and_then(|s| s.get("context")).and_then(Node::as_map) {
            for (k, v) in map {
                let class = k.scalar_text().map(|t| t.into_owned()).unwrap_or_default();
                for f in v.string_list() {
                    context.push((class.clone(), f));
                }
            }
        }
        if context.is_empty() {
            for f in doc
                .root
                .get("fields")
                .map(Node::string_list)
                .unwrap_or_default()
            {
                context.push((String::new(), f));
            }
        }
        let mut time_fields: Vec<String> = context
            .iter()
            .filter(|(c, _)| c == "time")
            .map(|(_, f)| f.clone())
            .collect();

        // API selection vs context constraint, by the vocabulary profile of the log source.
        let vocab = Vocabulary::builtin();
        let fields: Vec<&str> = det
            .selections
            .iter()
            .flat_map(|s| s.items())
            .filter_map(|i| i.field)
            .collect();
        let profile = vocab
            .recognize(&doc.logsource(), &fields)
            .map(|r| r.profile);
        if let Some(p) = profile {
            for t in &p.context.time {
                if !time_fields.contains(t) {
                    time_fields.push(t.clone());
                }
            }
        }
        let is_api = |i: usize| {
            det.selections[i].items().any(|it| {
                it.field.is_some_and(|f| {
                    profile.is_some_and(|p| matches!(p.classify(f), FieldClass::Api))
                })
            })
        };
        let mut positive: Vec<String> = Vec::new();
        for (pos, _) in &branches {
            for &i in pos {
                if !positive.iter().any(|p| p == names[i]) {
                    positive.push(names[i].to_owned());
                }
            }
        }
        let mut api_terms: Vec<String> = Vec::new();
        let mut ctx_terms: Vec<String> = Vec::new();
        for (pos, _) in &branches {
            let api: Vec<&str> = pos
                .iter()
                .filter(|&&i| is_api(i))
                .map(|&i| names[i])
                .collect();
            let all: Vec<&str> = pos.iter().map(|&i| names[i]).collect();
            let api = if api.is_empty() { all.clone() } else { api };
            let term = |v: &[&str]| {
                if v.is_empty() {
                    "1 of them".to_owned()
                } else {
                    format!("({})", v.join(" and "))
                }
            };
            for (list, t) in [(&mut api_terms, term(&api)), (&mut ctx_terms, term(&all))] {
                if !list.contains(&t) {
                    list.push(t);
                }
            }
        }
        let prompts = sig
            .and_then(|s| s.get("validation"))
            .and_then(Node::as_seq)
            .map(|items| {
                items
                    .iter()
                    .map(|p| {
                        (
                            p.get("id")
                                .and_then(|n| n.scalar_text())
                                .map(|t| t.into_owned())
                                .unwrap_or_default(),
                            p.get("question")
                                .and_then(|n| n.scalar_text())
                                .map(|t| t.into_owned())
                                .unwrap_or_default(),
                            p.get("answer").cloned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Draft {
            title: doc.title().unwrap_or_default().to_owned(),
            id: doc
                .name()
                .map(str::to_owned)
                .or_else(|| doc.id().map(str::to_owned))
                .unwrap_or_default(),
            line: doc.start.line,
            baselines,
            context,
            api_condition: api_terms.join(" or "),
            context_condition: ctx_terms.join(" or "),
            filters,
            time_fields,
            detection: det_node.clone(),
            prompts,
            positive,
            logsource: doc.root.get("logsource").cloned(),
        })
    }

    /// The prompt asking whether the context fields are populated (its question mentions
    /// "populated"), answered by the telemetry coverage.
    pub fn coverage_prompt(&self) -> Option<&(String, String, Option<Node>)> {
        self.prompts
            .iter()
            .find(|(_, q, _)| q.to_ascii_lowercase().contains("populated"))
    }
}
