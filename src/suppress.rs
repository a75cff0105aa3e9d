//! Inline suppression comments: `# sigsmith: ignore[API001,api-presence-only] reason`.
//!
//! A suppression silences the listed checks (codes or names) for findings that start on the
//! comment's line (a trailing comment) or on the line after it (a comment on its own line; a
//! run of such comment lines all apply to the next line that is not a comment), or whose span
//! covers that line. A comment at the top of a YAML document, before its first key, applies to
//! every finding in that document. A listed check that suppresses nothing, an unknown check
//! and a malformed `# sigsmith:` comment are reported as [`UnusedSuppression`] findings, unless
//! the check is not enabled in this run. `--no-ignores` turns all of this off.
//!
//! The YAML loader drops comments, so they are found here by scanning the raw text with just
//! enough YAML awareness to avoid false comments: `#` only starts a comment at the start of a
//! line or after whitespace, never inside single- or double-quoted scalars (which may span
//! lines) nor inside literal (`|`) and folded (`>`) block scalars.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::checks;
use crate::diagnostic::{Finding, Fix};
use crate::edit::{self, Edit};
use crate::lint::rule::RuleMeta;
use crate::lint::rules::unused_suppression::UnusedSuppression;
use crate::yaml::Pos;

/// What every suppression comment contains (`# sigsmith: ...`): a file without it has none.
pub const MARKER: &str = "sigsmith:";

/// One check named in a suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The code or name as written.
    pub key: String,
    /// Where it is written.
    pub pos: Pos,
    /// The check it names, if any.
    pub rule: Option<&'static RuleMeta>,
}

/// What a suppression comment covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Findings starting on this line, or whose span covers it.
    Line(u32),
    /// Every finding between these lines (inclusive): the whole document.
    Document(u32, u32),
}

/// A parsed `# sigsmith: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Where the comment's `#` is.
    pub pos: Pos,
    /// What it covers.
    pub scope: Scope,
    /// The checks it lists.
    pub entries: Vec<Entry>,
    /// The free text after `]`, if any.
    pub reason: Option<String>,
}

/// The suppressions of one file and its malformed `# sigsmith:` comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSuppressions {
    /// Well-formed suppressions in source order.
    pub suppressions: Vec<Suppression>,
    /// Comments that start with `sigsmith:` but do not parse: where the comment starts and
    /// ends, and what is wrong.
    pub malformed: Vec<(Pos, Pos, String)>,
}

/// A comment found in YAML source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// 1-based line.
    pub line: u32,
    /// 1-based character column of the `#`.
    pub col: u32,
    /// The text after `#`.
    pub text: String,
    /// Whether the comment is alone on its line.
    pub own_line: bool,
}

/// Line ranges of the documents of a stream, with the comments in each document's header
/// (before its first content line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Scan {
    comments: Vec<Comment>,
    /// (first line, last line) of each document.
    docs: Vec<(u32, u32)>,
    /// Indices into `comments` of comments before the first content of their document, with
    /// the document index.
    header_comments: Vec<(usize, usize)>,
    /// Lines holding only comments (or nothing but whitespace before a comment).
    comment_lines: Vec<u32>,
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Whether a line's content (comment removed, trimmed) ends in a block scalar indicator such
/// as `|`, `>-` or `|2+`, so the following more-indented lines are scalar text.
fn opens_block_scalar(content: &str) -> bool {
    let last = content.rsplit([' ', '\t']).next().unwrap_or("");
    let mut chars = last.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if first != '|' && first != '>' {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    if rest.len() > 2 || !rest.iter().all(|c| matches!(c, '1'..='9' | '+' | '-')) {
        return false;
    }
    // `key: |`, `- |`, `--- |`, a tag or anchor before it, or a bare `|` line.
    let before = content[..content.len() - last.len()].trim_end();
    before.is_empty()
        || before.ends_with(':')
        || before.ends_with('-')
        || before.ends_with("---")
        || before
            .rsplit([' ', '\t'])
            .next()
            .is_some_and(|t| t.starts_with('!') || t.starts_with('&'))
}

/// The indentation that block scalar content must exceed: the column of the key on the line
/// (after any `- ` sequence indicators), or of the last `-` when the scalar is a bare item.
fn block_parent_indent(line: &str) -> usize {
    let mut i = leading_spaces(line);
    let bytes = line.as_bytes();
    let mut last_dash = None;
    while i < bytes.len() && bytes[i] == b'-' && bytes.get(i + 1).is_some_and(|b| *b == b' ') {
        last_dash = Some(i);
        i += 1;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
    }
    if bytes.get(i).is_some_and(|b| *b == b'|' || *b == b'>') {
        last_dash.unwrap_or(i)
    } else {
        i
    }
}

fn is_doc_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut quote: Option<char> = None;
    let mut block_indent: Option<usize> = None;
    let mut doc_start = 1u32;
    let mut doc_has_content = false;
    let mut last_line = 0u32;
    for (idx, raw) in text.split('\n').enumerate() {
        let line_no = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        last_line = line_no;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(parent) = block_indent {
            let blank = line.trim().is_empty();
            if blank || leading_spaces(line) > parent {
                continue;
            }
            block_indent = None;
        }
        let is_marker_line =
            quote.is_none() && (is_doc_marker(line, "---") || is_doc_marker(line, "..."));
        if is_marker_line && doc_has_content {
            out.docs.push((doc_start, line_no - 1));
            doc_start = line_no;
            doc_has_content = false;
        }
        let is_directive = quote.is_none() && !doc_has_content && line.starts_with('%');

        // Walk the characters for quotes and a comment.
        let mut comment: Option<(usize, usize)> = None; // (char col 0-based, byte index)
        let mut last_nonspace: Option<char> = None;
        let mut prev: Option<char> = None;
        let mut chars = line.char_indices().enumerate().peekable();
        while let Some((ci, (bi, c))) = chars.next() {
            match quote {
                Some('"') => {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        quote = None;
                    }
                }
                Some(_) => {
                    if c == '\'' {
                        if chars.peek().is_some_and(|(_, (_, n))| *n == '\'') {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    }
                }
                None => {
                    if c == '#' && prev.is_none_or(|p| p == ' ' || p == '\t') {
                        comment = Some((ci, bi));
                        break;
                    }
                    if (c == '\'' || c == '"')
                        && last_nonspace
                            .is_none_or(|p| matches!(p, ':' | '-' | '?' | '[' | '{' | ','))
                        && prev.is_none_or(|p| matches!(p, ' ' | '\t' | '[' | '{' | ','))
                    {
                        quote = Some(c);
                    }
                }
            }
            if !c.is_whitespace() {
                last_nonspace = Some(c);
            }
            prev = Some(c);
        }
        let content = match comment {
            Some((_, bi)) => &line[..bi],
            None => line,
        };
        let content_trim = content.trim();
        if let Some((ci, bi)) = comment {
            let own_line = content_trim.is_empty();
            let idx = out.comments.len();
            out.comments.push(Comment {
                line: line_no,
                col: u32::try_from(ci + 1).unwrap_or(u32::MAX),
                text: line[bi + 1..].to_owned(),
                own_line,
            });
            if own_line {
                out.comment_lines.push(line_no);
            }
            if !doc_has_content && (own_line || is_marker_line) {
                out.header_comments.push((idx, out.docs.len()));
            }
        }
        let has_content = !content_trim.is_empty() && !is_marker_line && !is_directive;
        if has_content {
            doc_has_content = true;
        }
        if quote.is_none() && opens_block_scalar(content_trim) {
            block_indent = Some(block_parent_indent(line));
        }
    }
    out.docs.push((doc_start, last_line.max(doc_start)));
    out
}

/// Every comment in `text`, in source order.
pub fn comments(text: &str) -> Vec<Comment> {
    scan(text).comments
}

/// Parses the body of a `# sigsmith:` comment (the text after `#`). `None` when the comment is
/// not a sigsmith directive; `Some(Err)` when it is one but malformed.
/// The entries and the reason of a well-formed directive.
type Directive = (Vec<Entry>, Option<String>);

fn parse_directive(text: &str, line: u32, hash_col: u32) -> Option<Result<Directive, String>> {
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let rest = trimmed.strip_prefix("sigsmith:")?;
    let after_colon = rest.trim_start();
    let Some(list) = after_colon.strip_prefix("ignore[") else {
        return Some(Err(
            "malformed sigsmith comment; expected `# sigsmith: ignore[CODE,...] reason`".to_owned(),
        ));
    };
    let Some(close) = list.find(']') else {
        return Some(Err(
            "suppression comment is missing its closing `]`".to_owned()
        ));
    };
    // Character column of the first key: `#` + lead + "sigsmith:" + spaces + "ignore[".
    let mut col = hash_col
        + 1
        + u32::try_from(
            text[..lead].chars().count()
                + "sigsmith:".len()
                + (rest.len() - after_colon.len())
                + "ignore[".len(),
        )
        .unwrap_or(0);
    let mut entries = Vec::new();
    for part in list[..close].split(',') {
        let key = part.trim();
        let offset = u32::try_from(part.len() - part.trim_start().len()).unwrap_or(0);
        if !key.is_empty() {
            entries.push(Entry {
                key: key.to_owned(),
                pos: Pos::new(line, col + offset),
                rule: checks::find(key),
            });
        }
        col += u32::try_from(part.chars().count() + 1).unwrap_or(0);
    }
    if entries.is_empty() {
        return Some(Err("suppression comment lists no check".to_owned()));
    }
    let reason = list[close + 1..].trim();
    Some(Ok((
        entries,
        (!reason.is_empty()).then(|| reason.to_owned()),
    )))
}

/// Finds the suppression comments of one file.
pub fn parse(text: &str) -> FileSuppressions {
    let scan = scan(text);
    let mut out = FileSuppressions::default();
    let header: HashMap<usize, usize> = scan.header_comments.iter().copied().collect();
    // For each comment line, the first line after its run of comment lines, computed from the
    // last line backwards so that a run of n comment lines costs O(n), not O(n²).
    let mut next_content = vec![0u32; scan.comment_lines.len()];
    for k in (0..scan.comment_lines.len()).rev() {
        let line = scan.comment_lines[k];
        next_content[k] = match scan.comment_lines.get(k + 1) {
            Some(&next) if next == line + 1 => next_content[k + 1],
            _ => line + 1,
        };
    }
    for (i, c) in scan.comments.iter().enumerate() {
        let pos = Pos::new(c.line, c.col);
        let parsed = match parse_directive(&c.text, c.line, c.col) {
            None => continue,
            Some(Err(message)) => {
                let len = u32::try_from(c.text.trim_end().chars().count()).unwrap_or(0);
                out.malformed
                    .push((pos, Pos::new(c.line, c.col + 1 + len), message));
                continue;
            }
            Some(Ok(p)) => p,
        };
        let scope = if let Some(&doc) = header.get(&i) {
            let (start, end) = scan.docs.get(doc).copied().unwrap_or((c.line, c.line));
            Scope::Document(start, end)
        } else if c.own_line {
            // The next line that is not itself a comment line (precomputed: linear in runs).
            let target = scan
                .comment_lines
                .binary_search(&c.line)
                .map_or(c.line + 1, |k| next_content[k]);
            Scope::Line(target)
        } else {
            Scope::Line(c.line)
        };
        out.suppressions.push(Suppression {
            pos,
            scope,
            entries: parsed.0,
            reason: parsed.1,
        });
    }
    out
}

/// Entries keyed by a line number.
type ByLine<T> = BTreeMap<u32, Vec<T>>;

/// The suppression entries of one file by check code, then by the line (or document start)
/// they cover, so that each finding looks up only the entries that can cover it: applying
/// suppressions is O((findings + entries) log entries), not O(findings × entries).
#[derive(Debug, Default)]
struct Index {
    /// code → covered line → (suppression, entry).
    lines: HashMap<&'static str, ByLine<(usize, usize)>>,
    /// code → document start → (document end, suppression, entry).
    docs: HashMap<&'static str, ByLine<(u32, usize, usize)>>,
}

impl Index {
    fn new(parsed: &FileSuppressions) -> Self {
        let mut index = Index::default();
        for (si, s) in parsed.suppressions.iter().enumerate() {
            for (ei, e) in s.entries.iter().enumerate() {
                let Some(rule) = e.rule else { continue };
                match s.scope {
                    Scope::Line(line) => index
                        .lines
                        .entry(rule.code)
                        .or_default()
                        .entry(line)
                        .or_default()
                        .push((si, ei)),
                    Scope::Document(start, end) => index
                        .docs
                        .entry(rule.code)
                        .or_default()
                        .entry(start)
                        .or_default()
                        .push((end, si, ei)),
                }
            }
        }
        index
    }

    /// Calls `hit` with each entry that suppresses `f` (see [`covers`]).
    fn covering(&self, f: &Finding, mut hit: impl FnMut(usize, usize)) {
        if let Some(lines) = self.lines.get(f.code) {
            let end = f.end.map_or(f.pos.line, |e| e.line.max(f.pos.line));
            for entries in lines.range(f.pos.line..=end).map(|(_, v)| v) {
                for &(si, ei) in entries {
                    hit(si, ei);
                }
            }
        }
        if let Some(docs) = self.docs.get(f.code) {
            // Documents do not overlap: only the last one starting at or before the line can
            // hold it.
            if let Some((_, entries)) = docs.range(..=f.pos.line).next_back() {
                for &(end, si, ei) in entries {
                    if f.pos.line <= end {
                        hit(si, ei);
                    }
                }
            }
        }
    }
}

/// Whether a suppression of `scope` covers `f` (what [`Index::covering`] computes fast).
#[cfg(test)]
fn covers(scope: Scope, f: &Finding) -> bool {
    match scope {
        Scope::Line(line) => {
            let end = f.end.map_or(f.pos.line, |e| e.line.max(f.pos.line));
            f.pos.line == line || (f.pos.line <= line && line <= end)
        }
        Scope::Document(start, end) => start <= f.pos.line && f.pos.line <= end,
    }
}

/// The outcome of applying suppressions.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings that remain, plus [`UnusedSuppression`] findings.
    pub findings: Vec<Finding>,
    /// How many findings were suppressed.
    pub suppressed: usize,
}

/// Applies the suppression comments of `sources` (path → text) to `findings`. `enabled` says
/// whether a check runs at all; unused entries for checks that do not run are not reported,
/// and no [`UnusedSuppression`] finding is made when that check itself is not enabled.
pub fn apply<'a>(
    findings: Vec<Finding>,
    sources: impl IntoIterator<Item = (&'a Path, &'a str)>,
    enabled: &dyn Fn(&str) -> bool,
) -> Applied {
    /// A file's text, its suppressions, which of their entries were used, and their index.
    type Parsed<'t> = (&'t str, FileSuppressions, Vec<Vec<bool>>, Index);
    let mut by_file: HashMap<PathBuf, Parsed<'a>> = HashMap::new();
    for (path, text) in sources {
        if !text.contains(MARKER) {
            continue;
        }
        let parsed = parse(text);
        let used = parsed
            .suppressions
            .iter()
            .map(|s| vec![false; s.entries.len()])
            .collect();
        let index = Index::new(&parsed);
        by_file.insert(path.to_path_buf(), (text, parsed, used, index));
    }
    let mut out = Applied::default();
    for f in findings {
        let mut hit = false;
        if let Some((_, _, used, index)) = by_file.get_mut(&f.path) {
            index.covering(&f, |si, ei| {
                used[si][ei] = true;
                hit = true;
            });
        }
        if hit {
            out.suppressed += 1;
        } else {
            out.findings.push(f);
        }
    }
    let meta = UnusedSuppression::META;
    if !enabled(meta.code) {
        return out;
    }
    let mut hints: HashMap<String, String> = HashMap::new();
    let mut paths: Vec<&PathBuf> = by_file.keys().collect();
    paths.sort();
    for path in paths {
        let (text, parsed, used, _) = &by_file[path];
        for (pos, end, message) in &parsed.malformed {
            out.findings.push(unused(
                path,
                *pos,
                Some(*end),
                message.clone(),
                "write `# sigsmith: ignore[CODE,...] reason`",
            ));
        }
        for (s, used) in parsed.suppressions.iter().zip(used) {
            // The entries a fix removes: known checks that run and suppressed nothing.
            let removable: Vec<bool> = s
                .entries
                .iter()
                .zip(used)
                .map(|(e, used)| !used && e.rule.is_some_and(|r| enabled(r.code)))
                .collect();
            for (ei, (e, used)) in s.entries.iter().zip(used).enumerate() {
                let mut help = "remove the stale entry or the whole comment";
                let message = match e.rule {
                    None => {
                        help = "use a code or name that `sigsmith rules` lists";
                        // Computed once per distinct key (edit distances to every check).
                        let hint = hints
                            .entry(e.key.clone())
                            .or_insert_with(|| {
                                checks::close_matches(&e.key)
                                    .first()
                                    .map(|m| format!("; did you mean `{}` ({})?", m.code, m.name))
                                    .unwrap_or_default()
                            })
                            .clone();
                        format!("unknown check `{}` in suppression comment{hint}", e.key)
                    }
                    Some(r) if !used && enabled(r.code) => {
                        let what = match s.scope {
                            Scope::Document(..) => "in this document",
                            Scope::Line(_) => "here",
                        };
                        format!(
                            "unused suppression: no {} ({}) finding {what}",
                            r.code, r.name
                        )
                    }
                    Some(_) => continue,
                };
                let end = Pos::new(
                    e.pos.line,
                    e.pos.col + u32::try_from(e.key.chars().count()).unwrap_or(0),
                );
                let mut finding = unused(path, e.pos, Some(end), message, help);
                if removable[ei]
                    && let Some(fix) = removal_fix(text, s, &removable, ei)
                {
                    finding = finding.with_fix(fix);
                }
                out.findings.push(finding);
            }
        }
    }
    out
}

/// The fix of the unused entry `ei` of suppression `s` in `text`, given which of its entries
/// are unused (`removable`; each of those gets a fix). When every entry goes, each fix removes
/// the whole comment: the `#` to the end of the line and the spaces before it, or the whole
/// line when the comment is all there is on it. Otherwise the entry goes with one separator:
/// the comma after it when a kept entry follows, the comma before it when only unused ones
/// do. The ranges of one comment's fixes then never overlap, so applied together (as `lint
/// --fix` does) they leave the kept entries as a well-formed list, and each applied alone does
/// too. `None` when the source does not hold the comment where it was parsed.
fn removal_fix(text: &str, s: &Suppression, removable: &[bool], ei: usize) -> Option<Fix> {
    let code = UnusedSuppression::META.code;
    let entry = s.entries.get(ei)?;
    // Byte range of an entry's key; checked against the source.
    let key_range = |e: &Entry| {
        let start = edit::offset_of(text, e.pos)?;
        let end = start + e.key.len();
        (text.get(start..end) == Some(e.key.as_str())).then_some(start..end)
    };
    if removable.iter().all(|r| *r) {
        let hash = edit::offset_of(text, s.pos)?;
        if !text[hash..].starts_with('#') {
            return None;
        }
        let line_start = text[..hash].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[hash..].find('\n').map_or(text.len(), |i| hash + i);
        let range = if text[line_start..hash].trim().is_empty() {
            // The comment is the line: remove the line with its line break.
            line_start..(line_end + 1).min(text.len())
        } else {
            let content_end = line_start + text[line_start..hash].trim_end().len();
            let line_end = if text[..line_end].ends_with('\r') {
                line_end - 1
            } else {
                line_end
            };
            content_end..line_end
        };
        return Some(Fix::new(
            code,
            "remove the unused suppression comment",
            vec![Edit::delete(range)],
        ));
    }
    let this = key_range(entry)?;
    let kept_after = removable.iter().skip(ei + 1).any(|r| !*r);
    let range = if kept_after {
        this.start..key_range(s.entries.get(ei + 1)?)?.start
    } else {
        key_range(s.entries.get(ei.checked_sub(1)?)?)?.end..this.end
    };
    Some(Fix::new(
        code,
        format!("remove unused `{}` from the suppression comment", entry.key),
        vec![Edit::delete(range)],
    ))
}

fn unused(path: &Path, pos: Pos, end: Option<Pos>, message: String, help: &str) -> Finding {
    let m = UnusedSuppression::META;
    Finding {
        code: m.code,
        name: m.name,
        severity: m.severity,
        message,
        path: path.to_path_buf(),
        pos,
        end,
        doc_index: None,
        doc_id: None,
        doc_title: None,
        help: Some(help.to_owned()),
        related: Vec::new(),
        fix: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn lines(text: &str) -> Vec<(u32, u32, bool)> {
        comments(text)
            .iter()
            .map(|c| (c.line, c.col, c.own_line))
            .collect()
    }

    #[test]
    fn finds_comments_but_not_hashes_in_scalars() {
        let text = "\
# top
title: 'a # not a comment' # real
description: \"say \\\"#hi\\\" # no\" # yes
url: http://x/#frag
tags: [a, 'b#c'] # yes too
";
        assert_eq!(
            lines(text),
            [(1, 1, true), (2, 28, false), (3, 33, false), (5, 18, false)]
        );
    }

    #[test]
    fn skips_block_scalars_and_multiline_quotes() {
        let text = "\
description: |
  # inside the literal
    # still inside
  text
note: >-
  # folded
- key: |
    # in item
  other: 1 # after block
q: 'first line
  # inside a multi-line quote
  end' # after quote
apostrophe: it's # comment
";
        assert_eq!(
            lines(text),
            [(9, 12, false), (12, 8, false), (13, 18, false)]
        );
    }

    #[test]
    fn parses_entries_reason_and_columns() {
        let p = parse("title: x # sigsmith: ignore[API001, api-presence-only] reviewed\n");
        assert!(p.malformed.is_empty());
        let s = &p.suppressions[0];
        assert_eq!(s.scope, Scope::Line(1));
        assert_eq!(s.reason.as_deref(), Some("reviewed"));
        let keys: Vec<(&str, Pos)> = s.entries.iter().map(|e| (e.key.as_str(), e.pos)).collect();
        assert_eq!(
            keys,
            [
                ("API001", Pos::new(1, 29)),
                ("api-presence-only", Pos::new(1, 37))
            ]
        );
    }

    #[test]
    fn own_line_comments_apply_to_the_next_content_line() {
        let text = "\
title: x
# sigsmith: ignore[API001]
# sigsmith: ignore[SIG001] second
detection: {}
";
        let p = parse(text);
        let scopes: Vec<Scope> = p.suppressions.iter().map(|s| s.scope).collect();
        assert_eq!(scopes, [Scope::Line(4), Scope::Line(4)]);
    }

    #[test]
    fn header_comments_cover_their_document() {
        let text = "\
# sigsmith: ignore[API001] whole first doc
title: a
level: high
---
# sigsmith: ignore[API004]
title: b
---
title: c
";
        let p = parse(text);
        let scopes: Vec<Scope> = p.suppressions.iter().map(|s| s.scope).collect();
        assert_eq!(scopes, [Scope::Document(1, 3), Scope::Document(4, 6)]);
    }

    #[test]
    fn comments_before_the_first_marker_belong_to_the_first_document() {
        let text = "# sigsmith: ignore[API001]\n---\ntitle: a\n---\ntitle: b\n";
        let p = parse(text);
        assert_eq!(p.suppressions[0].scope, Scope::Document(1, 3));
    }

    #[test]
    fn malformed_directives_are_kept() {
        let p = parse(
            "# sigsmith: ignroe[API001]\n# sigsmith: ignore[API001\n# sigsmith: ignore[]\n# plain\n",
        );
        assert_eq!(p.malformed.len(), 3);
        assert!(p.suppressions.is_empty());
    }

    fn finding(code: &'static str, line: u32) -> Finding {
        Finding {
            code,
            name: "x",
            severity: Severity::Error,
            message: "m".into(),
            path: PathBuf::from("r.yml"),
            pos: Pos::new(line, 1),
            end: None,
            doc_index: None,
            doc_id: None,
            doc_title: None,
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn apply_suppresses_and_reports_unused() {
        let text = "\
title: x # sigsmith: ignore[SIG019]
# sigsmith: ignore[SIG019,SIG000] why
level: high
status: x # sigsmith: ignore[nope]
";
        let findings = vec![
            finding("SIG019", 1),
            finding("SIG019", 3),
            finding("SIG019", 4),
        ];
        let out = apply(findings, [(Path::new("r.yml"), text)], &|_| true);
        assert_eq!(out.suppressed, 2);
        let got: Vec<(&str, u32, u32, &str)> = out
            .findings
            .iter()
            .map(|f| (f.code, f.pos.line, f.pos.col, f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("SIG019", 4, 1, "m"),
                (
                    "SIG000",
                    2,
                    27,
                    "unused suppression: no SIG000 (unused-suppression) finding here"
                ),
                (
                    "SIG000",
                    4,
                    30,
                    "unknown check `nope` in suppression comment"
                ),
            ]
        );
    }

    #[test]
    fn unused_entries_of_disabled_checks_are_not_reported() {
        let text = "title: x # sigsmith: ignore[SIG019]\n";
        let out = apply(Vec::new(), [(Path::new("r.yml"), text)], &|c| c != "SIG019");
        assert!(out.findings.is_empty());
        let out = apply(Vec::new(), [(Path::new("r.yml"), text)], &|c| c != "SIG000");
        assert!(out.findings.is_empty());
    }

    #[test]
    fn span_covering_the_comment_line_is_suppressed() {
        let text = "a: 1\nb: 2 # sigsmith: ignore[SIG019]\n";
        let mut f = finding("SIG019", 1);
        f.end = Some(Pos::new(3, 1));
        let out = apply(vec![f], [(Path::new("r.yml"), text)], &|_| true);
        assert_eq!(out.suppressed, 1);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn index_agrees_with_the_scope_definition() {
        let text = "# sigsmith: ignore[SIG001]\ntitle: x\n# sigsmith: ignore[SIG001]\n# c\na: 1 # sigsmith: ignore[SIG001,SIG002]\n---\n# sigsmith: ignore[SIG002]\nb: 2\nc: 3\n";
        let parsed = parse(text);
        let index = Index::new(&parsed);
        for code in ["SIG001", "SIG002"] {
            for line in 1..=10 {
                for span in 0..4 {
                    let mut f = finding(code, line);
                    f.end = Some(Pos::new(line + span, 1));
                    let mut fast = Vec::new();
                    index.covering(&f, |si, ei| fast.push((si, ei)));
                    fast.sort_unstable();
                    let mut slow = Vec::new();
                    for (si, s) in parsed.suppressions.iter().enumerate() {
                        for (ei, e) in s.entries.iter().enumerate() {
                            if covers(s.scope, &f) && e.rule.is_some_and(|r| r.code == code) {
                                slow.push((si, ei));
                            }
                        }
                    }
                    assert_eq!(fast, slow, "{code} line {line} span {span}");
                }
            }
        }
    }

    #[test]
    fn long_runs_of_comment_lines_are_linear() {
        // 40,000 own-line suppressions in one run: each applies to the line after the run.
        let mut text = String::from("title: x\n");
        for _ in 0..40_000 {
            text.push_str("# sigsmith: ignore[SIG001]\n");
        }
        text.push_str("a: 1\n");
        let parsed = parse(&text);
        assert_eq!(parsed.suppressions.len(), 40_000);
        assert!(
            parsed
                .suppressions
                .iter()
                .all(|s| s.scope == Scope::Line(40_002))
        );
    }
}
