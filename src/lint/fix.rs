//! Safe mechanical fixes: the building blocks checks use to attach a [`Fix`](crate::diagnostic::Fix) to a finding
//! (replace a scalar keeping its quoting, insert or delete a mapping entry, append a
//! document), and [`apply`], which applies the fixes of a file's findings for `lint --fix`.
//!
//! Every builder returns `None` rather than guess: a flow-style mapping, a multi-line scalar,
//! or source text that does not read back as the value the parser saw means no fix is
//! offered. Edits are byte ranges of the file as it was linted, made with [`crate::edit`].

use crate::diagnostic::Finding;
use crate::edit::{self, Edit};
use crate::scaffold::quote;
use crate::yaml::{Node, Style};

/// Namespace of the ids fixes insert: `uuid_v5(FIX_ID_NAMESPACE, "<purpose>\n<path>\n<document
/// index>\n<file text>")`.
pub const FIX_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x3e9a_6c41_d2b7_4f58_a0e3_51c8_9b27_d64f);

/// A new UUID (version 5, hyphenated lowercase) for an `id` a fix inserts into document
/// `doc_index` of the file `path` whose text is `text`; `purpose` tells apart two ids one
/// document may need (the rule's own, a correlation rule's).
///
/// Derived from its inputs rather than random, as the drafts of `sigsmith new` are: the same
/// file gets the same proposal from `lint --fix`, `--fix --diff`, the JSON and SARIF fixes and
/// every rerun, so reports stay deterministic, while different files or documents (copies
/// of one rule included: their paths differ) get different ids.
pub fn new_uuid(purpose: &str, path: &std::path::Path, doc_index: usize, text: &str) -> String {
    let key = format!("{purpose}\n{}\n{doc_index}\n{text}", path.display());
    uuid::Uuid::new_v5(&FIX_ID_NAMESPACE, key.as_bytes()).to_string()
}

/// Whether `value` can be written as a plain YAML scalar that every YAML parser (1.1 and 1.2)
/// reads back as the same string: starts with a letter or digit, no `: ` or ` #`, no flow
/// indicator, not a number or a reserved word. Dates (`2023-01-05`) count as plain: YAML 1.1
/// loaders read them as dates, which Sigma tools accept for `date` and `modified`.
fn plain_safe(value: &str) -> bool {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '|' | '*' | '@' | ' ')
        })
        && !value.ends_with(' ')
        && !value.contains(" #")
        && value.parse::<f64>().is_err()
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

/// Renders `value` in the quoting style of the scalar written as `original` (`'x'`, `"x"`
/// or plain): plain when it was plain and `value` is safe plain, single-quoted when it was
/// single-quoted (or plain but unsafe) and printable, double-quoted otherwise.
pub fn render_like(original: &str, value: &str) -> String {
    if original.starts_with('"') {
        return serde_json::to_string(value).unwrap_or_else(|_| quote::quote(value));
    }
    if !original.starts_with('\'') && plain_safe(value) {
        return value.to_owned();
    }
    quote::quote(value)
}

/// The edit that replaces the one-line scalar `node` (plain or quoted) of `text` by `value`,
/// keeping its quoting style; `None` for block, multi-line or collection nodes, or when the
/// source does not hold the node where the parser said.
pub fn replace_scalar(text: &str, node: &Node, value: &str) -> Option<Edit> {
    if !matches!(node.style, Style::Plain | Style::Quoted)
        || node.span.start.line != node.span.end.line
    {
        return None;
    }
    let range = edit::range_of(text, node.span)?;
    let original = text.get(range.clone())?;
    if node.style == Style::Plain && Some(original) != node.scalar_text().as_deref() {
        return None;
    }
    if node.style == Style::Quoted && !original.starts_with(['\'', '"']) {
        return None;
    }
    Some(Edit::replace(range, render_like(original, value)))
}

/// The edit that replaces the bytes `range` of the one-line string scalar `node`'s value
/// (for example one modifier inside the key `Image|endwith`) by `with`. Only offered when the
/// source at that place reads exactly as the value's bytes (plain scalars, and quoted ones
/// without escapes before the range).
pub fn replace_in_scalar(
    text: &str,
    node: &Node,
    range: std::ops::Range<usize>,
    with: &str,
) -> Option<Edit> {
    let value = node.as_str()?;
    let part = value.get(range.clone())?;
    if node.span.start.line != node.span.end.line
        || !matches!(node.style, Style::Plain | Style::Quoted)
    {
        return None;
    }
    let start = edit::range_of(text, node.span)?.start + usize::from(node.style == Style::Quoted);
    let source = text.get(start..start + range.end)?;
    if source != &value[..range.end] || part != &source[range.clone()] {
        return None;
    }
    Some(Edit::replace(start + range.start..start + range.end, with))
}

/// Whether the mapping `map` is written in block style (not `{a: 1}`).
fn is_block_map(text: &str, map: &Node) -> bool {
    map.as_map().is_some()
        && edit::offset_of(text, map.span.start)
            .and_then(|o| text.get(o..))
            .is_some_and(|rest| !rest.starts_with('{'))
}

/// Byte offset of the start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset just after the line break ending the line holding `offset` (the text's end
/// when the line has none).
fn next_line(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The edit that inserts the entry `key: value` (`value` already rendered as YAML) into the
/// block mapping `map` on its own line, after the entry of the first of `after` that exists
/// (with its trailing comment), or as the mapping's first entry. `None` for a flow mapping or
/// a mapping that already has `key`.
pub fn insert_entry(
    text: &str,
    map: &Node,
    after: &[&str],
    key: &str,
    value: &str,
) -> Option<Edit> {
    if !is_block_map(text, map) || map.get(key).is_some() {
        return None;
    }
    let entries = map.as_map()?;
    let (first_key, _) = entries.first()?;
    let indent = " ".repeat(usize::try_from(first_key.span.start.col.saturating_sub(1)).ok()?);
    let at = match after.iter().find_map(|k| map.entry(k)) {
        Some((_, v)) => {
            // A value ending the text may end on the line after it.
            let end = edit::offset_of(text, v.span.end).unwrap_or(text.len());
            if v.style == Style::Collection || v.style == Style::Block {
                // Block values end where the next entry starts (or at the end of their last
                // line); never inside the value.
                if end == 0 || text.as_bytes().get(end - 1) == Some(&b'\n') {
                    end
                } else {
                    next_line(text, end)
                }
            } else {
                next_line(text, end)
            }
        }
        None => line_start(text, edit::offset_of(text, first_key.span.start)?),
    };
    let lead = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    Some(Edit::insert(
        at,
        format!("{lead}{indent}{}: {value}\n", quote::key(key)),
    ))
}

/// The edit that deletes the one-line entry `key: value` of a block mapping (its whole line,
/// trailing comment included). `None` when the entry shares its line with another one or its
/// value spans lines.
pub fn delete_entry_line(text: &str, map: &Node, key: &str) -> Option<Edit> {
    if !is_block_map(text, map) {
        return None;
    }
    let (k, v) = map.entry(key)?;
    if v.style == Style::Collection || v.span.end.line != k.span.start.line {
        return None;
    }
    let key_at = edit::offset_of(text, k.span.start)?;
    let start = line_start(text, key_at);
    if !text[start..key_at].trim().is_empty() {
        return None;
    }
    let value_end = edit::offset_of(text, v.span.end).unwrap_or(text.len());
    let end = next_line(text, value_end);
    let rest = text[value_end..end].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    Some(Edit::delete(start..end))
}

/// Byte offset where the YAML document whose content starts on line `start_line` ends: the
/// start of the next line that is a document marker (`---` or `...` at the start of the
/// line), or the end of the text.
pub fn document_end(text: &str, start_line: u32) -> usize {
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if line_no > start_line
            && ["---", "..."].iter().any(|m| {
                line.strip_prefix(m)
                    .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r', '\n']))
            })
        {
            return offset;
        }
        offset += line.len();
    }
    text.len()
}

/// What applying the fixes of one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The file's text with the fixes applied.
    pub text: String,
    /// Code and title of every fix applied, in finding order.
    pub fixes: Vec<(&'static str, String)>,
}

/// Applies the fixes of `findings` (all of one file whose text is `text`) in finding order. A
/// fix whose edits overlap those of a fix already taken is left for the next pass (`lint
/// --fix` lints again and repeats). `None` when no fix applies.
pub fn apply(text: &str, findings: &[&Finding]) -> Option<Applied> {
    let mut taken: Vec<Edit> = Vec::new();
    let mut fixes = Vec::new();
    for fix in findings.iter().filter_map(|f| f.fix.as_ref()) {
        let mut trial = taken.clone();
        trial.extend(fix.edits.iter().cloned());
        if fix.edits.is_empty() || edit::apply(text, &trial).is_err() {
            continue;
        }
        taken = trial;
        fixes.push((fix.code, fix.title.clone()));
    }
    if fixes.is_empty() {
        return None;
    }
    let new = edit::apply(text, &taken).ok()?;
    (new != text).then_some(Applied { text: new, fixes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        crate::yaml::parse(text)
            .documents
            .into_iter()
            .next()
            .map(|d| d.root)
            .expect("document")
    }

    fn run(text: &str, e: Option<Edit>) -> String {
        let e = e.expect("an edit");
        edit::apply(text, &[e]).expect("applies")
    }

    #[test]
    fn scalars_keep_their_quoting() {
        let text = "a: 2023/01/05 # c\nb: '2023/01/05'\nc: \"x\"\n";
        let r = root(text);
        let a = r.get("a").expect("a");
        assert_eq!(
            run(text, replace_scalar(text, a, "2023-01-05")),
            "a: 2023-01-05 # c\nb: '2023/01/05'\nc: \"x\"\n"
        );
        let b = r.get("b").expect("b");
        assert!(run(text, replace_scalar(text, b, "it's")).contains("b: 'it''s'\n"));
        let c = r.get("c").expect("c");
        assert!(run(text, replace_scalar(text, c, "y")).contains("c: \"y\"\n"));
        // A plain value that would not read back as a string gets quoted.
        assert!(run(text, replace_scalar(text, a, "true")).starts_with("a: 'true' # c"));
    }

    #[test]
    fn parts_of_keys() {
        let text = "sel:\n  Image|endwith: x\n  'Cmd|contians': y\n";
        let r = root(text);
        let sel = r.get("sel").expect("sel");
        let keys: Vec<&Node> = sel.as_map().expect("map").iter().map(|(k, _)| k).collect();
        assert_eq!(
            run(text, replace_in_scalar(text, keys[0], 6..13, "endswith")),
            "sel:\n  Image|endswith: x\n  'Cmd|contians': y\n"
        );
        assert!(
            run(text, replace_in_scalar(text, keys[1], 4..12, "contains"))
                .contains("'Cmd|contains': y")
        );
        assert!(replace_in_scalar(text, keys[0], 6..40, "x").is_none());
    }

    #[test]
    fn entries_are_inserted_and_deleted_on_their_own_lines() {
        let text = "title: t # note\nlogsource:\n    product: aws\ndetection:\n    sel: {a: 1}\n    condition: sel\n    timeframe: 5m # old\n";
        let r = root(text);
        assert_eq!(
            run(text, insert_entry(text, &r, &["title"], "id", "x")),
            text.replace("# note\n", "# note\nid: x\n")
        );
        assert!(
            run(text, insert_entry(text, &r, &["nope"], "id", "x")).starts_with("id: x\ntitle")
        );
        assert!(insert_entry(text, &r, &["title"], "title", "x").is_none());
        let det = r.get("detection").expect("detection");
        assert_eq!(
            run(text, delete_entry_line(text, det, "timeframe")),
            text.replace("    timeframe: 5m # old\n", "")
        );
        // Flow mappings are left alone.
        let flow = "{title: t, detection: {condition: sel, timeframe: 5m}}\n";
        let r = root(flow);
        assert!(insert_entry(flow, &r, &["title"], "id", "x").is_none());
        assert!(delete_entry_line(flow, r.get("detection").expect("d"), "timeframe").is_none());
        // After a block value and at a text without a final line break.
        let text = "title: t\nlogsource:\n  product: aws";
        let r = root(text);
        assert_eq!(
            run(text, insert_entry(text, &r, &["logsource"], "id", "x")),
            "title: t\nlogsource:\n  product: aws\nid: x\n"
        );
    }

    #[test]
    fn documents_end_at_the_next_marker() {
        let text = "a: 1\n---\nb: 2\n...\n";
        assert_eq!(document_end(text, 1), 5);
        assert_eq!(document_end(text, 3), 14);
        assert_eq!(document_end("a: 1\n", 1), 5);
    }

    #[test]
    fn ids_are_stable_and_differ_between_documents() {
        use std::path::Path;
        let id = new_uuid("id", Path::new("a.yml"), 0, "title: t\n");
        assert_eq!(
            uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
            Ok(5)
        );
        assert_eq!(id, new_uuid("id", Path::new("a.yml"), 0, "title: t\n"));
        for other in [
            new_uuid("correlation", Path::new("a.yml"), 0, "title: t\n"),
            new_uuid("id", Path::new("b.yml"), 0, "title: t\n"),
            new_uuid("id", Path::new("a.yml"), 1, "title: t\n"),
            new_uuid("id", Path::new("a.yml"), 0, "title: u\n"),
        ] {
            assert_ne!(id, other);
        }
    }
}
