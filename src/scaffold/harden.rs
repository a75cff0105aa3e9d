//! `sigsmith harden`: the fix for API001. A rule that can fire on API presence alone is
//! rewritten into a draft the way `sigsmith new` writes one, keeping the rule's own API
//! selection.
//!
//! The pieces come from the scaffolder, never from a second copy of its shapes: a draft is
//! rendered with [`super::Renderer`] for the detection strategy the rule's ATT&CK tags map to
//! (a built-in catalog strategy with a target for the rule's log source), or, when no strategy
//! maps, for a generic target built from the vocabulary profile of the rule's log source
//! (its context fields, a caller and a network baseline combined into one approved-use filter,
//! a context constraint placeholder, generic validation prompts). From that draft the
//! `selection_context` and `filter_*` blocks, the condition and the `sigsmith` block (without
//! exemplars, which describe the strategy's API calls, not the rule's) are lifted as text and
//! inserted into the rule with [`crate::edit`] edits: everything else (comments, the API
//! selection, `id`, `related`, tags, references) stays byte for byte; `status` becomes
//! `experimental`.

use std::ops::Range;

use crate::edit::{self, Edit};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::lint::fix;
use crate::strategy::{
    Baseline, Catalog, ContextConstraint, FieldMatch, ModifierKind, ObjectKind, Prompt, Selection,
    Source, Strategy, Target,
};
use crate::vocab::{ContextClass, Profile};
use crate::yaml::Node;

/// Where the context, baselines and prompts of a hardened rule come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// A catalog strategy whose techniques the rule's tags name, with its target for the rule's
    /// log source.
    Strategy {
        /// Strategy id (`DET0078`).
        strategy: String,
        /// Target name (`aws-cloudtrail`).
        target: String,
    },
    /// The generic target of the rule's vocabulary profile (no strategy maps).
    Generic {
        /// Profile name (`aws-cloudtrail`).
        profile: String,
    },
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::Strategy { strategy, target } => write!(f, "strategy {strategy}/{target}"),
            Basis::Generic { profile } => write!(f, "generic prompts for {profile}"),
        }
    }
}

/// The edits that harden one rule document, and what they were built from.
#[derive(Debug, Clone)]
pub struct Hardening {
    /// Edits on the file's text.
    pub edits: Vec<Edit>,
    /// Where the context and prompts come from.
    pub basis: Basis,
}

/// Strategy id written in the `sigsmith` block of a rule hardened without a catalog strategy.
pub const GENERIC_STRATEGY: &str = "generic";

/// Whether the rule tag `tag` (`attack.t1059.009`, `attack.t1059`) names technique `id`
/// (`T1059.009`): the same technique, a sub-technique of it, or its parent.
fn tag_names(tag: &str, id: &str) -> bool {
    let Some(t) = tag.strip_prefix("attack.") else {
        return false;
    };
    let id = id.to_ascii_lowercase();
    t == id
        || t.strip_prefix(id.as_str())
            .is_some_and(|r| r.starts_with('.'))
        || id.strip_prefix(t).is_some_and(|r| r.starts_with('.'))
}

/// The catalog strategy and target for a rule of `profile` with `tags`, when a strategy names
/// one of the rule's techniques and has a target for that log source.
pub fn strategy_for<'c>(
    catalog: &'c Catalog,
    vocab: &crate::vocab::Vocabulary,
    profile: &Profile,
    tags: &[String],
) -> Option<(&'c Strategy, &'c Target)> {
    catalog.list().iter().find_map(|s| {
        let named = s
            .techniques
            .iter()
            .any(|t| tags.iter().any(|tag| tag_names(tag, &t.id)));
        if !named {
            return None;
        }
        let target = s.targets.iter().find(|t| {
            vocab
                .for_logsource(&t.logsource)
                .is_some_and(|p| p.name == profile.name)
        })?;
        Some((s, target))
    })
}

/// The first field of the profile's draft context in the first of `classes` that has one.
fn first_field(ctx: &crate::vocab::ContextFields, classes: &[ContextClass]) -> Option<String> {
    classes.iter().find_map(|c| ctx.class(*c).first().cloned())
}

/// The generic strategy and target of a rule of `profile`: the profile's context fields, a
/// baseline of approved callers and one of their networks (one approved-use filter: who AND
/// from where), a context-constraint placeholder on the client, session or identity field, and
/// prompts any API-audit rule must answer. The family is that of a catalog target for the same
/// log source, else generic.
pub fn generic_for(
    catalog: &Catalog,
    vocab: &crate::vocab::Vocabulary,
    profile: &Profile,
    rule_ls: &crate::vocab::LogSource,
) -> (Strategy, Target) {
    let context = profile.draft_context();
    let title = profile.display_title().to_owned();
    let family = catalog
        .list()
        .iter()
        .find_map(|s| {
            s.targets
                .iter()
                .find(|t| {
                    vocab
                        .for_logsource(&t.logsource)
                        .is_some_and(|p| p.name == profile.name)
                })
                .map(|t| s.family_of(t))
        })
        .unwrap_or(crate::strategy::Family::Generic);
    let identity = first_field(&context, &[ContextClass::Identity]);
    let source = first_field(&context, &[ContextClass::Source]);
    let group = (identity.is_some() && source.is_some()).then(|| "approved_use".to_owned());
    let mut baselines = Vec::new();
    if let Some(field) = &identity {
        baselines.push(Baseline {
            name: "approved_callers".to_owned(),
            description: format!(
                "Identities that make these calls legitimately (service accounts, automation, \
                 administrators), as written in `{field}`"
            ),
            field: field.clone(),
            modifiers: Vec::new(),
            examples: Vec::new(),
            group: group.clone(),
        });
    }
    if let Some(field) = &source {
        baselines.push(Baseline {
            name: "approved_caller_networks".to_owned(),
            description: "Networks the approved callers make these calls from".to_owned(),
            field: field.clone(),
            modifiers: vec![ModifierKind::Cidr],
            examples: Vec::new(),
            group,
        });
    }
    let constraint_field = first_field(
        &context,
        &[
            ContextClass::Client,
            ContextClass::Session,
            ContextClass::Identity,
        ],
    );
    let context_constraint = constraint_field.map(|field| ContextConstraint {
        description: format!(
            "Caller context that makes the call worth a look (an unusual client, session or \
             caller type for this API): replace the placeholder with the values of `{field}` to \
             watch for, or remove this selection and rely on the baselines"
        ),
        any_of: vec![Selection {
            note: None,
            matches: vec![FieldMatch {
                field,
                modifiers: Vec::new(),
                values: vec![crate::attack::convert::todo("suspicious_context")],
            }],
        }],
    });
    let api_field = profile
        .api
        .first()
        .cloned()
        .unwrap_or_else(|| "eventName".to_owned());
    let fields = context.all_fields().join(", ");
    let prompt = |n: u32, question: String| Prompt {
        id: format!("HARDEN-V{n:02}"),
        question,
    };
    let prompts = vec![
        prompt(
            1,
            format!(
                "Which identities make these calls legitimately in {title}, each with an \
                 owner, and are they all in the approved-use baseline of this rule?"
            ),
        ),
        prompt(
            2,
            "From which networks do the approved callers make these calls, and is the network \
             part of the baseline filled with them (as CIDR ranges)?"
                .to_owned(),
        ),
        prompt(
            3,
            "Which caller context (client, session, caller type, time) makes this call \
             suspicious rather than routine, and does selection_context express it with its \
             placeholder replaced?"
                .to_owned(),
        ),
        prompt(
            4,
            format!(
                "Are the context fields of this rule ({fields}) populated in your {title} \
                 events, for every account, tenant or project in scope?"
            ),
        ),
        prompt(
            5,
            "How many alerts a day does the hardened rule raise on your logs (sigsmith \
             baseline, sigsmith eval), and can the SOC triage that volume?"
                .to_owned(),
        ),
    ];
    let target = Target {
        name: profile.name.clone(),
        title: title.clone(),
        platform: title.clone(),
        analytic: None,
        family: None,
        custom_logsource: false,
        logsource: rule_ls.clone(),
        api_fields: vec![api_field.clone()],
        api: vec![Selection {
            note: None,
            matches: vec![FieldMatch {
                field: api_field,
                modifiers: Vec::new(),
                values: vec![crate::attack::convert::todo("api_call")],
            }],
        }],
        context_constraint,
        context,
        baselines,
        correlation: None,
        false_positives: Vec::new(),
        references: Vec::new(),
        prompts: Vec::new(),
        level: None,
    };
    let strategy = Strategy {
        id: GENERIC_STRATEGY.to_owned(),
        name: format!("Hardened {title} rule"),
        kind: ObjectKind::DetectionStrategy,
        domain: crate::strategy::Domain::Enterprise,
        source: Source::Builtin,
        stix_id: None,
        family,
        summary: format!("An API call in {title} judged with caller context and baselines."),
        platforms: vec![title],
        techniques: Vec::new(),
        tactics: Vec::new(),
        level: crate::strategy::Level::Medium,
        telemetry: Vec::new(),
        mitigations: Vec::new(),
        prompts,
        false_positives: vec![
            "Legitimate callers and networks not yet in the approved-use baseline".to_owned(),
        ],
        references: vec![
            profile
                .source
                .clone()
                .filter(|s| s.starts_with("https://"))
                .unwrap_or_else(|| format!("{}#api001", crate::output::sarif::RULE_DOCS_URL)),
        ],
        targets: Vec::new(),
    };
    (strategy, target)
}

/// Byte offset of the start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Where the block of entry `i` of `map` starts: its key's line, moved up over the comment
/// lines right above it (the scaffolder writes each block's note there).
fn block_start(text: &str, map: &[(Node, Node)], i: usize) -> Option<usize> {
    let mut at = line_start(text, edit::offset_of(text, map.get(i)?.0.span.start)?);
    while at > 0 {
        let prev = line_start(text, at - 1);
        if text[prev..at].trim_start().starts_with('#') {
            at = prev;
        } else {
            break;
        }
    }
    Some(at)
}

/// The byte range of entry `key` of `map` with its comment lines, ending where the next entry's
/// block starts or at `end`.
fn block_range(text: &str, map: &Node, key: &str, end: usize) -> Option<Range<usize>> {
    let entries = map.as_map()?;
    let i = entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
    let start = block_start(text, entries, i)?;
    let stop = match entries.get(i + 1) {
        Some(_) => block_start(text, entries, i + 1)?,
        None => end,
    };
    Some(start..stop.max(start))
}

/// The indentation step of a block mapping: the column of its first key, less one.
fn indent_of(map: &Node) -> Option<usize> {
    let (k, _) = map.as_map()?.first()?;
    usize::try_from(k.span.start.col.saturating_sub(1)).ok()
}

/// Re-indents `block` written with steps of `from` spaces to steps of `to` (a remainder, such
/// as the two spaces under a `- ` item, is kept).
fn reindent(block: &str, from: usize, to: usize) -> String {
    if from == to || from == 0 {
        return block.to_owned();
    }
    let mut out = String::with_capacity(block.len());
    for line in block.split_inclusive('\n') {
        let n = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&" ".repeat(n / from * to + n % from));
        out.push_str(&line[n..]);
    }
    out
}

/// Why a rule cannot be hardened, at a line of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardenError {
    /// 1-based line.
    pub line: u32,
    /// What stops it.
    pub message: String,
}

/// Builds the edits that harden the rule of `cx` (which must be a rule that API001 flags; the
/// caller decides that). `renderer` renders the draft the pieces are lifted from.
pub fn harden(
    cx: &DocCtx<'_>,
    catalog: &Catalog,
    renderer: &super::Renderer,
    options: &super::Options,
) -> Result<Hardening, HardenError> {
    let doc = cx.doc;
    let err = |line: u32, message: String| HardenError { line, message };
    let start = doc.start.line;
    if doc.kind != DocKind::Rule {
        return Err(err(start, "only rules can be hardened".to_owned()));
    }
    let profile = cx.profile.filter(|p| p.is_api_audit()).ok_or_else(|| {
        err(
            doc.key_pos("logsource").line,
            "the log source is not an API-audit log source of the vocabulary".to_owned(),
        )
    })?;
    if let Some((k, _)) = doc.root.entry("sigsmith") {
        return Err(err(
            k.span.start.line,
            "the rule already has a `sigsmith` block (it is a draft: fill it in instead)"
                .to_owned(),
        ));
    }
    let text = cx.text;
    let det = doc
        .root
        .get("detection")
        .ok_or_else(|| err(start, "the rule has no detection".to_owned()))?;
    let block = |n: &Node| {
        edit::offset_of(text, n.span.start)
            .and_then(|o| text.get(o..))
            .is_some_and(|r| !r.starts_with('{'))
    };
    if !block(&doc.root) || !block(det) {
        return Err(err(
            det.span.start.line,
            "harden edits block-style YAML only (this rule uses a flow mapping `{...}`)".to_owned(),
        ));
    }
    let [entry] = cx.conditions.as_slice() else {
        return Err(err(
            det.span.start.line,
            "harden needs exactly one condition string".to_owned(),
        ));
    };
    let line = entry.node.span.start.line;
    let cond = entry
        .parsed
        .as_ref()
        .map_err(|e| err(line, format!("the condition does not parse: {}", e.message)))?;
    if cond.aggregation.is_some() {
        return Err(err(
            line,
            "the condition uses the obsolete aggregation: run `sigsmith lint --fix` first (SIG014)"
                .to_owned(),
        ));
    }

    let tags: Vec<String> = doc
        .root
        .get("tags")
        .and_then(Node::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(Node::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let vocab = &cx.opts.profiles;
    let (strategy, target, basis) = match strategy_for(catalog, vocab, profile, &tags) {
        Some((s, t)) => (
            s.clone(),
            t.clone(),
            Basis::Strategy {
                strategy: s.id.clone(),
                target: t.name.clone(),
            },
        ),
        None => {
            let (s, t) = generic_for(catalog, vocab, profile, &doc.logsource());
            (
                s,
                t,
                Basis::Generic {
                    profile: profile.name.clone(),
                },
            )
        }
    };
    let draft = renderer.render(&strategy, &target, options).map_err(|e| {
        err(
            start,
            format!("the draft to lift from does not render: {e}"),
        )
    })?;
    let lifted = lift(&draft.text).ok_or_else(|| {
        err(
            start,
            "the rendered draft has an unexpected shape".to_owned(),
        )
    })?;

    // Names: the lifted blocks must not collide with the rule's own.
    let det_keys: Vec<&str> = det
        .as_map()
        .map(|m| m.iter().filter_map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    if let Some(clash) = lifted.names.iter().find(|n| det_keys.contains(&n.as_str())) {
        return Err(err(
            det.span.start.line,
            format!("the rule already has a detection entry `{clash}`"),
        ));
    }
    let filters: Vec<&String> = lifted
        .names
        .iter()
        .filter(|n| n.starts_with("filter_"))
        .collect();
    let mut condition = lifted.condition.clone();
    if det_keys.iter().any(|k| k.starts_with("filter_")) && !filters.is_empty() {
        // `1 of filter_*` would also take the rule's own filters: name the new ones.
        let list = filters
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" or ");
        let named = if filters.len() == 1 {
            format!("not {list}")
        } else {
            format!("not ({list})")
        };
        condition = condition.replace("not 1 of filter_*", &named);
    }
    let original = entry.text.trim();
    let simple = original
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let api = if simple {
        original.to_owned()
    } else {
        format!("({original})")
    };
    let condition = condition.replacen("selection_api", &api, 1);

    let rule_step = indent_of(det).unwrap_or(4).max(1);
    let mut edits = Vec::new();
    // The lifted detection blocks go right above the condition (after the rule's selections).
    let (ck, _) = det
        .entry("condition")
        .ok_or_else(|| err(line, "the condition is not a plain entry".to_owned()))?;
    let at = edit::offset_of(text, ck.span.start)
        .map(|o| line_start(text, o))
        .ok_or_else(|| err(line, "cannot place the new selections".to_owned()))?;
    edits.push(Edit::insert(
        at,
        reindent(&lifted.detection, lifted.step, rule_step),
    ));
    edits.push(
        fix::replace_scalar(text, entry.node, &condition).ok_or_else(|| {
            err(
                line,
                "the condition is written in a style harden cannot rewrite (a block or multi-line scalar)"
                    .to_owned(),
            )
        })?,
    );
    match doc.root.get("status") {
        Some(s) if s.as_str() == Some("experimental") => {}
        Some(s) => edits.push(fix::replace_scalar(text, s, "experimental").ok_or_else(|| {
            err(
                s.span.start.line,
                "`status` is written in a style harden cannot rewrite".to_owned(),
            )
        })?),
        None => edits.push(
            fix::insert_entry(text, &doc.root, &["id", "title"], "status", "experimental")
                .ok_or_else(|| err(start, "cannot add `status`".to_owned()))?,
        ),
    }
    let root_step = indent_of(&doc.root).unwrap_or(0);
    let top_step = if root_step == 0 { rule_step } else { root_step };
    let end = fix::document_end(text, start);
    let mut sigsmith = reindent(&lifted.sigsmith, lifted.step, top_step);
    if end > 0 && !text[..end].ends_with('\n') {
        sigsmith.insert(0, '\n');
    }
    edits.push(Edit::insert(end, sigsmith));
    Ok(Hardening { edits, basis })
}

/// What happened to one rule of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// 0-based index of the document in its file.
    pub doc_index: usize,
    /// 1-based line (the document's start, or where the problem is).
    pub line: u32,
    /// The rule's title.
    pub title: Option<String>,
    /// What the context came from, or why the rule could not be hardened.
    pub result: Result<Basis, String>,
}

/// Hardens the documents `flagged` (indexes of rules API001 flags) of the file `text`:
/// the new text when something changed (it parses and API001 no longer flags those rules;
/// otherwise nothing changes and each rule's outcome says why), and one outcome per rule.
pub fn harden_text(
    path: &std::path::Path,
    text: &str,
    flagged: &[usize],
    opts: &crate::lint::engine::LintOptions,
    catalog: &Catalog,
    renderer: &super::Renderer,
    options: &super::Options,
) -> (Option<String>, Vec<RuleOutcome>) {
    let parsed = crate::lint::document::parse_file_at(text, path);
    let mut edits = Vec::new();
    let mut outcomes = Vec::new();
    for doc in parsed
        .documents
        .iter()
        .filter(|d| flagged.contains(&d.index))
    {
        let cx = DocCtx::new(path, text, doc, opts);
        let title = doc.title().map(str::to_owned);
        match harden(&cx, catalog, renderer, options) {
            Ok(h) => {
                edits.extend(h.edits);
                outcomes.push(RuleOutcome {
                    doc_index: doc.index,
                    line: doc.start.line,
                    title,
                    result: Ok(h.basis),
                });
            }
            Err(e) => outcomes.push(RuleOutcome {
                doc_index: doc.index,
                line: e.line,
                title,
                result: Err(e.message),
            }),
        }
    }
    if edits.is_empty() {
        return (None, outcomes);
    }
    let fail = |outcomes: &mut Vec<RuleOutcome>, message: String| {
        for o in outcomes.iter_mut().filter(|o| o.result.is_ok()) {
            o.result = Err(message.clone());
        }
    };
    let new = match edit::apply(text, &edits) {
        Ok(t) => t,
        Err(e) => {
            fail(&mut outcomes, format!("the edits do not apply: {e}"));
            return (None, outcomes);
        }
    };
    // The promise: the result parses and API001 no longer flags the hardened rules.
    let check = crate::lint::engine::lint_text(path, new.clone(), opts);
    let hardened: Vec<usize> = outcomes
        .iter()
        .filter(|o| o.result.is_ok())
        .map(|o| o.doc_index)
        .collect();
    if let Some(f) = check.findings.iter().find(|f| {
        f.code == "SIG001"
            || (f.code == "API001" && f.doc_index.is_some_and(|i| hardened.contains(&i)))
    }) {
        fail(
            &mut outcomes,
            format!(
                "the hardened text would still have {} at line {}: {} (nothing written)",
                f.code, f.pos.line, f.message
            ),
        );
        return (None, outcomes);
    }
    (Some(new), outcomes)
}

/// What is lifted from a rendered draft.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lifted {
    /// The draft's indentation step.
    step: usize,
    /// The detection blocks other than the API selection and the condition, with their
    /// comments.
    detection: String,
    /// Their names.
    names: Vec<String>,
    /// The draft's condition (naming `selection_api`).
    condition: String,
    /// The `sigsmith` block without `exemplars`.
    sigsmith: String,
}

fn lift(draft: &str) -> Option<Lifted> {
    let stream = crate::yaml::parse(draft);
    let doc = stream.documents.first()?;
    let root = &doc.root;
    let det = root.get("detection")?;
    let step = indent_of(det)?;
    let end_of_doc = fix::document_end(draft, doc.start.line);
    let mut detection = String::new();
    let mut names = Vec::new();
    for (k, _) in det.as_map()? {
        let Some(name) = k.as_str() else { continue };
        if name == "condition" || name == "selection_api" {
            continue;
        }
        let r = block_range(draft, det, name, end_of_doc)?;
        detection.push_str(&draft[r]);
        names.push(name.to_owned());
    }
    let condition = det.get("condition")?.as_str()?.to_owned();
    let sig_range = block_range(draft, root, "sigsmith", end_of_doc)?;
    let mut sigsmith = draft[sig_range.clone()].to_owned();
    if let Some(ex) = block_range(draft, root.get("sigsmith")?, "exemplars", sig_range.end) {
        let (a, b) = (ex.start - sig_range.start, ex.end - sig_range.start);
        sigsmith.replace_range(a..b, "");
    }
    if !sigsmith.ends_with('\n') {
        sigsmith.push('\n');
    }
    Some(Lifted {
        step,
        detection,
        names,
        condition,
        sigsmith,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technique_tags() {
        assert!(tag_names("attack.t1059.009", "T1059.009"));
        assert!(tag_names("attack.t1059", "T1059.009"));
        assert!(tag_names("attack.t1059.009", "T1059"));
        assert!(!tag_names("attack.t1059.001", "T1059.009"));
        assert!(!tag_names("attack.t10590", "T1059"));
        assert!(!tag_names("attack.execution", "T1059"));
    }

    #[test]
    fn reindent_keeps_item_offsets() {
        let block = "    sel:\n        - a: 1\n          b: 2\n";
        assert_eq!(reindent(block, 4, 2), "  sel:\n    - a: 1\n      b: 2\n");
    }
}
