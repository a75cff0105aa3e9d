//! API004: a scaffold placeholder `<<kind:name>>` left in a document.

use std::sync::OnceLock;

use regex::Regex;

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::scalar_offset_pos;
use crate::yaml::{Node, Value};

declare_rule! {
    /// ## What it does
    /// Finds scaffold placeholders — `<<kind:name>>`, for example
    /// `<<baseline:approved_automation_principals>>` or `<<todo:target_bucket>>` — in any string
    /// of any document (keys and values, not comments). A warning while the rule's `status` is
    /// `experimental`, `unsupported`, `deprecated` or absent; an error once it is `test` or
    /// `stable`. The `placeholder` entries of a draft's `sigsmith.baselines` list are not
    /// reported: they document which token stands for which baseline, they are not values.
    ///
    /// ## Why is this bad?
    /// A placeholder is a value nobody filled in: a baseline filter that matches nothing, so
    /// the rule alerts on all the sanctioned activity it was meant to exclude.
    ///
    /// ## Example
    /// ```yaml
    /// filter_approved_automation_principals:
    ///     userIdentity.arn: '<<baseline:approved_automation_principals>>'
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// filter_approved_automation_principals:
    ///     userIdentity.arn:
    ///         - 'arn:aws:iam::111122223333:role/github-deploy'
    ///         - 'arn:aws:iam::111122223333:role/backup'
    /// ```
    pub struct UnresolvedPlaceholder {
        code: "API004",
        name: "unresolved-placeholder",
        severity: Severity::Warning,
        summary: "scaffold placeholder left in the rule",
    }
}

/// The placeholder syntax shared with the scaffolder.
pub fn placeholder_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"<<([a-z]+):([A-Za-z0-9_.-]+)>>").expect("placeholder regex is valid")
    })
}

/// Whether a rule with this status is meant to be deployed (`test` or `stable`).
pub(crate) fn is_mature(status: Option<&str>) -> bool {
    matches!(status, Some("test" | "stable"))
}

/// Whether `text` (a file's source) can hold a placeholder at all: it contains `<<`, or an
/// escape a double-quoted scalar could spell `<` with (`\x3c`, `\u003c`, `\U0000003c`). Most
/// files have neither, and one search over the file is cheaper than one per string.
fn may_hold_placeholder(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"<<|\\(?:x3|u003|U0000003)").expect("placeholder pre-filter is valid")
    })
    .is_match(text)
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if !may_hold_placeholder(cx.text) {
        return;
    }
    let re = placeholder_regex();
    let mature = is_mature(cx.status().as_deref());
    // The documentation of each placeholder in `sigsmith.baselines[*].placeholder`.
    let documented: Vec<&Node> = cx
        .doc
        .root
        .get("sigsmith")
        .and_then(|s| s.get("baselines"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|b| b.get("placeholder"))
        .collect();
    let mut todo: Vec<&Node> = vec![&cx.doc.root];
    while let Some(n) = todo.pop() {
        if documented.iter().any(|d| std::ptr::eq(*d, n)) {
            continue;
        }
        match &n.value {
            // `<<` first: most strings have no placeholder, and a substring search is cheaper
            // than starting a regex search.
            Value::Str(s) if s.contains("<<") => {
                for m in re.find_iter(s) {
                    let pos = scalar_offset_pos(n, s, m.start(), cx.text);
                    let mut f = cx.finding(
                        &UnresolvedPlaceholder::META,
                        pos,
                        format!("unresolved placeholder `{}`", m.as_str()),
                    );
                    if mature {
                        f.severity = Severity::Error;
                        f.message.push_str(" in a test/stable rule");
                    }
                    f.help = Some("replace the placeholder with real values".to_owned());
                    out.push(f);
                }
            }
            Value::Seq(items) => todo.extend(items.iter().rev()),
            Value::Map(entries) => {
                for (k, v) in entries.iter().rev() {
                    todo.push(v);
                    todo.push(k);
                }
            }
            _ => {}
        }
    }
}
