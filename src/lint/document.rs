//! Sigma documents: one YAML parse per file, each document classified as a rule, a
//! correlation rule or a filter, with its position-keeping [`Node`] tree.

use std::borrow::Cow;

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
    /// Something else (not a mapping, or none of the three keys).
    Unknown,
}

impl DocKind {
    /// Lowercase name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Rule => "rule",
            DocKind::Correlation => "correlation rule",
            DocKind::Filter => "filter",
            DocKind::Unknown => "unknown document",
        }
    }

    /// Classifies a document root.
    pub fn classify(root: &Node) -> DocKind {
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
    /// The YAML error that stopped parsing, if any.
    pub error: Option<YamlError>,
}

/// Parses and classifies one file's text (the one parse of that file).
pub fn parse_file(text: &str) -> ParsedFile {
    let stream = yaml::parse(text);
    let documents = stream
        .documents
        .into_iter()
        .map(|d| SigmaDocument {
            index: d.index,
            start: d.start,
            kind: DocKind::classify(&d.root),
            root: d.root,
        })
        .collect();
    ParsedFile {
        documents,
        duplicate_keys: stream.duplicate_keys,
        error: stream.error,
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
                DocKind::Unknown,
                DocKind::Unknown
            ]
        );
        assert_eq!(f.documents[0].logsource().product.as_deref(), Some("aws"));
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
