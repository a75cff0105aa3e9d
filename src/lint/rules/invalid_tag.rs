//! SIG025: a tag of a namespace the tags appendix defines (`car`, `cve`, `d3fend`,
//! `detection`, `stp`, `tlp`) with a value that namespace does not define. `attack.` tags are
//! SIG010's.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;

declare_rule! {
    /// ## What it does
    /// Checks every `tags` entry in a namespace of the Sigma tags appendix (v2.1.0) other
    /// than `attack` (SIG010 checks those):
    /// - `car.YYYY-MM-NNN` (a CAR analytic without its `CAR-` prefix, `car.2016-04-005`);
    /// - `cve.YYYY-NNNN` (four or more digits after the year, `cve.2021-44228`);
    /// - `d3fend.d3-...` (technique), `d3fend.d3f-...` (artifact) or a D3FEND tactic
    ///   (`model`, `harden`, `detect`, `isolate`, `deceive`, `evict`);
    /// - `detection.dfir`, `detection.emerging-threats`, `detection.threat-hunting`;
    /// - `stp.` and an analytic robustness from 1 to 5, optionally followed by the event
    ///   robustness `a`, `u` or `k` (`stp.4`, `stp.3k`);
    /// - `tlp.red`, `tlp.amber`, `tlp.amber-strict`, `tlp.green`, `tlp.clear`.
    ///
    /// Tags of other namespaces are custom and left alone.
    ///
    /// ## Why is this bad?
    /// Tools group and route rules by these tags (sharing by TLP, SigmaHQ's rule types,
    /// CVE and CAR cross-references); a misspelt value, or `cve.2021.44228` for
    /// `cve.2021-44228`, drops the rule from all of them.
    ///
    /// ## Example
    /// ```yaml
    /// tags:
    ///     - tlp.white
    ///     - cve.2021.44228
    ///     - detection.hunting
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tags:
    ///     - tlp.clear
    ///     - cve.2021-44228
    ///     - detection.threat-hunting
    /// ```
    pub struct InvalidTag {
        code: "SIG025",
        name: "invalid-tag",
        severity: Severity::Warning,
        summary: "tag value its namespace in the tags appendix does not define",
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// TLP levels of FIRST TLP 2.0, as the tags appendix lists them.
const TLP: &[&str] = &["red", "amber", "amber-strict", "green", "clear"];
/// The rule types of the `detection` namespace.
const DETECTION: &[&str] = &["dfir", "emerging-threats", "threat-hunting"];
/// D3FEND tactics.
const D3FEND_TACTICS: &[&str] = &["model", "harden", "detect", "isolate", "deceive", "evict"];

/// What is wrong with `tag`, or `None` when it is well formed or not in a namespace the tags
/// appendix defines (besides `attack`).
pub(crate) fn problem(tag: &str) -> Option<String> {
    let (namespace, value) = tag.split_once('.')?;
    let ok = match namespace {
        "car" => {
            let parts: Vec<&str> = value.split('-').collect();
            matches!(parts.as_slice(), [y, m, n] if digits(y, 4) && digits(m, 2) && digits(n, 3))
        }
        "cve" => value.split_once('-').is_some_and(|(y, n)| {
            digits(y, 4) && n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit())
        }),
        "d3fend" => {
            D3FEND_TACTICS.contains(&value)
                || ["d3-", "d3f-"].iter().any(|p| {
                    value.strip_prefix(p).is_some_and(|rest| {
                        !rest.is_empty()
                            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    })
                })
        }
        "detection" => DETECTION.contains(&value),
        "stp" => {
            let mut chars = value.chars();
            matches!(chars.next(), Some('1'..='5'))
                && match chars.next() {
                    None => true,
                    Some('a' | 'u' | 'k') => chars.next().is_none(),
                    Some(_) => false,
                }
        }
        "tlp" => TLP.contains(&value),
        _ => return None,
    };
    if ok {
        return None;
    }
    Some(match namespace {
        "car" => {
            format!("`{tag}` is not a CAR analytic: write `car.YYYY-MM-NNN` (`car.2016-04-005`)")
        }
        "cve" => format!("`{tag}` is not a CVE id: write `cve.YYYY-NNNN` (`cve.2021-44228`)"),
        "d3fend" => format!(
            "`{tag}` is not a D3FEND technique (`d3fend.d3-...`), artifact (`d3fend.d3f-...`) or tactic ({})",
            D3FEND_TACTICS.join(", ")
        ),
        "detection" => format!(
            "`{tag}` is not a rule type of the tags appendix: {}",
            quoted(DETECTION)
        ),
        "stp" => format!(
            "`{tag}` is not a Summiting the Pyramid score: 1 to 5, optionally followed by `a`, `u` or `k` (`stp.3k`)"
        ),
        _ => {
            let hint = if value == "white" {
                " (TLP 2.0 renamed `white` to `clear`)"
            } else {
                ""
            };
            format!("`{tag}` is not a TLP level: {}{hint}", quoted(TLP))
        }
    })
}

/// `a`, `b`, `c` (each in backquotes).
fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(tags) = cx.doc.root.get("tags").and_then(|t| t.as_seq()) else {
        return;
    };
    for tag in tags {
        let Some(text) = tag.as_str() else { continue };
        if let Some(message) = problem(text) {
            out.push(cx.finding_at(&InvalidTag::META, tag, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_of_the_tags_appendix() {
        for ok in [
            "car.2016-04-005",
            "cve.2021-44228",
            "cve.2024-123456",
            "d3fend.d3-am",
            "d3fend.d3f-windowsntopenfile",
            "d3fend.harden",
            "detection.dfir",
            "detection.emerging-threats",
            "detection.threat-hunting",
            "stp.4",
            "stp.3k",
            "stp.1u",
            "tlp.amber-strict",
            "tlp.clear",
            "attack.t1059",
            "custom.anything",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "car.2016-4-5",
            "car.car-2016-04-005",
            "cve.2021.44228",
            "cve.21-44228",
            "d3fend.am",
            "detection.hunting",
            "stp.6",
            "stp.3x",
            "stp.3kk",
            "tlp.purple",
            "tlp.white",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
        assert!(problem("tlp.white").is_some_and(|m| m.contains("clear")));
    }
}
