//! ATT&CK coverage of a rule repository, judged by context.
//!
//! [`Rule::from_lint`] reads what the lint engine found about each rule: its `attack.tNNNN`
//! tags, Sigma log source, status, level and the API001 verdict ([`Verdict`]): a rule the
//! linter flags as firing on API presence alone is [`Verdict::PresenceOnly`]; a rule on an
//! API-audit log source that API001 judged and did not flag carries context
//! ([`Verdict::Context`]); a rule on a log source API001 does not judge (no API-audit field
//! profile, e.g. Windows process creation) is [`Verdict::NotJudged`].
//!
//! [`compute`] matches the rules against the detection strategies of every loaded ATT&CK domain:
//! a rule covers a strategy when it tags a technique the strategy detects (or a sub-technique of
//! one); the match is refined by log source: the analytics of the strategy whose log source
//! references map (through `data/attack-logsources.yml`) to the rule's Sigma log source.
//! A rule without any technique tag is matched by log source alone and listed among the
//! strategy's [`StrategyCoverage::candidates`], which do not make it covered. Rules whose status is
//! `deprecated` or `unsupported` are listed but never count.
//!
//! The state of a strategy or technique is the best verdict of its counting rules
//! ([`State`]): context-carrying over not-judged over presence-only. [`navigator`] writes it as
//! ATT&CK Navigator layers, [`report`] as text, JSON and Markdown, [`diff`] compares two runs.

pub mod diff;
pub mod navigator;
pub mod report;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;

use crate::attack::logsources::{LogsourceTable, SigmaLogsource};
use crate::attack::{AttackData, BundleInfo, Domain};
use crate::lint::document::{DocKind, parse_file};
use crate::lint::engine::{LintOutput, SourceFile};
use crate::yaml::Node;

/// The API001 verdict on a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// API001 flags the rule: it can fire on API presence alone.
    PresenceOnly,
    /// The rule's log source is not an API-audit log source API001 judges.
    NotJudged,
    /// API001 judged the rule and found caller context, a baseline filter or a correlation.
    Context,
}

impl Verdict {
    /// `presence-only`, `not-judged`, `context`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::PresenceOnly => "presence-only",
            Verdict::NotJudged => "not-judged",
            Verdict::Context => "context",
        }
    }
}

/// One Sigma rule as coverage sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The file, as shown in findings.
    pub path: PathBuf,
    /// 0-based index of the document in its file.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: u32,
    /// `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `status`, lowercased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `level`, lowercased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The Sigma `logsource` (lowercased).
    pub logsource: SigmaLogsource,
    /// Technique ids of the `attack.tNNNN[.NNN]` tags, uppercase, sorted.
    pub techniques: Vec<String>,
    /// The API001 verdict.
    pub context: Verdict,
}

fn technique_tag_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^attack\.(t\d{4}(?:\.\d{3})?)$").expect("static regex is valid")
    })
}

fn technique_tags(root: &Node) -> Vec<String> {
    let mut out: Vec<String> = root
        .get("tags")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_str())
        .filter_map(|t| {
            technique_tag_re()
                .captures(t.trim())
                .map(|c| c[1].to_ascii_uppercase())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Rule {
    /// Whether the rule counts as coverage (its status is not `deprecated` or `unsupported`).
    pub fn counts(&self) -> bool {
        !matches!(self.status.as_deref(), Some("deprecated" | "unsupported"))
    }

    /// The rules (Sigma detection rules, not correlations or filters) of `sources`, with the
    /// API001 verdict of the lint run `lint` made over them (`lint` must come from
    /// [`crate::lint::engine::lint_sources`] on the same sources, before any selection or
    /// suppression). Sorted by path and document.
    pub fn from_lint(sources: &[SourceFile], lint: &LintOutput) -> Vec<Rule> {
        let flagged: HashSet<(&Path, usize)> = lint
            .findings
            .iter()
            .filter(|f| f.code == "API001")
            .filter_map(|f| f.doc_index.map(|i| (f.path.as_path(), i)))
            .collect();
        let judged: HashSet<(&Path, usize)> = lint
            .summaries
            .iter()
            .filter(|s| s.kind == DocKind::Rule && s.profile.is_some())
            .map(|s| (s.path.as_path(), s.index))
            .collect();
        let mut rules: Vec<Rule> = sources
            .par_iter()
            .flat_map_iter(|src| {
                let parsed = parse_file(&src.text);
                parsed
                    .documents
                    .into_iter()
                    .filter(|d| d.kind == DocKind::Rule)
                    .map(|d| {
                        let key = (src.path.as_path(), d.index);
                        let context = if flagged.contains(&key) {
                            Verdict::PresenceOnly
                        } else if judged.contains(&key) {
                            Verdict::Context
                        } else {
                            Verdict::NotJudged
                        };
                        let ls = d.logsource();
                        Rule {
                            path: src.path.clone(),
                            index: d.index,
                            line: d.start.line,
                            id: d.id().map(str::to_owned),
                            title: d.title().map(str::to_owned),
                            status: d.status(),
                            level: d.level(),
                            logsource: SigmaLogsource {
                                category: ls.category,
                                product: ls.product,
                                service: ls.service,
                                definition: None,
                            },
                            techniques: technique_tags(&d.root),
                            context,
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        rules.sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
        rules
    }
}

/// How a rule covers a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// The rule tags a technique of the strategy and reads a log source of one of its analytics.
    TagAndLogsource,
    /// The rule tags a technique of the strategy; no analytic reads its log source (or the
    /// analytics' log sources are unmapped).
    Tag,
}

/// The coverage state of a strategy or technique: the best verdict among its counting rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// No counting rule.
    Uncovered,
    /// Only rules API001 flags as presence-only.
    PresenceOnly,
    /// Rules on log sources API001 does not judge, none judged context-carrying.
    NotJudged,
    /// At least one context-carrying rule.
    Context,
}

impl State {
    /// `uncovered`, `presence-only`, `not-judged`, `context`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Uncovered => "uncovered",
            State::PresenceOnly => "presence-only",
            State::NotJudged => "not-judged",
            State::Context => "context",
        }
    }

    /// The Navigator score: 0 uncovered, 1 presence-only, 2 not judged, 3 context-carrying.
    pub fn score(self) -> u8 {
        match self {
            State::Uncovered => 0,
            State::PresenceOnly => 1,
            State::NotJudged => 2,
            State::Context => 3,
        }
    }

    fn of(verdicts: impl Iterator<Item = Verdict>) -> State {
        verdicts
            .map(|v| match v {
                Verdict::PresenceOnly => State::PresenceOnly,
                Verdict::NotJudged => State::NotJudged,
                Verdict::Context => State::Context,
            })
            .max()
            .unwrap_or(State::Uncovered)
    }
}

/// One rule matched to a strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMatch {
    /// Index into [`Coverage::rules`].
    pub rule: usize,
    /// How it matches.
    #[serde(rename = "match")]
    pub kind: MatchKind,
    /// The techniques of the strategy the rule tags.
    pub techniques: Vec<String>,
    /// The analytics (`ANxxxx`) whose log source the rule reads.
    pub analytics: Vec<String>,
}

/// One detection strategy with the rules that cover it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrategyCoverage {
    /// `DETxxxx`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The techniques it detects.
    pub techniques: Vec<String>,
    /// Its analytics (`ANxxxx`).
    pub analytics: Vec<String>,
    /// Its state.
    pub state: State,
    /// Rules that tag its techniques.
    pub rules: Vec<RuleMatch>,
    /// Rules without any technique tag that read the log source of one of its analytics
    /// (indexes into [`Coverage::rules`]): candidates to tag, not coverage.
    pub candidates: Vec<usize>,
}

/// One technique with the rules that tag it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueCoverage {
    /// `Txxxx[.xxx]`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Tactic short names.
    pub tactics: Vec<String>,
    /// Strategies that detect it.
    pub strategies: Vec<String>,
    /// Analytics of those strategies whose log source a tagging rule reads.
    pub analytics: Vec<String>,
    /// Its state (from the counting rules).
    pub state: State,
    /// Rules tagging it (indexes into [`Coverage::rules`]), counting or not.
    pub rules: Vec<usize>,
}

/// Counts of one domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Active detection strategies.
    pub strategies: usize,
    /// Strategies per state.
    pub strategies_by_state: BTreeMap<&'static str, usize>,
    /// Active techniques and sub-techniques of the domain.
    pub techniques: usize,
    /// Techniques per state (uncovered ones included).
    pub techniques_by_state: BTreeMap<&'static str, usize>,
    /// Counting rules tagging at least one technique of the domain.
    pub rules: usize,
}

/// Coverage of one ATT&CK domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainCoverage {
    /// The domain.
    pub domain: Domain,
    /// The ATT&CK version of its bundle (see [`attack_version`]).
    pub attack_version: Option<String>,
    /// The bundle(s) read for it.
    pub bundles: Vec<PathBuf>,
    /// Platforms of its active techniques and analytics, sorted.
    pub platforms: Vec<String>,
    /// Counts.
    pub totals: Totals,
    /// Every active strategy, sorted by id.
    pub strategies: Vec<StrategyCoverage>,
    /// Techniques tagged by at least one rule, sorted by id.
    pub techniques: Vec<TechniqueCoverage>,
}

/// A technique tag no loaded bundle knows as a current technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleTag {
    /// The technique id.
    pub technique: String,
    /// `unknown`, `revoked` or `deprecated`.
    pub status: &'static str,
    /// Rules using it (indexes into [`Coverage::rules`]).
    pub rules: Vec<usize>,
}

/// Coverage of a repository over every loaded domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The rules read.
    pub rules: Vec<Rule>,
    /// One entry per loaded domain, in [`Domain::ALL`] order.
    pub domains: Vec<DomainCoverage>,
    /// Technique tags that name no current technique of the loaded domains.
    pub stale_tags: Vec<StaleTag>,
}

/// The ATT&CK version of a bundle: its `x-mitre-collection`'s `x_mitre_version` (STIX 2.1
/// bundles of attack-stix-data), else the version in the file name (`enterprise-attack-18.1.json`,
/// as MITRE names released files); `None` when neither says.
pub fn attack_version(bundle: &BundleInfo) -> Option<String> {
    if let Some(v) = &bundle.version {
        return Some(v.clone());
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)-v?(\d{1,3}(?:\.\d{1,3}){0,2})\.json$").expect("static regex is valid")
    });
    let name = bundle.path.file_name()?.to_str()?;
    re.captures(name).map(|c| c[1].to_owned())
}

/// Whether the rule tag `tag` covers the strategy technique `technique`: the same id, or a
/// sub-technique of it.
fn tag_covers(tag: &str, technique: &str) -> bool {
    tag == technique
        || tag
            .split_once('.')
            .is_some_and(|(parent, _)| parent == technique)
}

/// Matches `rules` against the strategies and techniques of every domain in `data`.
pub fn compute(data: &AttackData, table: &LogsourceTable, rules: Vec<Rule>) -> Coverage {
    let mut domains = Vec::new();
    for domain in Domain::ALL {
        let bundles: Vec<&BundleInfo> = data
            .bundles()
            .iter()
            .filter(|b| b.domain == domain)
            .collect();
        if bundles.is_empty() {
            continue;
        }
        domains.push(domain_coverage(data, table, &rules, domain, &bundles));
    }
    let mut stale: BTreeMap<String, (&'static str, Vec<usize>)> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        for t in &r.techniques {
            let status = match data.technique(t) {
                None => "unknown",
                Some(t) if t.status.is_active() => continue,
                Some(t) => t.status.as_str(),
            };
            stale
                .entry(t.clone())
                .or_insert((status, Vec::new()))
                .1
                .push(i);
        }
    }
    Coverage {
        rules,
        domains,
        stale_tags: stale
            .into_iter()
            .map(|(technique, (status, rules))| StaleTag {
                technique,
                status,
                rules,
            })
            .collect(),
    }
}

fn domain_coverage(
    data: &AttackData,
    table: &LogsourceTable,
    rules: &[Rule],
    domain: Domain,
    bundles: &[&BundleInfo],
) -> DomainCoverage {
    let attack_version = bundles.iter().find_map(|b| attack_version(b));
    // The domain's platforms: those of its active techniques and of its analytics, without the
    // placeholder `None`.
    let mut platforms: BTreeSet<String> = BTreeSet::new();
    let mut technique_total = 0;
    let real = |p: &&String| !p.trim().is_empty() && !p.eq_ignore_ascii_case("none");
    for t in data.techniques() {
        if t.domain == domain && t.status.is_active() {
            technique_total += 1;
            platforms.extend(t.platforms.iter().filter(real).cloned());
        }
    }
    for s in data.strategies().filter(|s| s.domain == domain) {
        for a in &s.analytics {
            platforms.extend(a.platforms.iter().filter(real).cloned());
        }
    }
    if platforms.is_empty() {
        // Every object says `None` (ATT&CK for ICS v18.1): keep what the data says, so that a
        // Navigator platform filter still shows the techniques.
        for t in data.techniques() {
            if t.domain == domain && t.status.is_active() {
                platforms.extend(t.platforms.iter().cloned());
            }
        }
    }

    // Rules tagging each technique of this domain.
    let mut by_technique: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        for t in &r.techniques {
            if let Some(tech) = data.technique(t)
                && tech.domain == domain
                && tech.status.is_active()
            {
                by_technique.entry(tech.id.as_str()).or_default().push(i);
            }
        }
    }
    let untagged: Vec<usize> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.techniques.is_empty())
        .map(|(i, _)| i)
        .collect();

    let mut strategies = Vec::new();
    // Technique id -> (strategies detecting it, analytics matched by its rules).
    let mut tech_strategies: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> =
        BTreeMap::new();
    for s in data.strategies().filter(|s| s.domain == domain) {
        let mapped: Vec<(&str, Vec<SigmaLogsource>)> = s
            .analytics
            .iter()
            .map(|a| {
                let mut ls: Vec<SigmaLogsource> = a
                    .log_sources
                    .iter()
                    .flat_map(|l| table.resolve_ref(domain, l, &a.description))
                    .map(|m| m.logsource)
                    .filter(|l| l.category.is_some() || l.product.is_some() || l.service.is_some())
                    .collect();
                ls.sort();
                ls.dedup();
                (a.id.as_str(), ls)
            })
            .collect();
        let analytics_reading = |r: &Rule| -> Vec<String> {
            mapped
                .iter()
                .filter(|(_, ls)| ls.iter().any(|p| p.match_score(&r.logsource).is_some()))
                .map(|(id, _)| (*id).to_owned())
                .collect()
        };
        let mut matches: BTreeMap<usize, RuleMatch> = BTreeMap::new();
        for t in &s.techniques {
            tech_strategies
                .entry(t.clone())
                .or_default()
                .0
                .insert(s.id.clone());
            for (tag, idxs) in &by_technique {
                if !tag_covers(tag, t) {
                    continue;
                }
                for &i in idxs {
                    let m = matches.entry(i).or_insert_with(|| {
                        let analytics = analytics_reading(&rules[i]);
                        RuleMatch {
                            rule: i,
                            kind: if analytics.is_empty() {
                                MatchKind::Tag
                            } else {
                                MatchKind::TagAndLogsource
                            },
                            techniques: Vec::new(),
                            analytics,
                        }
                    });
                    if !m.techniques.contains(t) {
                        m.techniques.push(t.clone());
                    }
                }
            }
        }
        for m in matches.values() {
            for t in &rules[m.rule].techniques {
                if let Some(e) = tech_strategies.get_mut(t)
                    && e.0.contains(&s.id)
                {
                    e.1.extend(m.analytics.iter().cloned());
                }
            }
        }
        let state = State::of(
            matches
                .values()
                .filter(|m| rules[m.rule].counts())
                .map(|m| rules[m.rule].context),
        );
        let list: Vec<RuleMatch> = matches.into_values().collect();
        let candidates: Vec<usize> = untagged
            .iter()
            .copied()
            .filter(|i| !analytics_reading(&rules[*i]).is_empty())
            .collect();
        strategies.push(StrategyCoverage {
            id: s.id.clone(),
            name: s.name.clone(),
            techniques: s.techniques.clone(),
            analytics: s.analytics.iter().map(|a| a.id.clone()).collect(),
            state,
            rules: list,
            candidates,
        });
    }

    let mut techniques = Vec::new();
    for (id, idxs) in &by_technique {
        let Some(t) = data.technique(id) else {
            continue;
        };
        let (strats, analytics) = tech_strategies.remove(*id).unwrap_or_default();
        techniques.push(TechniqueCoverage {
            id: t.id.clone(),
            name: t.name.clone(),
            tactics: t.tactics.clone(),
            strategies: strats.into_iter().collect(),
            analytics: analytics.into_iter().collect(),
            state: State::of(
                idxs.iter()
                    .filter(|i| rules[**i].counts())
                    .map(|i| rules[*i].context),
            ),
            rules: idxs.clone(),
        });
    }

    let mut totals = Totals {
        strategies: strategies.len(),
        techniques: technique_total,
        ..Totals::default()
    };
    for st in [
        State::Context,
        State::NotJudged,
        State::PresenceOnly,
        State::Uncovered,
    ] {
        totals.strategies_by_state.insert(st.as_str(), 0);
        totals.techniques_by_state.insert(st.as_str(), 0);
    }
    for s in &strategies {
        *totals
            .strategies_by_state
            .entry(s.state.as_str())
            .or_default() += 1;
    }
    let mut covered = 0;
    for t in techniques.iter().filter(|t| t.state != State::Uncovered) {
        covered += 1;
        *totals
            .techniques_by_state
            .entry(t.state.as_str())
            .or_default() += 1;
    }
    totals.techniques_by_state.insert(
        State::Uncovered.as_str(),
        technique_total.saturating_sub(covered),
    );
    let counting: HashSet<usize> = by_technique
        .values()
        .flatten()
        .copied()
        .filter(|i| rules[*i].counts())
        .collect();
    totals.rules = counting.len();

    DomainCoverage {
        domain,
        attack_version,
        bundles: bundles.iter().map(|b| b.path.clone()).collect(),
        platforms: platforms.into_iter().collect(),
        totals,
        strategies,
        techniques,
    }
}

impl DomainCoverage {
    /// Strategies in `state`.
    pub fn strategies_in(&self, state: State) -> impl Iterator<Item = &StrategyCoverage> {
        self.strategies.iter().filter(move |s| s.state == state)
    }
}

impl Coverage {
    /// The coverage of `domain`, when its bundle was loaded.
    pub fn domain(&self, domain: Domain) -> Option<&DomainCoverage> {
        self.domains.iter().find(|d| d.domain == domain)
    }

    /// Ids of the strategies no counting rule covers, over every domain.
    pub fn uncovered(&self) -> Vec<&str> {
        self.domains
            .iter()
            .flat_map(|d| d.strategies_in(State::Uncovered))
            .map(|s| s.id.as_str())
            .collect()
    }

    /// Rule index by `(path, document index)`.
    pub fn rule_index(&self) -> HashMap<(&Path, usize), usize> {
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.path.as_path(), r.index), i))
            .collect()
    }
}

#[cfg(test)]
mod tests;
