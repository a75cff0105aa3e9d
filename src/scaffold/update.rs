//! `new --update`: re-render a draft from the current templates and catalog while keeping what
//! the user filled in the copy on disk.
//!
//! A two-way merge of the user's file (`existing`) into the fresh render (`fresh`), entry by
//! entry, on the YAML structure ([`crate::yaml`]) and applied as line edits of the fresh text
//! ([`crate::edit`]):
//!
//! - **The user's** (kept from the file whenever it differs from the fresh render): every
//!   detection entry (selections, baseline filters, the condition) except a filter or selection
//!   that still holds nothing but `<<...>>` placeholders; `id`, `name`, `status`, `author`,
//!   `date`, `modified`, `level`, `falsepositives`; the answers of validation prompts (matched
//!   by `id`); exemplars (matched by `name`); the companion's `timespan`, `group-by` and
//!   `condition`; any key the template does not render.
//! - **The template's** (refreshed): everything else (title, description, references, tags,
//!   logsource, fields, the `sigsmith:` strategy, target, family, context and baselines, the
//!   validation questions, the template's comments above detection entries).
//!
//! An entry whose value is unchanged keeps the user's text (quoting, inline comments). The
//! merge refuses (and nothing is written) when it would drop user content it cannot place: a
//! file that is not valid YAML, a document the template no longer renders, a comment outside
//! the template's own comment positions that would disappear.

use std::collections::HashSet;
use std::ops::Range;

use crate::edit::{self, Edit};
use crate::yaml::{self, Node};

/// A merged draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The new text of the file.
    pub text: String,
    /// What was kept from the user's file, one line each (`kept your edited filter_x`).
    pub kept: Vec<String>,
}

/// Top-level keys of a rule or correlation document that belong to the user once a draft is
/// written.
const USER_KEYS: [&str; 8] = [
    "id",
    "name",
    "status",
    "author",
    "date",
    "modified",
    "level",
    "falsepositives",
];

/// Keys under a companion's `correlation:` that the user tunes.
const USER_CORRELATION_KEYS: [&str; 3] = ["timespan", "group-by", "condition"];

/// The lines of a text with their byte offsets.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset of each line start, then the text length.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' && i + 1 < text.len() {
                starts.push(i + 1);
            }
        }
        starts.push(text.len());
        Self { text, starts }
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn line(&self, i: usize) -> &'a str {
        self.text[self.starts[i]..self.starts[i + 1]].trim_end_matches(['\n', '\r'])
    }

    /// Byte range of lines `r` (with their newlines).
    fn bytes(&self, r: &Range<usize>) -> Range<usize> {
        self.starts[r.start]..self.starts[r.end]
    }

    /// The text of lines `r`, reindented from `from` to `to` spaces, ending with a newline.
    fn text_of(&self, r: &Range<usize>, from: usize, to: usize) -> String {
        let mut out = String::new();
        for i in r.clone() {
            let l = self.line(i);
            if l.trim().is_empty() {
                out.push('\n');
                continue;
            }
            let have = indent(l);
            if have >= from {
                out.push_str(&" ".repeat(to));
                out.push_str(&l[from..]);
            } else {
                out.push_str(l);
            }
            out.push('\n');
        }
        out
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

fn is_blank_or_comment(line: &str) -> bool {
    line.trim().is_empty() || is_comment(line)
}

/// One entry of a block mapping or block sequence, as line ranges.
#[derive(Debug, Clone)]
struct Entry<'n> {
    /// The key (a mapping entry) or the matching key's value (`id`, `name` of an item).
    key: String,
    /// The comment lines right above it, at its indentation.
    lead: Range<usize>,
    /// The entry's own lines (key line to the last line of its value).
    body: Range<usize>,
    /// Its indentation.
    indent: usize,
    /// The value node (for a sequence item, the item).
    value: &'n Node,
}

impl Entry<'_> {
    fn all(&self) -> Range<usize> {
        self.lead.start..self.body.end
    }
}

/// The lines of the entry starting at line `start` (0-based): up to the next line at its
/// indentation or less, without trailing comments that belong to the next entry.
fn body_range(lines: &Lines<'_>, start: usize) -> Range<usize> {
    let ind = indent(lines.line(start));
    let mut end = start + 1;
    let mut last = start;
    while end < lines.len() {
        let l = lines.line(end);
        if !is_blank_or_comment(l) {
            if indent(l) <= ind || l.starts_with("---") || l.starts_with("...") {
                break;
            }
            last = end;
        } else if is_comment(l) && indent(l) > ind {
            last = end;
        }
        end += 1;
    }
    start..last + 1
}

fn lead_start(lines: &Lines<'_>, line: usize) -> usize {
    let ind = indent(lines.line(line));
    let mut s = line;
    while s > 0 && is_comment(lines.line(s - 1)) && indent(lines.line(s - 1)) == ind {
        s -= 1;
    }
    s
}

/// The entries of a block mapping, or `None` when it is not one laid out one key per line.
fn map_entries<'n>(lines: &Lines<'_>, node: &'n Node) -> Option<Vec<Entry<'n>>> {
    let map = node.as_map()?;
    let mut out: Vec<Entry<'n>> = Vec::new();
    for (k, v) in map {
        let line = usize::try_from(k.pos().line).ok()?.checked_sub(1)?;
        if line >= lines.len() || out.last().is_some_and(|e| e.body.start >= line) {
            return None;
        }
        let text = lines.line(line);
        let ind = indent(text);
        // A flow mapping (`{a: 1}`) or a key not first on its line is not line-splittable.
        if text.trim_start().starts_with('{') || out.first().is_some_and(|e| e.indent != ind) {
            return None;
        }
        out.push(Entry {
            key: k.scalar_text().map(|s| s.into_owned()).unwrap_or_default(),
            lead: lead_start(lines, line)..line,
            body: body_range(lines, line),
            indent: ind,
            value: v,
        });
    }
    Some(out)
}

/// The items of a block sequence keyed by their `by` field, or `None`.
fn seq_entries<'n>(lines: &Lines<'_>, node: &'n Node, by: &str) -> Option<Vec<Entry<'n>>> {
    let items = node.as_seq()?;
    let mut out: Vec<Entry<'n>> = Vec::new();
    for item in items {
        let line = usize::try_from(item.pos().line).ok()?.checked_sub(1)?;
        if line >= lines.len() || out.last().is_some_and(|e| e.body.start >= line) {
            return None;
        }
        let text = lines.line(line);
        if !text.trim_start().starts_with("- ") {
            return None;
        }
        let ind = indent(text);
        out.push(Entry {
            key: item
                .get(by)
                .and_then(|n| n.scalar_text())
                .map(|s| s.into_owned())
                .unwrap_or_default(),
            lead: lead_start(lines, line)..line,
            body: body_range(lines, line),
            indent: ind,
            value: item,
        });
    }
    Some(out)
}

/// Whether every string in `node` is a `<<...>>` placeholder (a filter or selection nobody
/// filled).
fn unfilled(node: &Node) -> bool {
    fn walk(n: &Node, strings: &mut usize) -> bool {
        match &n.value {
            yaml::Value::Str(s) => {
                *strings += 1;
                s.contains("<<") && s.contains(">>")
            }
            yaml::Value::Seq(items) => items.iter().all(|i| walk(i, strings)),
            yaml::Value::Map(m) => m.iter().all(|(_, v)| walk(v, strings)),
            _ => true,
        }
    }
    let mut strings = 0;
    walk(node, &mut strings) && strings > 0
}

struct Merger<'a> {
    old: Lines<'a>,
    new: Lines<'a>,
    edits: Vec<Edit>,
    kept: Vec<String>,
    /// Lines of the user's file whose comments are the template's (replaced on purpose).
    owned: HashSet<usize>,
}

impl Merger<'_> {
    /// An unchanged entry: the user's text (quoting, inline comments). The comments above are
    /// the template's when it writes some there, the user's otherwise.
    fn take_body(&mut self, e: &Entry<'_>, f: &Entry<'_>) {
        if f.lead.is_empty() {
            self.take_all(e, f);
            return;
        }
        let text = self.old.text_of(&e.body, e.indent, f.indent);
        self.edits
            .push(Edit::replace(self.new.bytes(&f.body), text));
        self.owned.extend(e.lead.clone());
    }

    /// The fresh entry's lines, comments above included, become the user's.
    fn take_all(&mut self, e: &Entry<'_>, f: &Entry<'_>) {
        let text = self.old.text_of(&e.all(), e.indent, f.indent);
        self.edits
            .push(Edit::replace(self.new.bytes(&f.all()), text));
    }

    /// The fresh entry stays. With `owns_comments` (a detection entry, where the templates
    /// write notes) the comments of the user's entry are the template's; otherwise a comment
    /// there is the user's and must not disappear (see [`merge`]).
    fn take_fresh(&mut self, e: &Entry<'_>, owns_comments: bool) {
        if owns_comments {
            self.owned.extend(e.all());
        }
    }

    /// Inserts the user's entries `extra` after fresh line `at` (exclusive end), at `indent`.
    fn insert(&mut self, at: usize, extra: &[&Entry<'_>], indent: usize) {
        let mut text = String::new();
        for e in extra {
            text.push_str(&self.old.text_of(&e.all(), e.indent, indent));
        }
        if !text.is_empty() {
            self.edits.push(Edit::insert(self.new.starts[at], text));
        }
    }

    /// Merges a mapping where `user(key)` says which differing entries are the user's;
    /// `nested(key)` merges an entry's children instead. Returns false when the mapping cannot
    /// be split into entries (the caller decides).
    fn merge_map(
        &mut self,
        what: &str,
        e_node: &Node,
        f_node: &Node,
        user: &dyn Fn(&str, &Node) -> bool,
        nested: &mut dyn FnMut(&mut Self, &Entry<'_>, &Entry<'_>) -> bool,
    ) -> bool {
        let (Some(ee), Some(fe)) = (
            map_entries(&self.old, e_node),
            map_entries(&self.new, f_node),
        ) else {
            return false;
        };
        for f in &fe {
            let Some(e) = ee.iter().find(|e| e.key == f.key) else {
                continue;
            };
            if nested(self, e, f) {
                continue;
            }
            if e.value.to_json() == f.value.to_json() {
                self.take_body(e, f);
            } else if user(&e.key, e.value) {
                self.take_all(e, f);
                self.kept.push(format!("kept your {what}{}", e.key));
            } else {
                self.take_fresh(e, false);
            }
        }
        let extra: Vec<&Entry<'_>> = ee
            .iter()
            .filter(|e| !fe.iter().any(|f| f.key == e.key))
            .collect();
        for e in &extra {
            self.kept
                .push(format!("kept your {what}{} (not in the template)", e.key));
        }
        // The user's own selections go before the condition, anything else at the end.
        let at = fe
            .iter()
            .find(|f| f.key == "condition" && what == "detection ")
            .map(|f| f.lead.start)
            .or_else(|| fe.last().map(|f| f.body.end));
        if let (Some(at), Some(first)) = (at, fe.first()) {
            self.insert(at, &extra, first.indent);
        }
        true
    }

    /// Merges a block sequence of mappings keyed by `by`: `merge_item` merges a pair, the
    /// user's items the template does not render are kept when `keep_extra` says so.
    fn merge_seq(
        &mut self,
        what: &str,
        by: &str,
        e_node: &Node,
        f_node: &Node,
        merge_item: &mut dyn FnMut(&mut Self, &Entry<'_>, &Entry<'_>),
        keep_extra: &dyn Fn(&Node) -> bool,
    ) -> bool {
        let (Some(ee), Some(fe)) = (
            seq_entries(&self.old, e_node, by),
            seq_entries(&self.new, f_node, by),
        ) else {
            return false;
        };
        for f in &fe {
            if let Some(e) = ee.iter().find(|e| e.key == f.key && !e.key.is_empty()) {
                merge_item(self, e, f);
            }
        }
        let mut extra: Vec<&Entry<'_>> = Vec::new();
        for e in &ee {
            if e.key.is_empty() || !fe.iter().any(|f| f.key == e.key) {
                if keep_extra(e.value) {
                    self.kept.push(format!(
                        "kept your {what} {} (not in the template)",
                        if e.key.is_empty() {
                            "without a key"
                        } else {
                            &e.key
                        }
                    ));
                    extra.push(e);
                } else {
                    self.take_fresh(e, false);
                }
            }
        }
        if let Some(last) = fe.last() {
            self.insert(last.body.end, &extra, last.indent);
        }
        true
    }

    fn merge_detection(&mut self, e: &Entry<'_>, f: &Entry<'_>) {
        let ok = self.merge_map(
            "detection ",
            e.value,
            f.value,
            &|key, v| key == "condition" || !unfilled(v),
            &mut |m, e, f| {
                if e.key != "condition"
                    && e.value.to_json() != f.value.to_json()
                    && unfilled(e.value)
                {
                    m.take_fresh(e, true);
                    return true;
                }
                false
            },
        );
        if !ok {
            self.whole("detection", e, f);
        }
        if ok
            && self
                .kept
                .iter()
                .any(|k| k.starts_with("kept your detection condition"))
            && let Some(c) = f.value.get("condition").and_then(|c| c.scalar_text())
        {
            self.kept.push(format!(
                "  (the template's condition is now `{c}`: review yours)"
            ));
        }
    }

    fn merge_sigsmith(&mut self, e: &Entry<'_>, f: &Entry<'_>) {
        let ok = self.merge_map(
            "sigsmith.",
            e.value,
            f.value,
            &|_, _| false,
            &mut |m, e, f| match e.key.as_str() {
                "validation" => {
                    let ok = m.merge_seq(
                        "answer of",
                        "id",
                        e.value,
                        f.value,
                        &mut |m, ei, fi| m.merge_answer(ei, fi),
                        &|item| item.get("answer").is_some_and(|a| !a.is_null()),
                    );
                    if !ok {
                        m.whole("sigsmith.validation", e, f);
                    }
                    true
                }
                "exemplars" => {
                    let ok = m.merge_seq(
                        "exemplar",
                        "name",
                        e.value,
                        f.value,
                        &mut |m, ei, fi| {
                            if ei.value.to_json() == fi.value.to_json() {
                                m.take_body(ei, fi);
                            } else {
                                m.take_all(ei, fi);
                                m.kept.push(format!("kept your exemplar {}", ei.key));
                            }
                        },
                        &|_| true,
                    );
                    if !ok {
                        m.whole("sigsmith.exemplars", e, f);
                    }
                    true
                }
                _ => false,
            },
        );
        if !ok {
            self.whole("sigsmith", e, f);
        }
    }

    /// A validation prompt: the template's question, the user's answer.
    fn merge_answer(&mut self, e: &Entry<'_>, f: &Entry<'_>) {
        let answer = e.value.get("answer");
        if answer.is_none_or(Node::is_null) {
            self.take_fresh(e, false);
            return;
        }
        let (Some(ee), Some(fe)) = (
            map_entries_of_item(&self.old, e),
            map_entries_of_item(&self.new, f),
        ) else {
            self.take_all(e, f);
            self.kept.push(format!("kept your prompt {}", e.key));
            return;
        };
        match (
            ee.iter().find(|x| x.key == "answer"),
            fe.iter().find(|x| x.key == "answer"),
        ) {
            (Some(ea), Some(fa)) => {
                let text = self.old.text_of(&ea.all(), ea.indent, fa.indent);
                self.edits
                    .push(Edit::replace(self.new.bytes(&fa.all()), text));
                self.kept.push(format!("kept your answer to {}", e.key));
            }
            _ => {
                self.take_all(e, f);
                self.kept.push(format!("kept your prompt {}", e.key));
            }
        }
    }

    /// An entry that cannot be merged by parts: the user's when it differs.
    fn whole(&mut self, what: &str, e: &Entry<'_>, f: &Entry<'_>) {
        if e.value.to_json() == f.value.to_json() {
            self.take_body(e, f);
        } else {
            self.take_all(e, f);
            self.kept.push(format!("kept your {what} as a whole"));
        }
    }

    fn merge_document(&mut self, what: &str, e_root: &Node, f_root: &Node) -> bool {
        self.merge_map(
            what,
            e_root,
            f_root,
            &|key, _| USER_KEYS.contains(&key),
            &mut |m, e, f| match e.key.as_str() {
                "detection" => {
                    m.merge_detection(e, f);
                    true
                }
                "sigsmith" => {
                    m.merge_sigsmith(e, f);
                    true
                }
                "correlation" => {
                    let ok = m.merge_map(
                        "correlation.",
                        e.value,
                        f.value,
                        &|key, _| USER_CORRELATION_KEYS.contains(&key),
                        &mut |_, _, _| false,
                    );
                    if !ok {
                        m.whole("correlation", e, f);
                    }
                    true
                }
                _ => false,
            },
        )
    }
}

/// The entries of a sequence item that is a mapping (`- id: X` then `  question: ...`).
fn map_entries_of_item<'n>(lines: &Lines<'_>, item: &Entry<'n>) -> Option<Vec<Entry<'n>>> {
    let mut out = Vec::new();
    for (k, v) in item.value.as_map()? {
        let line = usize::try_from(k.pos().line).ok()?.checked_sub(1)?;
        if !item.body.contains(&line) {
            return None;
        }
        let col = usize::try_from(k.pos().col).ok()?.checked_sub(1)?;
        // The first key shares the item's line (`- id:`); its lines end where the next key's
        // start. Other keys stand alone.
        let body = if line == item.body.start {
            let next = item
                .value
                .as_map()?
                .get(1)
                .and_then(|(k, _)| usize::try_from(k.pos().line).ok())
                .map_or(item.body.end, |l| l - 1);
            line..next.max(line + 1)
        } else {
            body_range(lines, line)
        };
        out.push(Entry {
            key: k.scalar_text().map(|s| s.into_owned()).unwrap_or_default(),
            lead: if line == item.body.start {
                line..line
            } else {
                lead_start(lines, line)..line
            },
            body,
            indent: col,
            value: v,
        });
    }
    Some(out)
}

/// Whether a document is a correlation rule.
fn is_correlation(root: &Node) -> bool {
    root.get("correlation").is_some()
}

/// Merges the user's `existing` file into the `fresh` render. `Err` lists why the merge would
/// drop user content (nothing should be written then).
pub fn merge(existing: &str, fresh: &str) -> Result<Merged, Vec<String>> {
    let old = yaml::parse(existing);
    if let Some(err) = &old.error {
        return Err(vec![format!(
            "line {}, column {}: not valid YAML ({}); fix it, or regenerate with --force",
            err.pos.line, err.pos.col, err.message
        )]);
    }
    let new = yaml::parse(fresh);
    if let Some(err) = &new.error {
        return Err(vec![format!(
            "the template rendered invalid YAML at line {}: {}",
            err.pos.line, err.message
        )]);
    }
    let mut m = Merger {
        old: Lines::new(existing),
        new: Lines::new(fresh),
        edits: Vec::new(),
        kept: Vec::new(),
        owned: HashSet::new(),
    };
    let mut refusals = Vec::new();
    let mut used = vec![false; old.documents.len()];
    for fd in &new.documents {
        let corr = is_correlation(&fd.root);
        let Some(i) = (0..old.documents.len())
            .find(|&i| !used[i] && is_correlation(&old.documents[i].root) == corr)
        else {
            continue;
        };
        used[i] = true;
        let what = if corr { "companion " } else { "" };
        if !m.merge_document(what, &old.documents[i].root, &fd.root) {
            refusals.push(format!(
                "document {} (line {}) is not a block mapping laid out one key per line; \
                 cannot merge it by entries",
                i + 1,
                old.documents[i].start.line
            ));
        }
    }
    for (i, d) in old.documents.iter().enumerate() {
        if !used[i] && !d.root.is_null() {
            refusals.push(format!(
                "document {} (line {}, a {}) is not rendered by the template any more \
                 (with --companion separate, the correlation moves to its own file): move it \
                 out of the file first",
                i + 1,
                d.start.line,
                if is_correlation(&d.root) {
                    "correlation rule"
                } else {
                    "rule"
                }
            ));
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let text = edit::apply(fresh, &m.edits).map_err(|e| vec![format!("cannot merge: {e}")])?;
    // Every comment of the user's file that is not the template's must survive.
    let now: HashSet<&str> = text.lines().map(str::trim).collect();
    for i in 0..m.old.len() {
        let l = m.old.line(i);
        let has_comment = is_comment(l) || l.contains(" #");
        if has_comment && !m.owned.contains(&i) && !now.contains(l.trim()) {
            refusals.push(format!(
                "line {}: `{}` would be dropped (it sits in a part the template renders); \
                 move it into a kept entry or remove it first",
                i + 1,
                l.trim()
            ));
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    Ok(Merged { text, kept: m.kept })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRESH: &str = "\
title: 'New title'
id: 1
status: experimental
detection:
    # the API
    selection_api:
        eventName: Run
    # baseline: approved callers
    filter_callers:
        user|cidr: '<<baseline:callers>>'
    condition: selection_api and not filter_callers
level: medium
sigsmith:
    strategy: X
    validation:
        - id: V1
          question: 'New question?'
          answer: null
        - id: V2
          question: 'Q2?'
          answer: null
";

    const OLD: &str = "\
title: 'Old title'
id: 1
status: test # raised after review
detection:
    # the API
    selection_api:
        eventName: Run
    # baseline: approved callers
    filter_callers:
        user|cidr:
            - 10.0.0.0/8 # office
    filter_mine:
        user: bob
    condition: selection_api and not 1 of filter_*
level: medium
sigsmith:
    strategy: X
    validation:
        - id: V1
          question: 'Old question?'
          answer: 'yes, checked in Splunk'
        - id: V0
          question: 'Removed?'
          answer: 'kept anyway'
";

    #[test]
    fn keeps_user_content_and_takes_template_content() {
        let m = merge(OLD, FRESH).expect("merges");
        let t = &m.text;
        assert!(t.contains("title: 'New title'\n"), "{t}");
        assert!(t.contains("status: test # raised after review\n"), "{t}");
        assert!(t.contains("- 10.0.0.0/8 # office\n"), "{t}");
        assert!(t.contains("    filter_mine:\n        user: bob\n"), "{t}");
        assert!(
            t.contains("condition: selection_api and not 1 of filter_*\n"),
            "{t}"
        );
        assert!(
            t.contains("question: 'New question?'\n          answer: 'yes, checked in Splunk'\n"),
            "{t}"
        );
        assert!(t.contains("- id: V2\n"), "{t}");
        assert!(
            t.contains(
                "- id: V0\n          question: 'Removed?'\n          answer: 'kept anyway'\n"
            ),
            "{t}"
        );
        let parsed = yaml::parse(t);
        assert!(
            parsed.error.is_none() && parsed.duplicate_keys.is_empty(),
            "{t}"
        );
        // Merging again changes nothing.
        assert_eq!(merge(t, FRESH).expect("again").text, *t);
    }

    #[test]
    fn unfilled_entries_and_equal_files_follow_the_template() {
        let m = merge(FRESH, FRESH).expect("merges");
        assert_eq!(m.text, FRESH);
        assert!(m.kept.is_empty(), "{:?}", m.kept);
        let old = FRESH.replace(
            "user|cidr: '<<baseline:callers>>'",
            "src|cidr: '<<baseline:callers>>'",
        );
        assert_eq!(merge(&old, FRESH).expect("merges").text, FRESH);
    }

    #[test]
    fn refuses_to_drop_comments_and_documents() {
        let old = FRESH.replace("title: 'New title'\n", "title: 'Mine' # ticket 42\n");
        let err = merge(&old, FRESH).expect_err("comment");
        assert!(
            err[0].contains("ticket 42") && err[0].starts_with("line 1:"),
            "{err:?}"
        );
        let err = merge("a: [\n", FRESH).expect_err("yaml");
        assert!(err[0].contains("not valid YAML"), "{err:?}");
        let two = format!("{FRESH}---\ntitle: c\ncorrelation:\n    type: event_count\n");
        let err = merge(&two, FRESH).expect_err("document");
        assert!(err[0].contains("document 2"), "{err:?}");
    }
}
