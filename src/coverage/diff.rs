//! What a change does to coverage: `coverage --diff REV` compares the coverage of the rules at
//! REV with the working tree's.
//!
//! Rules are identified by their `id` (or, without one, by path and document index), so a moved
//! or renamed file is not an added and a removed rule. Strategies and techniques whose state
//! changed are listed with both states; a change for the worse (a strategy that loses its last
//! context-carrying rule) is a regression.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::report::{clean, md_escape};
use super::{Coverage, Rule, State, Verdict};

/// A strategy or technique whose state changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// `DETxxxx` or `Txxxx`.
    pub id: String,
    /// Name.
    pub name: String,
    /// State at REV.
    pub before: State,
    /// State now.
    pub after: State,
}

impl StateChange {
    /// Whether the state got worse.
    pub fn is_regression(&self) -> bool {
        self.after < self.before
    }
}

/// Changes in one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainDiff {
    /// `enterprise-attack`, ...
    pub domain: &'static str,
    /// Strategies whose state changed, by id.
    pub strategies: Vec<StateChange>,
    /// Techniques whose state changed, by id.
    pub techniques: Vec<StateChange>,
}

/// A rule that was added, removed or changed its API001 verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// `path:line` (now for added and changed rules, at REV for removed ones).
    pub rule: String,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Verdict at REV (`None` when added).
    pub before: Option<Verdict>,
    /// Verdict now (`None` when removed).
    pub after: Option<Verdict>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageDiff {
    /// The revision compared with.
    pub rev: String,
    /// Per domain (loaded domains only).
    pub domains: Vec<DomainDiff>,
    /// Rules added, removed, or with a new verdict.
    pub rules: Vec<RuleChange>,
}

fn key(r: &Rule) -> String {
    match &r.id {
        Some(id) => format!("id:{id}"),
        None => format!("path:{}#{}", r.path.display(), r.index),
    }
}

fn changes<'a>(
    before: impl Iterator<Item = (&'a str, &'a str, State)>,
    after: impl Iterator<Item = (&'a str, &'a str, State)>,
) -> Vec<StateChange> {
    let mut map: BTreeMap<&str, (&str, State, State)> = BTreeMap::new();
    for (id, name, s) in before {
        map.insert(id, (name, s, State::Uncovered));
    }
    for (id, name, s) in after {
        map.entry(id)
            .or_insert((name, State::Uncovered, State::Uncovered))
            .2 = s;
    }
    map.into_iter()
        .filter(|(_, (_, b, a))| b != a)
        .map(|(id, (name, before, after))| StateChange {
            id: id.to_owned(),
            name: name.to_owned(),
            before,
            after,
        })
        .collect()
}

/// Compares `before` (at `rev`) with `after` (now).
pub fn diff(rev: &str, before: &Coverage, after: &Coverage) -> CoverageDiff {
    let mut domains = Vec::new();
    for a in &after.domains {
        let b = before.domain(a.domain);
        let strategies = changes(
            b.into_iter()
                .flat_map(|b| &b.strategies)
                .map(|s| (s.id.as_str(), s.name.as_str(), s.state)),
            a.strategies
                .iter()
                .map(|s| (s.id.as_str(), s.name.as_str(), s.state)),
        );
        let techniques = changes(
            b.into_iter()
                .flat_map(|b| &b.techniques)
                .map(|t| (t.id.as_str(), t.name.as_str(), t.state)),
            a.techniques
                .iter()
                .map(|t| (t.id.as_str(), t.name.as_str(), t.state)),
        );
        domains.push(DomainDiff {
            domain: a.domain.stix_name(),
            strategies,
            techniques,
        });
    }
    let old: BTreeMap<String, &Rule> = before.rules.iter().map(|r| (key(r), r)).collect();
    let new: BTreeMap<String, &Rule> = after.rules.iter().map(|r| (key(r), r)).collect();
    let mut rules = Vec::new();
    for (k, r) in &new {
        match old.get(k) {
            None => rules.push(RuleChange {
                rule: format!("{}:{}", r.path.display(), r.line),
                title: r.title.clone(),
                before: None,
                after: Some(r.context),
            }),
            Some(o) if o.context != r.context => rules.push(RuleChange {
                rule: format!("{}:{}", r.path.display(), r.line),
                title: r.title.clone(),
                before: Some(o.context),
                after: Some(r.context),
            }),
            Some(_) => {}
        }
    }
    for (k, r) in &old {
        if !new.contains_key(k) {
            rules.push(RuleChange {
                rule: format!("{}:{}", r.path.display(), r.line),
                title: r.title.clone(),
                before: Some(r.context),
                after: None,
            });
        }
    }
    rules.sort_by(|a, b| a.rule.cmp(&b.rule));
    CoverageDiff {
        rev: rev.to_owned(),
        domains,
        rules,
    }
}

impl CoverageDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
            && self
                .domains
                .iter()
                .all(|d| d.strategies.is_empty() && d.techniques.is_empty())
    }

    /// Strategies whose state got worse, over every domain.
    pub fn regressions(&self) -> usize {
        self.domains
            .iter()
            .flat_map(|d| &d.strategies)
            .filter(|c| c.is_regression())
            .count()
    }

    /// As text.
    pub fn text(&self) -> String {
        let mut o = String::new();
        if self.is_empty() {
            let _ = writeln!(o, "no coverage change since {}", clean(&self.rev));
            return o;
        }
        let _ = writeln!(o, "coverage changes since {}:", clean(&self.rev));
        for d in &self.domains {
            for (what, list) in [("strategy", &d.strategies), ("technique", &d.techniques)] {
                for c in list {
                    let _ = writeln!(
                        o,
                        "  {} {what} {} {}: {} -> {}{}",
                        d.domain,
                        clean(&c.id),
                        clean(&c.name),
                        c.before.as_str(),
                        c.after.as_str(),
                        if c.is_regression() {
                            "  (regression)"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        for r in &self.rules {
            let _ = writeln!(o, "  rule {}: {}", clean(&r.rule), verdicts(r));
        }
        let _ = writeln!(
            o,
            "{} strateg{} regressed",
            self.regressions(),
            if self.regressions() == 1 { "y" } else { "ies" }
        );
        o
    }

    /// As a Markdown section for a pull request.
    pub fn markdown(&self) -> String {
        let mut o = format!(
            "## ATT&CK coverage changes since `{}`\n\n",
            md_escape(&self.rev)
        );
        if self.is_empty() {
            o.push_str("No coverage change.\n");
            return o;
        }
        for d in &self.domains {
            if d.strategies.is_empty() && d.techniques.is_empty() {
                continue;
            }
            let _ = writeln!(o, "### {}\n", d.domain);
            o.push_str("| | id | name | before | after |\n|---|---|---|---|---|\n");
            for (what, list) in [("strategy", &d.strategies), ("technique", &d.techniques)] {
                for c in list {
                    let _ = writeln!(
                        o,
                        "| {}{what} | {} | {} | {} | {} |",
                        if c.is_regression() { ":warning: " } else { "" },
                        c.id,
                        md_escape(&c.name),
                        c.before.as_str(),
                        c.after.as_str()
                    );
                }
            }
            o.push('\n');
        }
        if !self.rules.is_empty() {
            o.push_str("### Rules\n\n");
            for r in &self.rules {
                let _ = writeln!(
                    o,
                    "- `{}`{}: {}",
                    r.rule,
                    r.title
                        .as_deref()
                        .map(|t| format!(" {}", md_escape(t)))
                        .unwrap_or_default(),
                    verdicts(r)
                );
            }
        }
        o
    }
}

fn verdicts(r: &RuleChange) -> String {
    match (r.before, r.after) {
        (None, Some(a)) => format!("added ({})", a.as_str()),
        (Some(b), None) => format!("removed (was {})", b.as_str()),
        (Some(b), Some(a)) => format!("{} -> {}", b.as_str(), a.as_str()),
        (None, None) => String::new(),
    }
}
