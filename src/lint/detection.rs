//! The Sigma detection model: selections (search identifiers), their field items with value
//! modifiers, keyword (field-less) selections, and the condition nodes.
//!
//! A selection is an OR of *alternatives*; each alternative is an AND of *items*:
//! - a mapping `{a: 1, b|contains: x}` is one alternative with two items;
//! - a list of mappings is one alternative per mapping;
//! - a list of scalars (or one scalar) is one alternative holding one keyword item.
//!
//! Within an item, a list of values is an OR (an AND with the `all` modifier).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{LazyLock, Mutex};

use crate::modifier::{KindSet, ModifierKind};
use crate::yaml::{Node, Value};

/// A modifier as written after a `|` in a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modifier<'a> {
    /// The modifier name.
    pub name: &'a str,
    /// Byte offset of the name in the key text.
    pub offset: usize,
    /// What it means, when Sigma defines it.
    pub kind: Option<ModifierKind>,
}

impl Modifier<'_> {
    /// Byte range of the name in the key text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.name.len()
    }
}

/// One field constraint (or a keyword list) of a selection alternative.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The field name, or `None` for keywords (field-less values).
    pub field: Option<&'a str>,
    /// The modifiers after the field name.
    pub modifiers: Vec<Modifier<'a>>,
    /// The key node (`field|mod: ...`), absent for keyword items.
    pub key: Option<&'a Node>,
    /// The value node as written (scalar or sequence).
    pub node: &'a Node,
    /// The individual values: the scalar itself, or the items of a sequence.
    pub values: Vec<&'a Node>,
}

impl Item<'_> {
    /// Whether the item has modifier `name`.
    pub fn has_modifier(&self, name: &str) -> bool {
        self.modifiers.iter().any(|m| m.name == name)
    }

    /// Whether the item has a modifier of `kind` (any spelling).
    pub fn has_kind(&self, kind: ModifierKind) -> bool {
        self.modifiers.iter().any(|m| m.kind == Some(kind))
    }

    /// The modifier kinds (unknown modifiers left out), as a set.
    pub fn kinds(&self) -> KindSet {
        self.modifiers.iter().filter_map(|m| m.kind).collect()
    }
}

/// One detection identifier (`selection_api: ...`).
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// The identifier.
    pub name: &'a str,
    /// The key node.
    pub key: &'a Node,
    /// The value node.
    pub node: &'a Node,
    /// OR of alternatives, each an AND of items.
    pub alternatives: Vec<Vec<Item<'a>>>,
}

impl Selection<'_> {
    /// Every item of every alternative.
    pub fn items(&self) -> impl Iterator<Item = &Item<'_>> {
        self.alternatives.iter().flatten()
    }

    /// Whether the selection has only keyword (field-less) items.
    pub fn is_keyword_only(&self) -> bool {
        self.items().all(|i| i.field.is_none())
    }
}

/// A structural problem in a detection item.
#[derive(Debug, Clone)]
pub struct ItemProblem<'a> {
    /// The offending node.
    pub node: &'a Node,
    /// What is wrong.
    pub message: String,
}

/// A rule's (or filter's) `detection` block.
#[derive(Debug, Clone, Default)]
pub struct Detection<'a> {
    /// The selections in source order.
    pub selections: Vec<Selection<'a>>,
    /// The condition strings with their nodes (a condition may be a list, meaning OR).
    pub conditions: Vec<(&'a Node, &'a str)>,
    /// The `condition` key, when present.
    pub condition_key: Option<&'a Node>,
    /// The `timeframe` value, when present.
    pub timeframe: Option<&'a Node>,
    /// Structural problems found while reading the items.
    pub problems: Vec<ItemProblem<'a>>,
}

impl<'a> Detection<'a> {
    /// Reads a `detection` (or filter `filter`) mapping. `skip` lists keys that are not
    /// selections besides `condition` and `timeframe` (for filters: `rules`).
    pub fn read(node: &'a Node, skip: &[&str]) -> Detection<'a> {
        let mut d = Detection::default();
        let Some(entries) = node.as_map() else {
            return d;
        };
        for (k, v) in entries {
            let Some(name) = k.as_str() else {
                d.problems.push(ItemProblem {
                    node: k,
                    message: format!("detection key must be a string, found {}", k.kind_name()),
                });
                continue;
            };
            match name {
                "condition" => {
                    d.condition_key = Some(k);
                    match &v.value {
                        Value::Str(s) => d.conditions.push((v, s)),
                        Value::Seq(items) => {
                            for it in items {
                                if let Some(s) = it.as_str() {
                                    d.conditions.push((it, s));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                "timeframe" => d.timeframe = Some(v),
                _ if skip.contains(&name) => {}
                _ => {
                    let sel = read_selection(name, k, v, &mut d.problems);
                    d.selections.push(sel);
                }
            }
        }
        d
    }

    /// The selection names in source order.
    pub fn names(&self) -> Vec<&'a str> {
        self.selections.iter().map(|s| s.name).collect()
    }

    /// The selection called `name`.
    pub fn selection(&self, name: &str) -> Option<&Selection<'a>> {
        self.selections.iter().find(|s| s.name == name)
    }
}

fn values_of(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// Splits `field|mod1|mod2` into the field and its modifiers.
pub fn split_key(key: &str) -> (&str, Vec<Modifier<'_>>) {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default();
    let mut offset = field.len() + 1;
    let mut mods = Vec::new();
    for p in parts {
        mods.push(Modifier {
            name: p,
            offset,
            kind: ModifierKind::parse(p),
        });
        offset += p.len() + 1;
    }
    (field, mods)
}

fn read_map<'a>(node: &'a Node, problems: &mut Vec<ItemProblem<'a>>) -> Vec<Item<'a>> {
    let mut items = Vec::new();
    for (k, v) in node.as_map().unwrap_or_default() {
        let Some(key) = k.as_str() else {
            // Numeric keys (`4624: x`) are field names too.
            items.push(Item {
                field: None,
                modifiers: Vec::new(),
                key: Some(k),
                node: v,
                values: values_of(v),
            });
            continue;
        };
        let (field, modifiers) = split_key(key);
        if let Value::Map(_) = v.value {
            problems.push(ItemProblem {
                node: v,
                message: format!("value of `{key}` must be a scalar or a list, found a mapping"),
            });
        }
        if let Value::Seq(vals) = &v.value
            && let Some(bad) = vals
                .iter()
                .find(|x| x.as_map().is_some() || x.as_seq().is_some())
        {
            problems.push(ItemProblem {
                node: bad,
                message: format!(
                    "values of `{key}` must be scalars, found a {}",
                    bad.kind_name()
                ),
            });
        }
        items.push(Item {
            field: if field.is_empty() { None } else { Some(field) },
            modifiers,
            key: Some(k),
            node: v,
            values: values_of(v),
        });
    }
    items
}

fn read_selection<'a>(
    name: &'a str,
    key: &'a Node,
    node: &'a Node,
    problems: &mut Vec<ItemProblem<'a>>,
) -> Selection<'a> {
    let mut alternatives = Vec::new();
    match &node.value {
        Value::Map(_) => alternatives.push(read_map(node, problems)),
        Value::Seq(items) => {
            let mut keywords = Vec::new();
            for it in items {
                match &it.value {
                    Value::Map(_) => alternatives.push(read_map(it, problems)),
                    Value::Seq(_) => problems.push(ItemProblem {
                        node: it,
                        message: format!("selection `{name}` holds a nested list"),
                    }),
                    _ => keywords.push(it),
                }
            }
            if !keywords.is_empty() {
                alternatives.push(vec![Item {
                    field: None,
                    modifiers: Vec::new(),
                    key: None,
                    node,
                    values: keywords,
                }]);
            }
        }
        _ => alternatives.push(vec![Item {
            field: None,
            modifiers: Vec::new(),
            key: None,
            node,
            values: vec![node],
        }]),
    }
    Selection {
        name,
        key,
        node,
        alternatives,
    }
}

/// A modifier applied to a value it cannot take, or combined with one it contradicts.
#[derive(Debug, Clone)]
pub struct ModifierProblem<'a> {
    /// The offending node: the key (for combinations) or the value.
    pub node: &'a Node,
    /// Byte range inside the node's string that is at fault (a modifier name in the key, the
    /// position of a regular expression's syntax error), or `None` for the whole node.
    pub range: Option<Range<usize>>,
    /// What is wrong, as a short lowercase phrase.
    pub message: String,
}

/// What a value is after the modifiers before the current one were applied, as the Sigma
/// specification (and pySigma's type chain) types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typed {
    Str,
    Num,
    Bool,
    Null,
    Regex,
    FieldRef,
    Other,
}

impl Typed {
    fn of(node: &Node) -> Option<Typed> {
        Some(match &node.value {
            Value::Str(_) => Typed::Str,
            Value::Int(_) | Value::Float(_) => Typed::Num,
            Value::Bool(_) => Typed::Bool,
            Value::Null => Typed::Null,
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }

    fn name(self, node: &Node) -> &'static str {
        match self {
            Typed::Str => "a string",
            Typed::Num => match node.value {
                Value::Float(_) => "a number",
                _ => "an integer",
            },
            Typed::Bool => "a boolean",
            Typed::Null => "null",
            Typed::Regex => "a regular expression",
            Typed::FieldRef => "a field reference",
            Typed::Other => "a transformed value (a comparison, network or existence test)",
        }
    }
}

/// Whether a Sigma string value holds an unescaped wildcard (`*` or `?`).
pub fn has_wildcard(s: &str) -> bool {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let _ = chars.next();
            }
            '*' | '?' => return true,
            _ => {}
        }
    }
    false
}

/// Whether a plain scalar is a boolean for YAML 1.1 (PyYAML, which pySigma uses) though YAML
/// 1.2 reads it as a string (`yes`, `off`, ...).
fn is_yaml11_bool(s: &str) -> bool {
    matches!(
        s,
        "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF"
    )
}

/// Whether a plain integer scalar is written with a leading zero and a digit 8 or 9
/// (`00000429`): YAML 1.2 reads it as a number, YAML 1.1 (PyYAML, so pySigma) as a string.
fn is_yaml11_string_number(node: &Node, source: &str) -> bool {
    if node.style != crate::yaml::Style::Plain || node.span.start.line != node.span.end.line {
        return false;
    }
    let Some(line) = usize::try_from(node.span.start.line)
        .ok()
        .and_then(|l| source.split('\n').nth(l.saturating_sub(1)))
    else {
        return false;
    };
    let from = usize::try_from(node.span.start.col.saturating_sub(1)).unwrap_or(0);
    let to = usize::try_from(node.span.end.col.saturating_sub(1)).unwrap_or(0);
    let raw: String = line
        .chars()
        .skip(from)
        .take(to.saturating_sub(from))
        .collect();
    let digits = raw.trim().trim_start_matches(['-', '+']);
    digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.bytes().any(|b| b == b'8' || b == b'9')
}

/// Whether `s` holds a `%placeholder%` (a run of word characters between two `%`).
pub fn has_placeholder(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        let after = &rest[i + 1..];
        let n = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(after.len());
        if n > 0 && after[n..].starts_with('%') {
            return true;
        }
        rest = after;
    }
    false
}

/// Why `s` is not an IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `fe80::/10`; a bare
/// address is a single-host network). As Python's `ip_network` (pySigma's parser, strict), an
/// address with bits set after the prefix (`10.0.0.1/8`) is not a network.
pub fn cidr_error(s: &str) -> Option<String> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let (bits, max): (u128, u32) = if let Ok(a) = addr.parse::<std::net::Ipv4Addr>() {
        (u128::from(u32::from(a)), 32)
    } else if let Ok(a) = addr.parse::<std::net::Ipv6Addr>() {
        (u128::from(a), 128)
    } else {
        return Some(format!("`{addr}` is not an IPv4 or IPv6 address"));
    };
    if let Some(p) = prefix {
        match p.parse::<u32>() {
            Ok(n) if n <= max && !p.starts_with('+') => {
                let host_bits = max - n;
                let host = if host_bits == 0 {
                    0
                } else {
                    bits & (u128::MAX >> (128 - host_bits))
                };
                if host != 0 {
                    return Some(format!(
                        "`{s}` has host bits set after the /{n} prefix: write the network address"
                    ));
                }
            }
            _ => return Some(format!("prefix length `/{p}` is not between 0 and {max}")),
        }
    }
    None
}

/// The syntax error of a regular expression, with the byte offset it was found at (when the
/// regex engine reports one). The specification's regular expressions are a PCRE subset;
/// they are compiled with `fancy-regex`, which also knows look-around and back-references.
///
/// Compiling is most of a lint run's cost for a rule with `re` values (a compiled `(?i)` pattern
/// with Unicode classes costs more than parsing the whole file), so verdicts are remembered
/// for the rest of the run: rule packs repeat the same patterns across rules. The memory is
/// bounded: at most [`REGEX_MEMO_ENTRIES`] patterns of at most [`REGEX_MEMO_LEN`] bytes.
pub fn regex_error(pattern: &str) -> Option<(Option<usize>, String)> {
    type Memo = HashMap<Box<str>, Option<(Option<usize>, String)>>;
    static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);
    let memo = pattern.len() <= REGEX_MEMO_LEN;
    if memo && let Some(hit) = MEMO.lock().ok().and_then(|m| m.get(pattern).cloned()) {
        return hit;
    }
    let verdict = compile_error(pattern);
    if memo
        && let Ok(mut m) = MEMO.lock()
        && m.len() < REGEX_MEMO_ENTRIES
    {
        m.insert(pattern.into(), verdict.clone());
    }
    verdict
}

/// Most patterns [`regex_error`] remembers.
pub const REGEX_MEMO_ENTRIES: usize = 4096;
/// Longest pattern [`regex_error`] remembers, in bytes.
pub const REGEX_MEMO_LEN: usize = 1024;

/// The syntax error of `pattern`, as [`regex_error`] reports it.
///
/// A pattern that fancy-regex parses and analyses as "easy" (no look-around, no
/// back-reference) is handed whole to the `regex` engine; that engine then only needs to accept
/// its syntax, which `regex-syntax` checks without building the automaton (building it is the
/// expensive part, and its only other failure is the engine's own size limit, which is not a
/// property of the pattern: Python's `re`, pySigma's engine, has none). Every other pattern,
/// and every pattern that fails a check, is compiled in full, so the error reported is
/// fancy-regex's own.
fn compile_error(pattern: &str) -> Option<(Option<usize>, String)> {
    if easy_and_valid(pattern) {
        return None;
    }
    full_compile_error(pattern)
}

fn easy_and_valid(pattern: &str) -> bool {
    use fancy_regex::internal::{AnalyzeContext, analyze};
    let Ok(tree) = fancy_regex::Expr::parse_tree(pattern) else {
        return false;
    };
    let context = AnalyzeContext {
        explicit_capture_group_0: false,
        find_not_empty: false,
        disallow_empty_match_at_eof_after_newline: false,
        allow_input_assertion_overrides: false,
    };
    if !analyze(&tree, context).is_ok_and(|info| !info.hard) {
        return false;
    }
    // What fancy-regex hands to the `regex` engine (with its default syntax options: Unicode
    // and UTF-8 on).
    let mut delegated = String::with_capacity(pattern.len() + pattern.len() / 2);
    tree.expr.to_str(&mut delegated, 0);
    regex_syntax::Parser::new().parse(&delegated).is_ok()
}

fn full_compile_error(pattern: &str) -> Option<(Option<usize>, String)> {
    match fancy_regex::Regex::new(pattern) {
        Ok(_) => None,
        Err(fancy_regex::Error::ParseError(pos, e)) => Some((Some(pos), e.to_string())),
        Err(e) => {
            let text = e.to_string();
            let line = text.lines().last().unwrap_or(&text).trim().to_owned();
            Some((None, line))
        }
    }
}

/// The problems of one detection item's modifiers and values: each value is typed as it goes
/// through the modifiers in order (a string, a number, a boolean, null, a regular
/// expression), and each modifier must accept what it is given; then the combinations the
/// specification and pySigma's validators refuse. Items with an unknown modifier are left to
/// the unknown-modifier check.
///
/// `source` is the file's text, when known: it tells numbers that YAML 1.1 (pySigma's YAML)
/// reads as strings (`00000429`) from real numbers.
pub fn modifier_problems<'a>(item: &Item<'a>, source: Option<&str>) -> Vec<ModifierProblem<'a>> {
    use ModifierKind as K;
    let mut out = Vec::new();
    let Some(key) = item.key else { return out };
    if item.modifiers.is_empty() || item.modifiers.iter().any(|m| m.kind.is_none()) {
        return out;
    }
    let kinds = item.kinds();
    let has_re = kinds.contains(K::Re);
    let at = |m: &Modifier<'_>, message: String| ModifierProblem {
        node: key,
        range: key.as_str().map(|_| m.range()),
        message,
    };
    // Combinations.
    let mut seen = KindSet::default();
    let mut position: Option<&Modifier<'_>> = None;
    for (i, m) in item.modifiers.iter().enumerate() {
        let Some(k) = m.kind else { continue };
        if seen.contains(k) && k != K::Base64 {
            out.push(at(m, format!("modifier `{}` is applied twice", m.name)));
        }
        seen.insert(k);
        if k.is_position() {
            if let Some(first) = position
                && first.name != m.name
            {
                out.push(at(
                    m,
                    format!(
                        "`{}` cannot be combined with `{}`: a value has one position (use `re` for both ends)",
                        m.name, first.name
                    ),
                ));
            }
            position = Some(m);
            if item.modifiers[..i].iter().any(|p| p.kind == Some(K::Re)) {
                out.push(at(
                    m,
                    format!(
                        "`re|{}` is not valid: a regular expression is not anchored, so write the position into it",
                        m.name
                    ),
                ));
            }
        }
        if matches!(k, K::Re | K::Cidr | K::Exists) && i > 0 {
            out.push(at(
                m,
                format!(
                    "`{}` only applies to the unmodified value: put it first (after the field name)",
                    m.name
                ),
            ));
        }
        if k.is_regex_flag() && has_re && !item.modifiers[..i].iter().any(|p| p.kind == Some(K::Re))
        {
            out.push(at(
                m,
                format!("regex flag `{}` must come after `re`", m.name),
            ));
        }
        if k == K::Re
            && let Some(next) = item.modifiers[i + 1..].iter().find(|n| {
                n.kind.is_some_and(|nk| {
                    !nk.is_regex_flag()
                        && !nk.is_position()
                        && !matches!(nk, K::All | K::Expand | K::Neq)
                })
            })
        {
            out.push(at(
                next,
                format!(
                    "`{}` cannot follow `re`: only the flags `i`, `m` and `s` can",
                    next.name
                ),
            ));
        }
    }
    if let Some(m) = item.modifiers.iter().find(|m| m.kind == Some(K::All)) {
        if item.values.len() < 2 {
            out.push(at(
                m,
                "`all` needs a list of two or more values: with a single value it changes nothing"
                    .to_owned(),
            ));
        } else if item.field.is_some()
            && !item
                .modifiers
                .iter()
                .filter_map(|m| m.kind)
                .any(|k| k.is_position() || matches!(k, K::Re | K::Expand))
        {
            out.push(at(
                m,
                "`all` on a field without `contains`, `startswith`, `endswith` or `re` requires one value to equal every value: it never matches".to_owned(),
            ));
        }
        if kinds.contains(K::Windash) {
            out.push(at(
                m,
                "`windash` cannot be combined with `all`: its variants of one value would all be required".to_owned(),
            ));
        }
    }
    if let Some(pos) = item
        .modifiers
        .iter()
        .position(|m| m.kind.is_some_and(ModifierKind::is_position))
        && let Some(m) = item.modifiers[pos + 1..]
            .iter()
            .find(|m| matches!(m.kind, Some(K::Base64 | K::Base64Offset | K::FieldRef)))
    {
        out.push(at(
            m,
            format!(
                "`{}` after `{}` sees the wildcards `{}` adds and refuses them: put `{}` first",
                m.name, item.modifiers[pos].name, item.modifiers[pos].name, m.name
            ),
        ));
    }
    if let Some(m) = item
        .modifiers
        .iter()
        .find(|m| m.kind == Some(K::Base64Offset))
        && !kinds.contains(K::Contains)
    {
        out.push(at(
            m,
            "`base64offset` needs `contains`: its encodings are cut out of a longer Base64 text"
                .to_owned(),
        ));
    }
    if item.field.is_none()
        && let Some(m) = item.modifiers.iter().find(|m| m.kind == Some(K::Exists))
    {
        out.push(at(m, "`exists` needs a field name before it".to_owned()));
    }
    if !out.is_empty() {
        return out;
    }
    // Values through the type chain.
    for value in &item.values {
        let Some(mut ty) = Typed::of(value) else {
            continue;
        };
        // PyYAML (YAML 1.1, which pySigma reads rules with) resolves `00000429` as a string
        // where YAML 1.2 sees the integer 429: take such a number as the string it is there.
        if ty == Typed::Num && source.is_some_and(|src| is_yaml11_string_number(value, src)) {
            ty = Typed::Str;
        }
        let text = value.as_str().unwrap_or_default();
        let mut number_text: Option<String> = None;
        // Whether an earlier `contains`/`startswith`/`endswith` added wildcards.
        let mut wild = false;
        for m in &item.modifiers {
            let Some(k) = m.kind else { break };
            if k.is_regex_flag() && !has_re {
                break; // reported by the unknown-modifier check
            }
            let want: &[Typed] = match k {
                K::Contains | K::StartsWith | K::EndsWith | K::Expand => {
                    &[Typed::Str, Typed::Regex, Typed::FieldRef]
                }
                K::Base64
                | K::Base64Offset
                | K::Utf16Le
                | K::Utf16Be
                | K::Utf16
                | K::Windash
                | K::Cased
                | K::Cidr
                | K::FieldRef => &[Typed::Str],
                // pySigma takes the value of `re` as text, whatever YAML made of it.
                K::Re => &[Typed::Str, Typed::Num, Typed::Bool],
                K::ReIgnoreCase | K::ReMultiline | K::ReDotAll => &[Typed::Regex],
                K::Gt
                | K::Gte
                | K::Lt
                | K::Lte
                | K::Minute
                | K::Hour
                | K::Day
                | K::Week
                | K::Month
                | K::Year => &[Typed::Num],
                K::Exists => &[Typed::Bool],
                K::All | K::Neq => &[
                    Typed::Str,
                    Typed::Num,
                    Typed::Bool,
                    Typed::Null,
                    Typed::Regex,
                    Typed::FieldRef,
                    Typed::Other,
                ],
            };
            if k == K::Exists
                && ty == Typed::Str
                && value.style == crate::yaml::Style::Plain
                && is_yaml11_bool(text)
            {
                ty = Typed::Bool;
            }
            if !want.contains(&ty) {
                let needs = match k {
                    K::Exists => "`true` or `false`",
                    K::ReIgnoreCase | K::ReMultiline | K::ReDotAll => {
                        "a regular expression (`re` first)"
                    }
                    _ if k.is_comparison() || k.time_range().is_some() => "a number",
                    _ => "a string",
                };
                out.push(ModifierProblem {
                    node: value,
                    range: None,
                    message: format!("`{}` needs {needs}, found {}", m.name, ty.name(value)),
                });
                break;
            }
            let text: &str = match &value.value {
                Value::Int(_) | Value::Float(_) => number_text
                    .get_or_insert_with(|| {
                        value
                            .scalar_text()
                            .map(|t| t.into_owned())
                            .unwrap_or_default()
                    })
                    .as_str(),
                _ => text,
            };
            let mut problem = |range: Option<Range<usize>>, message: String| {
                out.push(ModifierProblem {
                    node: value,
                    range,
                    message,
                });
            };
            match k {
                K::Re => {
                    if let Some((pos, msg)) = regex_error(text) {
                        let range = pos.map(|p| {
                            let p = p.min(text.len());
                            let end = text[p..].chars().next().map_or(p, |c| p + c.len_utf8());
                            p..end
                        });
                        problem(range, format!("regular expression does not compile: {msg}"));
                        break;
                    }
                    ty = Typed::Regex;
                }
                K::Cidr => {
                    if let Some(msg) = cidr_error(text.trim()) {
                        problem(
                            None,
                            format!("`cidr` value `{text}` is not a network: {msg}"),
                        );
                        break;
                    }
                    ty = Typed::Other;
                }
                K::Base64 | K::Base64Offset | K::FieldRef if wild || has_wildcard(text) => {
                    problem(
                        None,
                        format!("`{}` cannot take a value with wildcards (`*`, `?`)", m.name),
                    );
                    break;
                }
                K::Expand if !has_placeholder(text) => {
                    problem(
                        None,
                        format!("`expand` needs a `%placeholder%` in the value, found `{text}`"),
                    );
                    break;
                }
                _ if k.time_range().is_some() => {
                    let (lo, hi) = k.time_range().unwrap_or((0, 0));
                    #[allow(clippy::cast_precision_loss)]
                    let n = match value.value {
                        Value::Int(n) => Some(n as f64),
                        Value::Float(f) => Some(f),
                        _ => None,
                    };
                    #[allow(clippy::cast_precision_loss)]
                    match n {
                        Some(n) if n >= lo as f64 && n <= hi as f64 => {}
                        _ => {
                            problem(
                                None,
                                format!(
                                    "`{}` takes a number from {lo} to {hi}, found `{}`",
                                    m.name,
                                    value.scalar_text().unwrap_or_default()
                                ),
                            );
                            break;
                        }
                    }
                    // A time part is a number: it can be compared (`hour|gte: 9`).
                    ty = Typed::Num;
                }
                K::FieldRef => ty = Typed::FieldRef,
                K::Gt | K::Gte | K::Lt | K::Lte | K::Exists => ty = Typed::Other,
                K::Contains | K::StartsWith | K::EndsWith => wild = true,
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modifier::is_known_modifier;
    use crate::yaml;

    /// The cheap check gives fancy-regex's own verdict and message (valid and invalid, easy
    /// and fancy patterns), and the memo gives the same answer twice.
    #[test]
    fn regex_check_agrees_with_full_compile() {
        let patterns = [
            "abc",
            "(?i)^c:\\\\windows\\\\.+\\.exe$",
            "[^\\\\]{1,256}$",
            "a(",
            "a)",
            "[z-a]",
            "x{2,1}",
            "a**",
            "a{,5}",
            "\\p{NoSuchClass}",
            "\\p{Greek}+",
            "[[:alpha:]]+",
            "(?x) a b # comment",
            "(?#comment)a",
            "\\Z",
            "\\h",
            "\\0",
            "\\cA",
            "(?-u:\\xFF)",
            "\\b{start}x",
            "(?<=a+)b",
            "(?<=ab)c",
            "(?=x)y",
            "(?!x)y",
            "(a)\\1",
            "(?P<n>a)(?P=n)",
            "\\k<n>",
            "(?<n>a)\\k<n>",
            "\\2(a)",
            "(?>a+)b",
            "a++",
            "\\G",
            "[a-\\d]",
            "(?i:\\w+)\\s{2,}",
            "\\x{110000}",
            "",
        ];
        for p in patterns {
            assert_eq!(compile_error(p), full_compile_error(p), "{p}");
            assert_eq!(regex_error(p), full_compile_error(p), "{p}");
            assert_eq!(regex_error(p), full_compile_error(p), "{p} (remembered)");
        }
    }

    fn det(text: &str) -> yaml::Node {
        let s = yaml::parse(text);
        assert!(s.error.is_none(), "{:?}", s.error);
        s.documents[0].root.clone()
    }

    #[test]
    fn shapes() {
        let root = det(
            "sel:\n  eventName|contains|all: [a, b]\n  eventSource: x\nlist:\n  - a: 1\n  - b: 2\nkw:\n  - evil\n  - bad\none: word\ncondition: sel or list\ntimeframe: 5m\n",
        );
        let d = Detection::read(&root, &[]);
        assert_eq!(d.names(), vec!["sel", "list", "kw", "one"]);
        let sel = d.selection("sel").expect("sel");
        assert_eq!(sel.alternatives.len(), 1);
        let first = &sel.alternatives[0][0];
        assert_eq!(first.field, Some("eventName"));
        let mods: Vec<_> = first.modifiers.iter().map(|m| (m.name, m.offset)).collect();
        assert_eq!(mods, vec![("contains", 10), ("all", 19)]);
        assert_eq!(first.values.len(), 2);
        assert_eq!(d.selection("list").expect("list").alternatives.len(), 2);
        let kw = d.selection("kw").expect("kw");
        assert!(kw.is_keyword_only());
        assert_eq!(kw.alternatives[0][0].values.len(), 2);
        assert!(d.selection("one").expect("one").is_keyword_only());
        assert_eq!(d.conditions.len(), 1);
        assert!(d.timeframe.is_some());
        assert!(d.problems.is_empty());
    }

    #[test]
    fn condition_list_and_problems() {
        let root = det("sel:\n  a:\n    b: c\ncondition:\n  - sel\n  - not sel\n");
        let d = Detection::read(&root, &[]);
        assert_eq!(d.conditions.len(), 2);
        assert_eq!(d.problems.len(), 1);
        assert!(d.problems[0].message.contains("mapping"));
    }

    #[test]
    fn cidr_networks() {
        for ok in [
            "10.0.0.0/8",
            "10.1.2.3",
            "10.1.2.3/32",
            "0.0.0.0/0",
            "fe80::/10",
            "::1/128",
            "::/0",
        ] {
            assert_eq!(cidr_error(ok), None, "{ok}");
        }
        for bad in [
            "10.0.0.1/8",
            "192.168.1.1/24",
            "fe80::1/10",
            "10.0.0.0/33",
            "10.0.0/8",
            "::/129",
        ] {
            assert!(cidr_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn modifiers() {
        assert!(is_known_modifier("windash"));
        assert!(!is_known_modifier("contain"));
        let (f, m) = split_key("|re");
        assert_eq!(f, "");
        assert_eq!(m[0].name, "re");
    }
}
