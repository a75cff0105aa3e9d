//! The Sigma condition language: a parser for `detection.condition` and its expansion into a
//! bounded disjunctive normal form.
//!
//! Grammar (precedence `not` > `and` > `or`, keywords case-insensitive):
//!
//! ```text
//! condition := expr [ "|" aggregation ]        aggregation is deprecated (Sigma v1)
//! expr      := and { "or" and }
//! and       := unary { "and" unary }
//! unary     := "not" unary | primary
//! primary   := "(" expr ")" | quant "of" ( "them" | pattern ) | identifier
//! quant     := "1" | "any" | "all"
//! ```
//!
//! The parser is recursive descent with an explicit depth limit ([`MAX_DEPTH`]): `and`/`or`
//! chains are flat vectors, so only parentheses and `not` add depth, and a hostile condition
//! (100,000 characters, 10,000 nested parentheses) yields an error instead of a stack overflow.
//! Offsets in errors and spans are byte offsets into the condition string; see
//! [`crate::lint::document::scalar_offset_pos`] for mapping them to a file position.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

/// Deepest nesting of parentheses and `not` accepted in one condition.
pub const MAX_DEPTH: usize = 64;

/// Largest number of conjunctions [`to_dnf`] produces before giving up.
pub const MAX_DNF_TERMS: usize = 512;

/// Largest number of literals, summed over all conjunctions, [`to_dnf`] holds before giving
/// up (keeps `all of x*` over thousands of identifiers, repeated, from using gigabytes).
pub const MAX_DNF_LITERALS: usize = 1 << 20;

/// How many of the matched identifiers must match in `x of pattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` / `any of`: at least one.
    Any,
    /// `all of`: every one.
    All,
}

/// What an `x of` expression ranges over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OfTarget {
    /// `them`: every detection identifier (Sigma excludes those starting with `_`).
    Them,
    /// An identifier pattern such as `selection_*`.
    Pattern(String),
}

/// A parsed condition expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A detection identifier.
    Ident {
        /// The identifier.
        name: String,
        /// Byte range in the condition string.
        span: Range<usize>,
    },
    /// `1 of x*`, `all of them`, ...
    Of {
        /// The quantifier.
        quant: Quantifier,
        /// What it ranges over.
        target: OfTarget,
        /// Byte range in the condition string (of the pattern or `them`).
        span: Range<usize>,
    },
    /// `not x`.
    Not(Box<Expr>),
    /// `a and b and ...` (at least two operands).
    And(Vec<Expr>),
    /// `a or b or ...` (at least two operands).
    Or(Vec<Expr>),
}

/// The obsolete part of a condition: a Sigma v1 aggregation (`| count() by x > 5`) or the
/// `near` operator, both replaced by correlation rules in Sigma v2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregation {
    /// The text after the `|` (or from `near` on), trimmed.
    pub text: String,
    /// Byte offset of the `|` (or of `near`).
    pub offset: usize,
    /// Whether it is the `near` operator (without a pipe) rather than a pipe aggregation.
    pub near: bool,
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The boolean expression.
    pub expr: Expr,
    /// The deprecated aggregation, when present.
    pub aggregation: Option<Aggregation>,
}

/// Why a condition does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// Byte offset of the problem in the condition string.
    pub offset: usize,
    /// What is wrong, as a short lowercase phrase.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Of,
    Word(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

fn describe(t: Option<&Token>) -> String {
    match t.map(|t| &t.tok) {
        None => "end of condition".to_owned(),
        Some(Tok::LParen) => "`(`".to_owned(),
        Some(Tok::RParen) => "`)`".to_owned(),
        Some(Tok::And) => "`and`".to_owned(),
        Some(Tok::Or) => "`or`".to_owned(),
        Some(Tok::Not) => "`not`".to_owned(),
        Some(Tok::Of) => "`of`".to_owned(),
        Some(Tok::Word(w)) => format!("`{w}`"),
    }
}

/// Splits the condition into tokens; stops at a top-level `|` (aggregation).
fn tokenize(s: &str) -> (Vec<Token>, Option<Aggregation>) {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        match c {
            b'(' => {
                out.push(Token {
                    tok: Tok::LParen,
                    span: i..i + 1,
                });
                i += 1;
            }
            b')' => {
                out.push(Token {
                    tok: Tok::RParen,
                    span: i..i + 1,
                });
                i += 1;
            }
            b'|' => {
                let agg = Aggregation {
                    text: s[i + 1..].trim().to_owned(),
                    offset: i,
                    near: false,
                };
                return (out, Some(agg));
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'(' | b')' | b'|')
                {
                    i += 1;
                }
                // `i` only stops at ASCII bytes or the end, so the slice is on char boundaries.
                let word = &s[start..i];
                if word.eq_ignore_ascii_case("near") && !out.is_empty() {
                    let agg = Aggregation {
                        text: s[start..].trim().to_owned(),
                        offset: start,
                        near: true,
                    };
                    return (out, Some(agg));
                }
                // Operators are lower-case in Sigma (pySigma's grammar is case-sensitive);
                // other spellings are words, which the parser reports.
                let tok = if word == "and" {
                    Tok::And
                } else if word == "or" {
                    Tok::Or
                } else if word == "not" {
                    Tok::Not
                } else if word == "of" {
                    Tok::Of
                } else {
                    Tok::Word(word.to_owned())
                };
                out.push(Token {
                    tok,
                    span: start..i,
                });
            }
        }
    }
    (out, None)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.span.start)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ConditionError> {
        Err(ConditionError {
            offset: self.here(),
            message: message.into(),
        })
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ConditionError> {
        let mut items = vec![self.and(depth)?];
        while matches!(self.peek().map(|t| &t.tok), Some(Tok::Or)) {
            self.pos += 1;
            items.push(self.and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ConditionError> {
        let mut items = vec![self.unary(depth)?];
        while matches!(self.peek().map(|t| &t.tok), Some(Tok::And)) {
            self.pos += 1;
            items.push(self.unary(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ConditionError> {
        if depth >= MAX_DEPTH {
            return self.err(format!(
                "condition nested deeper than {MAX_DEPTH} levels of parentheses and `not`"
            ));
        }
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::Not)) {
            self.pos += 1;
            let inner = self.unary(depth + 1)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ConditionError> {
        let Some(tok) = self.peek().cloned() else {
            return self
                .err("expected an identifier, `not`, `(` or `1 of`, found end of condition");
        };
        match tok.tok {
            Tok::LParen => {
                self.pos += 1;
                if matches!(self.peek().map(|t| &t.tok), Some(Tok::RParen)) {
                    return self.err("empty parentheses");
                }
                let inner = self.expr(depth + 1)?;
                match self.peek().map(|t| &t.tok) {
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(ConditionError {
                        offset: self.here(),
                        message: format!(
                            "unclosed `(`: expected `)`, found {}",
                            describe(self.peek())
                        ),
                    }),
                }
            }
            Tok::Word(word) => {
                if let Some(op) = ["and", "or", "not", "of"]
                    .into_iter()
                    .find(|op| word.eq_ignore_ascii_case(op))
                {
                    return self.err(format!(
                        "`{word}` is not a Sigma operator: operators are lower-case (`{op}`)"
                    ));
                }
                let next = self.toks.get(self.pos + 1).map(|t| &t.tok);
                let next_is_of = matches!(next, Some(Tok::Of))
                    || matches!(next, Some(Tok::Word(w)) if w.eq_ignore_ascii_case("of"));
                if next_is_of {
                    let quant = if word == "1" || word == "any" {
                        Quantifier::Any
                    } else if word == "all" {
                        Quantifier::All
                    } else if word.eq_ignore_ascii_case("any") || word.eq_ignore_ascii_case("all") {
                        return self.err(format!(
                            "`{word}` is not a Sigma quantifier: quantifiers are lower-case (`{}`)",
                            word.to_ascii_lowercase()
                        ));
                    } else {
                        return self.err(format!(
                            "`{word} of` is not valid: the quantifiers are `1 of`, `any of` and `all of` (count with a correlation rule)"
                        ));
                    };
                    if let Some(Tok::Word(w)) = next {
                        self.pos += 1;
                        return self.err(format!(
                            "`{w}` is not a Sigma operator: operators are lower-case (`of`)"
                        ));
                    }
                    self.pos += 2;
                    let Some(target) = self.peek().cloned() else {
                        return self.err("expected `them` or an identifier pattern after `of`");
                    };
                    let Tok::Word(pat) = target.tok else {
                        return self.err(format!(
                            "expected `them` or an identifier pattern after `of`, found {}",
                            describe(Some(&target))
                        ));
                    };
                    if pat != "them" && pat.eq_ignore_ascii_case("them") {
                        return self.err(format!("`{pat}` is not valid: write `them`"));
                    }
                    if let Some(bad) = pat
                        .chars()
                        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '*')))
                    {
                        return self.err(format!(
                            "`{pat}` is not an identifier pattern: `{bad}` is not allowed (letters, digits, `_` and `*`; name the identifiers without `-` or list them)"
                        ));
                    }
                    self.pos += 1;
                    let target_kind = if pat == "them" {
                        OfTarget::Them
                    } else {
                        OfTarget::Pattern(pat)
                    };
                    return Ok(Expr::Of {
                        quant,
                        target: target_kind,
                        span: target.span,
                    });
                }
                if word.eq_ignore_ascii_case("them") {
                    return self.err("`them` needs a quantifier: `1 of them` or `all of them`");
                }
                if let Some(bad) = word
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
                {
                    let why = if bad == '*' {
                        "a wildcard needs a quantifier: `1 of` or `all of`".to_owned()
                    } else {
                        format!("`{bad}` is not allowed (letters, digits, `_` and `-`)")
                    };
                    return self.err(format!("`{word}` is not a valid identifier: {why}"));
                }
                self.pos += 1;
                Ok(Expr::Ident {
                    name: word,
                    span: tok.span,
                })
            }
            Tok::Of => self.err("`of` needs a quantifier before it: `1 of` or `all of`"),
            _ => self.err(format!(
                "expected an identifier, `not`, `(` or `1 of`, found {}",
                describe(Some(&tok))
            )),
        }
    }
}

/// Parses a condition string.
pub fn parse(s: &str) -> Result<Condition, ConditionError> {
    let (toks, aggregation) = tokenize(s);
    let end = aggregation.as_ref().map_or(s.len(), |a| a.offset);
    let mut p = Parser { toks, pos: 0, end };
    if p.toks.is_empty() {
        return Err(ConditionError {
            offset: 0,
            message: "empty condition".to_owned(),
        });
    }
    let expr = p.expr(0)?;
    if let Some(t) = p.peek() {
        let message = match &t.tok {
            Tok::Word(w)
                if ["and", "or", "not", "of"]
                    .iter()
                    .any(|op| w.eq_ignore_ascii_case(op)) =>
            {
                format!(
                    "`{w}` is not a Sigma operator: operators are lower-case (`{}`)",
                    w.to_ascii_lowercase()
                )
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("near") => {
                "`near` is obsolete: express the relationship with a temporal correlation rule"
                    .to_owned()
            }
            Tok::RParen => "unbalanced `)`".to_owned(),
            Tok::Word(_) | Tok::LParen | Tok::Not => format!(
                "expected `and`, `or` or end of condition, found {}",
                describe(Some(t))
            ),
            _ => format!("unexpected {}", describe(Some(t))),
        };
        return p.err(message);
    }
    Ok(Condition { expr, aggregation })
}

/// Whether `name` matches a Sigma identifier pattern (`*` matches any run of characters).
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    // Iterative glob with backtracking on the last `*`: linear in practice, no recursion.
    // Over bytes, which gives the same answer as over characters: a literal run of the pattern
    // starts with a character's first byte, which never equals a continuation byte, so every
    // match starts and ends on character boundaries.
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether an `x of` target ranges over the identifier `name`. Identifiers starting with `_`
/// are left out of every `x of`, a pattern as well as `them`: the specification defines
/// `1/all of pattern` as "same as `1/all of them`, but restricted to matching search
/// identifiers", and pySigma's selector skips them for both.
pub fn of_target_matches(target: &OfTarget, name: &str) -> bool {
    !name.starts_with('_')
        && match target {
            OfTarget::Them => true,
            OfTarget::Pattern(p) => pattern_matches(p, name),
        }
}

/// The identifiers an `x of` target ranges over, in `names` order.
pub fn of_matches<'n>(target: &OfTarget, names: &[&'n str]) -> Vec<&'n str> {
    names
        .iter()
        .copied()
        .filter(|n| of_target_matches(target, n))
        .collect()
}

/// Detection identifiers with constant-time lookups, for checks that resolve every reference
/// of a condition: a hostile rule may have 100,000 identifiers and a condition naming
/// thousands, so a linear search per reference would be quadratic. A rule's handful of
/// identifiers (up to [`SCAN_IDENTS`]) is searched directly, without building a map.
#[derive(Debug)]
pub struct IdentIndex<'n> {
    names: &'n [&'n str],
    /// First occurrence of each name, for more than [`SCAN_IDENTS`] names.
    first: Option<HashMap<&'n str, usize>>,
    /// `x of` targets resolved so far.
    of_cache: HashMap<&'n OfTarget, Vec<usize>>,
}

/// Up to this many identifiers are searched without a map.
const SCAN_IDENTS: usize = 16;

/// Index of the first identifier called `name`: from the map when there is one, else by a
/// search of `names`.
fn first_index(names: &[&str], first: &Option<HashMap<&str, usize>>, name: &str) -> Option<usize> {
    match first {
        Some(first) => first.get(name).copied(),
        None => names.iter().position(|n| *n == name),
    }
}

impl<'n> IdentIndex<'n> {
    /// Indexes `names` (a repeated name resolves to its first occurrence).
    pub fn new(names: &'n [&'n str]) -> Self {
        let first = (names.len() > SCAN_IDENTS).then(|| {
            let mut first = HashMap::with_capacity(names.len());
            for (i, n) in names.iter().enumerate() {
                first.entry(*n).or_insert(i);
            }
            first
        });
        IdentIndex {
            names,
            first,
            of_cache: HashMap::new(),
        }
    }

    /// Index of the identifier called `name`.
    pub fn get(&self, name: &str) -> Option<usize> {
        first_index(self.names, &self.first, name)
    }

    /// Indices of the identifiers an `x of` target ranges over (first occurrences, in `names`
    /// order); computed once per distinct target.
    pub fn of_matches(&mut self, target: &'n OfTarget) -> &[usize] {
        let (names, first) = (self.names, &self.first);
        self.of_cache.entry(target).or_insert_with(|| {
            names
                .iter()
                .enumerate()
                .filter(|&(i, n)| first_index(names, first, n) == Some(i))
                .filter(|(_, n)| of_target_matches(target, n))
                .map(|(i, _)| i)
                .collect()
        })
    }
}

/// Visits every identifier reference (`Ident` and `Of`) of an expression, iteratively.
pub fn visit_refs<'e>(expr: &'e Expr, mut f: impl FnMut(&'e Expr)) {
    let mut todo = vec![expr];
    while let Some(e) = todo.pop() {
        match e {
            Expr::Ident { .. } | Expr::Of { .. } => f(e),
            Expr::Not(inner) => todo.push(inner),
            Expr::And(items) | Expr::Or(items) => todo.extend(items.iter().rev()),
        }
    }
}

/// Whether the expression negates anything (`not` anywhere).
pub fn has_negation(expr: &Expr) -> bool {
    let mut todo = vec![expr];
    while let Some(e) = todo.pop() {
        match e {
            Expr::Not(_) => return true,
            Expr::And(items) | Expr::Or(items) => todo.extend(items.iter()),
            _ => {}
        }
    }
    false
}

/// One literal of a DNF conjunction: an identifier (index into the name list), maybe negated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal {
    /// Index of the identifier in the `names` slice given to [`to_dnf`].
    pub ident: usize,
    /// Whether the literal is negated.
    pub negated: bool,
}

/// Why [`to_dnf`] could not expand a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnfError {
    /// The condition names an identifier (or a pattern matching none) that does not exist.
    Undefined(String),
    /// The expansion would exceed [`MAX_DNF_TERMS`] conjunctions.
    TooLarge,
}

type Dnf = Vec<Vec<Literal>>;

fn literals(d: &Dnf) -> usize {
    d.iter().map(Vec::len).sum()
}

fn dnf_or(mut a: Dnf, b: Dnf) -> Result<Dnf, DnfError> {
    if a.len() + b.len() > MAX_DNF_TERMS || literals(&a) + literals(&b) > MAX_DNF_LITERALS {
        return Err(DnfError::TooLarge);
    }
    a.extend(b);
    Ok(a)
}

fn dnf_and(a: &Dnf, b: &Dnf) -> Result<Dnf, DnfError> {
    if a.len().saturating_mul(b.len()) > MAX_DNF_TERMS {
        return Err(DnfError::TooLarge);
    }
    // Every conjunction of `a` meets every one of `b`.
    let size = literals(a)
        .saturating_mul(b.len())
        .saturating_add(literals(b).saturating_mul(a.len()));
    if size > MAX_DNF_LITERALS {
        return Err(DnfError::TooLarge);
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut c: Vec<Literal> = x.iter().chain(y.iter()).copied().collect();
            c.sort();
            c.dedup();
            out.push(c);
        }
    }
    Ok(out)
}

fn dnf_rec<'e>(expr: &'e Expr, idx: &mut IdentIndex<'e>, negated: bool) -> Result<Dnf, DnfError> {
    match expr {
        Expr::Ident { name, .. } => {
            let ident = idx
                .get(name)
                .ok_or_else(|| DnfError::Undefined(name.clone()))?;
            Ok(vec![vec![Literal { ident, negated }]])
        }
        Expr::Of { quant, target, .. } => {
            let matched = idx.of_matches(target);
            if matched.is_empty() {
                let shown = match target {
                    OfTarget::Them => "them".to_owned(),
                    OfTarget::Pattern(p) => p.clone(),
                };
                return Err(DnfError::Undefined(shown));
            }
            if matched.len() > MAX_DNF_LITERALS {
                return Err(DnfError::TooLarge);
            }
            let lits = matched.iter().map(|&ident| Literal { ident, negated });
            // `any` = OR, `all` = AND; negation swaps them (De Morgan).
            let conjunctive = (*quant == Quantifier::All) != negated;
            if conjunctive {
                Ok(vec![lits.collect()])
            } else {
                if matched.len() > MAX_DNF_TERMS {
                    return Err(DnfError::TooLarge);
                }
                Ok(lits.map(|l| vec![l]).collect())
            }
        }
        Expr::Not(inner) => dnf_rec(inner, idx, !negated),
        Expr::And(items) | Expr::Or(items) => {
            let conjunctive = matches!(expr, Expr::And(_)) != negated;
            let mut acc: Option<Dnf> = None;
            for item in items {
                let d = dnf_rec(item, idx, negated)?;
                acc = Some(match acc {
                    None => d,
                    Some(a) if conjunctive => dnf_and(&a, &d)?,
                    Some(a) => dnf_or(a, d)?,
                });
            }
            Ok(acc.unwrap_or_default())
        }
    }
}

/// Expands an expression into disjunctive normal form over the detection identifiers `names`:
/// the condition is true exactly when one of the returned conjunctions is. Bounded by
/// [`MAX_DNF_TERMS`] and [`MAX_DNF_LITERALS`]; recursion depth is bounded by the parser's
/// [`MAX_DEPTH`].
pub fn to_dnf(expr: &Expr, names: &[&str]) -> Result<Vec<Vec<Literal>>, DnfError> {
    let mut idx = IdentIndex::new(names);
    let mut d = dnf_rec(expr, &mut idx, false)?;
    d.sort();
    d.dedup();
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Condition {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn show(e: &Expr) -> String {
        match e {
            Expr::Ident { name, .. } => name.clone(),
            Expr::Of { quant, target, .. } => format!(
                "{}({})",
                if *quant == Quantifier::All {
                    "all"
                } else {
                    "any"
                },
                match target {
                    OfTarget::Them => "them",
                    OfTarget::Pattern(p) => p,
                }
            ),
            Expr::Not(i) => format!("!{}", show(i)),
            Expr::And(v) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(" & ")),
            Expr::Or(v) => format!("{{{}}}", v.iter().map(show).collect::<Vec<_>>().join(" | ")),
        }
    }

    #[test]
    fn precedence_not_and_or() {
        let c = ok("a or not b and c");
        assert_eq!(show(&c.expr), "{a | [!b & c]}");
        let c = ok("(a or b) and not (c or d)");
        assert_eq!(show(&c.expr), "[{a | b} & !{c | d}]");
    }

    #[test]
    fn quantifiers_and_them() {
        let c = ok("1 of selection_* and not all of filter_* or any of them");
        assert_eq!(
            show(&c.expr),
            "{[any(selection_*) & !all(filter_*)] | any(them)}"
        );
        assert_eq!(show(&ok("all of them").expr), "all(them)");
        for upper in [
            "ALL OF sel*",
            "sel AND x",
            "sel Or x",
            "NOT sel",
            "1 OF sel*",
            "1 of THEM",
        ] {
            let e = parse(upper).expect_err(upper);
            assert!(
                e.message.contains("lower-case") || e.message.contains("write `them`"),
                "{upper}: {}",
                e.message
            );
        }
        let e = parse("sel AND x").expect_err("upper");
        assert_eq!(e.offset, 4);
    }

    #[test]
    fn aggregation_is_split_off() {
        let c = ok("selection | count(dst_ip) by src_ip > 10");
        assert_eq!(show(&c.expr), "selection");
        let agg = c.aggregation.expect("aggregation");
        assert_eq!(agg.offset, 10);
        assert_eq!(agg.text, "count(dst_ip) by src_ip > 10");
        assert!(!agg.near);
        let c = ok("selection near filter");
        let agg = c.aggregation.expect("near");
        assert!(agg.near);
        assert_eq!(agg.offset, 10);
        assert!(parse("a.b").is_err());
        assert!(parse("sel*").is_err());
        assert!(parse("1 of sel.*").is_err());
        assert!(parse("1 of sel-a*").is_err());
        assert!(parse("sel-a and not sel_b").is_ok());
    }

    #[test]
    fn errors_carry_offsets() {
        let e = parse("selection and").expect_err("dangling and");
        assert_eq!(e.offset, 13);
        assert!(e.message.contains("end of condition"), "{}", e.message);
        let e = parse("(a or b").expect_err("unclosed");
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("unclosed"), "{}", e.message);
        let e = parse("a b").expect_err("missing operator");
        assert_eq!(e.offset, 2);
        let e = parse("a )").expect_err("extra paren");
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("unbalanced"));
        let e = parse("2 of sel*").expect_err("bad quantifier");
        assert_eq!(e.offset, 0);
        let e = parse("1 of (a)").expect_err("bad of target");
        assert_eq!(e.offset, 5);
        assert!(parse("").is_err());
        assert!(parse("   ").is_err());
        assert!(parse("()").is_err());
        assert!(parse("them").is_err());
        assert!(parse("of x").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = parse(&s).expect_err("too deep");
        assert!(e.message.contains("nested deeper"), "{}", e.message);
        let s = "not ".repeat(50_000) + "a";
        assert!(parse(&s).is_err());
        let s = format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&s).is_ok());
    }

    #[test]
    fn long_flat_condition_parses() {
        let mut s = String::from("a");
        while s.len() < 100_000 {
            s.push_str(" and a or not a");
        }
        let c = ok(&s);
        assert!(matches!(c.expr, Expr::Or(ref v) if v.len() > 1000));
        let names = ["a"];
        // Far too many terms: bounded, not exploding.
        let big = (0..20)
            .map(|_| "(a or a)")
            .collect::<Vec<_>>()
            .join(" and ")
            .to_string();
        assert_eq!(
            to_dnf(&ok(&big).expr, &names).map(|d| d.len()),
            Err(DnfError::TooLarge)
        );
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("selection_*", "selection_api"));
        assert!(pattern_matches("*", "x"));
        assert!(pattern_matches("a*b*c", "aXbYc"));
        assert!(!pattern_matches("a*b*c", "aXbY"));
        assert!(!pattern_matches("sel", "selection"));
        // Multi-byte characters: `*` matches whole characters, literals compare characters.
        assert!(pattern_matches("sélection_*", "sélection_é"));
        assert!(pattern_matches("*é", "aé"));
        assert!(pattern_matches("a*é*z", "aééz"));
        assert!(!pattern_matches("*é", "ae"));
        assert!(!pattern_matches("é*", "e\u{301}x"));
        assert!(pattern_matches("*", ""));
        assert!(!pattern_matches("a*", ""));
        let names = ["selection", "_hidden", "filter_a"];
        assert_eq!(
            of_matches(&OfTarget::Them, &names),
            vec!["selection", "filter_a"]
        );
    }

    #[test]
    fn dnf_expansion() {
        let names = ["sel_a", "sel_b", "ctx", "filter_x", "filter_y"];
        let c = ok("1 of sel_* and not 1 of filter_*");
        let d = to_dnf(&c.expr, &names).expect("dnf");
        assert_eq!(d.len(), 2);
        for conj in &d {
            assert_eq!(conj.len(), 3, "{conj:?}");
            assert_eq!(conj.iter().filter(|l| l.negated).count(), 2);
        }
        let c = ok("sel_a and not all of filter_*");
        let d = to_dnf(&c.expr, &names).expect("dnf");
        assert_eq!(d.len(), 2);
        let c = ok("not (sel_a or ctx)");
        let d = to_dnf(&c.expr, &names).expect("dnf");
        assert_eq!(
            d,
            vec![vec![
                Literal {
                    ident: 0,
                    negated: true
                },
                Literal {
                    ident: 2,
                    negated: true
                }
            ]]
        );
        assert_eq!(
            to_dnf(&ok("nope").expr, &names),
            Err(DnfError::Undefined("nope".into()))
        );
        assert_eq!(
            to_dnf(&ok("1 of zz*").expr, &names),
            Err(DnfError::Undefined("zz*".into()))
        );
    }

    #[test]
    fn dnf_size_is_bounded_in_literals_too() {
        // 128 conjunctions (under MAX_DNF_TERMS), each holding `all of s*` over 10,000
        // identifiers: 1.28 million literals, over MAX_DNF_LITERALS.
        let owned: Vec<String> = (0..10_000)
            .map(|i| format!("s{i}"))
            .chain((0..7).map(|j| format!("x{j}")))
            .collect();
        let names: Vec<&str> = owned.iter().map(String::as_str).collect();
        let cond = (0..7)
            .map(|j| format!("(all of s* or x{j})"))
            .collect::<Vec<_>>()
            .join(" and ");
        assert_eq!(
            to_dnf(&ok(&cond).expr, &names).map(|d| d.len()),
            Err(DnfError::TooLarge)
        );
        let small = (0..3)
            .map(|j| format!("(all of s* or x{j})"))
            .collect::<Vec<_>>()
            .join(" and ");
        assert_eq!(to_dnf(&ok(&small).expr, &names).map(|d| d.len()), Ok(8));
    }

    #[test]
    fn ident_index_resolves_first_occurrence_and_caches_patterns() {
        let names = ["sel_a", "filter", "sel_b", "sel_a", "_hidden"];
        let mut idx = IdentIndex::new(&names);
        assert_eq!(idx.get("sel_a"), Some(0));
        assert_eq!(idx.get("nope"), None);
        let pat = OfTarget::Pattern("sel_*".into());
        assert_eq!(idx.of_matches(&pat), &[0, 2]);
        assert_eq!(idx.of_matches(&pat), &[0, 2]);
        assert_eq!(idx.of_matches(&OfTarget::Them), &[0, 1, 2]);
    }

    #[test]
    fn ident_index_answers_the_same_with_and_without_its_maps() {
        // Few names are searched directly; past SCAN_IDENTS the index builds a map. Both must
        // give what a plain search gives.
        for count in [3, SCAN_IDENTS, SCAN_IDENTS + 1, 3 * SCAN_IDENTS] {
            let owned: Vec<String> = (0..count)
                .map(|i| match i % 4 {
                    0 => format!("sel_{}", i / 2),
                    1 => format!("filter_{i}"),
                    2 => format!("sel_{}", i / 2 - 1), // repeats an earlier `sel_`
                    _ => format!("_aux{i}"),
                })
                .collect();
            let names: Vec<&str> = owned.iter().map(String::as_str).collect();
            let targets: Vec<OfTarget> = (0..2 * SCAN_IDENTS + 3)
                .map(|i| match i % 3 {
                    0 => OfTarget::Pattern(format!("sel_{}*", i / 3)),
                    1 => OfTarget::Pattern(format!("filter_{}*", i / 3)),
                    _ => OfTarget::Them,
                })
                .collect();
            let mut idx = IdentIndex::new(&names);
            for (i, n) in names.iter().enumerate() {
                let first = names.iter().position(|m| m == n);
                assert_eq!(idx.get(n), first, "{count} names, `{n}` at {i}");
            }
            assert_eq!(idx.get("absent"), None);
            for round in 0..2 {
                for t in &targets {
                    let want: Vec<usize> = (0..names.len())
                        .filter(|&i| {
                            names.iter().position(|m| *m == names[i]) == Some(i)
                                && of_target_matches(t, names[i])
                        })
                        .collect();
                    assert_eq!(
                        idx.of_matches(t),
                        want,
                        "{count} names, {t:?}, round {round}"
                    );
                }
            }
            assert_eq!(idx.first.is_some(), count > SCAN_IDENTS);
        }
    }

    #[test]
    fn visit_and_negation() {
        let c = ok("a and not (1 of b* or c)");
        let mut seen = Vec::new();
        visit_refs(&c.expr, |e| seen.push(show(e)));
        assert_eq!(seen, vec!["a", "any(b*)", "c"]);
        assert!(has_negation(&c.expr));
        assert!(!has_negation(&ok("a or b").expr));
    }
}
