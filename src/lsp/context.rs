//! Where the cursor is in a rule, read from the lines around it by indentation, so hover and
//! completion work while the rule is half typed and does not parse (`eventName|` with no
//! colon yet). Block-style YAML only, which is how Sigma rules are written; a flow mapping on
//! one line (`logsource: {product: aws}`) is read for the rule's log source.

use crate::vocab::{LogSource, Profile, Vocabulary};

use super::text::LineIndex;

/// A line's indentation in columns, counting each `- ` of a sequence item as indentation, and
/// the rest of the line after it.
pub(super) fn split_indent(line: &str) -> (usize, &str) {
    let mut rest = line;
    let mut indent = 0;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        indent += rest.len() - trimmed.len();
        rest = trimmed;
        if let Some(after) = rest.strip_prefix("- ") {
            indent += 2;
            rest = after;
        } else if rest == "-" {
            indent += 1;
            rest = "";
            break;
        } else {
            break;
        }
    }
    (indent, rest)
}

/// Whether a line holds nothing but a comment or whitespace.
fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Whether a line separates documents (`---`, `...`).
fn is_separator(line: &str) -> bool {
    line == "---" || line.starts_with("--- ") || line == "..." || line.starts_with("---\t")
}

/// The key a line starts (`  selection:` is `selection`; `- eventName|contains: x` is
/// `eventName|contains`), with its byte range in the line; quotes around the key are removed
/// from the key but kept in the range.
pub(super) fn line_key(line: &str) -> Option<(String, std::ops::Range<usize>)> {
    let (_, rest) = split_indent(line);
    let start = line.len() - rest.len();
    if rest.starts_with('#') || rest.is_empty() {
        return None;
    }
    let (key, len) = if let Some(q @ ('"' | '\'')) = rest.chars().next() {
        let close = rest[1..].find(q)? + 1;
        if !rest[close + 1..].trim_start().starts_with(':') {
            return None;
        }
        (rest[1..close].to_owned(), close + 1)
    } else {
        // `key:` ends at the first `: ` or a trailing `:`.
        let end = rest
            .match_indices(':')
            .map(|(i, _)| i)
            .find(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with([' ', '\t']))?;
        (rest[..end].trim_end().to_owned(), end)
    };
    (!key.is_empty()).then(|| (key.clone(), start..start + len))
}

/// The 0-based lines `[first, last]` of the YAML document holding `line`.
pub(super) fn document_lines(idx: &LineIndex<'_>, line: usize) -> (usize, usize) {
    let mut first = line.min(idx.len().saturating_sub(1));
    while first > 0 && !is_separator(idx.line(first - 1)) {
        first -= 1;
    }
    let mut last = line;
    while last + 1 < idx.len() && !is_separator(idx.line(last + 1)) {
        last += 1;
    }
    (first, last)
}

/// The keys of the block mappings enclosing 0-based line `line`, outermost first: for a line
/// under `detection:` / `selection:` it is `["detection", "selection"]`. `col` is the byte
/// column of the cursor: on a blank or partly typed line the cursor's column is the line's
/// indentation.
pub(super) fn key_path(idx: &LineIndex<'_>, line: usize, col: usize) -> Vec<String> {
    let current = idx.line(line);
    let mut indent = if current.trim().is_empty() {
        col.min(current.len())
    } else {
        split_indent(current).0
    };
    let mut path = Vec::new();
    let mut l = line;
    while l > 0 && indent > 0 {
        l -= 1;
        let text = idx.line(l);
        if is_separator(text) {
            break;
        }
        if is_blank(text) {
            continue;
        }
        let (i, _) = split_indent(text);
        if i < indent {
            // A parent must be a key with nothing after its colon but a comment.
            if let Some((key, range)) = line_key(text) {
                path.push(key);
                let _ = range;
            }
            indent = i;
        }
    }
    path.reverse();
    path
}

/// The rule's `logsource` for the document holding `line`, read from its `logsource:` block
/// (block or flow style), when it parses.
pub(super) fn logsource_at(idx: &LineIndex<'_>, line: usize) -> Option<LogSource> {
    let (first, last) = document_lines(idx, line);
    let start = (first..=last).find(|&l| {
        let t = idx.line(l);
        t.starts_with("logsource:") || t.starts_with("logsource :")
    })?;
    let mut snippet = String::from(idx.line(start));
    snippet.push('\n');
    for l in start + 1..=last {
        let t = idx.line(l);
        if !is_blank(t) && !t.starts_with([' ', '\t']) {
            break;
        }
        snippet.push_str(t);
        snippet.push('\n');
    }
    let value: serde_yaml::Value = serde_yaml::from_str(&snippet).ok()?;
    let map = value.get("logsource")?;
    let key = |k: &str| map.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let ls = LogSource {
        category: key("category"),
        product: key("product"),
        service: key("service"),
        definition: key("definition"),
    };
    (!ls.is_empty()).then_some(ls)
}

/// The vocabulary profile of the rule holding `line`: the one its log source names (exactly or
/// through an alias).
pub(super) fn profile_at<'v>(
    vocab: &'v Vocabulary,
    idx: &LineIndex<'_>,
    line: usize,
) -> Option<&'v Profile> {
    let ls = logsource_at(idx, line)?;
    vocab.recognize(&ls, &[]).map(|r| r.profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName|contains: x\n  filter:\n    - userIdentity.arn: y\n  condition: selection\n";

    #[test]
    fn key_path_follows_indentation() {
        let idx = LineIndex::new(RULE);
        assert_eq!(key_path(&idx, 6, 4), vec!["detection", "selection"]);
        assert_eq!(key_path(&idx, 8, 6), vec!["detection", "filter"]);
        assert_eq!(key_path(&idx, 9, 2), vec!["detection"]);
        assert!(key_path(&idx, 0, 0).is_empty());
        // A blank line in a selection: the cursor's column decides.
        let typed = "detection:\n  selection:\n    \n";
        let idx = LineIndex::new(typed);
        assert_eq!(key_path(&idx, 2, 4), vec!["detection", "selection"]);
        assert_eq!(key_path(&idx, 2, 2), vec!["detection"]);
    }

    #[test]
    fn line_keys_with_modifiers_quotes_and_items() {
        assert_eq!(
            line_key("    eventName|contains: x").map(|k| k.0),
            Some("eventName|contains".to_owned())
        );
        assert_eq!(line_key("    - 'a b': x"), Some(("a b".to_owned(), 6..11)));
        assert_eq!(line_key("    - plain item"), None);
        assert_eq!(
            line_key("url: http://x").map(|k| k.0),
            Some("url".to_owned())
        );
    }

    #[test]
    fn logsource_in_block_and_flow_style_per_document() {
        let idx = LineIndex::new(RULE);
        let ls = logsource_at(&idx, 6).expect("logsource");
        assert_eq!(ls.product.as_deref(), Some("aws"));
        assert_eq!(ls.service.as_deref(), Some("cloudtrail"));
        let two = "logsource: {product: okta, service: okta}\ndetection: {}\n---\ntitle: b\nlogsource:\n  product: gcp\n  service: gcp.audit\n";
        let idx = LineIndex::new(two);
        assert_eq!(
            logsource_at(&idx, 1).and_then(|l| l.product),
            Some("okta".to_owned())
        );
        assert_eq!(
            logsource_at(&idx, 6).and_then(|l| l.product),
            Some("gcp".to_owned())
        );
    }
}
