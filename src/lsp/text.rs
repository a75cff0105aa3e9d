//! Positions: sigsmith's 1-based lines and character columns ([`Pos`]) to and from the
//! protocol's 0-based lines and UTF-16 code-unit columns ([`Position`]).
//!
//! A column past the end of its line is clamped to the line's end and a line past the end of
//! the text to the last line, so a stale position from the client never panics.

use lsp_types::{Position, Range};

use crate::yaml::Pos;

/// The lines of one text, for converting positions.
#[derive(Debug)]
pub struct LineIndex<'a> {
    lines: Vec<&'a str>,
}

impl<'a> LineIndex<'a> {
    /// Splits `text` into lines (`\n` ends a line; a `\r` before it is not part of the line).
    pub fn new(text: &'a str) -> Self {
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        LineIndex { lines }
    }

    /// The 0-based line `line`, or the empty string past the end.
    pub fn line(&self, line: usize) -> &'a str {
        self.lines.get(line).copied().unwrap_or("")
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the text has no line at all (never: an empty text has one empty line).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The protocol position of a sigsmith position.
    pub fn position(&self, pos: Pos) -> Position {
        let line = (pos.line.max(1) - 1) as usize;
        let line = line.min(self.lines.len().saturating_sub(1));
        let text = self.line(line);
        let chars = (pos.col.max(1) - 1) as usize;
        let units: usize = text.chars().take(chars).map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(units))
    }

    /// The protocol range from `start` to `end` (exclusive). Without an end, the range runs to
    /// the end of the start's line (trailing spaces left out), or covers one character when
    /// the start is already there.
    pub fn range(&self, start: Pos, end: Option<Pos>) -> Range {
        let from = self.position(start);
        let to = match end {
            Some(end) if end > start => self.position(end),
            _ => {
                let text = self.line(from.line as usize);
                let trimmed: usize = text.trim_end().chars().map(char::len_utf16).sum();
                let to = to_u32(trimmed);
                if to > from.character {
                    Position::new(from.line, to)
                } else {
                    Position::new(from.line, from.character + 1)
                }
            }
        };
        Range::new(from, to)
    }

    /// The byte offset, within its line, of a protocol position's column (clamped to the
    /// line; a column inside a surrogate pair goes to the character's start).
    pub fn byte_col(&self, pos: Position) -> usize {
        let text = self.line(pos.line as usize);
        let mut units = 0usize;
        for (i, c) in text.char_indices() {
            if units + c.len_utf16() > pos.character as usize {
                return i;
            }
            units += c.len_utf16();
        }
        text.len()
    }

    /// The protocol column of byte offset `byte` in 0-based line `line`.
    pub fn utf16_col(&self, line: usize, byte: usize) -> u32 {
        let text = self.line(line);
        let byte = byte.min(text.len());
        let head = text.get(..byte).unwrap_or(text);
        to_u32(head.chars().map(char::len_utf16).sum())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16_code_units() {
        // `é` is one UTF-16 unit, `𝒳` (outside the BMP) two.
        let text = "a: é𝒳 sel\nb\n";
        let idx = LineIndex::new(text);
        // `sel` starts at character column 7 (1-based): a, :, space, é, 𝒳, space.
        assert_eq!(idx.position(Pos::new(1, 7)), Position::new(0, 7));
        assert_eq!(idx.position(Pos::new(1, 6)), Position::new(0, 6));
        let r = idx.range(Pos::new(1, 7), Some(Pos::new(1, 10)));
        assert_eq!((r.start.character, r.end.character), (7, 10));
        assert_eq!(idx.byte_col(Position::new(0, 7)), "a: é𝒳 ".len());
        assert_eq!(idx.utf16_col(0, "a: é𝒳 ".len()), 7);
    }

    #[test]
    fn stale_positions_are_clamped() {
        let idx = LineIndex::new("ab\r\ncd");
        assert_eq!(idx.position(Pos::new(9, 9)), Position::new(1, 2));
        assert_eq!(idx.byte_col(Position::new(0, 40)), 2);
        let r = idx.range(Pos::new(1, 1), None);
        assert_eq!((r.start.character, r.end.character), (0, 2));
        let r = idx.range(Pos::new(1, 3), None);
        assert_eq!((r.start.character, r.end.character), (2, 3));
    }
}
