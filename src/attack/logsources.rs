//! The mapping table from ATT&CK log source names and channels to Sigma logsources, template
//! families and field profiles (`data/attack-logsources.yml`, embedded; extendable from config).
//!
//! See the head of `data/attack-logsources.yml` for the matching rules. A [`FieldProfile`] says,
//! for one Sigma logsource, which fields select the behaviour (and where their values come
//! from: event codes, the channel text, the log source name) and which fields carry context, by
//! class; the importer ([`super::convert`]) builds draft targets from it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{AttackData, Domain};
use crate::strategy::{ContextFields, ModifierKind};

/// The built-in table's text.
pub const BUILTIN_YAML: &str = include_str!("../../data/attack-logsources.yml");

pub use crate::strategy::Family;

/// A Sigma `logsource`: the vocabulary's one log-source type ([`crate::vocab::LogSource`]).
pub use crate::vocab::LogSource as SigmaLogsource;

/// A per-channel refinement of an entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRule {
    /// Windows event codes this rule covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_codes: Vec<u32>,
    /// Case-insensitive regex on the channel text (used when the channel has no event codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// ATT&CK data components (`Network Traffic Content`) the rule is for (case-insensitive);
    /// with `pattern`, both must match. Used when the channel has no event codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_components: Vec<String>,
    /// Case-insensitive regex on the analytic's description (`\bmodbus\b`). Consecutive
    /// matching rules with `mentions` form a group: the reference maps to the rules of the
    /// group whose `mentions` the description matches, or to every rule of the group when it
    /// matches none (one draft per protocol log the analytic may mean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<String>,
    /// The logsource for matching channels.
    pub logsource: SigmaLogsource,
    /// Field profile override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Family override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// `custom` override (no SigmaHQ convention exists for this rule's logsource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<bool>,
    /// `definition` override: how to collect this rule's logsource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(skip)]
    regex: Option<Regex>,
    #[serde(skip)]
    mentions_regex: Option<Regex>,
}

impl ChannelRule {
    /// Whether the rule applies to a reference without event codes.
    fn applies(&self, channel: &str, data_component: Option<&str>) -> bool {
        if !self.event_codes.is_empty() {
            return false;
        }
        let pattern = self.regex.as_ref().is_none_or(|re| re.is_match(channel));
        let component = self.data_components.is_empty()
            || data_component.is_some_and(|dc| {
                self.data_components
                    .iter()
                    .any(|d| d.trim().eq_ignore_ascii_case(dc.trim()))
            });
        pattern && component
    }
}

/// One row of the table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsourceEntry {
    /// ATT&CK log source names (matched case-insensitively).
    pub names: Vec<String>,
    /// Restricts the entry to one domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
    /// The Sigma logsource when no channel rule applies.
    pub logsource: SigmaLogsource,
    /// Template family.
    pub family: Family,
    /// Field profile (context fields) name, for API audit families.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `true` when no SigmaHQ convention exists for this logsource.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub custom: bool,
    /// Sigma `logsource.definition` of a custom logsource: how to collect it, which fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Per-channel refinements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelRule>,
}

/// Where the values of one selection field of a draft come from. The first source that yields
/// values wins; without any, the value is the placeholder `<<todo:NAME>>` (or the field is left
/// out when `optional`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionField {
    /// Field name as the logsource spells it.
    pub field: String,
    /// Value modifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<ModifierKind>,
    /// Take the event codes of the channel (`EventCode=4624, 4648`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub event_codes: bool,
    /// Regex on the log source name whose first group is the value (`^auditd:(\w+)$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// Regex a value of the channel text must match in full: the channel is split into items
    /// at `,`, `/`, `|` and ` or `, and items into words, and every item or word that matches
    /// is a value (`eventName: RunInstances, CreateUser` gives `RunInstances`, `CreateUser`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_channel: Option<String>,
    /// Placeholder name (`<<todo:NAME>>`) when no value is found.
    pub placeholder: String,
    /// Leave the field out instead of writing a placeholder when no value is found.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    #[serde(skip)]
    name_regex: Option<Regex>,
    #[serde(skip)]
    channel_regex: Option<Regex>,
}

impl SelectionField {
    /// The values this field takes from one log source reference, in order, without repeats.
    pub fn values(&self, name: &str, channel: Option<&str>, codes: &[u32]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |v: String| {
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        };
        if self.event_codes {
            codes.iter().for_each(|c| push(c.to_string()));
        }
        if let Some(re) = &self.name_regex
            && let Some(m) = re.captures(name.trim()).and_then(|c| c.get(1))
        {
            push(m.as_str().to_owned());
        }
        if let (Some(re), Some(channel)) = (&self.channel_regex, channel) {
            for item in channel_items(channel) {
                if re.is_match(item) {
                    push(item.to_owned());
                    continue;
                }
                for word in item
                    .split(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '"' | '\'' | '`'))
                    .filter(|w| !w.is_empty())
                {
                    if re.is_match(word) {
                        push(word.to_owned());
                    }
                }
            }
        }
        out
    }
}

/// A channel split into items at `,`, `;`, `/`, `|`, parentheses and the words `or`/`and`.
fn channel_items(channel: &str) -> Vec<&str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"[,;/|()]|\s+(?i:or|and)\s+").expect("static regex is valid"));
    re.split(channel)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The fields of one Sigma logsource a draft uses: the behaviour selection and the context.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldProfile {
    /// Name, referenced by `profile:` in entries.
    pub name: String,
    /// Logsources the profile applies to when an entry names none: every key given must equal
    /// the mapped logsource's; the pattern with the most keys wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logsources: Vec<SigmaLogsource>,
    /// Fields that identify the call or event (`eventSource`, `eventName`); a superset of the
    /// selection's fields.
    pub api_fields: Vec<String>,
    /// The behaviour selection of a draft, one condition per field.
    pub selection: Vec<SelectionField>,
    /// The vocabulary profile (`data/vocabulary/`) of an API-audit log source: its `draft`
    /// context fields are this profile's context, and its API fields must classify as API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<String>,
    /// Context fields by class (for a profile with `vocabulary`, taken from it when empty).
    #[serde(default)]
    pub context: ContextFields,
}

/// The mapping table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsourceTable {
    /// Format version (1).
    pub version: u32,
    /// Rows, tried in order.
    pub entries: Vec<LogsourceEntry>,
    /// Field profiles, looked up by name or by logsource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<FieldProfile>,
}

/// A bad mapping table.
#[derive(Debug, thiserror::Error)]
pub enum LogsourceError {
    /// YAML syntax or shape error.
    #[error("{origin}:{line}:{column}: invalid log source mapping: {message}")]
    Parse {
        /// File name.
        origin: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A bad field profile.
    #[error("{origin}: profile {index} ({name}): {message}")]
    Profile {
        /// File name.
        origin: String,
        /// 0-based profile index.
        index: usize,
        /// The profile's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Well-formed YAML with a bad value.
    #[error("{origin}: entry {index} ({name}): {message}")]
    Invalid {
        /// File name.
        origin: String,
        /// 0-based entry index.
        index: usize,
        /// The entry's first name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// The result of mapping one log source reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedLogsource {
    /// Sigma logsource.
    pub logsource: SigmaLogsource,
    /// Template family.
    pub family: Family,
    /// Field profile: the entry's or channel rule's, else the one matching the logsource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// No SigmaHQ convention exists for it.
    pub custom: bool,
    /// The entry's `definition` of a custom logsource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// The channel's event codes that led here (for an `EventID` selection).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_codes: Vec<u32>,
}

/// One unmapped log source name with how often the loaded data uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedName {
    /// Log source name as written in the data.
    pub name: String,
    /// Domains it occurs in.
    pub domains: Vec<Domain>,
    /// Number of log source references with this name.
    pub references: usize,
    /// Number of strategies with at least one such reference.
    pub strategies: usize,
}

fn event_code_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)event\s*(?:code|id)s?\s*[=:]?\s*(\d+(?:\s*,\s*\d+)*)")
            .expect("static regex is valid")
    })
}

/// The Windows event codes written in a channel (`EventCode=3, 22` gives `[3, 22]`), in order.
pub fn event_codes(channel: &str) -> Vec<u32> {
    let mut codes = Vec::new();
    for cap in event_code_regex().captures_iter(channel) {
        for part in cap[1].split(',') {
            if let Ok(code) = part.trim().parse::<u32>()
                && !codes.contains(&code)
            {
                codes.push(code);
            }
        }
    }
    codes
}

impl LogsourceTable {
    /// The built-in table (parsed once).
    pub fn builtin() -> &'static LogsourceTable {
        static TABLE: OnceLock<LogsourceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            LogsourceTable::from_yaml(BUILTIN_YAML, "data/attack-logsources.yml")
                .expect("the embedded table is valid (tested)")
        })
    }

    /// Parses and checks a table; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<LogsourceTable, LogsourceError> {
        let mut table: LogsourceTable =
            serde_yaml::from_str(text).map_err(|e| LogsourceError::Parse {
                origin: origin.to_owned(),
                line: e.location().map_or(0, |l| l.line()),
                column: e.location().map_or(0, |l| l.column()),
                message: e.to_string(),
            })?;
        table.check(origin)?;
        Ok(table)
    }

    fn check(&mut self, origin: &str) -> Result<(), LogsourceError> {
        self.check_profiles(origin)?;
        if self.version != 1 {
            return Err(LogsourceError::Parse {
                origin: origin.to_owned(),
                line: 0,
                column: 0,
                message: format!("unsupported version {} (expected 1)", self.version),
            });
        }
        for (index, entry) in self.entries.iter_mut().enumerate() {
            let invalid = |message: String| LogsourceError::Invalid {
                origin: origin.to_owned(),
                index,
                name: entry.names.first().cloned().unwrap_or_default(),
                message,
            };
            if entry.names.is_empty() || entry.names.iter().any(|n| n.trim().is_empty()) {
                return Err(invalid(
                    "`names` must list at least one non-empty name".into(),
                ));
            }
            if entry.logsource.is_empty() {
                return Err(invalid(
                    "`logsource` needs at least one of product, service, category".into(),
                ));
            }
            for rule in &mut entry.channels {
                if rule.logsource.is_empty() {
                    return Err(invalid(
                        "a channel rule's `logsource` needs product, service or category".into(),
                    ));
                }
                let by_text = rule.pattern.is_some() || !rule.data_components.is_empty();
                if by_text != rule.event_codes.is_empty() {
                    return Err(invalid(
                        "a channel rule needs `event_codes`, or `pattern` and/or \
                         `data_components`, not both"
                            .into(),
                    ));
                }
                if let Some(p) = &rule.pattern {
                    let re = Regex::new(&format!("(?i){p}"))
                        .map_err(|e| invalid(format!("bad pattern `{p}`: {e}")))?;
                    rule.regex = Some(re);
                }
                if let Some(p) = &rule.mentions {
                    let re = Regex::new(&format!("(?i){p}"))
                        .map_err(|e| invalid(format!("bad mentions pattern `{p}`: {e}")))?;
                    rule.mentions_regex = Some(re);
                }
            }
        }
        Ok(())
    }

    fn check_profiles(&mut self, origin: &str) -> Result<(), LogsourceError> {
        let mut names = BTreeSet::new();
        for (index, p) in self.profiles.iter_mut().enumerate() {
            let invalid = |message: String| LogsourceError::Profile {
                origin: origin.to_owned(),
                index,
                name: p.name.clone(),
                message,
            };
            if p.name.trim().is_empty() || !names.insert(p.name.clone()) {
                return Err(invalid("profile names must be non-empty and unique".into()));
            }
            if p.selection.is_empty() {
                return Err(invalid("`selection` needs at least one field".into()));
            }
            if let Some(v) = &p.vocabulary {
                let vocab = crate::vocab::Vocabulary::builtin();
                let Some(vp) = vocab.get(v) else {
                    return Err(invalid(format!("unknown vocabulary profile `{v}`")));
                };
                if let Some(f) = p.api_fields.iter().find(|f| {
                    // The resource a sign-in is for is the "call" of a sign-in log and
                    // target context for the linter.
                    !matches!(
                        vp.classify(f),
                        crate::vocab::FieldClass::Api
                            | crate::vocab::FieldClass::Context(crate::vocab::ContextClass::Target)
                    )
                }) {
                    return Err(invalid(format!(
                        "api field `{f}` is neither an API nor a target field of vocabulary profile `{v}`"
                    )));
                }
                if p.context.is_empty() {
                    p.context = vp.draft_context();
                }
            }
            for f in &mut p.selection {
                if !p.api_fields.contains(&f.field) {
                    return Err(invalid(format!(
                        "selection field `{}` is not in api_fields",
                        f.field
                    )));
                }
                let compile = |pattern: &str, anchored: bool| {
                    let text = if anchored {
                        format!("^(?:{pattern})$")
                    } else {
                        pattern.to_owned()
                    };
                    Regex::new(&text).map_err(|e| invalid(format!("bad pattern `{pattern}`: {e}")))
                };
                if let Some(p) = &f.from_name {
                    f.name_regex = Some(compile(p, false)?);
                }
                if let Some(p) = &f.from_channel {
                    f.channel_regex = Some(compile(p, true)?);
                }
            }
        }
        let known: BTreeSet<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
        for (index, entry) in self.entries.iter().enumerate() {
            let named = entry
                .profile
                .iter()
                .chain(entry.channels.iter().filter_map(|c| c.profile.as_ref()));
            for name in named {
                if !known.contains(name.as_str()) {
                    return Err(LogsourceError::Invalid {
                        origin: origin.to_owned(),
                        index,
                        name: entry.names.first().cloned().unwrap_or_default(),
                        message: format!("unknown profile `{name}`"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Adds `other`'s entries and profiles in front of this table's, so that they win.
    pub fn extend(&mut self, other: LogsourceTable) {
        let mut entries = other.entries;
        entries.append(&mut self.entries);
        self.entries = entries;
        let mut profiles = other.profiles;
        profiles.append(&mut self.profiles);
        self.profiles = profiles;
    }

    /// The profile called `name` (the first, so that user profiles win).
    pub fn profile(&self, name: &str) -> Option<&FieldProfile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile whose `logsources` match `logsource` with the most keys.
    pub fn profile_for(&self, logsource: &SigmaLogsource) -> Option<&FieldProfile> {
        let mut best: Option<(usize, &FieldProfile)> = None;
        for p in &self.profiles {
            let score = p
                .logsources
                .iter()
                .filter_map(|l| l.match_score(logsource))
                .max();
            if let Some(score) = score
                && best.is_none_or(|(b, _)| score > b)
            {
                best = Some((score, p));
            }
        }
        best.map(|(_, p)| p)
    }

    /// The entry for a log source name in a domain, if any.
    pub fn entry(&self, domain: Domain, name: &str) -> Option<&LogsourceEntry> {
        let name = name.trim();
        self.entries.iter().find(|e| {
            e.domain.is_none_or(|d| d == domain)
                && e.names.iter().any(|n| n.trim().eq_ignore_ascii_case(name))
        })
    }

    /// Maps one log source reference by its name and channel only (no data component, no
    /// analytic description); see [`LogsourceTable::resolve_ref`].
    pub fn resolve(
        &self,
        domain: Domain,
        name: &str,
        channel: Option<&str>,
    ) -> Vec<MappedLogsource> {
        self.resolve_with(domain, name, channel, None, "")
    }

    /// Maps one log source reference of an analytic whose description is `description`;
    /// empty when the name is unmapped. Results are distinct, in the order of the channel's
    /// event codes, else of the matching channel rules.
    pub fn resolve_ref(
        &self,
        domain: Domain,
        r: &super::LogSourceRef,
        description: &str,
    ) -> Vec<MappedLogsource> {
        self.resolve_with(
            domain,
            &r.name,
            r.channel.as_deref(),
            r.data_component_name.as_deref(),
            description,
        )
    }

    fn resolve_with(
        &self,
        domain: Domain,
        name: &str,
        channel: Option<&str>,
        data_component: Option<&str>,
        description: &str,
    ) -> Vec<MappedLogsource> {
        let Some(entry) = self.entry(domain, name) else {
            return Vec::new();
        };
        let base = |rule: Option<&ChannelRule>, codes: Vec<u32>| {
            let logsource = rule.map_or(&entry.logsource, |r| &r.logsource).clone();
            let profile = rule
                .and_then(|r| r.profile.clone())
                .or_else(|| entry.profile.clone())
                .or_else(|| self.profile_for(&logsource).map(|p| p.name.clone()));
            MappedLogsource {
                logsource,
                family: rule.and_then(|r| r.family).unwrap_or(entry.family),
                profile,
                custom: rule.and_then(|r| r.custom).unwrap_or(entry.custom),
                definition: rule
                    .and_then(|r| r.definition.clone())
                    .or_else(|| entry.definition.clone()),
                event_codes: codes,
            }
        };
        let channel = channel.unwrap_or("");
        let codes = event_codes(channel);
        if codes.is_empty() {
            let mut rules = entry
                .channels
                .iter()
                .skip_while(|r| !r.applies(channel, data_component));
            let Some(first) = rules.next() else {
                return vec![base(None, Vec::new())];
            };
            if first.mentions_regex.is_none() {
                return vec![base(Some(first), Vec::new())];
            }
            let group: Vec<&ChannelRule> = std::iter::once(first)
                .chain(rules.take_while(|r| r.mentions_regex.is_some()))
                .filter(|r| r.applies(channel, data_component))
                .collect();
            let named: Vec<&ChannelRule> = group
                .iter()
                .copied()
                .filter(|r| {
                    r.mentions_regex
                        .as_ref()
                        .is_some_and(|re| re.is_match(description))
                })
                .collect();
            let chosen = if named.is_empty() { group } else { named };
            let mut out: Vec<MappedLogsource> = Vec::new();
            for r in chosen {
                let m = base(Some(r), Vec::new());
                if !out.iter().any(|o| o.logsource == m.logsource) {
                    out.push(m);
                }
            }
            return out;
        }
        let mut out: Vec<MappedLogsource> = Vec::new();
        for code in codes {
            let rule = entry
                .channels
                .iter()
                .find(|r| r.event_codes.contains(&code));
            let mapped = base(rule, vec![code]);
            match out.iter_mut().find(|m| m.logsource == mapped.logsource) {
                Some(existing) => existing.event_codes.push(code),
                None => out.push(mapped),
            }
        }
        out
    }

    /// Log source names of the loaded strategies that no entry maps, most used first.
    pub fn unmapped(&self, data: &AttackData) -> Vec<UnmappedName> {
        #[derive(Default)]
        struct Acc {
            domains: BTreeSet<Domain>,
            references: usize,
            strategies: BTreeSet<String>,
        }
        let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
        for s in data.strategies() {
            for a in &s.analytics {
                for l in &a.log_sources {
                    if self.entry(s.domain, &l.name).is_some() {
                        continue;
                    }
                    let e = acc.entry(l.name.clone()).or_default();
                    e.domains.insert(s.domain);
                    e.references += 1;
                    e.strategies.insert(s.id.clone());
                }
            }
        }
        let mut out: Vec<UnmappedName> = acc
            .into_iter()
            .map(|(name, a)| UnmappedName {
                name,
                domains: a.domains.into_iter().collect(),
                references: a.references,
                strategies: a.strategies.len(),
            })
            .collect();
        out.sort_by(|a, b| b.references.cmp(&a.references).then(a.name.cmp(&b.name)));
        out
    }

    /// `(mapped, total)` log source references over the loaded strategies.
    pub fn coverage(&self, data: &AttackData) -> (usize, usize) {
        let mut mapped = 0;
        let mut total = 0;
        for s in data.strategies() {
            for a in &s.analytics {
                for l in &a.log_sources {
                    total += 1;
                    if self.entry(s.domain, &l.name).is_some() {
                        mapped += 1;
                    }
                }
            }
        }
        (mapped, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: Option<&str>, service: Option<&str>, category: Option<&str>) -> SigmaLogsource {
        SigmaLogsource::new(product, service, category)
    }

    #[test]
    fn builtin_table_parses() {
        let t = LogsourceTable::builtin();
        assert!(t.entries.len() > 40, "{}", t.entries.len());
    }

    #[test]
    fn event_codes_are_read_from_channels() {
        assert_eq!(event_codes("EventCode=3, 22"), vec![3, 22]);
        assert_eq!(event_codes("EventCode=4688"), vec![4688]);
        assert_eq!(
            event_codes("EventCode=5005 (WLAN), EventCode=302 (Bluetooth)"),
            vec![5005, 302]
        );
        assert_eq!(event_codes("Event ID 1001 bugcheck"), vec![1001]);
        assert!(event_codes("eventName: RunInstances").is_empty());
    }

    #[test]
    fn cloudtrail_maps_to_aws_cloudtrail() {
        let m = LogsourceTable::builtin().resolve(
            Domain::Enterprise,
            "AWS:CloudTrail",
            Some("eventName: RunInstances"),
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].logsource, ls(Some("aws"), Some("cloudtrail"), None));
        assert_eq!(m[0].family, Family::CloudApiAudit);
        assert_eq!(m[0].profile.as_deref(), Some("aws-cloudtrail"));
    }

    #[test]
    fn sysmon_codes_split_into_categories() {
        let m = LogsourceTable::builtin().resolve(
            Domain::Enterprise,
            "WinEventLog:Sysmon",
            Some("EventCode=3, 22"),
        );
        let got: Vec<_> = m
            .iter()
            .map(|m| (m.logsource.category.clone(), m.event_codes.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("network_connection".into()), vec![3]),
                (Some("dns_query".into()), vec![22]),
            ]
        );
    }

    #[test]
    fn security_codes_without_rule_fall_back_and_group() {
        let m = LogsourceTable::builtin().resolve(
            Domain::Enterprise,
            "winEventLog:security ",
            Some("EventCode=4688, 4624, 4648"),
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].logsource.category.as_deref(), Some("process_creation"));
        assert_eq!(m[1].logsource, ls(Some("windows"), Some("security"), None));
        assert_eq!(m[1].event_codes, vec![4624, 4648]);
    }

    #[test]
    fn domain_specific_entries_win_and_patterns_apply() {
        let t = LogsourceTable::builtin();
        let ics = t.resolve(Domain::Ics, "Application Log", None);
        assert_eq!(ics[0].logsource, ls(Some("opcua"), Some("audit"), None));
        assert_eq!(ics[0].family, Family::IcsApiExecution);
        let ent = t.resolve(Domain::Enterprise, "Network Traffic", None);
        assert_eq!(ent[0].logsource, ls(Some("zeek"), Some("conn"), None));
        let dns = t.resolve(Domain::Enterprise, "NSM:Flow", Some("dns.log"));
        assert_eq!(dns[0].logsource, ls(Some("zeek"), Some("dns"), None));
        assert!(
            t.resolve(Domain::Enterprise, "Internet Scan", None)
                .is_empty()
        );
    }

    #[test]
    fn extend_puts_user_entries_first() {
        let mut t = LogsourceTable::builtin().clone();
        let user = LogsourceTable::from_yaml(
            "version: 1\nentries:\n  - names: [AWS:CloudTrail]\n    logsource: {product: aws, service: cloudtrail_lake}\n    family: generic\n  - names: [Internet Scan]\n    logsource: {category: scan}\n    family: generic\n",
            "user.yml",
        )
        .expect("valid");
        t.extend(user);
        let m = t.resolve(Domain::Enterprise, "AWS:CloudTrail", None);
        assert_eq!(m[0].logsource.service.as_deref(), Some("cloudtrail_lake"));
        assert_eq!(
            t.resolve(Domain::Enterprise, "Internet Scan", None)[0].family,
            Family::Generic
        );
    }

    #[test]
    fn profiles_are_found_by_name_and_by_logsource() {
        let t = LogsourceTable::builtin();
        let m = t.resolve(
            Domain::Enterprise,
            "WinEventLog:Sysmon",
            Some("EventCode=1"),
        );
        assert_eq!(m[0].profile.as_deref(), Some("process-creation"));
        let m = t.resolve(
            Domain::Enterprise,
            "WinEventLog:Security",
            Some("EventCode=4624"),
        );
        assert_eq!(m[0].profile.as_deref(), Some("windows-security"));
        let m = t.resolve(
            Domain::Enterprise,
            "WinEventLog:System",
            Some("EventCode=7045"),
        );
        assert_eq!(m[0].profile.as_deref(), Some("windows-eventlog"));
        let m = t.resolve(Domain::Ics, "Application Log", None);
        assert_eq!(m[0].profile.as_deref(), Some("opcua-audit"));
        assert!(
            m[0].definition
                .as_deref()
                .is_some_and(|d| d.contains("AuditCallEventType"))
        );
        let m = t.resolve(Domain::Enterprise, "macos:unifiedlog", None);
        assert_eq!(m[0].profile.as_deref(), Some("macos-unifiedlog"));
        // A name whose logsource no profile covers has none.
        let m = t.resolve(Domain::Enterprise, "AWS:VPCFlowLogs", None);
        assert_eq!(m[0].profile, None, "{m:?}");
    }

    #[test]
    fn selection_values_come_from_codes_names_and_channels() {
        let t = LogsourceTable::builtin();
        let field =
            |profile: &str, i: usize| t.profile(profile).expect("profile").selection[i].clone();
        let event_name = field("aws-cloudtrail", 0);
        assert_eq!(
            event_name.values(
                "AWS:CloudTrail",
                Some("eventName: RunInstances, CreateUser, PutRolePolicy"),
                &[]
            ),
            ["RunInstances", "CreateUser", "PutRolePolicy"]
        );
        assert_eq!(
            event_name.values(
                "AWS:CloudTrail",
                Some("Delete* / Stop*: DeleteAlarms, StopLogging, or DisableMonitoring API calls"),
                &[]
            ),
            ["DeleteAlarms", "StopLogging", "DisableMonitoring"]
        );
        assert_eq!(
            event_name.values(
                "AWS:CloudTrail",
                Some("rds:ExecuteStatement: Large data"),
                &[]
            ),
            ["ExecuteStatement"]
        );
        assert!(
            event_name
                .values(
                    "AWS:CloudTrail",
                    Some("Temporary security credentials used to authenticate"),
                    &[]
                )
                .is_empty()
        );
        let okta = field("okta-systemlog", 0);
        assert_eq!(
            okta.values(
                "Okta:SystemLog",
                Some("eventType: user.authentication.sso, app.oauth2.token.grant"),
                &[]
            ),
            ["user.authentication.sso", "app.oauth2.token.grant"]
        );
        let event_id = field("windows-security", 0);
        assert_eq!(
            event_id.values("WinEventLog:Security", None, &[4624, 4648]),
            ["4624", "4648"]
        );
        let record = field("linux-auditd", 0);
        assert_eq!(
            record.values("auditd:SYSCALL", Some("execve"), &[]),
            ["SYSCALL"]
        );
        let syscall = field("linux-auditd", 1);
        assert_eq!(
            syscall.values("auditd:SYSCALL", Some("open, write"), &[]),
            ["open", "write"]
        );
        assert!(
            syscall
                .values("auditd:SYSCALL", Some("outbound connections"), &[])
                .is_empty()
        );
    }

    fn reference(name: &str, component: &str) -> super::super::LogSourceRef {
        super::super::LogSourceRef {
            data_component: None,
            data_component_name: Some(component.to_owned()),
            name: name.to_owned(),
            channel: None,
        }
    }

    #[test]
    fn data_components_and_mentions_choose_the_protocol_logs() {
        let t = LogsourceTable::builtin();
        let services = |m: Vec<MappedLogsource>| -> Vec<String> {
            m.into_iter().filter_map(|m| m.logsource.service).collect()
        };
        // Flows are Zeek's conn.log, whatever the description says.
        let flow = reference("Network Traffic", "Network Traffic Flow");
        assert_eq!(
            services(t.resolve_ref(Domain::Ics, &flow, "Monitor Modbus flows")),
            ["conn"]
        );
        // Content: the protocol logs the description names...
        let content = reference("Network Traffic", "Network Traffic Content");
        let named = t.resolve_ref(
            Domain::Ics,
            &content,
            "Monitor for Read function codes in protocols like DNP3 or Modbus.",
        );
        assert!(named.iter().all(|m| m.custom && m.definition.is_some()));
        assert_eq!(services(named), ["modbus_detailed", "dnp3"]);
        // ...or every one of them when it names none.
        let all = services(t.resolve_ref(Domain::Ics, &content, "Monitor for command messages."));
        assert_eq!(
            all,
            [
                "modbus_detailed",
                "dnp3",
                "s7comm",
                "cip",
                "bacnet",
                "opcua_binary"
            ]
        );
        // A channel rule needs codes or text conditions, not both.
        let bad = "version: 1\nentries:\n  - names: [X]\n    logsource: {product: p}\n    family: generic\n    channels:\n      - {event_codes: [1], data_components: [Y], logsource: {product: q}}\n";
        assert!(LogsourceTable::from_yaml(bad, "t.yml").is_err());
    }

    #[test]
    fn bad_profiles_are_rejected() {
        let head = "version: 1\nentries:\n  - names: [X]\n    logsource: {product: a}\n    family: generic\n";
        let err = LogsourceTable::from_yaml(&format!("{head}    profile: nope\n"), "m.yml")
            .expect_err("unknown profile");
        assert!(err.to_string().contains("unknown profile `nope`"), "{err}");
        let err = LogsourceTable::from_yaml(
            &format!("{head}profiles:\n  - name: p\n    api_fields: [a]\n    selection: [{{field: b, placeholder: b}}]\n"),
            "m.yml",
        )
        .expect_err("selection outside api_fields");
        assert_eq!(
            err.to_string(),
            "m.yml: profile 0 (p): selection field `b` is not in api_fields"
        );
    }

    #[test]
    fn bad_tables_name_file_and_entry() {
        let err = LogsourceTable::from_yaml(
            "version: 1\nentries:\n  - names: [X]\n    logsource: {}\n    family: generic\n",
            "m.yml",
        )
        .expect_err("empty logsource");
        assert_eq!(
            err.to_string(),
            "m.yml: entry 0 (X): `logsource` needs at least one of product, service, category"
        );
        let err = LogsourceTable::from_yaml(
            "version: 1\nentries:\n  - names: [X]\n    logsource: {product: a}\n    family: nope\n",
            "m.yml",
        )
        .expect_err("bad family");
        assert!(err.to_string().starts_with("m.yml:5:"), "{err}");
        let err = LogsourceTable::from_yaml(
            "version: 1\nentries:\n  - names: [X]\n    logsource: {product: a}\n    family: generic\n    channels:\n      - {pattern: '(', logsource: {product: b}}\n",
            "m.yml",
        )
        .expect_err("bad regex");
        assert!(err.to_string().contains("bad pattern `(`"), "{err}");
    }
}
