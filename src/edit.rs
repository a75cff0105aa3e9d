//! Text edits on a user's file: the one way `lint --fix`, `harden`, `baseline --write` and
//! `new --update` change a file the user owns.
//!
//! An [`Edit`] replaces a byte range of the original text (typically a node's span from
//! [`crate::yaml`]) with new text; everything outside the ranges (comments, quoting, key
//! order, blank lines) is kept byte for byte. [`apply`] checks the ranges before touching
//! anything, [`unified_diff`] renders the change for `--diff`, and [`write_back`] replaces the
//! file atomically (temporary file in the same folder, then a rename), so an interrupted run
//! never leaves a half-written rule.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// One replacement of `range` (byte offsets into the original text) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte range of the original text that is replaced (empty for an insertion).
    pub range: Range<usize>,
    /// The replacement.
    pub text: String,
}

impl Edit {
    /// Replaces `range` by `text`.
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Self {
            range,
            text: text.into(),
        }
    }

    /// Inserts `text` at byte offset `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self::replace(at..at, text)
    }

    /// Deletes `range`.
    pub fn delete(range: Range<usize>) -> Self {
        Self::replace(range, String::new())
    }
}

/// Why a set of edits cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// A range ends past the text or starts after it ends.
    OutOfBounds(Range<usize>),
    /// A range boundary falls inside a multi-byte character.
    NotCharBoundary(usize),
    /// Two ranges overlap (two fixes want the same text).
    Overlap(Range<usize>, Range<usize>),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfBounds(r) => {
                write!(f, "edit range {}..{} is outside the text", r.start, r.end)
            }
            Self::NotCharBoundary(at) => write!(f, "edit boundary {at} falls inside a character"),
            Self::Overlap(a, b) => write!(
                f,
                "edits {}..{} and {}..{} overlap",
                a.start, a.end, b.start, b.end
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// Applies `edits` to `text` and returns the new text. Edits may come in any order; they are
/// applied as if simultaneously (every range refers to the original text). Insertions at the
/// same offset keep their given order. Overlapping ranges are an error, never a guess.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut order: Vec<&Edit> = edits.iter().collect();
    order.sort_by_key(|e| (e.range.start, e.range.end));
    for e in &order {
        if e.range.start > e.range.end || e.range.end > text.len() {
            return Err(EditError::OutOfBounds(e.range.clone()));
        }
        for at in [e.range.start, e.range.end] {
            if !text.is_char_boundary(at) {
                return Err(EditError::NotCharBoundary(at));
            }
        }
    }
    for w in order.windows(2) {
        let (a, b) = (&w[0].range, &w[1].range);
        // Touching ranges are fine; so are two insertions at one point. A replacement that
        // contains another edit's start is not.
        if b.start < a.end {
            return Err(EditError::Overlap(a.clone(), b.clone()));
        }
    }
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for e in order {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.text);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The byte offset of `pos` (1-based line, 1-based column in characters, as every
/// [`crate::yaml::Pos`]) in `text`. A column past the end of its line gives the line's end
/// (before its line break); a line past the end of the text is `None`.
pub fn offset_of(text: &str, pos: crate::yaml::Pos) -> Option<usize> {
    let line0 = usize::try_from(pos.line.checked_sub(1)?).ok()?;
    let mut start = 0;
    for _ in 0..line0 {
        start += text[start..].find('\n')? + 1;
    }
    let line = text[start..].split('\n').next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    let col0 = usize::try_from(pos.col.saturating_sub(1)).unwrap_or(usize::MAX);
    let within = line.char_indices().nth(col0).map_or(line.len(), |(b, _)| b);
    Some(start + within)
}

/// The position (1-based line and column in characters) of byte `offset` of `text`; an
/// offset inside a character counts as that character's start.
pub fn pos_of(text: &str, offset: usize) -> crate::yaml::Pos {
    let mut off = offset.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = &text[..off];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    crate::yaml::Pos::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// The byte range of `span` in `text`, when its start lies in the text (an end past the
/// text, as a parser reports for a node ending the file, is the text's end).
pub fn range_of(text: &str, span: crate::yaml::Span) -> Option<Range<usize>> {
    let start = offset_of(text, span.start)?;
    let end = offset_of(text, span.end).unwrap_or(text.len()).max(start);
    Some(start..end)
}

/// A unified diff of `old` and `new` with `path` in the headers (`--- a/PATH`, `+++ b/PATH`),
/// three lines of context; empty when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Replaces the user's file at `path` by `text`, atomically: the old content stays whole
/// until the rename. The file must exist (this never creates a user's file by accident).
pub fn write_back(path: &Path, text: &str) -> Result<(), crate::scaffold::write::WriteError> {
    crate::scaffold::write::write_atomic(path, text.as_bytes(), true)
}

/// Replaces or creates each of `files` (paths relative to `out`) atomically, all or nothing
/// and never outside `out` (links leaving it are refused; see [`crate::scaffold::write`]).
/// For commands that rewrite a folder of files the user owns (`new --update`).
pub fn write_back_under(
    out: &Path,
    files: &[(std::path::PathBuf, String)],
) -> Result<(), crate::scaffold::write::WriteError> {
    let labels: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    let specs: Vec<crate::scaffold::write::FileSpec<'_>> = files
        .iter()
        .zip(&labels)
        .map(|((rel, text), label)| crate::scaffold::write::FileSpec {
            rel,
            label,
            bytes: text.as_bytes(),
        })
        .collect();
    crate::scaffold::write::write_files(out, &specs, true).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_outside_the_ranges() {
        let text = "a: 1 # keep\nb: 'x'\n";
        let v = text.find('1').unwrap_or(0);
        let out = apply(text, &[Edit::replace(v..v + 1, "2")]).unwrap_or_default();
        assert_eq!(out, "a: 2 # keep\nb: 'x'\n");
    }

    #[test]
    fn edits_apply_against_the_original_in_any_order() {
        let text = "0123456789";
        let out = apply(
            text,
            &[
                Edit::replace(8..9, "EIGHT"),
                Edit::insert(0, ">"),
                Edit::delete(2..4),
            ],
        );
        assert_eq!(
            out.as_deref(),
            Ok(">01456789".replace('8', "EIGHT").as_str())
        );
    }

    #[test]
    fn overlap_and_bounds_are_errors() {
        assert!(matches!(
            apply(
                "abcdef",
                &[Edit::replace(1..4, "x"), Edit::replace(3..5, "y")]
            ),
            Err(EditError::Overlap(..))
        ));
        assert!(matches!(
            apply("abc", &[Edit::replace(2..9, "x")]),
            Err(EditError::OutOfBounds(..))
        ));
        assert!(matches!(
            apply("é", &[Edit::insert(1, "x")]),
            Err(EditError::NotCharBoundary(1))
        ));
    }

    #[test]
    fn positions_and_offsets_round_trip() {
        use crate::yaml::Pos;
        let text = "a: é1\r\nbb: 2\n";
        assert_eq!(offset_of(text, Pos::new(1, 1)), Some(0));
        assert_eq!(offset_of(text, Pos::new(1, 5)), Some(5));
        // Past the end of a line: the line's end, before `\r\n`.
        assert_eq!(offset_of(text, Pos::new(1, 40)), Some(6));
        assert_eq!(offset_of(text, Pos::new(2, 5)), Some(12));
        assert_eq!(offset_of(text, Pos::new(3, 1)), Some(text.len()));
        assert_eq!(offset_of(text, Pos::new(4, 1)), None);
        assert_eq!(offset_of(text, Pos::new(0, 1)), None);
        for off in [0, 3, 5, 8, 12] {
            assert_eq!(offset_of(text, pos_of(text, off)), Some(off), "{off}");
        }
        assert_eq!(pos_of(text, 4), Pos::new(1, 4));
    }

    #[test]
    fn diff_names_the_file_and_is_empty_without_change() {
        assert_eq!(unified_diff("r.yml", "a\n", "a\n"), "");
        let d = unified_diff("r.yml", "a\nb\n", "a\nc\n");
        assert!(d.starts_with("--- a/r.yml\n+++ b/r.yml\n"), "{d}");
        assert!(d.contains("-b\n+c\n"), "{d}");
    }
}
