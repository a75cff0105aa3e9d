//! The one sanitiser for text that reaches a terminal or a line-oriented format.
//!
//! Rule files, file names and ATT&CK bundles are untrusted: an escape sequence in a rule title
//! (an OSC 52 clipboard write, a cursor move that hides the findings above it), a newline in a
//! key (a forged `path:line:col: CODE` line) or a bidirectional override (text shown in another
//! order than it is stored) must be shown, never executed. Every byte of such text that goes to
//! text, GitHub, concise, `show`, `strategies` or `explain` output passes through one of these
//! functions; JSON, SARIF and GitLab output are structured and left to serde's escaping.
//!
//! Escaped characters (shown as `\x1b`, `\n`, `\u{202e}`, ...):
//! - C0 controls U+0000–U+001F (ESC, BEL, CR, LF, TAB, ...) and DEL U+007F;
//! - C1 controls U+0080–U+009F (CSI U+009B and OSC U+009D start sequences on some terminals);
//! - bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
//! - line and paragraph separators U+2028 and U+2029.
//!
//! [`text`] keeps line feeds and tabs (multi-line output we lay out ourselves), [`line`](fn@line) escapes
//! them too (one record per line), [`snippet`] replaces each character by a single visible one
//! so that columns stay aligned under a source excerpt.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is escaped (see the module docs).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}'
        | '\u{2029}')
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && !keep(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// For one field of a one-record-per-line format (a finding's path, message or help, an
/// annotation, a table cell): every unsafe character escaped, line feeds and tabs included.
pub fn line(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// For multi-line text laid out by sigsmith (`show`, `strategies`, docs, error messages): line
/// feeds and tabs are kept, a CR-LF pair becomes a line feed, every other unsafe character
/// (a lone carriage return included) is escaped.
pub fn text(s: &str) -> Cow<'_, str> {
    let s: Cow<'_, str> = if s.contains("\r\n") {
        Cow::Owned(s.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(s)
    };
    match escape(&s, |c| c == '\n' || c == '\t') {
        Cow::Borrowed(_) => s,
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// For source text shown under a caret: line feeds, CR-LF pairs and tabs (which the snippet
/// renderer expands itself) are kept, every other unsafe character becomes one visible
/// character, so line and character columns are unchanged: C0 controls their Unicode control
/// picture (`␛` for ESC, `␍` for a lone CR), DEL `␡`, anything else U+FFFD.
pub fn snippet(s: &str) -> Cow<'_, str> {
    let kept =
        |c: char, next: Option<char>| c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'));
    let mut chars = s.chars().peekable();
    let mut clean = true;
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !kept(c, chars.peek().copied()) {
            clean = false;
            break;
        }
    }
    if clean {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            c if kept(c, chars.peek().copied()) => c,
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if is_unsafe(c) => '\u{fffd}',
            c => c,
        });
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_escapes_controls_newlines_and_bidi() {
        assert_eq!(line("plain é"), "plain é");
        assert!(matches!(line("plain"), Cow::Borrowed(_)));
        assert_eq!(
            line("a\x1b]52;c;ZXZpbA==\x07b"),
            "a\\x1b]52;c;ZXZpbA==\\x07b"
        );
        assert_eq!(
            line("k\nr.yml:1:1: API001 forged"),
            "k\\nr.yml:1:1: API001 forged"
        );
        assert_eq!(line("\r\t\x7f\u{9b}2J"), "\\r\\t\\x7f\\u{9b}2J");
        assert_eq!(
            line("a\u{202e}b\u{2066}c\u{2028}"),
            "a\\u{202e}b\\u{2066}c\\u{2028}"
        );
    }

    #[test]
    fn text_keeps_layout_but_not_escapes() {
        assert_eq!(text("a\n\tb\r\nc"), "a\n\tb\nc");
        assert_eq!(text("x\ry\x1b[2Az"), "x\\ry\\x1b[2Az");
        assert!(matches!(text("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn snippet_keeps_columns() {
        let s = "ab\x1b[31mc\u{202e}d\x7f\te\rf\r\ng\n";
        let got = snippet(s);
        assert_eq!(got.chars().count(), s.chars().count());
        assert_eq!(got, "ab\u{241b}[31mc\u{fffd}d\u{2421}\te\u{240d}f\r\ng\n");
    }
}
