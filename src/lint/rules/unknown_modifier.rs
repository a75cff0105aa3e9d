//! SIG008: a value modifier Sigma does not define.

use crate::declare_rule;
use crate::diagnostic::{Finding, Fix, Severity};
use crate::lint::context::DocCtx;
use crate::lint::fix;
use crate::modifier::{MODIFIERS, ModifierKind, is_known_modifier};

declare_rule! {
    /// ## What it does
    /// Flags a value modifier (`field|modifier`) that is not one of Sigma's: `contains`,
    /// `startswith`, `endswith`, `all`, `cased`, `base64`, `base64offset`, `utf16le`,
    /// `utf16be`, `utf16`, `wide`, `windash`, `re` (with its flags `i`, `m`, `s` and their long
    /// forms), `cidr`, `exists`, `fieldref`, `expand`, `gt`, `gte`, `lt`, `lte`, `neq`,
    /// `minute`, `hour`, `day`, `week`, `month`, `year`. Regex flags used without `re` are
    /// flagged too. Modifiers are case-sensitive.
    ///
    /// ## Why is this bad?
    /// Backends reject unknown modifiers, so the rule is not deployed; a typo such as
    /// `endwith` can also turn into an exact-match on a field name containing a pipe.
    ///
    /// ## Example
    /// ```yaml
    /// selection:
    ///     Image|endwith: '\whoami.exe'
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// selection:
    ///     Image|endswith: '\whoami.exe'
    /// ```
    ///
    /// ## Fix
    /// `sigsmith lint --fix` renames the modifier when exactly one Sigma modifier is that
    /// close (`endwith` -> `endswith`, `Contains` -> `contains`); with two equally close
    /// candidates, or a regex flag without `re`, it leaves the rule to you.
    pub struct UnknownModifier {
        code: "SIG008",
        name: "unknown-modifier",
        severity: Severity::Error,
        summary: "value modifier Sigma does not define",
    }
}

/// The closest known modifiers (at most two edits away, case ignored), closest first.
fn close_matches(m: &str) -> Vec<(usize, &'static str)> {
    let lower = m.to_ascii_lowercase();
    let mut close: Vec<(usize, &'static str)> = MODIFIERS
        .iter()
        .copied()
        .filter(|k| k.len() > 2)
        .map(|k| (crate::checks::levenshtein(&lower, k), k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    close.sort_unstable();
    close
}

/// The closest known modifier, when it is a likely typo.
fn suggestion(m: &str) -> Option<&'static str> {
    close_matches(m).first().map(|(_, k)| *k)
}

/// The one closest modifier, when no other is as close: the only safe rename.
fn only_match(m: &str) -> Option<&'static str> {
    match close_matches(m).as_slice() {
        [(_, k)] => Some(k),
        [(d, k), (d2, _), ..] if d < d2 => Some(k),
        _ => None,
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(det) = &cx.detection else { return };
    for item in det.selections.iter().flat_map(|s| s.items()) {
        let Some(key) = item.key else { continue };
        let has_re = item.has_modifier("re");
        for m in &item.modifiers {
            let span = match key.as_str() {
                Some(text) => cx.sub_span(key, text, m.range()),
                None => key.span,
            };
            if !is_known_modifier(m.name) {
                let mut msg = if m.name.is_empty() {
                    "empty modifier (`||` or a trailing `|`)".to_owned()
                } else {
                    format!("unknown modifier `{}`", m.name)
                };
                if let Some(s) = suggestion(m.name) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                let mut finding = cx.finding_span(&UnknownModifier::META, span, msg);
                if let Some(to) = only_match(m.name)
                    && let Some(edit) = fix::replace_in_scalar(cx.text, key, m.range(), to)
                {
                    finding = finding.with_fix(Fix::new(
                        UnknownModifier::META.code,
                        format!("rename modifier `{}` to `{to}`", m.name),
                        vec![edit],
                    ));
                }
                out.push(finding);
            } else if m.kind.is_some_and(ModifierKind::is_regex_flag) && !has_re {
                out.push(cx.finding_span(
                    &UnknownModifier::META,
                    span,
                    format!(
                        "modifier `{}` is a regex flag and needs `re` before it",
                        m.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggestion("endwith"), Some("endswith"));
        assert_eq!(suggestion("Contains"), Some("contains"));
        assert_eq!(suggestion("zzzzzzzz"), None);
        assert_eq!(only_match("endwith"), Some("endswith"));
        assert_eq!(only_match("Contains"), Some("contains"));
        // `base65` is one edit from `base64` only; `utf16xe` is one from `utf16le` and
        // `utf16be` alike: no safe choice.
        assert_eq!(only_match("base65"), Some("base64"));
        assert_eq!(only_match("utf16xe"), None);
    }
}
