//! The detection-strategy model: serde types shared by the built-in catalog (YAML files under
//! `data/strategies/`) and the ATT&CK importer ([`crate::attack`]).
//!
//! A [`Strategy`] names the behaviour (ATT&CK ids, platforms, telemetry, validation prompts) and
//! lists [`Target`]s: one log source each, with the API selection, the context constraint, the
//! context fields by class and the [`Baseline`] allowlists. The scaffolder renders one draft per
//! strategy × target.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a strategy comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The curated catalog shipped in `data/strategies/`.
    #[default]
    Builtin,
    /// Imported from a MITRE ATT&CK STIX bundle.
    Attack,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Builtin => "builtin",
            Source::Attack => "attack",
        })
    }
}

/// The kind of ATT&CK object a strategy stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// An `x-mitre-detection-strategy` (DETxxxx).
    DetectionStrategy,
    /// An `x-mitre-data-component` (DCxxxx) used as a strategy of its own.
    DataComponent,
}

/// An ATT&CK domain (matrix): of a catalog strategy, of an imported STIX bundle and its
/// objects, of a coverage report. One type for the catalog, the ATT&CK importer
/// ([`crate::attack`]), coverage and the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// Enterprise ATT&CK (`enterprise-attack`).
    Enterprise,
    /// ATT&CK for ICS (`ics-attack`).
    Ics,
    /// Mobile ATT&CK (`mobile-attack`).
    Mobile,
}

impl Domain {
    /// All domains, in display order.
    pub const ALL: [Domain; 3] = [Domain::Enterprise, Domain::Ics, Domain::Mobile];

    /// The short name used on the command line, in catalog files and in output (`enterprise`,
    /// `ics`, `mobile`).
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Enterprise => "enterprise",
            Domain::Ics => "ics",
            Domain::Mobile => "mobile",
        }
    }

    /// The name ATT&CK gives the domain in prose and platform lists (`Enterprise`, `ICS`,
    /// `Mobile`).
    pub fn title(self) -> &'static str {
        match self {
            Domain::Enterprise => "Enterprise",
            Domain::Ics => "ICS",
            Domain::Mobile => "Mobile",
        }
    }

    /// The STIX `x_mitre_domains` value (`enterprise-attack`, ...).
    pub fn stix_name(self) -> &'static str {
        match self {
            Domain::Enterprise => "enterprise-attack",
            Domain::Ics => "ics-attack",
            Domain::Mobile => "mobile-attack",
        }
    }

    /// Parses a STIX `x_mitre_domains` value.
    pub fn from_stix(name: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.stix_name() == name)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Domain {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Domain::ALL
            .into_iter()
            .find(|d| d.as_str() == lower || d.stix_name() == lower)
            .ok_or_else(|| {
                format!("unknown ATT&CK domain `{s}` (expected enterprise, ics or mobile)")
            })
    }
}

/// The template family a strategy's drafts are rendered with; also the output sub-folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Cloud, identity-provider, office-suite and SaaS control-plane audit logs.
    CloudApiAudit,
    /// ICS control-software API audit and OT network-protocol logs.
    IcsApiExecution,
    /// Mobile application API-call telemetry.
    MobileApiCalls,
    /// Anything else (for strategies imported from ATT&CK).
    Generic,
}

impl Family {
    /// Every family, in a stable order.
    pub const ALL: [Family; 4] = [
        Family::CloudApiAudit,
        Family::IcsApiExecution,
        Family::MobileApiCalls,
        Family::Generic,
    ];

    /// The kebab-case name (`cloud-api-audit`).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::CloudApiAudit => "cloud-api-audit",
            Family::IcsApiExecution => "ics-api-execution",
            Family::MobileApiCalls => "mobile-api-calls",
            Family::Generic => "generic",
        }
    }

    /// The template file rendering this family (`cloud-api-audit.yml.j2`).
    pub fn template_name(self) -> String {
        format!("{}.yml.j2", self.as_str())
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity level of the drafted rules (Sigma `level`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `informational`.
    Informational,
    /// `low`.
    Low,
    /// `medium`.
    #[default]
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Level {
    /// The Sigma spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// A technique the strategy detects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechniqueRef {
    /// ATT&CK id (`T1059.009`, `T0871`).
    pub id: String,
    /// Technique name.
    pub name: String,
}

impl TechniqueRef {
    /// The Sigma tag (`attack.t1059.009`).
    pub fn tag(&self) -> String {
        format!("attack.{}", self.id.to_ascii_lowercase())
    }

    /// The technique's attack.mitre.org page.
    pub fn url(&self) -> String {
        match self.id.split_once('.') {
            Some((parent, sub)) => format!("https://attack.mitre.org/techniques/{parent}/{sub}/"),
            None => format!("https://attack.mitre.org/techniques/{}/", self.id),
        }
    }
}

/// A validation prompt: a question the engineer answers before the rule is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    /// Stable id (`DET0078-V01`).
    pub id: String,
    /// The question.
    pub question: String,
}

/// A Sigma log source: the one type of the vocabulary ([`crate::vocab`]).
pub use crate::vocab::LogSource;

/// A Sigma value modifier: the one model of [`crate::modifier`], spelled as Sigma spells it in
/// catalog files (`contains`, `cidr`, `hour`...).
pub use crate::modifier::ModifierKind;

/// Sigma detection key for a field and its modifiers (`userAgent|contains`).
pub fn detection_key(field: &str, modifiers: &[ModifierKind]) -> String {
    let mut key = field.to_owned();
    for m in modifiers {
        key.push('|');
        key.push_str(m.as_str());
    }
    key
}

/// One field condition of a selection: the field, its modifiers and the values (OR-ed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMatch {
    /// Field name as the log source spells it.
    pub field: String,
    /// Value modifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<ModifierKind>,
    /// Values; any of them matches.
    pub values: Vec<String>,
}

impl FieldMatch {
    /// The Sigma detection key (`userAgent|contains`).
    pub fn key(&self) -> String {
        detection_key(&self.field, &self.modifiers)
    }
}

/// One alternative of a selection: field conditions that must all hold (a Sigma map).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// What this alternative stands for (rendered as a comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The field conditions, AND-ed.
    #[serde(rename = "match")]
    pub matches: Vec<FieldMatch>,
}

/// The context constraint of a target: what, beyond the API call itself, makes the event worth
/// a look (a scripted client, a successful control function, a sideloaded app...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextConstraint {
    /// Why the constraint is there.
    pub description: String,
    /// Alternatives (a Sigma list of maps: any alternative matches).
    pub any_of: Vec<Selection>,
}

/// The context classes and the fields-by-class type of the vocabulary ([`crate::vocab`]):
/// one definition shared with the linter, so drafts and lint checks can never disagree on it.
pub use crate::vocab::{ContextClass, ContextFields};

/// The placeholder token for a baseline (`<<baseline:NAME>>`, see the contract).
pub fn baseline_placeholder(name: &str) -> String {
    format!("<<baseline:{name}>>")
}

/// A named allowlist the engineer fills in: rendered as a negated filter whose values are the
/// placeholder `<<baseline:NAME>>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// snake_case name (`approved_automation_principals`).
    pub name: String,
    /// What belongs in the allowlist.
    pub description: String,
    /// The field the filter applies to.
    pub field: String,
    /// Value modifiers of the filter (`cidr` for networks, `re` for time windows...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<ModifierKind>,
    /// Realistic example values, used by `sigsmith new --example-values`. Empty for baselines
    /// imported from ATT&CK mutable elements (ATT&CK gives no values); the placeholder stays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// The approved use this baseline is one part of (`approved_automation`): baselines with
    /// the same group form one filter whose fields must all match (who AND from where), so an
    /// approved principal calling from outside its approved network still alerts. A baseline
    /// without a group is a filter of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Baseline {
    /// The placeholder token (`<<baseline:approved_automation_principals>>`).
    pub fn placeholder(&self) -> String {
        baseline_placeholder(&self.name)
    }

    /// The Sigma detection key of the filter (`sourceIPAddress|cidr`).
    pub fn key(&self) -> String {
        detection_key(&self.field, &self.modifiers)
    }

    /// The detection identifier of the filter this baseline belongs to
    /// (`filter_approved_automation` for a grouped baseline, else
    /// `filter_approved_automation_principals`).
    pub fn filter_name(&self) -> String {
        format!("filter_{}", self.group.as_deref().unwrap_or(&self.name))
    }
}

/// One negated baseline filter of a draft: the baselines that must all match for an event to
/// be approved use (one baseline, or a group combining who and from where).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineFilter<'a> {
    /// The detection identifier (`filter_approved_automation`).
    pub name: String,
    /// The baselines, in catalog order; all of them must match.
    pub baselines: Vec<&'a Baseline>,
}

/// The filters of `baselines`, in the order of their first baseline.
pub fn baseline_filters(baselines: &[Baseline]) -> Vec<BaselineFilter<'_>> {
    let mut out: Vec<BaselineFilter<'_>> = Vec::new();
    for b in baselines {
        let name = b.filter_name();
        match out.iter_mut().find(|f| f.name == name) {
            Some(f) => f.baselines.push(b),
            None => out.push(BaselineFilter {
                name,
                baselines: vec![b],
            }),
        }
    }
    out
}

/// The kind of a companion correlation rule (Sigma specification v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    /// Count events per group.
    EventCount,
    /// Count distinct values of a field per group.
    ValueCount,
}

impl CorrelationType {
    /// The Sigma spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
        }
    }
}

/// A companion correlation rule drafted next to the base rule (volume, sequence, spread).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// What the correlation looks for (appended to the base title).
    pub title: String,
    /// Why.
    pub description: String,
    /// `event_count` or `value_count`.
    #[serde(rename = "type")]
    pub kind: CorrelationType,
    /// For `value_count`: the field whose distinct values are counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Caller-identity fields to group by.
    pub group_by: Vec<String>,
    /// Time window (`1h`, `15m`).
    pub timespan: String,
    /// Threshold: the condition is `gte: N`.
    pub gte: u32,
    /// Level of the correlation rule.
    #[serde(default)]
    pub level: Level,
}

/// One log source a strategy scaffolds a draft for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// kebab-case name, unique within the strategy (`aws-cloudtrail`).
    pub name: String,
    /// Human name (`AWS CloudTrail`).
    pub title: String,
    /// The ATT&CK platform this target covers (`IaaS`, `Identity Provider`, `Android`...).
    pub platform: String,
    /// ATT&CK analytic this target came from (`AN0123`), for imported strategies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytic: Option<String>,
    /// Template family of this target when it differs from the strategy's (an imported
    /// strategy can mix a CloudTrail analytic with a process-creation one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// Whether the log source is a SigmaHQ convention or documented here (custom).
    #[serde(default)]
    pub custom_logsource: bool,
    /// The Sigma log source.
    pub logsource: LogSource,
    /// The fields identifying the API call (`eventSource`, `eventName`).
    pub api_fields: Vec<String>,
    /// The API selection: alternatives, any of which matches.
    pub api: Vec<Selection>,
    /// The context constraint, when the strategy has one for this log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_constraint: Option<ContextConstraint>,
    /// Context fields by class.
    pub context: ContextFields,
    /// Baselines (negated filters with placeholders).
    pub baselines: Vec<Baseline>,
    /// Companion correlation rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<Correlation>,
    /// Target-specific false positives (added to the strategy's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub false_positives: Vec<String>,
    /// Target-specific references (added to the strategy's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Target-specific validation prompts (added to the strategy's), e.g. an imported
    /// analytic's description and tuning parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompts: Vec<Prompt>,
    /// Level override for this target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

impl Target {
    /// The baseline called `name`.
    pub fn baseline(&self, name: &str) -> Option<&Baseline> {
        self.baselines.iter().find(|b| b.name == name)
    }

    /// The negated baseline filters of the draft (see [`baseline_filters`]).
    pub fn baseline_filters(&self) -> Vec<BaselineFilter<'_>> {
        baseline_filters(&self.baselines)
    }
}

/// A detection strategy: the behaviour, its ATT&CK context, and the targets to scaffold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// ATT&CK id (`DET0078`, `DC0112`).
    pub id: String,
    /// ATT&CK name.
    pub name: String,
    /// Kind of ATT&CK object.
    pub kind: ObjectKind,
    /// ATT&CK domain.
    pub domain: Domain,
    /// Where the strategy comes from.
    #[serde(default)]
    pub source: Source,
    /// STIX id of the ATT&CK object, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stix_id: Option<String>,
    /// Template family.
    pub family: Family,
    /// One-paragraph description (the rule's description starts with it).
    pub summary: String,
    /// ATT&CK platforms.
    pub platforms: Vec<String>,
    /// Techniques detected.
    #[serde(default)]
    pub techniques: Vec<TechniqueRef>,
    /// Tactic short names (`execution`), rendered as `attack.<name>` tags.
    #[serde(default)]
    pub tactics: Vec<String>,
    /// Default level of the drafts.
    #[serde(default)]
    pub level: Level,
    /// Telemetry sources the strategy relies on.
    pub telemetry: Vec<String>,
    /// Mitigation priorities (shown by `show`, not rendered into drafts).
    #[serde(default)]
    pub mitigations: Vec<String>,
    /// Validation prompts.
    pub prompts: Vec<Prompt>,
    /// Known false positives.
    pub false_positives: Vec<String>,
    /// References (attack.mitre.org pages first).
    pub references: Vec<String>,
    /// Targets to scaffold.
    pub targets: Vec<Target>,
}

impl Strategy {
    /// The template family of `target`: its own when set, else the strategy's.
    pub fn family_of(&self, target: &Target) -> Family {
        target.family.unwrap_or(self.family)
    }

    /// The validation prompts of a draft for `target`: the strategy's prompts that apply to it,
    /// then the target's own. A strategy prompt that names a baseline of another target of
    /// the strategy (`maintenance_windows`) applies only to the targets that have that
    /// baseline, so a curated prompt never reaches a draft without what it asks about (an
    /// imported target added to a curated strategy).
    pub fn prompts_for<'a>(&'a self, target: &'a Target) -> impl Iterator<Item = &'a Prompt> {
        let others: Vec<&str> = self
            .targets
            .iter()
            .flat_map(|t| &t.baselines)
            .map(|b| b.name.as_str())
            .filter(|n| n.contains('_') && !target.baselines.iter().any(|b| b.name == *n))
            .collect();
        self.prompts
            .iter()
            .filter(move |p| {
                !others.iter().any(|name| {
                    p.question
                        .match_indices(name)
                        .any(|(i, _)| is_word_at(&p.question, i, name.len()))
                })
            })
            .chain(&target.prompts)
    }

    /// The target called `name` (case-insensitive).
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Names of every target, in catalog order.
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|t| t.name.as_str()).collect()
    }

    /// Sigma tags: tactics then techniques (`attack.execution`, `attack.t1059.009`).
    pub fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .tactics
            .iter()
            .map(|t| format!("attack.{}", t.to_ascii_lowercase()))
            .collect();
        tags.extend(self.techniques.iter().map(TechniqueRef::tag));
        tags
    }
}

/// Whether `text[i..i + len]` is a whole word (no identifier character on either side).
fn is_word_at(text: &str, i: usize, len: usize) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let before = text[..i].chars().next_back().is_none_or(|c| !ident(c));
    let after = text[i + len..].chars().next().is_none_or(|c| !ident(c));
    before && after
}
