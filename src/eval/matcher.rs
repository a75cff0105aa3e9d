//! The Sigma matcher: a rule's detection compiled once (patterns lowercased, regexes built,
//! modifiers resolved) and evaluated on JSON events.
//!
//! Semantics, from the Sigma specification and its modifiers appendix:
//! - A selection is an OR of alternatives, each an AND of items; within an item a list of
//!   values is an OR (`all`: an AND).
//! - Strings match the whole value, case-insensitively unless `cased`; `*` matches any run of
//!   characters and `?` one character; `\*`, `\?` and `\\` are the literal characters, and a
//!   backslash before anything else is itself literal. `contains`, `startswith` and
//!   `endswith` add the wildcards.
//! - Numbers match numerically (an event string holding a number counts); a string value
//!   matches the event's number or boolean as text. `null` matches a missing or null field;
//!   `''` only an empty string. An event array matches when one element does.
//! - `re` is an unanchored search, case-sensitive unless `i`; `m` and `s` set multi-line and
//!   dot-all. `cidr` takes IPv4 and IPv6 networks. `gt`/`gte`/`lt`/`lte` compare numbers;
//!   `neq` negates the whole item of a present field (`a|neq: [x, y]` is neither `x` nor `y`,
//!   as pySigma's negated detection item). `exists: true|false` tests presence
//!   (a null value is absent). `fieldref` compares with another field of the same event.
//! - `windash` expands a `-` or `/` at the start of a word (after a non-word character) into
//!   `-`, `/`, en dash, em dash and horizontal bar, every combination. `utf16le`/`wide`,
//!   `utf16be` and `utf16` (little-endian with a byte-order mark) re-encode the value;
//!   `base64` encodes it; `base64offset` produces the three encodings of the value at each
//!   offset in a 3-byte group, trimmed to the characters that do not depend on the
//!   surrounding bytes, matched as substrings. `expand` replaces `%name%` placeholders with
//!   every value given for them.
//! - `minute`, `hour`, `day` (of month), `week` (ISO), `month` and `year` extract that part of
//!   the event's timestamp (RFC 3339, `YYYY-MM-DD HH:MM:SS[.f]` in UTC, or epoch seconds or
//!   milliseconds) and compare it with the number.
//! - Keywords (values without a field) match when any string anywhere in the event contains
//!   the value (a value with wildcards must match a whole string).
//! - `them` ranges over the identifiers not starting with `_`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use regex::Regex;
use serde_json::Value;

use crate::eval::events::lookup;
use crate::lint::condition::{self, Expr, IdentIndex, Quantifier};
use crate::lint::detection::{Detection, Item, Selection};
use crate::modifier::ModifierKind;
use crate::yaml::{Node, Value as YValue};

/// Values for `expand` placeholders (`%name%` → every value).
pub type Placeholders = HashMap<String, Vec<String>>;

/// A compiled detection: selections and the condition over them.
#[derive(Debug, Clone)]
pub struct CompiledDetection {
    selections: Vec<CSelection>,
    conditions: Vec<CExpr>,
}

#[derive(Debug, Clone)]
struct CSelection {
    alternatives: Vec<Vec<CItem>>,
}

#[derive(Debug, Clone)]
struct CItem {
    field: Option<String>,
    kind: ItemKind,
}

#[derive(Debug, Clone)]
enum ItemKind {
    Exists(bool),
    /// The values (OR, or AND with `all`); `negated` (`neq`) inverts the item as a whole.
    Values {
        matchers: Vec<M>,
        all: bool,
        negated: bool,
    },
}

#[derive(Debug, Clone)]
enum CExpr {
    Sel(usize),
    Not(Box<CExpr>),
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
    Of { all: bool, sels: Vec<usize> },
    Const(bool),
}

/// How a string pattern is anchored.
#[derive(Debug, Clone)]
enum Pat {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Glob(Regex),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    fn test(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Gt => a > b,
            Cmp::Gte => a >= b,
            Cmp::Lt => a < b,
            Cmp::Lte => a <= b,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefMode {
    Exact,
    Prefix,
    Suffix,
    Contains,
}

/// One value matcher.
#[derive(Debug, Clone)]
enum M {
    Str {
        pat: Pat,
        cased: bool,
    },
    Num(Cmp, f64),
    Bool(bool),
    Null,
    Regex(Regex),
    Cidr(IpAddr, u8),
    FieldRef {
        field: String,
        mode: RefMode,
        cased: bool,
    },
    Time(ModifierKind, Cmp, f64),
    Any(Vec<M>),
}

/// Why a rule cannot be compiled.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
}

fn cerr<T>(message: impl Into<String>) -> Result<T, CompileError> {
    Err(CompileError {
        message: message.into(),
    })
}

/// The parts of a Sigma string: literal text and wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Star,
    One,
}

/// Parses Sigma wildcards and escapes.
fn parse_sigma_string(s: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(if c == '*' { Part::Star } else { Part::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    parts
}

/// The plain text of a Sigma string (escapes resolved, wildcards kept as characters).
fn unescape(s: &str) -> String {
    parse_sigma_string(s)
        .into_iter()
        .map(|p| match p {
            Part::Lit(l) => l,
            Part::Star => "*".to_owned(),
            Part::One => "?".to_owned(),
        })
        .collect()
}

fn compile_parts(mut parts: Vec<Part>, cased: bool) -> Result<M, CompileError> {
    // Collapse runs of `*`.
    parts.dedup_by(|a, b| *a == Part::Star && *b == Part::Star);
    let fold = |s: &str| {
        if cased {
            s.to_owned()
        } else {
            s.to_lowercase()
        }
    };
    let lits_only = |ps: &[Part]| ps.iter().all(|p| matches!(p, Part::Lit(_)));
    let join = |ps: &[Part]| -> String {
        ps.iter()
            .map(|p| match p {
                Part::Lit(l) => l.as_str(),
                _ => "",
            })
            .collect()
    };
    let n = parts.len();
    let pat = if n == 0 {
        Pat::Exact(String::new())
    } else if lits_only(&parts) {
        Pat::Exact(fold(&join(&parts)))
    } else if parts == [Part::Star] {
        // `*` alone: any value (a string, number or boolean).
        Pat::Prefix(String::new())
    } else if parts[0] == Part::Star && parts[n - 1] == Part::Star && lits_only(&parts[1..n - 1]) {
        Pat::Contains(fold(&join(&parts[1..n - 1])))
    } else if parts[n - 1] == Part::Star && lits_only(&parts[..n - 1]) {
        Pat::Prefix(fold(&join(&parts[..n - 1])))
    } else if parts[0] == Part::Star && lits_only(&parts[1..]) {
        Pat::Suffix(fold(&join(&parts[1..])))
    } else {
        let mut re = String::from(if cased { "(?s)^" } else { "(?si)^" });
        for p in &parts {
            match p {
                Part::Lit(l) => re.push_str(&regex::escape(l)),
                Part::Star => re.push_str(".*"),
                Part::One => re.push('.'),
            }
        }
        re.push('$');
        match Regex::new(&re) {
            Ok(r) => Pat::Glob(r),
            Err(e) => return cerr(format!("wildcard pattern too large: {e}")),
        }
    };
    Ok(M::Str { pat, cased })
}

/// The characters `windash` puts in place of a leading `-` or `/`.
const WINDASH: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
/// Most dash positions one `windash` value may expand (5^n variants).
const MAX_WINDASH: usize = 6;
/// Most variants `expand` may produce from one value.
const MAX_EXPAND: usize = 10_000;

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn windash(s: &str) -> Result<Vec<String>, CompileError> {
    let chars: Vec<char> = s.chars().collect();
    // `\B[-/]\b`: a dash or slash not preceded by a word character, followed by one.
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '-' | '/')
                && (i == 0 || !is_word(chars[i - 1]))
                && chars.get(i + 1).is_some_and(|&c| is_word(c))
        })
        .collect();
    if positions.len() > MAX_WINDASH {
        return cerr(format!(
            "`windash` value has {} dashes; at most {MAX_WINDASH} are expanded",
            positions.len()
        ));
    }
    let mut out = vec![chars];
    for &p in &positions {
        out = out
            .into_iter()
            .flat_map(|v| {
                WINDASH.iter().map(move |&d| {
                    let mut w = v.clone();
                    w[p] = d;
                    w
                })
            })
            .collect();
    }
    Ok(out.into_iter().map(|v| v.into_iter().collect()).collect())
}

fn expand(s: &str, placeholders: &Placeholders) -> Result<Vec<String>, CompileError> {
    let mut out = vec![String::new()];
    let mut rest = s;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let Some(len) = after.find('%') else { break };
        let name = &after[..len];
        for o in &mut out {
            o.push_str(&rest[..start]);
        }
        let Some(values) = placeholders.get(name) else {
            return cerr(format!(
                "`expand` placeholder `%{name}%` has no values (give them with --placeholders)"
            ));
        };
        if out.len().saturating_mul(values.len()) > MAX_EXPAND {
            return cerr(format!("`expand` produces more than {MAX_EXPAND} values"));
        }
        out = out
            .into_iter()
            .flat_map(|o| values.iter().map(move |v| format!("{o}{v}")))
            .collect();
        rest = &after[len + 1..];
    }
    for o in &mut out {
        o.push_str(rest);
    }
    Ok(out)
}

fn utf16(s: &str, big: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2 + 2);
    if bom {
        out.extend_from_slice(&[0xff, 0xfe]);
    }
    for u in s.encode_utf16() {
        let b = if big {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

/// The three `base64offset` encodings of `bytes`.
fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    (0..3)
        .filter_map(|i| {
            let mut padded = vec![b' '; i];
            padded.extend_from_slice(bytes);
            let enc = B64.encode(&padded);
            let end = match (bytes.len() + i) % 3 {
                0 => enc.len(),
                1 => enc.len().saturating_sub(3),
                _ => enc.len().saturating_sub(2),
            };
            (START[i] < end).then(|| enc[START[i]..end].to_owned())
        })
        .collect()
}

/// The modifiers of one item, resolved.
#[derive(Debug, Default, Clone, Copy)]
struct Mods {
    contains: bool,
    startswith: bool,
    endswith: bool,
    all: bool,
    cased: bool,
    base64: bool,
    base64offset: bool,
    utf16le: bool,
    utf16be: bool,
    utf16: bool,
    windash: bool,
    re: bool,
    re_i: bool,
    re_m: bool,
    re_s: bool,
    cidr: bool,
    exists: bool,
    fieldref: bool,
    expand: bool,
    cmp: Option<Cmp>,
    neq: bool,
    time: Option<ModifierKind>,
}

impl Mods {
    fn read(item: &Item<'_>) -> Result<Mods, CompileError> {
        let mut m = Mods::default();
        for md in &item.modifiers {
            use ModifierKind as K;
            let Some(kind) = md.kind else {
                return cerr(format!("unknown modifier `{}`", md.name));
            };
            match kind {
                K::Contains => m.contains = true,
                K::StartsWith => m.startswith = true,
                K::EndsWith => m.endswith = true,
                K::All => m.all = true,
                K::Cased => m.cased = true,
                K::Base64 => m.base64 = true,
                K::Base64Offset => m.base64offset = true,
                K::Utf16Le => m.utf16le = true,
                K::Utf16Be => m.utf16be = true,
                K::Utf16 => m.utf16 = true,
                K::Windash => m.windash = true,
                K::Re => m.re = true,
                K::ReIgnoreCase => m.re_i = true,
                K::ReMultiline => m.re_m = true,
                K::ReDotAll => m.re_s = true,
                K::Cidr => m.cidr = true,
                K::Exists => m.exists = true,
                K::FieldRef => m.fieldref = true,
                K::Expand => m.expand = true,
                K::Gt => m.cmp = Some(Cmp::Gt),
                K::Gte => m.cmp = Some(Cmp::Gte),
                K::Lt => m.cmp = Some(Cmp::Lt),
                K::Lte => m.cmp = Some(Cmp::Lte),
                K::Neq => m.neq = true,
                K::Minute | K::Hour | K::Day | K::Week | K::Month | K::Year => m.time = Some(kind),
            }
        }
        let ops = [
            m.contains || m.startswith || m.endswith,
            m.re,
            m.cidr,
            m.exists,
            m.cmp.is_some() && m.time.is_none(),
        ];
        if ops.iter().filter(|x| **x).count() > 1 {
            return cerr(
                "conflicting modifiers: one of contains/startswith/endswith, re, cidr, exists or a numeric comparison per field",
            );
        }
        if [m.contains, m.startswith, m.endswith]
            .iter()
            .filter(|x| **x)
            .count()
            > 1
        {
            return cerr("conflicting modifiers: only one of contains, startswith, endswith");
        }
        if (m.re_i || m.re_m || m.re_s) && !m.re {
            return cerr("regular-expression flags `i`, `m`, `s` need `re`");
        }
        Ok(m)
    }
}

/// A scalar value of a detection item.
enum SVal<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

fn sval(node: &Node) -> Result<SVal<'_>, CompileError> {
    Ok(match &node.value {
        YValue::Str(s) => SVal::Str(Cow::Borrowed(s)),
        YValue::Int(i) => SVal::Int(*i),
        YValue::Float(f) => SVal::Float(*f),
        YValue::Bool(b) => SVal::Bool(*b),
        YValue::Null => SVal::Null,
        _ => return cerr(format!("a {} is not a detection value", node.kind_name())),
    })
}

fn num_text(v: &SVal<'_>) -> Option<String> {
    match v {
        SVal::Str(s) => Some(s.to_string()),
        SVal::Int(i) => Some(i.to_string()),
        SVal::Float(f) => Some(f.to_string()),
        SVal::Bool(b) => Some(b.to_string()),
        SVal::Null => None,
    }
}

fn as_number(v: &SVal<'_>) -> Option<f64> {
    match v {
        SVal::Int(i) => Some(*i as f64),
        SVal::Float(f) => Some(*f),
        SVal::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn compile_value(v: &SVal<'_>, m: &Mods, placeholders: &Placeholders) -> Result<M, CompileError> {
    if let Some(part) = m.time {
        let Some(n) = as_number(v) else {
            return cerr("a time-part modifier needs a number");
        };
        return Ok(M::Time(part, m.cmp.unwrap_or(Cmp::Eq), n));
    }
    if let Some(cmp) = m.cmp {
        let Some(n) = as_number(v) else {
            return cerr("a numeric comparison needs a number");
        };
        return Ok(M::Num(cmp, n));
    }
    if m.fieldref {
        let Some(field) = num_text(v) else {
            return cerr("`fieldref` needs a field name");
        };
        let mode = if m.contains {
            RefMode::Contains
        } else if m.startswith {
            RefMode::Prefix
        } else if m.endswith {
            RefMode::Suffix
        } else {
            RefMode::Exact
        };
        return Ok(M::FieldRef {
            field,
            mode,
            cased: m.cased,
        });
    }
    if m.re {
        let Some(pat) = num_text(v) else {
            return cerr("`re` needs a pattern");
        };
        let flags: String = [(m.re_i, 'i'), (m.re_m, 'm'), (m.re_s, 's')]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, c)| *c)
            .collect();
        let full = if flags.is_empty() {
            pat
        } else {
            format!("(?{flags}){pat}")
        };
        return match Regex::new(&full) {
            Ok(r) => Ok(M::Regex(r)),
            Err(e) => cerr(format!("invalid regular expression: {e}")),
        };
    }
    if m.cidr {
        let Some(text) = num_text(v) else {
            return cerr("`cidr` needs a network");
        };
        return parse_cidr(&text);
    }
    let string_mods = m.contains
        || m.startswith
        || m.endswith
        || m.base64
        || m.base64offset
        || m.utf16
        || m.utf16be
        || m.utf16le
        || m.windash
        || m.expand;
    let text: Cow<'_, str> = match v {
        SVal::Null => return Ok(M::Null),
        SVal::Bool(b) if !string_mods => return Ok(M::Bool(*b)),
        SVal::Int(i) if !string_mods => return Ok(M::Num(Cmp::Eq, *i as f64)),
        SVal::Float(f) if !string_mods => return Ok(M::Num(Cmp::Eq, *f)),
        SVal::Str(s) => Cow::Borrowed(s.as_ref()),
        other => Cow::Owned(num_text(other).unwrap_or_default()),
    };
    // Text-level transformations first, then encodings, then the string match.
    let mut texts = vec![text.into_owned()];
    if m.windash {
        let mut out = Vec::new();
        for t in &texts {
            out.extend(windash(t)?);
        }
        texts = out;
    }
    if m.expand {
        let mut out = Vec::new();
        for t in &texts {
            out.extend(expand(t, placeholders)?);
        }
        texts = out;
    }
    let encoding = m.utf16 || m.utf16be || m.utf16le;
    let mut matchers = Vec::new();
    for t in &texts {
        if encoding || m.base64 || m.base64offset {
            let plain = unescape(t);
            let bytes = if m.utf16 {
                utf16(&plain, false, true)
            } else if m.utf16be {
                utf16(&plain, true, false)
            } else if m.utf16le {
                utf16(&plain, false, false)
            } else {
                plain.into_bytes()
            };
            let encoded: Vec<String> = if m.base64offset {
                base64_offsets(&bytes)
            } else if m.base64 {
                vec![B64.encode(&bytes)]
            } else {
                vec![String::from_utf8_lossy(&bytes).into_owned()]
            };
            for e in encoded {
                let mut parts = vec![Part::Lit(e)];
                // `base64offset` fragments only make sense as substrings.
                if m.contains || m.base64offset {
                    parts.insert(0, Part::Star);
                    parts.push(Part::Star);
                } else if m.startswith {
                    parts.push(Part::Star);
                } else if m.endswith {
                    parts.insert(0, Part::Star);
                }
                matchers.push(compile_parts(parts, m.cased)?);
            }
        } else {
            let mut parts = parse_sigma_string(t);
            if m.contains || m.endswith {
                parts.insert(0, Part::Star);
            }
            if m.contains || m.startswith {
                parts.push(Part::Star);
            }
            matchers.push(compile_parts(parts, m.cased)?);
        }
    }
    Ok(if matchers.len() == 1 {
        matchers.remove(0)
    } else {
        M::Any(matchers)
    })
}

fn parse_cidr(text: &str) -> Result<M, CompileError> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let Ok(ip) = addr.trim().parse::<IpAddr>() else {
        return cerr(format!("`{text}` is not a CIDR network"));
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => match l.trim().parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => return cerr(format!("`{text}` has an invalid prefix length")),
        },
        None => max,
    };
    Ok(M::Cidr(ip, len))
}

fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V4(_)) => a
            .to_ipv4_mapped()
            .is_some_and(|v4| in_network(IpAddr::V4(v4), net, len)),
        _ => false,
    }
}

fn compile_item(item: &Item<'_>, placeholders: &Placeholders) -> Result<CItem, CompileError> {
    let m = Mods::read(item)?;
    let field = item.field.map(str::to_owned).or_else(|| {
        // A numeric key (`4624: x`) is a field name too.
        item.key
            .filter(|k| k.as_str().is_none())
            .and_then(|k| k.scalar_text().map(|t| t.into_owned()))
    });
    if m.exists {
        let want = match item.values.first().map(|n| &n.value) {
            Some(YValue::Bool(b)) => *b,
            Some(YValue::Str(s)) if s.eq_ignore_ascii_case("true") => true,
            Some(YValue::Str(s)) if s.eq_ignore_ascii_case("false") => false,
            _ => return cerr("`exists` needs `true` or `false`"),
        };
        return Ok(CItem {
            field,
            kind: ItemKind::Exists(want),
        });
    }
    let mut matchers = Vec::with_capacity(item.values.len());
    for v in &item.values {
        let sv = sval(v)?;
        matchers.push(compile_value(&sv, &m, placeholders)?);
    }
    Ok(CItem {
        field,
        kind: ItemKind::Values {
            matchers,
            all: m.all,
            negated: m.neq,
        },
    })
}

fn compile_selection(
    sel: &Selection<'_>,
    placeholders: &Placeholders,
) -> Result<CSelection, CompileError> {
    let mut alternatives = Vec::with_capacity(sel.alternatives.len());
    for alt in &sel.alternatives {
        let items = alt
            .iter()
            .map(|i| compile_item(i, placeholders))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CompileError {
                message: format!("selection `{}`: {}", sel.name, e.message),
            })?;
        alternatives.push(items);
    }
    Ok(CSelection { alternatives })
}

fn compile_expr<'e>(e: &'e Expr, idx: &mut IdentIndex<'e>) -> Result<CExpr, CompileError> {
    Ok(match e {
        Expr::Ident { name, .. } => match idx.get(name) {
            Some(i) => CExpr::Sel(i),
            None => return cerr(format!("condition names `{name}`, which is not defined")),
        },
        Expr::Of { quant, target, .. } => {
            let sels = idx.of_matches(target).to_vec();
            if sels.is_empty() {
                // `1 of x*` over nothing is false, `all of` over nothing vacuously true; both
                // are rule errors the linter reports, so evaluate to no match.
                CExpr::Const(false)
            } else {
                CExpr::Of {
                    all: *quant == Quantifier::All,
                    sels,
                }
            }
        }
        Expr::Not(inner) => CExpr::Not(Box::new(compile_expr(inner, idx)?)),
        Expr::And(items) => CExpr::And(
            items
                .iter()
                .map(|i| compile_expr(i, idx))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(items) => CExpr::Or(
            items
                .iter()
                .map(|i| compile_expr(i, idx))
                .collect::<Result<_, _>>()?,
        ),
    })
}

impl CompiledDetection {
    /// Compiles a rule's `detection` (or a filter's `filter`) block.
    pub fn compile(
        detection: &Detection<'_>,
        placeholders: &Placeholders,
    ) -> Result<CompiledDetection, CompileError> {
        if let Some(p) = detection.problems.first() {
            return cerr(p.message.clone());
        }
        let selections = detection
            .selections
            .iter()
            .map(|s| compile_selection(s, placeholders))
            .collect::<Result<Vec<_>, _>>()?;
        if detection.conditions.is_empty() {
            return cerr("detection has no condition");
        }
        let names = detection.names();
        let mut parsed = Vec::new();
        for (_, text) in &detection.conditions {
            let c = condition::parse(text).map_err(|e| CompileError {
                message: format!("condition `{text}`: {e}"),
            })?;
            if c.aggregation.is_some() {
                return cerr(format!(
                    "condition `{text}` uses the deprecated aggregation syntax; write a correlation rule"
                ));
            }
            parsed.push(c.expr);
        }
        let mut idx = IdentIndex::new(&names);
        let mut conditions = Vec::new();
        for e in &parsed {
            conditions.push(compile_expr(e, &mut idx)?);
        }
        Ok(CompiledDetection {
            selections,
            conditions,
        })
    }

    /// Whether the event matches (a list of conditions is an OR).
    pub fn matches(&self, event: &Value) -> bool {
        let mut memo = vec![None; self.selections.len()];
        self.conditions
            .iter()
            .any(|c| self.eval(c, event, &mut memo))
    }

    fn sel(&self, i: usize, event: &Value, memo: &mut [Option<bool>]) -> bool {
        if let Some(Some(b)) = memo.get(i) {
            return *b;
        }
        let r = self.selections.get(i).is_some_and(|s| {
            s.alternatives
                .iter()
                .any(|alt| alt.iter().all(|it| it.matches(event)))
        });
        if let Some(slot) = memo.get_mut(i) {
            *slot = Some(r);
        }
        r
    }

    fn eval(&self, e: &CExpr, event: &Value, memo: &mut [Option<bool>]) -> bool {
        match e {
            CExpr::Sel(i) => self.sel(*i, event, memo),
            CExpr::Not(inner) => !self.eval(inner, event, memo),
            CExpr::And(items) => items.iter().all(|x| self.eval(x, event, memo)),
            CExpr::Or(items) => items.iter().any(|x| self.eval(x, event, memo)),
            CExpr::Of { all: true, sels } => sels.iter().all(|&s| self.sel(s, event, memo)),
            CExpr::Of { all: false, sels } => sels.iter().any(|&s| self.sel(s, event, memo)),
            CExpr::Const(b) => *b,
        }
    }
}

impl CItem {
    fn matches(&self, event: &Value) -> bool {
        let Some(field) = &self.field else {
            return self.matches_keyword(event);
        };
        // Most fields are top-level keys: no allocation for those.
        let direct;
        let mut collected = Vec::new();
        let found: &[&Value] = match event {
            Value::Object(m) if m.contains_key(field.as_str()) => {
                direct = [&m[field.as_str()]];
                &direct
            }
            _ => {
                lookup(event, field, &mut collected);
                &collected
            }
        };
        match &self.kind {
            ItemKind::Exists(want) => found.iter().any(|v| !v.is_null()) == *want,
            ItemKind::Values {
                matchers,
                all,
                negated,
            } => {
                // `neq` negates the whole item, as pySigma does (`NOT (a OR b)`); a missing
                // field is unknown, not different, so it does not match either way (SQL's
                // `NOT (NULL = 'a')`).
                if *negated && found.iter().all(|v| v.is_null()) {
                    return false;
                }
                let test = |m: &M| {
                    if found.is_empty() {
                        matches!(m, M::Null)
                    } else {
                        m.matches_any(found, event)
                    }
                };
                let hit = if *all {
                    matchers.iter().all(test)
                } else {
                    matchers.iter().any(test)
                };
                hit != *negated
            }
        }
    }

    fn matches_keyword(&self, event: &Value) -> bool {
        let ItemKind::Values {
            matchers,
            all,
            negated,
        } = &self.kind
        else {
            return false;
        };
        let test = |m: &M| {
            let m = keyword_form(m);
            any_string(event, &|s| m.matches_str(s), 0)
        };
        let hit = if *all {
            matchers.iter().all(test)
        } else {
            matchers.iter().any(test)
        };
        hit != *negated
    }
}

/// A keyword value without wildcards is a substring search; numbers are searched as text.
fn keyword_form(m: &M) -> Cow<'_, M> {
    match m {
        M::Str {
            pat: Pat::Exact(s),
            cased,
        } => Cow::Owned(M::Str {
            pat: Pat::Contains(s.clone()),
            cased: *cased,
        }),
        M::Num(Cmp::Eq, n) => Cow::Owned(M::Str {
            pat: Pat::Contains(num_display(*n)),
            cased: true,
        }),
        _ => Cow::Borrowed(m),
    }
}

fn num_display(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn any_string(v: &Value, f: &dyn Fn(&str) -> bool, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().any(|x| any_string(x, f, depth + 1)),
        Value::Object(o) => o.values().any(|x| any_string(x, f, depth + 1)),
        _ => false,
    }
}

/// `h` (ASCII, any case) equals `p` (already lowercased).
fn ascii_ci_eq(h: &[u8], p: &[u8]) -> bool {
    h.len() == p.len() && h.iter().zip(p).all(|(a, b)| a.to_ascii_lowercase() == *b)
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// An event scalar as text (strings, numbers, booleans).
fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn event_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl M {
    /// Whether one of the found values (array elements included) matches.
    fn matches_any(&self, found: &[&Value], event: &Value) -> bool {
        found.iter().any(|v| self.matches_value(v, event, 0))
    }

    fn matches_value(&self, v: &Value, event: &Value, depth: usize) -> bool {
        if let Value::Array(items) = v {
            if depth > 16 {
                return false;
            }
            return items
                .iter()
                .any(|x| self.matches_value(x, event, depth + 1));
        }
        match self {
            M::Null => v.is_null(),
            M::Bool(b) => match v {
                Value::Bool(x) => x == b,
                Value::String(s) => match s.to_ascii_lowercase().as_str() {
                    "true" => *b,
                    "false" => !*b,
                    _ => false,
                },
                _ => false,
            },
            M::Num(cmp, n) => event_number(v).is_some_and(|x| cmp.test(x, *n)),
            M::Str { .. } | M::Regex(_) | M::Cidr(..) => {
                scalar_text(v).is_some_and(|s| self.matches_str(&s))
            }
            M::Time(part, cmp, n) => time_part(v, *part).is_some_and(|x| cmp.test(x as f64, *n)),
            M::FieldRef { field, mode, cased } => {
                let Some(a) = scalar_text(v) else {
                    return false;
                };
                let mut other = Vec::new();
                lookup(event, field, &mut other);
                other.iter().filter_map(|o| scalar_text(o)).any(|b| {
                    let (a, b) = if *cased {
                        (Cow::Borrowed(a.as_ref()), b)
                    } else {
                        (lower(&a), Cow::Owned(lower(&b).into_owned()))
                    };
                    match mode {
                        RefMode::Exact => a == b,
                        RefMode::Prefix => a.starts_with(b.as_ref()),
                        RefMode::Suffix => a.ends_with(b.as_ref()),
                        RefMode::Contains => a.contains(b.as_ref()),
                    }
                })
            }
            M::Any(ms) => ms.iter().any(|m| m.matches_value(v, event, depth)),
        }
    }

    /// String form of the match (keywords and stringified scalars).
    fn matches_str(&self, s: &str) -> bool {
        match self {
            M::Str { pat, cased } => {
                if !*cased && s.is_ascii() {
                    // Patterns are lowercased already; an ASCII value folds byte by byte.
                    let h = s.as_bytes();
                    return match pat {
                        Pat::Exact(p) => ascii_ci_eq(h, p.as_bytes()),
                        Pat::Prefix(p) => {
                            h.len() >= p.len() && ascii_ci_eq(&h[..p.len()], p.as_bytes())
                        }
                        Pat::Suffix(p) => {
                            h.len() >= p.len() && ascii_ci_eq(&h[h.len() - p.len()..], p.as_bytes())
                        }
                        Pat::Contains(p) => {
                            p.is_empty() || h.windows(p.len()).any(|w| ascii_ci_eq(w, p.as_bytes()))
                        }
                        Pat::Glob(r) => r.is_match(s),
                    };
                }
                let s = if *cased || matches!(pat, Pat::Glob(_)) {
                    Cow::Borrowed(s)
                } else {
                    lower(s)
                };
                match pat {
                    Pat::Exact(p) => s.as_ref() == p,
                    Pat::Prefix(p) => s.starts_with(p.as_str()),
                    Pat::Suffix(p) => s.ends_with(p.as_str()),
                    Pat::Contains(p) => s.contains(p.as_str()),
                    Pat::Glob(r) => r.is_match(&s),
                }
            }
            M::Regex(r) => r.is_match(s),
            M::Cidr(net, len) => s
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| in_network(ip, *net, *len)),
            M::Num(Cmp::Eq, n) => s.trim().parse::<f64>().is_ok_and(|x| x == *n),
            M::Bool(b) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            M::Any(ms) => ms.iter().any(|m| m.matches_str(s)),
            _ => false,
        }
    }
}

/// Parses an event timestamp: RFC 3339, civil `YYYY-MM-DD[ T]HH:MM:SS[.f]` as UTC, or epoch
/// seconds / milliseconds. Returns Unix milliseconds.
pub fn parse_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            let x = n.as_f64()?;
            // Heuristic shared by log tools: past 10^11 the number is milliseconds.
            Some(if x.abs() >= 1e11 {
                x as i64
            } else {
                (x * 1000.0) as i64
            })
        }
        Value::String(s) => parse_time_str(s),
        _ => None,
    }
}

fn parse_time_str(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !s.is_empty() {
        return parse_time(&Value::from(s.parse::<f64>().ok()?));
    }
    None
}

fn time_part(v: &Value, part: ModifierKind) -> Option<i64> {
    let ms = parse_time(v)?;
    let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
    part.time_part_of(ts.to_zoned(jiff::tz::TimeZone::UTC).datetime())
}

#[cfg(test)]
mod tests;
