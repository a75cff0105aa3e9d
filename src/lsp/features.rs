//! Hover, completion and code actions, computed from a document's text and the last
//! findings. Each reads the vocabulary, the registry of checks and the modifier model the
//! linter uses; nothing here keeps a list of its own.

use std::collections::{BTreeSet, HashMap};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CompletionItem, CompletionItemKind,
    CompletionTextEdit, Documentation, Hover, HoverContents, MarkupContent, MarkupKind, Position,
    Range, TextEdit, Url, WorkspaceEdit,
};

use crate::checks;
use crate::diagnostic::Finding;
use crate::lint::rule::RuleMeta;
use crate::modifier::{MODIFIERS, ModifierKind};
use crate::vocab::{Profile, Vocabulary};

use super::context::{document_lines, key_path, line_key, profile_at, split_indent};
use super::text::LineIndex;

fn markdown(value: String) -> MarkupContent {
    MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    }
}

/// The byte range of the word (letters, digits, `_`, `-`, `.`) around byte `col` of `line`.
fn word_at(line: &str, col: usize) -> Option<std::ops::Range<usize>> {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let col = col.min(line.len());
    let start = line[..col]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(col, |(i, _)| i);
    let end = line[col..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(line.len(), |(i, _)| col + i);
    (end > start).then_some(start..end)
}

/// The hover text of a check: code, name, severity, summary, documentation and its address.
pub(super) fn check_markdown(meta: &RuleMeta) -> String {
    let mut s = format!(
        "**{}** `{}` ({})\n\n{}\n\n{}",
        meta.code,
        meta.name,
        meta.severity,
        meta.summary,
        meta.doc_text()
    );
    if let Some(url) = super::docs_url(meta.code) {
        s.push_str(&format!("\n[Documentation]({url})\n"));
    }
    s
}

fn profile_title(p: &Profile) -> String {
    format!("{} (`{}`)", p.display_title(), p.name)
}

/// Hover: a check code or name anywhere (suppression comments, `sigsmith.toml` keys quoted in
/// a description); in a detection key, the field's class for the rule's log source or the
/// modifier's meaning.
pub(super) fn hover(vocab: &Vocabulary, text: &str, pos: Position) -> Option<Hover> {
    let idx = LineIndex::new(text);
    let l = pos.line as usize;
    let line = idx.line(l);
    let col = idx.byte_col(pos);
    let range_of = |r: &std::ops::Range<usize>| {
        Range::new(
            Position::new(pos.line, idx.utf16_col(l, r.start)),
            Position::new(pos.line, idx.utf16_col(l, r.end)),
        )
    };
    if let Some(w) = word_at(line, col)
        && let Some(meta) = checks::find(&line[w.clone()])
    {
        return Some(Hover {
            contents: HoverContents::Markup(markdown(check_markdown(meta))),
            range: Some(range_of(&w)),
        });
    }
    let path = key_path(&idx, l, col);
    if path.first().map(String::as_str) != Some("detection") || path.len() < 2 {
        return None;
    }
    let (key, krange) = line_key(line)?;
    if !krange.contains(&col) {
        return None;
    }
    // Byte offset of the key text in the line (past an opening quote).
    let quoted = line[krange.start..].starts_with(['"', '\'']);
    let key_start = krange.start + usize::from(quoted);
    let mut seg_start = key_start;
    for (i, seg) in key.split('|').enumerate() {
        let seg_end = seg_start + seg.len();
        if (seg_start..=seg_end).contains(&col) {
            let r = range_of(&(seg_start..seg_end));
            let value = if i == 0 {
                field_markdown(vocab, &idx, l, seg)
            } else {
                modifier_markdown(seg)
            };
            return Some(Hover {
                contents: HoverContents::Markup(markdown(value)),
                range: Some(r),
            });
        }
        seg_start = seg_end + 1;
    }
    None
}

fn field_markdown(vocab: &Vocabulary, idx: &LineIndex<'_>, line: usize, field: &str) -> String {
    match profile_at(vocab, idx, line) {
        Some(p) => {
            let lookup = p.lookup(field);
            let mut s = format!("`{field}`: **{}** field\n\n", lookup.class);
            s.push_str(&format!(
                "Vocabulary: {}; matched as {lookup}.",
                profile_title(p)
            ));
            if lookup.class.is_context() {
                s.push_str("\n\nA constraint on it adds caller context (API001).");
            }
            s
        }
        None => format!(
            "`{field}`: no vocabulary profile covers this rule's log source, so its class is unknown."
        ),
    }
}

fn modifier_markdown(name: &str) -> String {
    match ModifierKind::parse(name) {
        Some(kind) => format!("`|{name}`: {}.", kind.describe()),
        None => {
            let close: Vec<&str> = MODIFIERS
                .iter()
                .copied()
                .filter(|m| checks::levenshtein(name, m) <= 2)
                .collect();
            let mut s = format!("`|{name}` is not a Sigma modifier (SIG008).");
            if !close.is_empty() {
                s.push_str(&format!(" Did you mean `{}`?", close.join("`, `")));
            }
            s
        }
    }
}

/// The fields of a profile with their classes, in vocabulary order.
fn profile_fields(p: &Profile) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |fields: &[String], class: &str| {
        for f in fields {
            if !out.iter().any(|(o, _)| o == f) {
                out.push((f.clone(), class.to_owned()));
            }
        }
    };
    add(&p.api, "api");
    add(&p.outcome, "outcome");
    add(&p.metadata, "metadata");
    add(&p.verdict, "verdict");
    for (class, fields) in p.context.classes() {
        add(fields, class.as_str());
    }
    out
}

fn item(label: String, kind: CompletionItemKind, detail: String, edit: Range) -> CompletionItem {
    CompletionItem {
        label: label.clone(),
        kind: Some(kind),
        detail: Some(detail),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(edit, label))),
        ..CompletionItem::default()
    }
}

/// Completion: modifiers after `|` in a detection key, field names of the rule's log source
/// for a detection key, log source keys and values under `logsource`.
pub(super) fn complete(vocab: &Vocabulary, text: &str, pos: Position) -> Vec<CompletionItem> {
    let idx = LineIndex::new(text);
    let l = pos.line as usize;
    let line = idx.line(l);
    let col = idx.byte_col(pos);
    let before = &line[..col];
    let (_, rest) = split_indent(before);
    if rest.starts_with('#') {
        return Vec::new();
    }
    let path = key_path(&idx, l, col);
    let replace = |partial: &str| {
        Range::new(
            Position::new(pos.line, idx.utf16_col(l, col - partial.len())),
            Position::new(pos.line, idx.utf16_col(l, col)),
        )
    };
    let in_selection = path.first().map(String::as_str) == Some("detection") && path.len() >= 2;
    if in_selection && !rest.contains(": ") && !rest.ends_with(':') {
        let key = rest.trim_start_matches(['"', '\'']);
        if let Some(bar) = key.rfind('|') {
            let partial = &key[bar + 1..];
            let r = replace(partial);
            return MODIFIERS
                .iter()
                .filter_map(|m| {
                    let kind = ModifierKind::parse(m)?;
                    Some(item(
                        (*m).to_owned(),
                        CompletionItemKind::OPERATOR,
                        kind.describe().to_owned(),
                        r,
                    ))
                })
                .collect();
        }
        let Some(p) = profile_at(vocab, &idx, l) else {
            return Vec::new();
        };
        let r = replace(key);
        let title = p.display_title().to_owned();
        return profile_fields(p)
            .into_iter()
            .map(|(field, class)| {
                let mut it = item(
                    field,
                    CompletionItemKind::FIELD,
                    format!("{class} field · {title}"),
                    r,
                );
                it.documentation = Some(Documentation::MarkupContent(markdown(format!(
                    "Class **{class}** in the vocabulary {}.",
                    profile_title(p)
                ))));
                it
            })
            .collect();
    }
    if path.len() == 1 && path[0] == "logsource" {
        const KEYS: [&str; 4] = ["category", "product", "service", "definition"];
        if let Some((key, value)) = rest.split_once(':') {
            let key = key.trim();
            if !matches!(key, "category" | "product" | "service") {
                return Vec::new();
            }
            let partial = value.trim_start();
            let r = replace(partial);
            let mut values: BTreeSet<(String, String)> = BTreeSet::new();
            for p in vocab.profiles() {
                for ls in p.logsources.iter().chain(&p.aliases) {
                    let v = match key {
                        "category" => &ls.category,
                        "product" => &ls.product,
                        _ => &ls.service,
                    };
                    if let Some(v) = v.as_ref().filter(|v| !v.contains('*')) {
                        values.insert((v.clone(), p.display_title().to_owned()));
                    }
                }
            }
            let mut seen: HashMap<String, Vec<String>> = HashMap::new();
            for (v, title) in values {
                seen.entry(v).or_default().push(title);
            }
            let mut items: Vec<CompletionItem> = seen
                .into_iter()
                .map(|(v, titles)| item(v, CompletionItemKind::VALUE, titles.join(", "), r))
                .collect();
            items.sort_by(|a, b| a.label.cmp(&b.label));
            return items;
        }
        let r = replace(rest);
        return KEYS
            .iter()
            .map(|k| {
                let mut it = item(
                    (*k).to_owned(),
                    CompletionItemKind::PROPERTY,
                    "Sigma logsource key".to_owned(),
                    r,
                );
                if let Some(CompletionTextEdit::Edit(e)) = &mut it.text_edit {
                    e.new_text = format!("{k}: ");
                }
                it
            })
            .collect();
    }
    Vec::new()
}

/// Every document of a YAML text as plain values, or `None` when the text does not load.
fn values(text: &str) -> Option<Vec<serde_yaml::Value>> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(text)
        .map(|d| serde_yaml::Value::deserialize(d).ok())
        .collect()
}

/// Whether inserting `insert` at byte `at` of `text` leaves every value as it was (a `#` in a
/// block scalar or a multi-line string would become part of the string). A text that does not
/// load has no values to change.
fn keeps_values(text: &str, at: usize, insert: &str) -> bool {
    let Some(before) = values(text) else {
        return true;
    };
    let mut edited = String::with_capacity(text.len() + insert.len());
    edited.push_str(&text[..at]);
    edited.push_str(insert);
    edited.push_str(&text[at..]);
    values(&edited).is_some_and(|after| after == before)
}

/// The byte offset in `text` where 0-based line `l` starts.
fn line_start(text: &str, l: usize) -> usize {
    if l == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(l - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// The edit that adds `code` to a suppression comment on 0-based line `l` or writes a new one:
/// a trailing comment, or a comment line above when the line already has another comment.
/// `None` when a comment there would change a value (inside a block scalar).
fn line_suppression(text: &str, idx: &LineIndex<'_>, l: usize, code: &str) -> Option<TextEdit> {
    let lineno = u32::try_from(l + 1).ok()?;
    let line = idx.line(l);
    let comments: Vec<_> = crate::suppress::comments(text)
        .into_iter()
        .filter(|c| c.line == lineno)
        .collect();
    let (col, insert) = match comments.first() {
        Some(c) => {
            let hash = line
                .char_indices()
                .nth((c.col.max(1) - 1) as usize)
                .map_or(line.len(), |(i, _)| i);
            let body = &line[hash..];
            match (body.find("ignore["), body.find(']')) {
                (Some(open), Some(close))
                    if close > open
                        && body.trim_start_matches(['#', ' ']).starts_with("sigsmith:") =>
                {
                    (hash + close, format!(",{code}"))
                }
                _ => {
                    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
                    (0, format!("{indent}# sigsmith: ignore[{code}]\n"))
                }
            }
        }
        None => (line.len(), format!(" # sigsmith: ignore[{code}]")),
    };
    if !keeps_values(text, line_start(text, l) + col, &insert) {
        return None;
    }
    let p = Position::new(lineno - 1, idx.utf16_col(l, col));
    Some(TextEdit::new(Range::new(p, p), insert))
}

/// The edit that adds `code` to the document's header suppression (a comment before its first
/// key), or writes one at the document's first line.
fn document_suppression(idx: &LineIndex<'_>, l: usize, code: &str) -> TextEdit {
    let (first, last) = document_lines(idx, l);
    for h in first..=last {
        let t = idx.line(h).trim_start();
        if t.is_empty() {
            continue;
        }
        let Some(body) = t.strip_prefix('#') else {
            break;
        };
        if body.trim_start().starts_with("sigsmith:")
            && let Some(open) = idx.line(h).find("ignore[")
            && let Some(close) = idx.line(h)[open..].find(']')
        {
            let p = Position::new(h as u32, idx.utf16_col(h, open + close));
            return TextEdit::new(Range::new(p, p), format!(",{code}"));
        }
    }
    let p = Position::new(first as u32, 0);
    TextEdit::new(Range::new(p, p), format!("# sigsmith: ignore[{code}]\n"))
}

fn action(
    uri: &Url,
    title: String,
    edit: TextEdit,
    diag: lsp_types::Diagnostic,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), vec![edit]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diag]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    })
}

/// `fix` with its first letter in upper case, for a code action's title.
fn capitalise(title: &str) -> String {
    let mut chars = title.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Code actions for the findings whose range meets `range`: the finding's fix when its check
/// attached one (marked preferred, so an editor's "fix" key applies it), suppress on the
/// finding's line, and suppress in the whole document.
pub(super) fn code_actions(
    uri: &Url,
    text: &str,
    findings: &[Finding],
    range: Range,
) -> Vec<CodeActionOrCommand> {
    let idx = LineIndex::new(text);
    let none = HashMap::new();
    let mut out = Vec::new();
    for f in findings {
        let diag = super::diagnostic(text, f, &none);
        let r = diag.range;
        if r.end < range.start || range.end < r.start {
            continue;
        }
        if let Some(fix) = &f.fix {
            let edits: Vec<TextEdit> = fix
                .edits
                .iter()
                .map(|e| {
                    let start = idx.position(crate::edit::pos_of(text, e.range.start));
                    let end = idx.position(crate::edit::pos_of(text, e.range.end));
                    TextEdit::new(Range::new(start, end), e.text.clone())
                })
                .collect();
            if !edits.is_empty() {
                let mut changes = HashMap::new();
                changes.insert(uri.clone(), edits);
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("{} ({})", capitalise(&fix.title), f.code),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diag.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(changes),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(true),
                    ..CodeAction::default()
                }));
            }
        }
        // Suppressing an unused or malformed suppression makes no sense: its fix (when it has
        // one) removes it instead.
        if f.code == crate::lint::rules::unused_suppression::UnusedSuppression::META.code {
            continue;
        }
        let l = r.start.line as usize;
        if let Some(edit) = line_suppression(text, &idx, l, f.code) {
            out.push(action(
                uri,
                format!("Suppress {} ({}) on this line", f.code, f.name),
                edit,
                diag.clone(),
            ));
        }
        out.push(action(
            uri,
            format!("Suppress {} ({}) in this document", f.code, f.name),
            document_suppression(&idx, l, f.code),
            diag,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName|contains: x\n    userIdentity.arn: y\n  condition: selection\n";

    fn hover_text(text: &str, line: u32, character: u32) -> String {
        match hover(&Vocabulary::builtin(), text, Position::new(line, character)) {
            Some(Hover {
                contents: HoverContents::Markup(m),
                ..
            }) => m.value,
            other => panic!("no markdown hover: {other:?}"),
        }
    }

    #[test]
    fn hover_on_field_modifier_and_code() {
        let field = hover_text(RULE, 7, 6);
        assert!(field.contains("**identity** field"), "{field}");
        let api = hover_text(RULE, 6, 5);
        assert!(api.contains("**api** field"), "{api}");
        let modifier = hover_text(RULE, 6, 16);
        assert!(modifier.contains("anywhere in the field"), "{modifier}");
        let code = hover_text("# sigsmith: ignore[API001]\ntitle: t\n", 0, 21);
        assert!(code.contains("api-presence-only"), "{code}");
        assert!(hover(&Vocabulary::builtin(), RULE, Position::new(0, 2)).is_none());
    }

    #[test]
    fn completion_of_modifiers_fields_and_logsource_values() {
        let vocab = Vocabulary::builtin();
        let typed = RULE.replace("eventName|contains: x", "eventName|con");
        let items = complete(&vocab, &typed, Position::new(6, 17));
        assert!(items.iter().any(|i| i.label == "contains"));
        assert!(
            items
                .iter()
                .all(|i| i.kind == Some(CompletionItemKind::OPERATOR))
        );
        let typed = RULE.replace("eventName|contains: x", "user");
        let items = complete(&vocab, &typed, Position::new(6, 8));
        assert!(items.iter().any(|i| i.label == "eventName"), "{items:?}");
        assert!(items.iter().any(|i| i.label.starts_with("userIdentity")));
        let typed = RULE.replace("product: aws", "product: ");
        let items = complete(&vocab, &typed, Position::new(2, 11));
        assert!(items.iter().any(|i| i.label == "aws"));
        assert!(items.iter().any(|i| i.label == "okta"));
    }

    #[test]
    fn suppression_edits_extend_or_add_comments() {
        let text = "a: 1 # sigsmith: ignore[SIG001]\nb: 2 # note\nc: |\n  text\nd: 3\n";
        let idx = LineIndex::new(text);
        let e = line_suppression(text, &idx, 0, "API001").expect("edit");
        assert_eq!(e.new_text, ",API001");
        assert_eq!(e.range.start.character, 30);
        let e = line_suppression(text, &idx, 1, "API001").expect("edit");
        assert_eq!(e.new_text, "# sigsmith: ignore[API001]\n");
        assert!(line_suppression(text, &idx, 3, "API001").is_none());
        let e = line_suppression(text, &idx, 4, "API001").expect("edit");
        assert_eq!(e.new_text, " # sigsmith: ignore[API001]");
        let e = document_suppression(&idx, 3, "API001");
        assert_eq!(e.range.start, Position::new(0, 0));
    }
}
