//! SIG010: malformed `attack.` tag (and, with ATT&CK data loaded, unknown techniques/tactics).

use crate::declare_rule;
use crate::diagnostic::{Finding, Fix, Severity};
use crate::lint::context::DocCtx;
use crate::lint::engine::TechniqueStatus;
use crate::lint::fix;

declare_rule! {
    /// ## What it does
    /// Checks every `tags` entry that starts with `attack.`: it must be a technique
    /// (`attack.t1078`, `attack.t1078.004`), a group (`attack.g0016`), software
    /// (`attack.s0154`), a campaign (`attack.c0024`), a data source (`attack.ds0005`), a
    /// mitigation (`attack.m1036`), an asset (`attack.a0001`) or a
    /// tactic short name with hyphens (`attack.initial-access`, including the ICS tactics and
    /// the ATT&CK v18+ `stealth` and `defense-impairment`), all lowercase. With ATT&CK data
    /// loaded (`--attack`), technique tags must also name a technique that exists and is
    /// neither revoked nor deprecated, and tactic tags a real tactic.
    ///
    /// ## Why is this bad?
    /// ATT&CK coverage reports, navigator layers and SIEM mappings read these tags; a
    /// malformed tag silently drops the rule from all of them.
    ///
    /// ## Example
    /// ```yaml
    /// tags:
    ///     - attack.T1078
    ///     - attack.defense_evasion
    ///     - attack.t1078.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tags:
    ///     - attack.t1078
    ///     - attack.defense-evasion
    ///     - attack.t1078.004
    /// ```
    ///
    /// ## Fix
    /// `sigsmith lint --fix` lowercases a tag written in the wrong case (`ATTACK.T1078`,
    /// `attack.Initial-Access`) and writes a tactic with hyphens (`attack.defense_evasion`),
    /// when the result is a well-formed tag (and, with ATT&CK data, an existing one). Other
    /// malformed tags (`attack.t1078.4`) are left to you.
    pub struct InvalidAttackTag {
        code: "SIG010",
        name: "invalid-attack-tag",
        severity: Severity::Warning,
        summary: "malformed or unknown `attack.` tag",
    }
}

/// Tactic short names of ATT&CK Enterprise (before and since v18), ICS and Mobile.
pub const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "stealth",
    "defense-impairment",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
    // ICS
    "evasion",
    "inhibit-response-function",
    "impair-process-control",
    // Mobile (older matrices)
    "network-effects",
    "remote-service-effects",
];

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `rest` (after `attack.`) is a technique id `tNNNN[.NNN]`.
fn is_technique(rest: &str) -> bool {
    let Some(id) = rest.strip_prefix('t') else {
        return false;
    };
    match id.split_once('.') {
        None => digits(id, 4),
        Some((a, b)) => digits(a, 4) && digits(b, 3),
    }
}

/// Groups, software, campaigns, mitigations and assets (`g`, `s`, `c`, `m`, `a` and four
/// digits; mitigations and assets since the tags appendix v2.1.0), and data sources (`ds`).
fn is_other_object(rest: &str) -> bool {
    ["g", "s", "c", "m", "a"]
        .iter()
        .any(|p| rest.strip_prefix(p).is_some_and(|d| digits(d, 4)))
        || rest.strip_prefix("ds").is_some_and(|d| digits(d, 4))
}

/// The well-formed spelling of a tag that differs only in case or in `_` for `-` in a
/// tactic name, when that spelling has no problem (see [`problem`]).
fn fixed_tag(tag: &str, cx: &DocCtx<'_>) -> Option<String> {
    let mut fixed = tag.to_ascii_lowercase();
    if problem(&fixed, cx).is_some() {
        fixed = fixed.replace('_', "-");
    }
    (fixed != tag && problem(&fixed, cx).is_none()).then_some(fixed)
}

/// What is wrong with an `attack.` tag, or `None` when it is well formed.
pub(crate) fn problem(tag: &str, cx: &DocCtx<'_>) -> Option<String> {
    let rest = tag.strip_prefix("attack.")?;
    if rest.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some(format!(
            "ATT&CK tags are lowercase: `{}`",
            tag.to_ascii_lowercase()
        ));
    }
    if is_technique(rest) {
        let attack = cx.opts.attack.as_ref()?;
        let id = rest.to_ascii_uppercase();
        return match attack.technique(&id) {
            TechniqueStatus::Active => None,
            TechniqueStatus::Unknown => Some(format!("`{tag}` names no ATT&CK technique")),
            TechniqueStatus::Deprecated => Some(format!("technique {id} is deprecated")),
            TechniqueStatus::Revoked { replacement } => Some(match replacement {
                Some(r) => format!(
                    "technique {id} is revoked; use `attack.{}`",
                    r.to_ascii_lowercase()
                ),
                None => format!("technique {id} is revoked"),
            }),
        };
    }
    if is_other_object(rest) {
        return None;
    }
    if rest.starts_with('t') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!(
            "malformed technique tag `{tag}`: use `attack.tNNNN` or `attack.tNNNN.NNN`"
        ));
    }
    let known = match &cx.opts.attack {
        Some(a) => a.is_tactic(rest) || TACTICS.contains(&rest),
        None => TACTICS.contains(&rest),
    };
    if known {
        return None;
    }
    let hyphen = rest.replace('_', "-");
    if hyphen != rest && TACTICS.contains(&hyphen.as_str()) {
        return Some(format!("tactic tags use hyphens: `attack.{hyphen}`"));
    }
    Some(format!(
        "`{tag}` is not an ATT&CK technique, tactic, group or software tag"
    ))
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(tags) = cx.doc.root.get("tags").and_then(|t| t.as_seq()) else {
        return;
    };
    for tag in tags {
        let Some(text) = tag.as_str() else { continue };
        if !text
            .get(.."attack.".len())
            .is_some_and(|ns| ns.eq_ignore_ascii_case("attack."))
        {
            continue;
        }
        let message = if text.starts_with("attack.") {
            problem(text, cx)
        } else {
            // `ATTACK.t1078`: report the namespace case.
            Some(format!(
                "ATT&CK tags are lowercase: `{}`",
                text.to_ascii_lowercase()
            ))
        };
        let Some(message) = message else { continue };
        let mut finding = cx.finding_at(&InvalidAttackTag::META, tag, message);
        if let Some(fixed) = fixed_tag(text, cx)
            && let Some(edit) = fix::replace_scalar(cx.text, tag, &fixed)
        {
            finding = finding.with_fix(Fix::new(
                InvalidAttackTag::META.code,
                format!("write the tag as `{fixed}`"),
                vec![edit],
            ));
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::lint::engine::{AttackIndex, LintOptions, lint_text};

    #[derive(Debug)]
    struct FakeAttack;

    impl AttackIndex for FakeAttack {
        fn technique(&self, id: &str) -> TechniqueStatus {
            match id {
                "T1078" => TechniqueStatus::Active,
                "T1064" => TechniqueStatus::Revoked {
                    replacement: Some("T1059".into()),
                },
                "T1086" => TechniqueStatus::Deprecated,
                _ => TechniqueStatus::Unknown,
            }
        }
        fn is_tactic(&self, short_name: &str) -> bool {
            short_name == "initial-access"
        }
    }

    #[test]
    fn attack_index_hook_checks_existence() {
        let text = "title: t\nlogsource: {product: windows}\ndetection: {sel: {a: 1}, condition: sel}\ntags: [attack.t1078, attack.t1064, attack.t1086, attack.t9999, attack.initial-access]\n";
        let with = LintOptions {
            attack: Some(Arc::new(FakeAttack)),
            ..LintOptions::default()
        };
        let msgs: Vec<String> = lint_text("t.yml", text, &with)
            .findings
            .into_iter()
            .filter(|f| f.code == "SIG010")
            .map(|f| f.message)
            .collect();
        assert_eq!(
            msgs,
            vec![
                "technique T1064 is revoked; use `attack.t1059`",
                "technique T1086 is deprecated",
                "`attack.t9999` names no ATT&CK technique",
            ]
        );
        let without = lint_text("t.yml", text, &LintOptions::default());
        assert!(!without.findings.iter().any(|f| f.code == "SIG010"));
    }

    #[test]
    fn shapes() {
        assert!(is_technique("t1078"));
        assert!(is_technique("t1078.004"));
        assert!(!is_technique("t1078.4"));
        assert!(!is_technique("t107"));
        assert!(is_other_object("g0016"));
        assert!(is_other_object("s0154"));
        assert!(is_other_object("ds0005"));
        assert!(is_other_object("m1036"));
        assert!(is_other_object("a0001"));
        assert!(!is_other_object("x0001"));
    }
}
