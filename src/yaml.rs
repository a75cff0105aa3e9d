//! Position-keeping YAML: one parse of a file into a tree whose every key and value knows its
//! 1-based line and column.
//!
//! The tree is built from `saphyr-parser` events, so the loader (not the parser crate) decides
//! the limits that keep hostile input bounded: nesting depth, nodes per file and the nodes that
//! alias expansion may produce. Documents of a multi-document stream that were complete before
//! a syntax error are kept, so one broken document does not hide the ones before it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as RawSpan, Tag};

/// Largest accepted YAML nesting depth (mappings and sequences inside each other).
pub const MAX_DEPTH: usize = 128;
/// Largest number of nodes one file may produce, alias expansions included.
pub const MAX_NODES: usize = 1_000_000;
/// Largest number of nodes that alias expansion may add to one file.
pub const MAX_ALIAS_NODES: usize = 10_000;

/// A position in a source file: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
}

impl Pos {
    /// A position from 1-based line and column.
    pub fn new(line: u32, col: u32) -> Self {
        Self { line, col }
    }

    fn from_marker(m: &saphyr_parser::Marker) -> Self {
        Self {
            line: u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
            col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Start and end position of a node in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// Where the node starts.
    pub start: Pos,
    /// Where the node ends (exclusive).
    pub end: Pos,
}

/// How a scalar was written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain (unquoted) scalar.
    Plain,
    /// Single- or double-quoted scalar.
    Quoted,
    /// Literal (`|`) or folded (`>`) block scalar.
    Block,
    /// Not a scalar.
    Collection,
}

/// The value of a YAML node, resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence of nodes.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node is in its file.
    pub span: Span,
    /// How a scalar was written.
    pub style: Style,
    /// The node's value.
    pub value: Value,
}

impl Node {
    /// Start position of the node.
    pub fn pos(&self) -> Pos {
        self.span.start
    }

    /// The string value, when the node is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping entries, when the node is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, when the node is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the node is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// A scalar rendered as text (strings as is, numbers and booleans in YAML form).
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::Float(f) => Some(Cow::Owned(f.to_string())),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Null => Some(Cow::Borrowed("null")),
            _ => None,
        }
    }

    /// A scalar or a sequence of scalars as strings, for keys that take one value or a list
    /// (`rules: a` and `rules: [a, b]` alike). Null values and non-scalar items give nothing.
    pub fn string_list(&self) -> Vec<String> {
        fn text(n: &Node) -> Option<String> {
            (!n.is_null())
                .then(|| n.scalar_text())
                .flatten()
                .map(Cow::into_owned)
        }
        match self.as_seq() {
            Some(items) => items.iter().filter_map(text).collect(),
            None => text(self).into_iter().collect(),
        }
    }

    /// A short name of the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }

    /// The node reached by a JSON pointer (`/detection/selection/0`), as produced by schema
    /// validation. Returns the deepest node that exists on the way, so an error about a missing
    /// property still points at its parent.
    pub fn pointer(&self, pointer: &str) -> &Node {
        let mut node = self;
        for raw in pointer.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Value::Map(m) => m
                    .iter()
                    .find(|(k, _)| k.scalar_text().as_deref() == Some(token.as_str()))
                    .map(|(_, v)| v),
                Value::Seq(s) => token.parse::<usize>().ok().and_then(|i| s.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// The key node for the last segment of a JSON pointer, when that segment names a mapping
    /// key that exists (useful to point at `foo:` rather than its value).
    pub fn pointer_key(&self, pointer: &str) -> Option<&Node> {
        let (parent, last) = pointer.rsplit_once('/')?;
        let last = last.replace("~1", "/").replace("~0", "~");
        let parent = if parent.is_empty() {
            self
        } else {
            self.pointer(parent)
        };
        parent
            .as_map()?
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(last.as_str()))
            .map(|(k, _)| k)
    }

    /// This node as the key of a JSON object: its scalar text, or `""` for a collection
    /// (JSON keys are strings; what [`Node::to_json`] writes for every mapping key, and what
    /// schema validation in place reads), borrowed when it can be.
    pub fn json_key(&self) -> Cow<'_, str> {
        self.scalar_text().unwrap_or(Cow::Borrowed(""))
    }

    /// Converts the node to JSON (for schema validation). Non-string keys become their text.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| serde_json::Value::String(f.to_string())),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.json_key().into_owned(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// Where the document's content starts.
    pub start: Pos,
    /// The root node.
    pub root: Node,
}

/// A key that appears twice in the same mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    /// Index of the document holding the mapping.
    pub doc_index: usize,
    /// The key text.
    pub key: String,
    /// Where the key first appears.
    pub first: Pos,
    /// Where it appears again.
    pub again: Pos,
    /// Where the repeated key ends.
    pub again_end: Pos,
}

/// Why a file could not be parsed completely.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Where the problem was found.
    pub pos: Pos,
    /// What the problem is.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// A node tag that the YAML safe loaders of Sigma tools refuse (`!!python/object`, `!custom`),
/// or a merge key (`<<:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    /// Index of the document it is in.
    pub doc_index: usize,
    /// The tag as written (`!!python/object:os.system`), or `<<` for a merge key.
    pub text: String,
    /// Where the tagged node (or the merge key) is.
    pub span: Span,
}

/// The tags of the YAML core and the types PyYAML's safe loader (which pySigma uses)
/// constructs; any other tag is refused by it.
const SAFE_TAGS: &[&str] = &[
    "str",
    "int",
    "float",
    "bool",
    "null",
    "binary",
    "timestamp",
    "omap",
    "pairs",
    "set",
    "seq",
    "map",
    "merge",
    "value",
];

/// Whether a Sigma tool's safe YAML loader accepts `tag`.
fn is_safe_tag(tag: &Tag) -> bool {
    if tag.handle == "!" && tag.suffix.is_empty() {
        return true; // the non-specific tag `!`
    }
    (tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!")
        && SAFE_TAGS.contains(&tag.suffix.as_str())
}

fn tag_text(tag: &Tag) -> String {
    if tag.handle == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// The result of parsing one YAML stream.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    /// Documents completed before the end or before the first error. Empty documents (a
    /// stream of only comments, a bare `---`) are left out.
    pub documents: Vec<Document>,
    /// Keys repeated within one mapping.
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Nodes with a tag a safe loader refuses.
    pub unsafe_tags: Vec<Marked>,
    /// Merge keys (`<<: *anchor`), a YAML 1.1 feature; they are applied as PyYAML does.
    pub merge_keys: Vec<Marked>,
    /// The first error, if the stream is not valid YAML or breaks a limit.
    pub error: Option<YamlError>,
}

enum Frame {
    Seq {
        start: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// First position of each key, once the mapping has more than [`SCAN_KEYS`] entries
        /// (smaller mappings are searched directly, without copying their keys).
        seen: Option<HashMap<String, Pos>>,
    },
}

/// Mappings up to this many entries find a repeated key by scanning their entries; larger ones
/// index their keys in a hash map, so a hostile mapping stays linear.
const SCAN_KEYS: usize = 16;

/// The first position of the key written `text` among `entries`, when there is one.
fn first_key(
    entries: &[(Node, Node)],
    seen: &mut Option<HashMap<String, Pos>>,
    text: &str,
) -> Option<Pos> {
    if seen.is_none() && entries.len() > SCAN_KEYS {
        let mut index = HashMap::with_capacity(entries.len() * 2);
        for (k, _) in entries {
            if let Some(t) = k.scalar_text() {
                index.entry(t.into_owned()).or_insert(k.span.start);
            }
        }
        *seen = Some(index);
    }
    match seen {
        Some(index) => index.get(text).copied(),
        None => entries
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(text))
            .map(|(k, _)| k.span.start),
    }
}

/// Line starts (in characters) of a text split at `\n` only.
///
/// The YAML parser also breaks lines at a lone `\r`, while editors' "go to line", `grep -n`,
/// GitHub annotations and the snippets in sigsmith's output count `\n` only. For a text with a
/// lone `\r` the loader recomputes every position from the parser's character index with this
/// table, so a finding's line always exists in the file.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The table, when `text` has a `\r` not followed by `\n` (otherwise the parser's own
    /// lines already agree).
    fn for_text(text: &str) -> Option<LineIndex> {
        let bytes = text.as_bytes();
        let lone_cr = bytes
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if !lone_cr {
            return None;
        }
        let mut starts = vec![0];
        for (i, c) in text.chars().enumerate() {
            if c == '\n' {
                starts.push(i + 1);
            }
        }
        Some(LineIndex { starts })
    }

    fn pos(&self, index: usize) -> Pos {
        let line = self.starts.partition_point(|&s| s <= index).max(1);
        let col = index - self.starts[line - 1] + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}

struct Builder {
    lines: Option<LineIndex>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    doc_start: Pos,
    nodes: usize,
    alias_nodes: usize,
    out: Stream,
}

fn count_nodes(node: &Node) -> usize {
    let mut n = 0;
    let mut todo = vec![node];
    while let Some(x) = todo.pop() {
        n += 1;
        match &x.value {
            Value::Seq(s) => todo.extend(s.iter()),
            Value::Map(m) => {
                for (k, v) in m {
                    todo.push(k);
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
    n
}

fn resolve_plain(text: Cow<'_, str>) -> Value {
    let s: &str = &text;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let bytes = s.as_bytes();
    let first = bytes[0];
    if first.is_ascii_digit() || ((first == b'-' || first == b'+') && bytes.len() > 1) {
        let digits = s.trim_start_matches(['-', '+']);
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = s.parse::<i64>() {
                return Value::Int(i);
            }
        } else if let Some(hex) = s.strip_prefix("0x") {
            if let Ok(i) = i64::from_str_radix(hex, 16) {
                return Value::Int(i);
            }
        } else if let Some(oct) = s.strip_prefix("0o") {
            if let Ok(i) = i64::from_str_radix(oct, 8) {
                return Value::Int(i);
            }
        } else if is_core_float(digits)
            && let Ok(f) = s.parse::<f64>()
        {
            return Value::Float(f);
        }
    }
    if first == b'.'
        && is_core_float(s)
        && let Ok(f) = s.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(owned(text))
}

/// The scalar's text as an owned string: the parser's own buffer when it made one (plain and
/// quoted scalars are built, not borrowed), trimmed when it is mostly slack (the parser reserves
/// 128 bytes ahead for every scalar, and a large file has tens of thousands of short ones).
fn owned(text: Cow<'_, str>) -> String {
    let mut s = text.into_owned();
    if s.capacity() > 2 * s.len() + 32 {
        s.shrink_to_fit();
    }
    s
}

/// YAML 1.2 core-schema float: `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits_ok = int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exp_ok = exp.is_none_or(|e| {
        let e = e.trim_start_matches(['-', '+']);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    digits_ok && exp_ok && (frac.is_some() || exp.is_some())
}

fn scalar_value(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> (Value, Style) {
    let style_out = match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
        _ => Style::Block,
    };
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            match tag.suffix.as_str() {
                "str" => return (Value::Str(owned(text)), style_out),
                "null" => return (Value::Null, style_out),
                _ => return (resolve_plain(text), style_out),
            }
        }
        return (Value::Str(owned(text)), style_out);
    }
    if style == ScalarStyle::Plain {
        (resolve_plain(text), style_out)
    } else {
        (Value::Str(owned(text)), style_out)
    }
}

impl Builder {
    fn pos(&self, m: &saphyr_parser::Marker) -> Pos {
        match &self.lines {
            Some(l) => l.pos(m.index()),
            None => Pos::from_marker(m),
        }
    }

    fn span(&self, s: &RawSpan) -> Span {
        Span {
            start: self.pos(&s.start),
            end: self.pos(&s.end),
        }
    }

    fn err(&mut self, pos: Pos, message: impl Into<String>) {
        if self.out.error.is_none() {
            self.out.error = Some(YamlError {
                pos,
                message: message.into(),
            });
        }
    }

    /// Adds a finished node to the innermost open collection or closes the document.
    fn push(&mut self, node: Node, anchor: usize) -> Result<(), ()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.err(
                node.span.start,
                format!("file has more than {MAX_NODES} YAML nodes"),
            );
            return Err(());
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let doc_index = self.out.documents.len();
        match self.stack.last_mut() {
            None => {
                if !node.is_null() || node.style != Style::Plain {
                    self.out.documents.push(Document {
                        index: doc_index,
                        start: self.doc_start,
                        root: node,
                    });
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                seen,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    if key.style == Style::Plain && key.as_str() == Some("<<") {
                        self.out.merge_keys.push(Marked {
                            doc_index,
                            text: "<<".to_owned(),
                            span: key.span,
                        });
                    }
                    if let Some(text) = key.scalar_text() {
                        if let Some(first) = first_key(entries, seen, &text) {
                            self.out.duplicate_keys.push(DuplicateKey {
                                doc_index,
                                key: text.into_owned(),
                                first,
                                again: key.span.start,
                                again_end: key.span.end,
                            });
                        } else if let Some(index) = seen {
                            index.insert(text.into_owned(), key.span.start);
                        }
                    }
                    entries.push((key, node));
                }
            },
        }
        Ok(())
    }

    fn event(&mut self, ev: Event<'_>, span: &RawSpan) -> Result<(), ()> {
        let sp = self.span(span);
        if let Event::Scalar(_, _, _, Some(tag))
        | Event::SequenceStart(_, Some(tag))
        | Event::MappingStart(_, Some(tag)) = &ev
            && !is_safe_tag(tag)
        {
            self.out.unsafe_tags.push(Marked {
                doc_index: self.out.documents.len(),
                text: tag_text(tag),
                span: sp,
            });
        }
        match ev {
            Event::DocumentStart(_) => {
                self.doc_start = sp.start;
                self.anchors.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                let (value, style) = scalar_value(text, style, tag.as_deref());
                self.push(
                    Node {
                        span: sp,
                        style,
                        value,
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.err(
                        sp.start,
                        format!("YAML nesting deeper than {MAX_DEPTH} levels"),
                    );
                    return Err(());
                }
                let frame = if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start: sp.start,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start: sp.start,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        seen: None,
                    }
                };
                self.stack.push(frame);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => (
                        Node {
                            span: Span { start, end: sp.end },
                            style: Style::Collection,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            span: Span { start, end: sp.end },
                            style: Style::Collection,
                            value: Value::Map(apply_merges(entries)),
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.push(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    self.err(sp.start, "alias refers to an unknown anchor");
                    return Err(());
                };
                let size = count_nodes(target);
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    self.err(
                        sp.start,
                        format!(
                            "alias expansion exceeds {MAX_ALIAS_NODES} nodes (possible alias bomb)"
                        ),
                    );
                    return Err(());
                }
                let mut node = target.clone();
                node.span = sp;
                self.nodes += size.saturating_sub(1);
                self.push(node, 0)?;
            }
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }
}

fn is_merge_key(key: &Node) -> bool {
    key.style == Style::Plain && key.as_str() == Some("<<")
}

/// Applies YAML 1.1 merge keys as PyYAML (and so pySigma) does: `<<: *a` (or `<<: [*a, *b]`)
/// adds the entries of the merged mappings whose keys the mapping does not set itself, earlier
/// mappings of a list first. A `<<` whose value is not a mapping (or list of mappings) stays a
/// plain key.
fn apply_merges(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, v)| {
        is_merge_key(k)
            && (v.as_map().is_some()
                || v.as_seq()
                    .is_some_and(|s| s.iter().all(|i| i.as_map().is_some())))
    }) {
        return entries;
    }
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if is_merge_key(&k) {
            match v.value {
                Value::Map(m) => merged.extend(m),
                Value::Seq(items) => {
                    for it in items {
                        if let Value::Map(m) = it.value {
                            merged.extend(m);
                        }
                    }
                }
                _ => out.push((k, v)),
            }
        } else {
            out.push((k, v));
        }
    }
    for (k, v) in merged {
        let text = k.scalar_text().map(Cow::into_owned);
        if !out
            .iter()
            .any(|(o, _)| o.scalar_text().map(Cow::into_owned) == text)
        {
            out.push((k, v));
        }
    }
    out
}

/// The position of the tab character a parser error about tabs is about: the first tab on the
/// reported line (the parser may report the token before or after it), else the first tab
/// after the reported position, else the last one before it.
fn tab_pos(text: &str, reported: Pos) -> Option<Pos> {
    let mut before = None;
    let mut after = None;
    for (i, line) in text.split('\n').enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, ch) in line.chars().enumerate() {
            if ch == '\t' {
                let p = Pos::new(line_no, u32::try_from(c + 1).unwrap_or(u32::MAX));
                if line_no == reported.line {
                    return Some(p);
                }
                if p > reported {
                    after = after.or(Some(p));
                } else {
                    before = Some(p);
                }
            }
        }
        if line_no > reported.line && after.is_some() {
            break;
        }
    }
    after.or(before)
}

/// Parses a YAML stream. Never panics; problems are reported in [`Stream::error`].
pub fn parse(text: &str) -> Stream {
    let mut b = Builder {
        lines: LineIndex::for_text(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        doc_start: Pos::new(1, 1),
        nodes: 0,
        alias_nodes: 0,
        out: Stream::default(),
    };
    let parser = Parser::new_from_str(text);
    for item in parser {
        match item {
            Ok((ev, span)) => {
                if b.event(ev, &span).is_err() {
                    break;
                }
            }
            Err(e) => {
                let pos = b.pos(e.marker());
                let info = e.info();
                let pos = if info.contains("tab") {
                    tab_pos(text, pos).unwrap_or(pos)
                } else {
                    pos
                };
                if info.contains("recursion limit") {
                    b.err(pos, format!("YAML nesting too deep ({info})"));
                } else {
                    b.err(pos, info.to_owned());
                }
                break;
            }
        }
    }
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let s = parse("title: x\ndetection:\n  sel:\n    a: 1\n");
        assert!(s.error.is_none());
        let root = &s.documents[0].root;
        let (k, v) = root.entry("detection").expect("detection");
        assert_eq!(k.pos(), Pos::new(2, 1));
        let a = v.pointer("/sel/a");
        assert_eq!(a.pos(), Pos::new(4, 8));
        assert_eq!(a.value, Value::Int(1));
    }

    #[test]
    fn string_list_takes_one_value_or_a_list() {
        let s = parse("a: x\nb: [x, 2, ~, {k: v}]\nc: ~\nd: {k: v}\n");
        let root = &s.documents[0].root;
        let list = |k: &str| root.get(k).map(Node::string_list).unwrap_or_default();
        assert_eq!(list("a"), ["x"]);
        assert_eq!(list("b"), ["x", "2"]);
        assert!(list("c").is_empty());
        assert!(list("d").is_empty());
    }

    #[test]
    fn multi_document_positions_are_absolute() {
        let s = parse("a: 1\n---\nb: 2\n---\nc: [x, y]\n");
        assert_eq!(s.documents.len(), 3);
        let c = s.documents[2].root.pointer("/c/1");
        assert_eq!(c.pos(), Pos::new(5, 8));
        assert_eq!(s.documents[2].index, 2);
    }

    #[test]
    fn core_schema_resolution() {
        let s = parse("a: 2023-01-01\nb: '1'\nc: 1.5\nd: ~\ne: yes\nf: 0x10\n");
        let r = &s.documents[0].root;
        assert_eq!(r.get("a").and_then(Node::as_str), Some("2023-01-01"));
        assert_eq!(r.get("b").and_then(Node::as_str), Some("1"));
        assert_eq!(r.get("c").map(|n| n.value.clone()), Some(Value::Float(1.5)));
        assert!(r.get("d").is_some_and(Node::is_null));
        assert_eq!(r.get("e").and_then(Node::as_str), Some("yes"));
        assert_eq!(r.get("f").map(|n| n.value.clone()), Some(Value::Int(16)));
    }

    #[test]
    fn duplicate_keys_are_recorded() {
        let s = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(s.duplicate_keys.len(), 1);
        assert_eq!(s.duplicate_keys[0].first, Pos::new(1, 1));
        assert_eq!(s.duplicate_keys[0].again, Pos::new(3, 1));
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let s = parse("a: 1\n---\nb: [1, 2\n");
        assert_eq!(s.documents.len(), 1);
        let e = s.error.expect("error");
        assert!(e.pos.line >= 3, "{e}");
    }

    #[test]
    fn depth_is_limited() {
        let text = "[".repeat(10_000);
        let s = parse(&text);
        let e = s.error.expect("error");
        assert!(e.message.contains("nesting"), "{e}");
    }

    #[test]
    fn alias_bomb_is_limited() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let s = parse(&text);
        let e = s.error.expect("error");
        assert!(e.message.contains("alias"), "{e}");
    }

    #[test]
    fn empty_and_comment_only_streams_have_no_documents() {
        assert!(parse("").documents.is_empty());
        let s = parse("# only a comment\n# another\n");
        assert!(s.documents.is_empty());
        assert!(s.error.is_none());
    }

    #[test]
    fn lone_cr_does_not_start_a_line() {
        // Lines are counted at `\n` only, as editors, grep and the output snippets do
        // (found by the lint_document fuzz target).
        let s = parse("a: 1\rb: [\n");
        let e = s.error.expect("error");
        assert_eq!(e.pos.line, 2, "{e}");
        let s = parse("x: 1\r\r\ny:\r  z: 2\n");
        assert!(s.error.is_none(), "{:?}", s.error);
        let r = &s.documents[0].root;
        assert_eq!(r.entry("y").map(|(k, _)| k.pos()), Some(Pos::new(2, 1)));
        // `z` is on the same `\n` line as `y:`, after `y:\r  `.
        assert_eq!(r.pointer("/y/z").pos(), Pos::new(2, 9));
        // CRLF files keep the parser's own numbering.
        let s = parse("a: 1\r\nb: 2\r\n");
        assert_eq!(s.documents[0].root.pointer("/b").pos(), Pos::new(2, 4));
    }

    #[test]
    fn unsafe_tags_and_merge_keys_are_recorded() {
        let s = parse(
            "a: !!python/object:os.system x\nb: !!str 1\nc: !custom {d: 1}\nbase: &b {x: 1}\ne:\n  <<: *b\n",
        );
        let tags: Vec<_> = s.unsafe_tags.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(tags, vec!["!!python/object:os.system", "!custom"]);
        assert_eq!(s.unsafe_tags[0].span.start.line, 1);
        assert_eq!(s.merge_keys.len(), 1);
        assert_eq!(s.merge_keys[0].span.start, Pos::new(6, 3));
        let e = s.documents[0].root.get("e").expect("e");
        assert_eq!(e.get("x").map(|n| n.value.clone()), Some(Value::Int(1)));
        assert!(e.get("<<").is_none());
        let s = parse("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  x: 3\n");
        let b = s.documents[0].root.get("b").expect("b");
        assert_eq!(b.get("x").map(|n| n.value.clone()), Some(Value::Int(3)));
        assert_eq!(b.get("y").map(|n| n.value.clone()), Some(Value::Int(2)));
    }

    #[test]
    fn tab_errors_point_at_the_tab() {
        let s = parse("a:\n  b: 1\n\tc: 2\n");
        let e = s.error.expect("a tab in indentation is an error");
        assert_eq!(e.pos, Pos::new(3, 1), "{e}");
    }

    #[test]
    fn pointer_stops_at_deepest_existing_node() {
        let s = parse("a:\n  b: 1\n");
        let r = &s.documents[0].root;
        assert_eq!(r.pointer("/a/zzz").pos(), Pos::new(2, 3));
        assert_eq!(r.pointer_key("/a/b").map(Node::pos), Some(Pos::new(2, 3)));
    }
}
