//! What a check sees: the file, the document with its detection and parsed conditions, the
//! matching field profile, and (for repository-wide checks) the index of every document.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Finding, Related};
use crate::lint::condition::{self, Condition, ConditionError};
use crate::lint::detection::Detection;
use crate::lint::document::{DocKind, ParsedFile, SigmaDocument, scalar_offset_pos};
use crate::lint::engine::LintOptions;
use crate::lint::rule::RuleMeta;
use crate::lint::rules::api_presence_only::{Analysis, analyze_full};
use crate::vocab::{How, Profile};
use crate::yaml::{Node, Pos, Span};

/// Builds a finding with the check's default severity at a point (no end). Prefer
/// [`span_finding`] (or the `finding_at`/`finding_span` methods of the contexts), which also
/// record the end of the offending token; this stays for checks that only know a start.
pub fn new_finding(meta: &RuleMeta, path: &Path, pos: Pos, message: impl Into<String>) -> Finding {
    span_finding(
        meta,
        path,
        Span {
            start: pos,
            end: pos,
        },
        message,
    )
}

/// The one way to make a finding: the check's default severity, the file, and the full span
/// (start and end) of the offending key, value or token. Selection, severity overrides, path
/// ignores and suppressions are applied later, in one place (the engine).
pub fn span_finding(
    meta: &RuleMeta,
    path: &Path,
    span: Span,
    message: impl Into<String>,
) -> Finding {
    Finding {
        code: meta.code,
        name: meta.name,
        severity: meta.severity,
        message: message.into(),
        path: path.to_path_buf(),
        pos: span.start,
        end: (span.end > span.start).then_some(span.end),
        doc_index: None,
        doc_id: None,
        doc_title: None,
        help: None,
        related: Vec::new(),
        fix: None,
    }
}

/// A file as the file-level checks see it.
#[derive(Debug)]
pub struct FileCtx<'a> {
    /// The file's path as given.
    pub path: &'a Path,
    /// Its text.
    pub text: &'a str,
    /// The one parse of it.
    pub parsed: &'a ParsedFile,
}

impl FileCtx<'_> {
    /// A finding in this file.
    pub fn finding(&self, meta: &RuleMeta, pos: Pos, message: impl Into<String>) -> Finding {
        new_finding(meta, self.path, pos, message)
    }

    /// A finding covering `span` in this file.
    pub fn finding_span(&self, meta: &RuleMeta, span: Span, message: impl Into<String>) -> Finding {
        span_finding(meta, self.path, span, message)
    }
}

/// The span a finding about `node` covers: the whole scalar (quotes included), or for a
/// collection its first line only (a block mapping's span runs to the next key, so pointing
/// at all of it would underline the rest of the document).
pub fn node_span(node: &Node) -> Span {
    if node.style == crate::yaml::Style::Collection && node.span.end.line > node.span.start.line {
        return Span {
            start: node.span.start,
            end: node.span.start,
        };
    }
    node.span
}

/// One condition string of a document and its parse.
#[derive(Debug)]
pub struct CondEntry<'a> {
    /// The scalar node holding the condition.
    pub node: &'a Node,
    /// The condition text.
    pub text: &'a str,
    /// The parse result.
    pub parsed: Result<Condition, ConditionError>,
}

/// A document as the per-document checks see it.
#[derive(Debug)]
pub struct DocCtx<'a> {
    /// The file's path as given.
    pub path: &'a Path,
    /// The file's text.
    pub text: &'a str,
    /// The document's title, shared by its findings (copied once per document, not per
    /// finding).
    pub title: Option<std::sync::Arc<str>>,
    /// The document.
    pub doc: &'a SigmaDocument,
    /// The detection block (`detection` of a rule, `filter` of a filter), when present.
    pub detection: Option<Detection<'a>>,
    /// Every condition string with its parse.
    pub conditions: Vec<CondEntry<'a>>,
    /// The vocabulary of the rule's log source, when it is a recognised API-audit or verdict
    /// log source.
    pub profile: Option<&'a Profile>,
    /// How the log source was recognised.
    pub recognized: Option<How>,
    /// The lint options.
    pub opts: &'a LintOptions,
    /// API001's analysis, made by the first check that asks (API001 and API008 both read it).
    analysis: std::cell::OnceCell<Analysis>,
}

impl<'a> DocCtx<'a> {
    /// Reads the detection block and parses the conditions of `doc`.
    pub fn new(
        path: &'a Path,
        text: &'a str,
        doc: &'a SigmaDocument,
        opts: &'a LintOptions,
    ) -> DocCtx<'a> {
        let detection = match doc.kind {
            DocKind::Rule => doc.root.get("detection").map(|n| Detection::read(n, &[])),
            DocKind::Filter => doc
                .root
                .get("filter")
                .map(|n| Detection::read(n, &["rules"])),
            _ => None,
        };
        let conditions = detection
            .as_ref()
            .map(|d| {
                d.conditions
                    .iter()
                    .map(|(node, text)| CondEntry {
                        node,
                        text,
                        parsed: condition::parse(text),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let recognition = match (doc.kind, &detection) {
            (DocKind::Rule, Some(det)) => {
                let mut fields: Vec<&str> = det
                    .selections
                    .iter()
                    .flat_map(|s| s.items())
                    .filter_map(|i| i.field)
                    .collect();
                fields.sort_unstable();
                fields.dedup();
                opts.profiles.recognize(&doc.logsource(), &fields)
            }
            (DocKind::Rule, None) => opts.profiles.recognize(&doc.logsource(), &[]),
            _ => None,
        };
        let profile = recognition.map(|r| r.profile);
        let recognized = recognition.map(|r| r.how);
        DocCtx {
            path,
            text,
            title: doc.title().map(std::sync::Arc::from),
            doc,
            detection,
            conditions,
            profile,
            recognized,
            opts,
            analysis: std::cell::OnceCell::new(),
        }
    }

    /// API001's per-document analysis (see [`analyze_full`]), made once per document.
    pub(crate) fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| analyze_full(self))
    }

    /// A finding in this document, carrying its index, id and title.
    pub fn finding(&self, meta: &RuleMeta, pos: Pos, message: impl Into<String>) -> Finding {
        self.finding_span(
            meta,
            Span {
                start: pos,
                end: pos,
            },
            message,
        )
    }

    /// A finding covering `span` in this document, carrying its index, id and title.
    pub fn finding_span(&self, meta: &RuleMeta, span: Span, message: impl Into<String>) -> Finding {
        let mut f = span_finding(meta, self.path, span, message);
        f.doc_index = Some(self.doc.index);
        f.doc_id = self.doc.id().map(str::to_owned);
        f.doc_title.clone_from(&self.title);
        f
    }

    /// A finding covering the whole of `node` (see [`node_span`]).
    pub fn finding_at(&self, meta: &RuleMeta, node: &Node, message: impl Into<String>) -> Finding {
        self.finding_span(meta, node_span(node), message)
    }

    /// The file span of the byte range `range` inside the string value of scalar `node`.
    pub fn sub_span(&self, node: &Node, value: &str, range: std::ops::Range<usize>) -> Span {
        let start = scalar_offset_pos(node, value, range.start, self.text);
        let end = scalar_offset_pos(node, value, range.end, self.text);
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The file span of byte range `range` inside a condition string.
    pub fn cond_span(&self, entry: &CondEntry<'_>, range: std::ops::Range<usize>) -> Span {
        self.sub_span(entry.node, entry.text, range)
    }

    /// The file position of byte `offset` inside a condition string.
    pub fn cond_pos(&self, entry: &CondEntry<'_>, offset: usize) -> Pos {
        scalar_offset_pos(entry.node, entry.text, offset, self.text)
    }

    /// Every parsed condition, or `None` when one of them does not parse.
    pub fn parsed_conditions(&self) -> Option<Vec<&Condition>> {
        if self.conditions.is_empty() {
            return None;
        }
        self.conditions
            .iter()
            .map(|c| c.parsed.as_ref().ok())
            .collect()
    }

    /// The document's `status`, lowercased.
    pub fn status(&self) -> Option<String> {
        self.doc.status()
    }
}

/// A rule's field alias in a correlation rule (`aliases: {ip: {rule_a: sourceIPAddress}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The alias name used in `group-by`.
    pub name: String,
    /// Rule reference (id or name) → field in that rule's events.
    pub fields: Vec<(String, String)>,
}

/// Why a rule can fire on API presence alone (computed per document, reported by API001 after
/// the repository-wide correlation check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// Where to report it.
    pub pos: Pos,
    /// The message.
    pub message: String,
}

/// What a correlation rule's or a filter's block says, for the repository-wide checks.
#[derive(Debug, Clone, Default)]
pub struct BlockSummary {
    /// For correlation rules: `generate: true` (the referenced rules also alert on their own).
    pub generate: bool,
    /// For correlation rules and filters: the rule references (`rules:`), with the span of
    /// each value.
    pub references: Vec<(String, Span)>,
    /// Position of the `correlation`/`filter` key.
    pub block_pos: Pos,
    /// For correlation rules: the `group-by` fields with positions.
    pub group_by: Vec<(String, Pos)>,
    /// For correlation rules: field aliases.
    pub aliases: Vec<Alias>,
    /// For filters: the fields their selections constrain (classified later with the profile
    /// of each rule the filter applies to).
    pub filter_fields: Vec<String>,
}

/// What the repository-wide checks need to know about one document.
#[derive(Debug, Clone)]
pub struct DocSummary {
    /// The file's path.
    pub path: PathBuf,
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The document kind.
    pub kind: DocKind,
    /// Where the document starts.
    pub start: Pos,
    /// `id` and the position of its value.
    pub id: Option<(String, Span)>,
    /// `name` and its position.
    pub name: Option<(String, Span)>,
    /// `title` and its position.
    pub title: Option<(String, Span)>,
    /// Name of the vocabulary profile of its log source.
    pub profile: Option<String>,
    /// For correlation rules and filters: what their `correlation`/`filter` block says (boxed:
    /// most documents are detection rules, and a repository's summaries are all kept).
    pub block: Option<Box<BlockSummary>>,
    /// For API-audit rules that can fire on API presence alone: why.
    pub presence: Option<Presence>,
}

/// The scalars of a one-value-or-list key, with their nodes.
fn str_list(node: Option<&Node>) -> Vec<(String, &Node)> {
    match node {
        None => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| i.scalar_text().map(|t| (t.into_owned(), i)))
                .filter(|(t, _)| t != "null")
                .collect(),
            None => n
                .as_str()
                .map(|s| vec![(s.to_owned(), n)])
                .unwrap_or_default(),
        },
    }
}

impl DocSummary {
    /// Summarises a document; `presence` comes from the API001 analysis.
    pub fn new(cx: &DocCtx<'_>, presence: Option<Presence>) -> DocSummary {
        let doc = cx.doc;
        let attr = |k: &str| {
            doc.root
                .get(k)
                .and_then(|n| n.as_str().map(|s| (s.to_owned(), node_span(n))))
        };
        let block_key = match doc.kind {
            DocKind::Correlation => "correlation",
            DocKind::Filter => "filter",
            _ => "",
        };
        let block = doc.root.get(block_key);
        let mut aliases = Vec::new();
        if let Some(entries) = block.and_then(|b| b.get("aliases")).and_then(Node::as_map) {
            for (k, v) in entries {
                let Some(name) = k.scalar_text() else {
                    continue;
                };
                let fields = v
                    .as_map()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|(r, f)| {
                        Some((r.scalar_text()?.into_owned(), f.as_str()?.to_owned()))
                    })
                    .collect();
                aliases.push(Alias {
                    name: name.into_owned(),
                    fields,
                });
            }
        }
        DocSummary {
            path: cx.path.to_path_buf(),
            index: doc.index,
            kind: doc.kind,
            start: doc.start,
            id: attr("id"),
            name: attr("name"),
            title: attr("title"),
            profile: cx.profile.map(|p| p.name.clone()),
            block: matches!(doc.kind, DocKind::Correlation | DocKind::Filter).then(|| {
                Box::new(BlockSummary {
                    generate: block
                        .and_then(|b| b.get("generate"))
                        .or_else(|| {
                            (doc.kind == DocKind::Correlation)
                                .then(|| doc.root.get("generate"))
                                .flatten()
                        })
                        .is_some_and(|g| matches!(g.value, crate::yaml::Value::Bool(true))),
                    references: str_list(block.and_then(|b| b.get("rules")))
                        .into_iter()
                        .map(|(r, node)| (r, node_span(node)))
                        .collect(),
                    block_pos: doc.key_pos(block_key),
                    group_by: str_list(block.and_then(|b| b.get("group-by")))
                        .into_iter()
                        .map(|(g, node)| (g, node.pos()))
                        .collect(),
                    aliases,
                    filter_fields: match (doc.kind, &cx.detection) {
                        (DocKind::Filter, Some(det)) => {
                            let mut fields: Vec<String> = det
                                .selections
                                .iter()
                                .flat_map(|s| s.items())
                                .filter_map(|i| i.field.map(str::to_owned))
                                .collect();
                            fields.sort();
                            fields.dedup();
                            fields
                        }
                        _ => Vec::new(),
                    },
                })
            }),
            presence,
        }
    }

    /// `generate: true` of a correlation rule.
    pub fn generate(&self) -> bool {
        self.block.as_ref().is_some_and(|b| b.generate)
    }

    /// The rule references of a correlation rule or filter (`rules:`), with their spans.
    pub fn references(&self) -> &[(String, Span)] {
        self.block.as_ref().map_or(&[], |b| &b.references)
    }

    /// Position of the `correlation`/`filter` key, or the document's start.
    pub fn block_pos(&self) -> Pos {
        self.block.as_ref().map_or(self.start, |b| b.block_pos)
    }

    /// The `group-by` fields of a correlation rule, with positions.
    pub fn group_by(&self) -> &[(String, Pos)] {
        self.block.as_ref().map_or(&[], |b| &b.group_by)
    }

    /// The field aliases of a correlation rule.
    pub fn aliases(&self) -> &[Alias] {
        self.block.as_ref().map_or(&[], |b| &b.aliases)
    }

    /// The fields a filter's selections constrain, sorted.
    pub fn filter_fields(&self) -> &[String] {
        self.block.as_ref().map_or(&[], |b| &b.filter_fields)
    }

    /// Whether `reference` (an id or a name in a correlation/filter) names this document.
    pub fn is_named(&self, reference: &str) -> bool {
        self.id.as_ref().is_some_and(|(i, _)| i == reference)
            || self.name.as_ref().is_some_and(|(n, _)| n == reference)
    }

    /// The field a `group-by` entry stands for in the events of the rule referenced as one of
    /// `rule_refs` (resolving aliases), or the entry itself.
    pub fn resolve_group_field<'s>(&'s self, entry: &'s str, rule_refs: &[&str]) -> &'s str {
        if let Some(alias) = self.aliases().iter().find(|a| a.name == entry)
            && let Some((_, f)) = alias
                .fields
                .iter()
                .find(|(r, _)| rule_refs.contains(&r.as_str()))
        {
            return f;
        }
        entry
    }
}

/// The repository index the repository-wide checks run over.
#[derive(Debug)]
pub struct RepoCtx<'a> {
    /// Every document of every file, in path order.
    pub docs: &'a [&'a DocSummary],
    /// The lint options.
    pub opts: &'a LintOptions,
    /// `(id or name, document)`, sorted: the documents a reference names are one run (one
    /// vector for the repository, not a map of small vectors).
    by_ref: Vec<(&'a str, usize)>,
    /// `(reference, document)`: the documents whose `rules` or `filter.rules` name a reference.
    referrers: Vec<(&'a str, usize)>,
}

/// The documents `table` lists under `key`, in document order.
fn run_of<'t>(table: &'t [(&str, usize)], key: &str) -> impl Iterator<Item = usize> + 't {
    let start = table.partition_point(|(k, _)| *k < key);
    let end = start + table[start..].partition_point(|(k, _)| *k == key);
    table[start..end].iter().map(|&(_, i)| i)
}

impl<'a> RepoCtx<'a> {
    /// Indexes the documents by id and name.
    pub fn new(docs: &'a [&'a DocSummary], opts: &'a LintOptions) -> RepoCtx<'a> {
        let mut by_ref: Vec<(&'a str, usize)> = Vec::with_capacity(docs.len());
        let mut referrers: Vec<(&'a str, usize)> = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            by_ref.extend(d.id.iter().chain(&d.name).map(|(r, _)| (r.as_str(), i)));
            referrers.extend(d.references().iter().map(|(r, _)| (r.as_str(), i)));
        }
        for table in [&mut by_ref, &mut referrers] {
            table.sort_unstable();
            table.dedup();
        }
        RepoCtx {
            docs,
            opts,
            by_ref,
            referrers,
        }
    }

    /// The documents a reference (id or name) names.
    pub fn lookup(&self, reference: &str) -> impl Iterator<Item = &'a DocSummary> + '_ {
        run_of(&self.by_ref, reference).map(|i| self.docs[i])
    }

    /// The correlation rules that reference `doc` by id or name.
    pub fn correlations_of(&self, doc: &DocSummary) -> Vec<&'a DocSummary> {
        self.referencing(doc, DocKind::Correlation)
    }

    /// The filters (meta filters) that apply to `doc` by id or name.
    pub fn filters_of(&self, doc: &DocSummary) -> Vec<&'a DocSummary> {
        self.referencing(doc, DocKind::Filter)
    }

    fn referencing(&self, doc: &DocSummary, kind: DocKind) -> Vec<&'a DocSummary> {
        let mut idx: Vec<usize> = doc
            .id
            .iter()
            .chain(doc.name.iter())
            .flat_map(|(r, _)| run_of(&self.referrers, r))
            .filter(|&i| self.docs[i].kind == kind)
            .collect();
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().map(|i| self.docs[i]).collect()
    }

    /// A finding in `doc` at `pos`.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        doc: &DocSummary,
        pos: Pos,
        message: impl Into<String>,
    ) -> Finding {
        self.finding_span(
            meta,
            doc,
            Span {
                start: pos,
                end: pos,
            },
            message,
        )
    }

    /// A finding in `doc` covering `span`.
    pub fn finding_span(
        &self,
        meta: &RuleMeta,
        doc: &DocSummary,
        span: Span,
        message: impl Into<String>,
    ) -> Finding {
        let mut f = span_finding(meta, &doc.path, span, message);
        f.doc_index = Some(doc.index);
        f.doc_id = doc.id.as_ref().map(|(i, _)| i.clone());
        f.doc_title = doc
            .title
            .as_ref()
            .map(|(t, _)| std::sync::Arc::from(t.as_str()));
        f
    }

    /// A related location in `doc`.
    pub fn related(doc: &DocSummary, pos: Pos, message: impl Into<String>) -> Related {
        Related {
            path: doc.path.clone(),
            pos,
            message: message.into(),
        }
    }
}
