//! YAML-safe quoting of values inserted into templates.
//!
//! Every string a template prints goes through [`quote`] (the environment's formatter does it
//! for `{{ value }}`), so a value containing `: `, `#`, quotes, newlines, a leading `*`, `&`,
//! `!` or `-`, or any unicode can never break the document or change its structure: it always
//! parses back to the exact same string.

/// Whether `c` may appear verbatim inside a single-quoted YAML scalar without changing the
/// value (printable, not a line break, not a BOM).
fn single_quote_safe(c: char) -> bool {
    match c {
        ' '..='~' => true,
        '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => {
            !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
        }
        _ => false,
    }
}

/// Quotes `s` as a YAML scalar that parses back to exactly `s`: single-quoted when every
/// character is printable on one line, double-quoted with escapes otherwise.
pub fn quote(s: &str) -> String {
    if s.chars().all(single_quote_safe) {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
        return out;
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if single_quote_safe(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Renders `s` as a YAML scalar that parses back to exactly `s`: plain when it is a simple
/// word-like string (`eventName`, `ssm.amazonaws.com`, `aws-cli/`, `attack.t1059.009`) that no
/// YAML parser (1.1 or 1.2) reads as anything but that string, [`quote`]d otherwise. Values
/// holding placeholders (`<<...>>`) are always single-quoted, as the contract requires.
pub fn scalar(s: &str) -> String {
    let mut chars = s.chars();
    let plain = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {
            chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
        }
        _ => false,
    };
    if plain && !is_reserved_word(s) {
        s.to_owned()
    } else {
        quote(s)
    }
}

/// Words a plain scalar would turn into a non-string (YAML 1.1 and 1.2 core schema).
fn is_reserved_word(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "~" | "<<"
    )
}

/// Renders a mapping key: plain when it is an unambiguous identifier-like string (field names
/// such as `userIdentity.arn` or `eventName|startswith`), quoted otherwise.
pub fn key(s: &str) -> String {
    let mut chars = s.chars();
    let plain = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$' || c == '@' => chars
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '|' | '$' | '@')),
        _ => false,
    };
    if plain && !is_reserved_word(s) {
        s.to_owned()
    } else {
        quote(s)
    }
}

/// Makes `s` safe inside a `# comment`: line breaks become spaces.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(
                c,
                '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{B}' | '\u{C}'
            ) {
                ' '
            } else if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(value: &str) -> String {
        let doc = format!("k: {}\n", quote(value));
        let stream = crate::yaml::parse(&doc);
        assert!(stream.error.is_none(), "{doc:?}: {:?}", stream.error);
        stream.documents[0]
            .root
            .get("k")
            .and_then(|n| n.as_str())
            .unwrap_or_else(|| panic!("no string in {doc:?}"))
            .to_owned()
    }

    #[test]
    fn hostile_values_roundtrip() {
        for v in [
            "",
            "plain",
            "a: b # not a comment",
            "it's \"quoted\"",
            "line one\nline two\n",
            "*alias",
            "&anchor",
            "!tag",
            "- item",
            "[flow, seq]",
            "{a: b}",
            "| literal",
            "> folded",
            "% directive",
            "@at `tick`",
            "null",
            "true",
            "0x1F",
            "  padded  ",
            "tab\there",
            "carriage\r\nreturn",
            "unicode: café ✓ 𝔘 — ü",
            "bell\u{7}\u{0}nul",
            "sep\u{2028}para\u{2029}",
            "\u{FEFF}bom",
            "nel\u{85}x",
            "back\\slash",
            "---",
            "...",
            "<<baseline:x>>",
        ] {
            assert_eq!(roundtrip(v), v, "{v:?}");
        }
    }

    #[test]
    fn hostile_scalars_roundtrip() {
        for v in [
            "yes", "No", "ON", "y", "null", "Null", "a.b-c/d", "e1", "inf", "nan", "x: y",
        ] {
            let doc = format!("k: {}\n", scalar(v));
            let stream = crate::yaml::parse(&doc);
            let got = stream.documents[0].root.get("k").and_then(|n| n.as_str());
            assert_eq!(got, Some(v), "{doc:?}");
        }
        assert_eq!(scalar("eventName"), "eventName");
        assert_eq!(scalar("yes"), "'yes'");
        assert_eq!(scalar("<<baseline:x>>"), "'<<baseline:x>>'");
        assert_eq!(scalar("2025-01-01"), "'2025-01-01'");
    }

    #[test]
    fn printable_values_are_single_quoted() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
    }

    #[test]
    fn keys_stay_plain_when_safe() {
        assert_eq!(key("userIdentity.arn"), "userIdentity.arn");
        assert_eq!(key("eventName|startswith"), "eventName|startswith");
        assert_eq!(key("null"), "'null'");
        assert_eq!(key("a: b"), "'a: b'");
        assert_eq!(key("-x"), "'-x'");
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb\r\nc"), "a b  c");
    }
}
