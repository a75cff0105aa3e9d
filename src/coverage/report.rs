//! Coverage as text (a summary table), versioned JSON and Markdown (a pull-request report).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Coverage, DomainCoverage, Rule, State, StrategyCoverage};

/// The JSON format version.
pub const JSON_VERSION: u32 = 1;

fn count(d: &DomainCoverage, s: State) -> usize {
    d.totals
        .strategies_by_state
        .get(s.as_str())
        .copied()
        .unwrap_or(0)
}

fn techniques_covered(d: &DomainCoverage) -> usize {
    d.totals.techniques
        - d.totals
            .techniques_by_state
            .get(State::Uncovered.as_str())
            .copied()
            .unwrap_or(0)
}

fn pct(n: usize, total: usize) -> String {
    if total == 0 {
        return "-".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let p = n as f64 * 100.0 / total as f64;
    format!("{p:.0}%")
}

fn rule_ref(r: &Rule) -> String {
    format!("{}:{}", r.path.display(), r.line)
}

/// Text from a bundle or a rule file made safe for a terminal or a one-line table cell: the
/// one sanitiser every line-oriented output uses ([`crate::output::sanitize::line`]).
pub fn clean(s: &str) -> String {
    crate::output::sanitize::line(s).into_owned()
}

fn counting_rules<'c>(
    cov: &'c Coverage,
    s: &'c StrategyCoverage,
) -> impl Iterator<Item = &'c Rule> {
    s.rules
        .iter()
        .filter_map(|m| cov.rules.get(m.rule))
        .filter(|r| r.counts())
}

/// The summary table and the lists that need attention.
pub fn text(cov: &Coverage) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<10}  {:>6}  {:>10}  {:>7}  {:>10}  {:>13}  {:>9}  {:>16}",
        "domain",
        "ATT&CK",
        "strategies",
        "context",
        "not-judged",
        "presence-only",
        "uncovered",
        "techniques",
    );
    for d in &cov.domains {
        let _ = writeln!(
            o,
            "{:<10}  {:>6}  {:>10}  {:>7}  {:>10}  {:>13}  {:>9}  {:>16}",
            d.domain.as_str(),
            d.attack_version.as_deref().unwrap_or("?"),
            d.totals.strategies,
            count(d, State::Context),
            count(d, State::NotJudged),
            count(d, State::PresenceOnly),
            count(d, State::Uncovered),
            format!(
                "{}/{} ({})",
                techniques_covered(d),
                d.totals.techniques,
                pct(techniques_covered(d), d.totals.techniques)
            ),
        );
    }
    for d in &cov.domains {
        let presence: Vec<&StrategyCoverage> = d.strategies_in(State::PresenceOnly).collect();
        if presence.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "\n{} strategies whose only rules are presence-only (API001):",
            d.domain.as_str()
        );
        for s in presence {
            let rules: Vec<String> = counting_rules(cov, s)
                .map(|r| clean(&rule_ref(r)))
                .collect();
            let _ = writeln!(
                o,
                "  {} {}  [{}]",
                clean(&s.id),
                clean(&s.name),
                rules.join(", ")
            );
        }
    }
    let untagged = cov.rules.iter().filter(|r| r.techniques.is_empty()).count();
    let counted = cov.rules.iter().filter(|r| r.counts()).count();
    let _ = writeln!(
        o,
        "\n{} rule(s) read, {} counted (deprecated and unsupported are not), {} without a technique tag",
        cov.rules.len(),
        counted,
        untagged
    );
    if !cov.stale_tags.is_empty() {
        let tags: Vec<String> = cov
            .stale_tags
            .iter()
            .map(|t| format!("{} ({}, {} rule(s))", t.technique, t.status, t.rules.len()))
            .collect();
        let _ = writeln!(
            o,
            "technique tags no loaded bundle has as current: {}",
            tags.join(", ")
        );
    }
    o
}

fn rule_json(r: &Rule, index: usize) -> Value {
    json!({
        "rule": index,
        "path": r.path.display().to_string(),
        "line": r.line,
        "id": r.id,
        "title": r.title,
        "status": r.status,
        "level": r.level,
        "context": r.context,
        "counts": r.counts(),
    })
}

/// Versioned JSON: every domain with its strategies (each with its rules: path, line, verdict,
/// status, level, match kind, techniques, analytics; and `candidates`, indexes into `rules` of
/// untagged rules on one of its analytics' log sources) and tagged techniques, the rules and the
/// stale tags.
pub fn json(cov: &Coverage) -> Value {
    let domains: Vec<Value> = cov
        .domains
        .iter()
        .map(|d| {
            let strategies: Vec<Value> = d
                .strategies
                .iter()
                .map(|s| {
                    let rules: Vec<Value> = s
                        .rules
                        .iter()
                        .filter_map(|m| {
                            let mut v = rule_json(cov.rules.get(m.rule)?, m.rule);
                            let o = v.as_object_mut()?;
                            o.insert("match".into(), json!(m.kind));
                            o.insert("techniques".into(), json!(m.techniques));
                            o.insert("analytics".into(), json!(m.analytics));
                            Some(v)
                        })
                        .collect();
                    json!({
                        "id": s.id,
                        "name": s.name,
                        "state": s.state,
                        "techniques": s.techniques,
                        "analytics": s.analytics,
                        "rules": rules,
                        "candidates": s.candidates,
                    })
                })
                .collect();
            let techniques: Vec<Value> = d
                .techniques
                .iter()
                .map(|t| {
                    json!({
                        "id": t.id,
                        "name": t.name,
                        "tactics": t.tactics,
                        "state": t.state,
                        "score": t.state.score(),
                        "strategies": t.strategies,
                        "analytics": t.analytics,
                        "rules": t.rules.iter().filter_map(|i| cov.rules.get(*i).map(|r| rule_json(r, *i))).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "domain": d.domain.stix_name(),
                "attack_version": d.attack_version,
                "bundles": d.bundles.iter().map(|b| b.display().to_string()).collect::<Vec<_>>(),
                "platforms": d.platforms,
                "totals": d.totals,
                "strategies": strategies,
                "techniques": techniques,
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "rules": cov.rules,
        "domains": domains,
        "stale_tags": cov.stale_tags.iter().map(|t| json!({
            "technique": t.technique,
            "status": t.status,
            "rules": t.rules.iter().filter_map(|i| cov.rules.get(*i).map(rule_ref)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A Markdown report for a pull request: the summary table, the presence-only strategies and
/// (folded) the uncovered ones.
pub fn markdown(cov: &Coverage) -> String {
    let mut o = String::from("## ATT&CK coverage\n\n");
    o.push_str("| domain | ATT&CK | strategies | context | not judged | presence-only | uncovered | techniques covered |\n");
    o.push_str("|---|---|--:|--:|--:|--:|--:|--:|\n");
    for d in &cov.domains {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {}/{} ({}) |",
            d.domain.as_str(),
            d.attack_version.as_deref().unwrap_or("?"),
            d.totals.strategies,
            count(d, State::Context),
            count(d, State::NotJudged),
            count(d, State::PresenceOnly),
            count(d, State::Uncovered),
            techniques_covered(d),
            d.totals.techniques,
            pct(techniques_covered(d), d.totals.techniques),
        );
    }
    o.push_str(
        "\n*context*: a rule API001 judged and found caller context, a baseline filter or a \
         correlation; *not judged*: rules on log sources API001 does not judge; \
         *presence-only*: every rule can fire on API presence alone.\n",
    );
    for d in &cov.domains {
        let presence: Vec<&StrategyCoverage> = d.strategies_in(State::PresenceOnly).collect();
        if !presence.is_empty() {
            let _ = writeln!(
                o,
                "\n### {}: strategies whose only rules are presence-only\n",
                d.domain.as_str()
            );
            for s in presence {
                let rules: Vec<String> = counting_rules(cov, s)
                    .map(|r| format!("`{}`", rule_ref(r)))
                    .collect();
                let _ = writeln!(
                    o,
                    "- **{}** {}: {}",
                    s.id,
                    md_escape(&s.name),
                    rules.join(", ")
                );
            }
        }
        let uncovered: Vec<&StrategyCoverage> = d.strategies_in(State::Uncovered).collect();
        if !uncovered.is_empty() {
            let _ = writeln!(
                o,
                "\n<details><summary>{}: {} strategies without a rule</summary>\n",
                d.domain.as_str(),
                uncovered.len()
            );
            for s in uncovered {
                let _ = writeln!(o, "- {} {}", s.id, md_escape(&s.name));
            }
            o.push_str("\n</details>\n");
        }
    }
    o
}

/// Escapes the Markdown characters that would change a list item's meaning.
pub fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            o.push('\\');
        }
        if c.is_control() {
            o.push(' ');
        } else {
            o.push(c);
        }
    }
    o
}
