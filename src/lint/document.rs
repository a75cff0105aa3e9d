//! Sigma documents: one YAML parse per file, each document classified as a rule, a
//! correlation rule or a filter, with its position-keeping [`Node`] tree.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use crate::schema::SchemaKind;
use crate::yaml::{self, DuplicateKey, Node, Pos, Style, YamlError};

/// The kind of a Sigma document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// A detection rule (`detection:`).
    Rule,
    /// A correlation rule (`correlation:`).
    Correlation,
    /// A filter / meta filter (`filter:`).
    Filter,
    /// Meant as a Sigma document (it has Sigma keys) but none of the three kinds: SIG015.
    Unknown,
    /// Not a Sigma document at all (a pySigma pipeline, a CI workflow, `mkdocs.yml`, ...):
    /// skipped with a note, never linted. See [`foreign_reason`] for the rule.
    Foreign,
}

impl DocKind {
    /// Lowercase name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Rule => "rule",
            DocKind::Correlation => "correlation rule",
            DocKind::Filter => "filter",
            DocKind::Unknown => "unknown document",
            DocKind::Foreign => "non-Sigma document",
        }
    }

    /// Classifies a document root, ignoring where the document comes from (see
    /// [`DocKind::classify_in`]).
    pub fn classify(root: &Node) -> DocKind {
        Self::classify_in(root, Path::new(""))
    }

    /// Classifies a document root of the file at `path` (the path is only a secondary hint for
    /// documents that are neither clearly Sigma nor clearly something else; see
    /// [`foreign_reason`]).
    pub fn classify_in(root: &Node, path: &Path) -> DocKind {
        if foreign_reason(root, path).is_some() {
            return DocKind::Foreign;
        }
        if root.as_map().is_none() {
            return DocKind::Unknown;
        }
        if root.get("correlation").is_some() {
            DocKind::Correlation
        } else if root.get("detection").is_some() {
            DocKind::Rule
        } else if root.get("filter").is_some() {
            DocKind::Filter
        } else if root.get("logsource").is_some() {
            // A rule that lacks its detection block: still a rule (the schema check says what
            // is missing).
            DocKind::Rule
        } else {
            DocKind::Unknown
        }
    }
}

/// The keys that make a mapping a Sigma document of a known kind: `detection`, `logsource`
/// (a rule), `correlation`, `filter`, or a Sigma v1 collection's `action`.
const KIND_KEYS: [&str; 4] = ["detection", "logsource", "correlation", "filter"];

/// Top-level keys that identify a known non-Sigma YAML format, with the format's name. A
/// document with one of these keys and none of `KIND_KEYS` is that format. None of them is a
/// Sigma key.
pub const FOREIGN_FORMATS: &[(&str, &str)] = &[
    ("transformations", "pySigma processing pipeline"),
    ("postprocessing", "pySigma processing pipeline"),
    ("finalizers", "pySigma processing pipeline"),
    ("vars", "pySigma processing pipeline"),
    ("priority", "pySigma processing pipeline"),
    ("jobs", "CI workflow"),
    ("runs", "GitHub Action definition"),
    ("on", "GitHub Actions workflow"),
    ("stages", "GitLab CI configuration"),
    ("site_name", "MkDocs configuration"),
    ("nav", "MkDocs configuration"),
    ("services", "Compose file"),
    ("repos", "pre-commit configuration"),
    ("body", "GitHub issue form"),
    ("updates", "Dependabot configuration"),
    ("apiVersion", "Kubernetes manifest"),
];

/// Every top-level key of the Sigma rule, correlation rule and filter schemas
/// (`schemas/sigma-*.schema.json`), plus `action` (Sigma v1 collections).
fn sigma_keys() -> &'static HashSet<String> {
    static KEYS: LazyLock<HashSet<String>> = LazyLock::new(|| {
        let mut keys: HashSet<String> = HashSet::from(["action".to_owned()]);
        for kind in [
            SchemaKind::SigmaRule,
            SchemaKind::SigmaCorrelation,
            SchemaKind::SigmaFilter,
        ] {
            if let Ok(serde_json::Value::Object(schema)) =
                serde_json::from_str::<serde_json::Value>(kind.source())
                && let Some(serde_json::Value::Object(props)) = schema.get("properties")
            {
                keys.extend(props.keys().cloned());
            }
        }
        keys
    });
    &KEYS
}

/// Why a YAML document is not a Sigma document at all, or `None` when it is one (or is meant
/// to be one and is broken, which SIG015 and the schema checks report). The documented rule,
/// decided by the document's keys, not by the file's name:
///
/// 1. A mapping with a Sigma kind key (`detection`, `logsource`, `correlation`, `filter`) or a
///    Sigma v1 `action: global|reset|repeat` is Sigma.
/// 2. A mapping with a key of a known non-Sigma format ([`FOREIGN_FORMATS`]: pySigma
///    `transformations`, CI `jobs`, MkDocs `site_name`, ...) is that format.
/// 3. A mapping none of whose top-level keys is a Sigma key (the properties of the Sigma
///    schemas) is not Sigma; one where Sigma keys are at most half of its keys is not Sigma
///    either (a `name:` and `description:` among a tool's own keys).
/// 4. Otherwise (mostly Sigma keys, no kind key) it is a broken Sigma document, unless the file
///    lies in a hidden folder or is a hidden file (`.github/`, `.gitlab-ci.yml`): the file name
///    is only this secondary hint.
/// 5. A sequence is Sigma only when one of its items is a mapping with a kind key (a list of
///    rules); any other sequence or scalar document is not Sigma.
pub fn foreign_reason(root: &Node, path: &Path) -> Option<String> {
    let Some(entries) = root.as_map() else {
        if let Some(items) = root.as_seq() {
            let rule_like = items.iter().any(|item| {
                item.as_map().is_some() && KIND_KEYS.iter().any(|k| item.get(k).is_some())
            });
            return (!rule_like).then(|| "a YAML sequence without Sigma documents".to_owned());
        }
        return Some(format!("a YAML {} document", root.kind_name()));
    };
    if KIND_KEYS.iter().any(|k| root.get(k).is_some()) {
        return None;
    }
    if root
        .get("action")
        .and_then(Node::as_str)
        .is_some_and(|a| matches!(a, "global" | "reset" | "repeat"))
    {
        return None;
    }
    let keys: Vec<Cow<'_, str>> = entries
        .iter()
        .filter_map(|(k, _)| k.scalar_text())
        .collect();
    if let Some((key, format)) = FOREIGN_FORMATS
        .iter()
        .find(|(key, _)| keys.iter().any(|k| k == key))
    {
        return Some(format!("{format} (top-level key `{key}`)"));
    }
    let sigma = keys
        .iter()
        .filter(|k| sigma_keys().contains(k.as_ref()))
        .count();
    if sigma == 0 {
        return Some("no Sigma document keys".to_owned());
    }
    if sigma * 2 <= keys.len() {
        return Some(format!(
            "only {sigma} of its {} top-level keys are Sigma keys (not a majority)",
            keys.len()
        ));
    }
    let hidden = path.components().any(|c| {
        let c = c.as_os_str().to_string_lossy();
        c.starts_with('.') && c != "." && c != ".."
    });
    hidden.then(|| "no Sigma kind key, in a hidden folder or file".to_owned())
}

pub use crate::vocab::LogSource;

/// One classified YAML document of a file.
#[derive(Debug, Clone)]
pub struct SigmaDocument {
    /// 0-based index in its file.
    pub index: usize,
    /// Where the document's content starts.
    pub start: Pos,
    /// Its kind.
    pub kind: DocKind,
    /// The root node.
    pub root: Node,
}

impl SigmaDocument {
    /// A top-level string attribute.
    pub fn str_attr(&self, key: &str) -> Option<&str> {
        self.root.get(key).and_then(Node::as_str)
    }

    /// A top-level scalar attribute as text (ids written as numbers still show).
    pub fn text_attr(&self, key: &str) -> Option<Cow<'_, str>> {
        self.root
            .get(key)
            .filter(|n| !n.is_null())
            .and_then(Node::scalar_text)
    }

    /// `id`.
    pub fn id(&self) -> Option<&str> {
        self.str_attr("id")
    }

    /// `title`.
    pub fn title(&self) -> Option<&str> {
        self.str_attr("title")
    }

    /// `name` (correlation rules reference rules by id or name).
    pub fn name(&self) -> Option<&str> {
        self.str_attr("name")
    }

    /// `status`, lowercased.
    pub fn status(&self) -> Option<String> {
        self.str_attr("status").map(str::to_ascii_lowercase)
    }

    /// `level`, lowercased.
    pub fn level(&self) -> Option<String> {
        self.str_attr("level").map(str::to_ascii_lowercase)
    }

    /// The `logsource` keys.
    pub fn logsource(&self) -> LogSource {
        let ls = self.root.get("logsource");
        let get = |k: &str| {
            ls.and_then(|n| n.get(k))
                .and_then(Node::as_str)
                .map(str::to_ascii_lowercase)
        };
        LogSource {
            product: get("product"),
            service: get("service"),
            category: get("category"),
            definition: None,
        }
    }

    /// The position of a top-level key, or the document start.
    pub fn key_pos(&self, key: &str) -> Pos {
        self.root.entry(key).map_or(self.start, |(k, _)| k.pos())
    }
}

/// A parsed file: its classified documents plus what the YAML loader reported.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// The documents, in order.
    pub documents: Vec<SigmaDocument>,
    /// Repeated keys within one mapping.
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Nodes with a tag a safe YAML loader refuses.
    pub unsafe_tags: Vec<yaml::Marked>,
    /// Merge keys (`<<:`).
    pub merge_keys: Vec<yaml::Marked>,
    /// The first YAML error, if any.
    pub error: Option<YamlError>,
    /// YAML errors in documents after the first broken one (see [`parse_stream`]).
    pub later_errors: Vec<YamlError>,
}

/// Parses and classifies one file's text (the one parse of that file).
pub fn parse_file(text: &str) -> ParsedFile {
    parse_file_at(text, Path::new(""))
}

/// Parses and classifies the text of the file at `path` (the path is a secondary hint for
/// classification, see [`foreign_reason`]).
pub fn parse_file_at(text: &str, path: &Path) -> ParsedFile {
    let (stream, later_errors) = parse_stream(text);
    let documents = stream
        .documents
        .into_iter()
        .map(|d| SigmaDocument {
            index: d.index,
            start: d.start,
            kind: DocKind::classify_in(&d.root, path),
            root: d.root,
        })
        .collect();
    ParsedFile {
        documents,
        duplicate_keys: stream.duplicate_keys,
        unsafe_tags: stream.unsafe_tags,
        merge_keys: stream.merge_keys,
        error: stream.error,
        later_errors,
    }
}

/// Parses a YAML stream and, when a document is broken, the documents after it.
///
/// [`yaml::parse`] stops at the first error. A document marker (`---` at the start of a line)
/// always starts a new document in YAML, even after a broken one, so the text after the error
/// is cut at every later marker and each piece is parsed on its own, with positions made
/// absolute and document indexes continuing (the broken document keeps its index). Returns
/// the merged stream (its `error` is the first error) and the errors of later pieces. Linear
/// in the file's size: every piece is parsed once.
pub fn parse_stream(text: &str) -> (yaml::Stream, Vec<YamlError>) {
    let mut stream = yaml::parse(text);
    let mut later = Vec::new();
    let Some(first) = stream.error.clone() else {
        return (stream, later);
    };
    let markers = document_markers(text, first.pos.line);
    let mut next_index = stream.documents.len() + 1;
    let mut last_error = first.pos;
    for (i, &(line, start)) in markers.iter().enumerate() {
        let end = markers.get(i + 1).map_or(text.len(), |&(_, e)| e);
        let piece = yaml::parse(&text[start..end]);
        let shift = line - 1;
        let base = next_index;
        next_index += piece.documents.len() + usize::from(piece.error.is_some());
        for mut d in piece.documents {
            d.index += base;
            d.start.line += shift;
            shift_node(&mut d.root, shift);
            stream.documents.push(d);
        }
        for mut k in piece.duplicate_keys {
            k.doc_index += base;
            k.first.line += shift;
            k.again.line += shift;
            stream.duplicate_keys.push(k);
        }
        for (from, to) in [
            (piece.unsafe_tags, &mut stream.unsafe_tags),
            (piece.merge_keys, &mut stream.merge_keys),
        ] {
            for mut m in from {
                m.doc_index += base;
                m.span.start.line += shift;
                m.span.end.line += shift;
                to.push(m);
            }
        }
        if let Some(mut e) = piece.error {
            e.pos.line += shift;
            // The piece that starts at the broken document's own marker repeats its error.
            if e.pos != last_error {
                last_error = e.pos;
                later.push(e);
            }
        }
    }
    (stream, later)
}

/// `(line, byte offset)` of every document marker (`---` at column 1, then a space, a tab or
/// the line's end) on or after line `from`.
fn document_markers(text: &str, from: u32) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if line_no >= from
            && let Some(rest) = line.strip_prefix("---")
            && (rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        {
            out.push((line_no, offset));
        }
        offset += line.len();
    }
    out
}

/// Moves every position of `node` down by `lines` lines.
fn shift_node(node: &mut Node, lines: u32) {
    node.span.start.line += lines;
    node.span.end.line += lines;
    match &mut node.value {
        yaml::Value::Seq(items) => items.iter_mut().for_each(|n| shift_node(n, lines)),
        yaml::Value::Map(entries) => {
            for (k, v) in entries {
                shift_node(k, lines);
                shift_node(v, lines);
            }
        }
        _ => {}
    }
}

/// Maps a byte offset inside the string value of scalar `node` to a file position.
///
/// Exact for single-line plain scalars and single-line quoted scalars without escapes; for
/// block and multi-line scalars it walks the source lines the value came from (best effort:
/// escapes and folded blank lines can shift the column).
pub fn scalar_offset_pos(node: &Node, value: &str, byte_offset: usize, source: &str) -> Pos {
    let mut off = byte_offset.min(value.len());
    while !value.is_char_boundary(off) {
        off -= 1;
    }
    let char_off = u32::try_from(value[..off].chars().count()).unwrap_or(u32::MAX);
    let start = node.pos();
    let quote = u32::from(node.style == Style::Quoted);
    if node.span.start.line >= node.span.end.line || node.style == Style::Collection {
        return Pos::new(
            start.line,
            start.col.saturating_add(quote).saturating_add(char_off),
        );
    }
    let first_line = usize::try_from(start.line.saturating_sub(1)).unwrap_or(usize::MAX);
    let mut remaining = char_off;
    for (i, line) in source.lines().skip(first_line).enumerate() {
        let line_no = start
            .line
            .saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        let (col0, content): (u32, &str) = if i == 0 {
            let skip = usize::try_from(start.col - 1 + quote).unwrap_or(0);
            let rest = line
                .char_indices()
                .nth(skip)
                .map_or("", |(b, _)| &line[b..]);
            (start.col - 1 + quote, rest)
        } else if node.style == Style::Block {
            // Block scalars keep indentation beyond the block's own indent.
            let skip = usize::try_from(start.col - 1).unwrap_or(0);
            let rest = line
                .char_indices()
                .nth(skip)
                .map_or("", |(b, _)| &line[b..]);
            (start.col - 1, rest)
        } else {
            let trimmed = line.trim_start();
            let indent =
                u32::try_from(line[..line.len() - trimmed.len()].chars().count()).unwrap_or(0);
            (indent, trimmed)
        };
        let n = u32::try_from(content.trim_end().chars().count()).unwrap_or(u32::MAX);
        if remaining <= n {
            return Pos::new(line_no, col0 + remaining + 1);
        }
        remaining -= n + 1;
        if line_no >= node.span.end.line {
            break;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let f = parse_file(
            "title: r\nlogsource: {product: aws}\ndetection: {sel: {a: 1}, condition: sel}\n---\ntitle: c\ncorrelation: {type: event_count, rules: [r]}\n---\ntitle: f\nlogsource: {product: aws}\nfilter: {rules: [r], sel: {a: 1}, condition: not sel}\n---\n- a list\n---\nfoo: bar\n",
        );
        let kinds: Vec<_> = f.documents.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            vec![
                DocKind::Rule,
                DocKind::Correlation,
                DocKind::Filter,
                DocKind::Foreign,
                DocKind::Foreign
            ]
        );
        assert_eq!(f.documents[0].logsource().product.as_deref(), Some("aws"));
    }

    fn kind(text: &str, path: &str) -> DocKind {
        parse_file_at(text, Path::new(path)).documents[0].kind
    }

    #[test]
    fn non_sigma_yaml_is_decided_by_keys() {
        // Kind keys win over everything, even a foreign marker or a hidden folder.
        assert_eq!(
            kind(
                "jobs: 1
detection: {}
",
                ".github/x.yml"
            ),
            DocKind::Rule
        );
        assert_eq!(
            kind(
                "title: t
logsource: {}
",
                "a.yml"
            ),
            DocKind::Rule
        );
        // Markers of known formats.
        assert_eq!(
            kind(
                "name: p
transformations: []
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        assert_eq!(
            kind(
                "name: p
priority: 10
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        assert_eq!(
            kind(
                "site_name: docs
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        // No Sigma key at all; Sigma keys not a majority.
        assert_eq!(
            kind(
                "foo: 1
bar: 2
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        assert_eq!(
            kind(
                "name: a
x: 1
y: 2
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        assert_eq!(
            kind(
                "name: a
description: b
x: 1
y: 2
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        // Mostly Sigma keys but no kind key: a broken Sigma document...
        assert_eq!(
            kind(
                "title: a
id: b
detections: {}
",
                "r.yml"
            ),
            DocKind::Unknown
        );
        assert_eq!(
            kind(
                "action: global
title: a
",
                "r.yml"
            ),
            DocKind::Unknown
        );
        // ...unless the file name is the secondary hint (a hidden folder or file).
        assert_eq!(
            kind(
                "title: a
id: b
detections: {}
",
                ".github/r.yml"
            ),
            DocKind::Foreign
        );
        assert_eq!(
            kind(
                "title: a
id: b
",
                "./rules/r.yml"
            ),
            DocKind::Unknown
        );
        // Sequences: reported only when they hold Sigma-looking items.
        assert_eq!(
            kind(
                "- a
- b
", "r.yml"
            ),
            DocKind::Foreign
        );
        assert_eq!(
            kind(
                "- {detection: {}}
",
                "r.yml"
            ),
            DocKind::Unknown
        );
        assert_eq!(
            kind(
                "'a string'
",
                "r.yml"
            ),
            DocKind::Foreign
        );
        // The Sigma keys come from the schemas.
        assert!(sigma_keys().contains("falsepositives"));
        assert!(sigma_keys().contains("generate"));
        assert!(
            FOREIGN_FORMATS
                .iter()
                .all(|(k, _)| !sigma_keys().contains(*k))
        );
    }

    #[test]
    fn documents_after_a_broken_one_are_parsed() {
        let text = "a: 1\n---\nb: [1, 2\n---\nc:\n  d: [x, y]\n---\ne: {\n--- \nf: 1\nf: 2\n";
        let f = parse_file(text);
        let e = f.error.as_ref().expect("first error");
        assert!(e.pos.line >= 3 && e.pos.line <= 4, "{e:?}");
        let got: Vec<(usize, u32, String)> = f
            .documents
            .iter()
            .map(|d| {
                let (k, _) = &d.root.as_map().expect("map")[0];
                (
                    d.index,
                    d.start.line,
                    k.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        // Documents 1 and 3 are broken and keep their indexes.
        assert_eq!(
            got,
            vec![
                (0, 1, "a".to_owned()),
                (2, 4, "c".to_owned()),
                (4, 9, "f".to_owned())
            ]
        );
        // Document starts agree with an unbroken parse of the same stream.
        let whole = parse_file("a: 1\n---\nb: 1\n---\nc:\n  d: [x, y]\n");
        assert_eq!(whole.documents[2].start, f.documents[1].start);
        // Positions inside later documents are absolute.
        let y = f.documents[1].root.pointer("/c/d/1");
        assert_eq!((y.pos(), y.span.end), (Pos::new(6, 10), Pos::new(6, 11)));
        assert_eq!(f.later_errors.len(), 1, "{:?}", f.later_errors);
        assert!(f.later_errors[0].pos.line >= 8, "{:?}", f.later_errors);
        // The duplicate key of the last document points at its lines and index.
        assert_eq!(f.duplicate_keys.len(), 1);
        let k = &f.duplicate_keys[0];
        assert_eq!((k.doc_index, k.first.line, k.again.line), (4, 10, 11));
        // `---` inside a line or without a separator is no marker.
        assert_eq!(
            document_markers("a: ---\n----\n---x\n---\n", 1),
            vec![(4, 17)]
        );
        // A valid stream is parsed once, as before.
        assert!(parse_file("a: 1\n---\nb: 2\n").later_errors.is_empty());
    }

    #[test]
    fn offsets_in_plain_and_quoted_scalars() {
        let text = "condition: sel and nope\nq: 'sel and nope'\n";
        let f = parse_file(text);
        let root = &f.documents[0].root;
        let c = root.get("condition").expect("condition");
        assert_eq!(
            scalar_offset_pos(c, "sel and nope", 8, text),
            Pos::new(1, 20)
        );
        let q = root.get("q").expect("q");
        assert_eq!(
            scalar_offset_pos(q, "sel and nope", 8, text),
            Pos::new(2, 13)
        );
    }

    #[test]
    fn offsets_in_block_scalars() {
        let text = "detection:\n  condition: |\n    sel and\n      nope\n";
        let f = parse_file(text);
        let c = f.documents[0].root.pointer("/detection/condition");
        let v = c.as_str().expect("str");
        let off = v.find("nope").expect("nope");
        assert_eq!(scalar_offset_pos(c, v, off, text), Pos::new(4, 7));
        let text = "condition: >-\n  sel and\n  nope\n";
        let f = parse_file(text);
        let c = f.documents[0].root.get("condition").expect("c");
        let v = c.as_str().expect("str");
        assert_eq!(v, "sel and nope");
        assert_eq!(scalar_offset_pos(c, v, 8, text), Pos::new(3, 3));
    }
}
