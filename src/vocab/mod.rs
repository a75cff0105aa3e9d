//! The one vocabulary of log sources and fields, shared by the linter, the scaffolder and the
//! ATT&CK importer.
//!
//! - [`LogSource`]: a Sigma `logsource` (category / product / service, plus `definition` for
//!   custom ones). The one type for it in sigsmith.
//! - [`ContextClass`] and [`FieldClass`]: what a field of an API-audit log carries.
//! - [`ContextFields`]: fields grouped by context class (a draft's `sigsmith.context` block, a
//!   strategy target's context, a vocabulary entry's context fields).
//! - [`Profile`]: the vocabulary of one API-audit log source (data in `data/vocabulary/*.yml`):
//!   how rules spell the log source (canonical keys and aliases), the class of each field, and
//!   the naming schemes rules use for those fields.
//! - [`Vocabulary`]: every profile plus the naming schemes common to all of them
//!   (`data/vocabulary/schemes.yml`); recognises the log source of a rule or of an event
//!   ([`Vocabulary::recognize`], [`Vocabulary::recognize_fields`]) and classifies its fields
//!   ([`Profile::lookup`]).
//!
//! ## Field matching (per profile)
//! A field name is compared after *normalisation*: lowercase, `_` and `-` removed, so
//! `user_identity.arn`, `UserIdentity.Arn` and `userIdentity.arn` are one name. Then:
//! 1. the name, and the name without each of the profile's `prefixes` (vendor-prefixed
//!    integration names such as `aws.cloudtrail.`) and of the common envelopes (`data.`,
//!    `detail.`, `properties.`...), up to three strips, after the profile's `renames`;
//! 2. an entry matches the field itself and every sub-field (`userIdentity` matches
//!    `userIdentity.arn`); the longest matching entry wins;
//! 3. else the common schemes (ECS names such as `event.action`, `source.ip`, `user.name`,
//!    Panther's `p_any_*`) give the class;
//! 4. else a name one or two edits away from a known entry is that entry misspelled
//!    (`eventNme` is `eventName`);
//! 5. else the field is [`FieldClass::Unknown`]: the linter reports it (API007) and decides
//!    from the fields it knows.

mod data;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use data::BUILTIN_PROFILES;

/// A Sigma log source: the keys a rule's `logsource` names.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct LogSource {
    /// `category`, e.g. `process_creation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `product`, e.g. `aws`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// `service`, e.g. `cloudtrail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `definition`: how to collect the log (documents custom log sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

impl LogSource {
    /// A log source from its three keys.
    pub fn new(product: Option<&str>, service: Option<&str>, category: Option<&str>) -> LogSource {
        LogSource {
            category: category.map(str::to_owned),
            product: product.map(str::to_owned),
            service: service.map(str::to_owned),
            definition: None,
        }
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.category.is_none() && self.product.is_none() && self.service.is_none()
    }

    /// How many keys of `self` (a pattern) equal `other`'s (case-insensitive), or `None` when
    /// a key differs. Keys left out of the pattern match anything; `*` matches any value
    /// that is present.
    pub fn match_score(&self, other: &LogSource) -> Option<usize> {
        let mut n = 0;
        for (want, have) in [
            (&self.category, &other.category),
            (&self.product, &other.product),
            (&self.service, &other.service),
        ] {
            if let Some(w) = want {
                let have = have.as_deref()?;
                if w != "*" && !have.eq_ignore_ascii_case(w) {
                    return None;
                }
                n += 1;
            }
        }
        Some(n)
    }

    /// Like [`LogSource::match_score`] but comparing normalised spellings (`activity_logs`
    /// equals `activitylogs`, `gcp.audit` equals `gcp_audit`).
    fn match_normalized(&self, other: &LogSource) -> Option<usize> {
        let mut n = 0;
        for (want, have) in [
            (&self.category, &other.category),
            (&self.product, &other.product),
            (&self.service, &other.service),
        ] {
            if let Some(w) = want {
                let have = have.as_deref()?;
                if w != "*" && !norm_eq(have, w) {
                    return None;
                }
                n += 1;
            }
        }
        Some(n)
    }
}

impl fmt::Display for LogSource {
    /// `product: aws, service: cloudtrail` (Sigma key order: category, product, service).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            ("category", &self.category),
            ("product", &self.product),
            ("service", &self.service),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
        f.write_str(&parts.join(", "))
    }
}

/// A log-source key value without case and separators (`Activity_Logs` → `activitylogs`),
/// as the characters it is compared by.
fn norm_key_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
}

/// Whether two log-source key values are equal without case and separators; compares without
/// allocating (log source recognition runs it for every document and profile).
fn norm_eq(a: &str, b: &str) -> bool {
    norm_key_chars(a).eq(norm_key_chars(b))
}

/// A log-source key value without case and separators, as a string: `norm_eq(a, b)` is
/// `norm_key(a) == norm_key(b)`.
fn norm_key(s: &str) -> String {
    norm_key_chars(s).collect()
}

/// One key of a log-source pattern, normalised once: `*` (matches any value) or the value
/// without case and separators.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NormKey {
    any: bool,
    norm: String,
}

/// A log source of a profile (canonical or alias) with its keys normalised: category,
/// product, service.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NormLogSource {
    profile: usize,
    keys: [Option<NormKey>; 3],
}

impl NormLogSource {
    fn new(profile: usize, ls: &LogSource) -> Self {
        let key = |v: &Option<String>| {
            v.as_deref().map(|w| NormKey {
                any: w == "*",
                norm: norm_key(w),
            })
        };
        NormLogSource {
            profile,
            keys: [key(&ls.category), key(&ls.product), key(&ls.service)],
        }
    }

    /// [`LogSource::match_normalized`] of this pattern against normalised keys `have`.
    fn score(&self, have: &[Option<String>; 3]) -> Option<usize> {
        let mut n = 0;
        for (want, have) in self.keys.iter().zip(have) {
            if let Some(w) = want {
                let have = have.as_deref()?;
                if !w.any && w.norm != have {
                    return None;
                }
                n += 1;
            }
        }
        Some(n)
    }

    fn product(&self) -> Option<&str> {
        self.keys[1].as_ref().map(|k| k.norm.as_str())
    }
}

/// The normalised log sources of every profile, in profile order: canonical ones and aliases
/// (what recognition compares a rule's `logsource` with, normalised once instead of per
/// document).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NormIndex {
    canonical: Vec<NormLogSource>,
    aliases: Vec<NormLogSource>,
}

impl NormIndex {
    fn new(profiles: &[Profile]) -> Self {
        let mut index = NormIndex::default();
        for (i, p) in profiles.iter().enumerate() {
            index
                .canonical
                .extend(p.logsources.iter().map(|l| NormLogSource::new(i, l)));
            index
                .aliases
                .extend(p.aliases.iter().map(|l| NormLogSource::new(i, l)));
        }
        index
    }
}

/// A field name without case, `_` and `-` (`user_identity.ARN` → `useridentity.arn`).
pub fn normalize_field(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A context class: what a context field tells about an API call.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ContextClass {
    /// Who called: principal, account, user.
    Identity,
    /// Where from: source address, host, device.
    Source,
    /// With what: user agent, application, client version.
    Client,
    /// On what: target resource, request parameters.
    Target,
    /// Session and authentication details.
    Session,
    /// Outcome of the call.
    Outcome,
    /// Timestamps.
    Time,
}

impl ContextClass {
    /// Every class in the documented order.
    pub const ALL: [ContextClass; 7] = [
        ContextClass::Identity,
        ContextClass::Source,
        ContextClass::Client,
        ContextClass::Target,
        ContextClass::Session,
        ContextClass::Outcome,
        ContextClass::Time,
    ];

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextClass::Identity => "identity",
            ContextClass::Source => "source",
            ContextClass::Client => "client",
            ContextClass::Target => "target",
            ContextClass::Session => "session",
            ContextClass::Outcome => "outcome",
            ContextClass::Time => "time",
        }
    }

    /// Parses a lowercase class name.
    pub fn parse(s: &str) -> Option<ContextClass> {
        ContextClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ContextClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a field of an API-audit log carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldClass {
    /// Names the API call (`eventName`, `operationName`).
    Api,
    /// The call's outcome (`errorCode`, `outcome.result`).
    Outcome,
    /// Says which log or record type it is, nothing about the call (`event.dataset`).
    Metadata,
    /// A vendor's own verdict on the activity (`riskLevelDuringSignIn`, `riskEventType`):
    /// the vendor already correlated, so a constraint on it is not presence alone.
    Verdict,
    /// Context of a class (identity, source, client, target, session, time).
    Context(ContextClass),
    /// Not in the vocabulary.
    Unknown,
}

impl FieldClass {
    /// Whether constraining the field adds caller context: a context class other than
    /// `outcome` and `time` (timestamps alone say nothing about the caller), or a vendor
    /// verdict. Unknown fields are not context: the linter decides from the fields it knows.
    pub fn is_context(self) -> bool {
        match self {
            FieldClass::Context(c) => !matches!(c, ContextClass::Time | ContextClass::Outcome),
            FieldClass::Verdict => true,
            FieldClass::Api | FieldClass::Outcome | FieldClass::Metadata | FieldClass::Unknown => {
                false
            }
        }
    }

    /// The name shown to users (`api`, `identity`, `unknown`...).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldClass::Api => "api",
            FieldClass::Outcome => "outcome",
            FieldClass::Metadata => "metadata",
            FieldClass::Verdict => "verdict",
            FieldClass::Context(c) => c.as_str(),
            FieldClass::Unknown => "unknown",
        }
    }

    fn from_context(c: ContextClass) -> FieldClass {
        match c {
            ContextClass::Outcome => FieldClass::Outcome,
            c => FieldClass::Context(c),
        }
    }
}

impl fmt::Display for FieldClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fields grouped by context class. A class may be empty when the log does not carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextFields {
    /// Caller identity fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<String>,
    /// Source system / network fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<String>,
    /// Client software fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client: Vec<String>,
    /// Target resource / request parameter fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<String>,
    /// Session / authentication fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session: Vec<String>,
    /// Outcome fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcome: Vec<String>,
    /// Time fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time: Vec<String>,
}

impl ContextFields {
    /// The fields of one class.
    pub fn class(&self, class: ContextClass) -> &[String] {
        match class {
            ContextClass::Identity => &self.identity,
            ContextClass::Source => &self.source,
            ContextClass::Client => &self.client,
            ContextClass::Target => &self.target,
            ContextClass::Session => &self.session,
            ContextClass::Outcome => &self.outcome,
            ContextClass::Time => &self.time,
        }
    }

    /// Mutable access to the fields of one class (for importers).
    pub fn class_mut(&mut self, class: ContextClass) -> &mut Vec<String> {
        match class {
            ContextClass::Identity => &mut self.identity,
            ContextClass::Source => &mut self.source,
            ContextClass::Client => &mut self.client,
            ContextClass::Target => &mut self.target,
            ContextClass::Session => &mut self.session,
            ContextClass::Outcome => &mut self.outcome,
            ContextClass::Time => &mut self.time,
        }
    }

    /// The non-empty classes with their fields, in contract order.
    pub fn classes(&self) -> impl Iterator<Item = (ContextClass, &[String])> {
        ContextClass::ALL
            .into_iter()
            .map(|c| (c, self.class(c)))
            .filter(|(_, f)| !f.is_empty())
    }

    /// Every field, in class order, without repeats (the rule's `fields:` list).
    pub fn all_fields(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, fields) in self.classes() {
            for f in fields {
                if !out.contains(f) {
                    out.push(f.clone());
                }
            }
        }
        out
    }

    /// Whether `field` is listed in any class.
    pub fn contains(&self, field: &str) -> bool {
        self.classes().any(|(_, fs)| fs.iter().any(|f| f == field))
    }

    /// Whether no class lists a field.
    pub fn is_empty(&self) -> bool {
        self.classes().next().is_none()
    }
}

/// What kind of log a profile describes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An audit log of API calls (the API checks judge its rules).
    #[default]
    ApiAudit,
    /// A log of the vendor's own detections (risk detections, alerts): every event is
    /// already a verdict, so its rules are never API presence.
    Verdict,
}

/// How a field name was matched (for `lint --explain` and API007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// A vocabulary entry of the profile, possibly after stripping a prefix or envelope.
    Native {
        /// The entry (`userIdentity`).
        entry: String,
        /// The prefix or envelope stripped first (`aws.cloudtrail.`), if any.
        prefix: Option<String>,
    },
    /// A naming scheme common to every profile (`ecs`, `panther`).
    Scheme {
        /// The scheme's name.
        scheme: String,
        /// Its entry (`source.ip`).
        entry: String,
    },
    /// A misspelling of an entry (`eventNme` for `eventName`).
    Misspelled {
        /// The entry it is taken for.
        entry: String,
    },
    /// Not in the vocabulary.
    Unknown,
}

/// The class of a field and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The class.
    pub class: FieldClass,
    /// How the name matched.
    pub how: Match,
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.how {
            Match::Native { entry, prefix } => match prefix {
                Some(p) => write!(f, "{} (`{entry}` after `{p}`)", self.class),
                None => write!(f, "{} (`{entry}`)", self.class),
            },
            Match::Scheme { scheme, entry } => write!(f, "{} ({scheme} `{entry}`)", self.class),
            Match::Misspelled { entry } => {
                write!(f, "{} (misspelled `{entry}`?)", self.class)
            }
            Match::Unknown => f.write_str("unknown"),
        }
    }
}

/// normalised entry → (class, entry as written).
type EntryIndex = HashMap<String, (FieldClass, String)>;

/// The normalised index of a profile's entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Index {
    /// normalised entry → (class, entry as written).
    entries: HashMap<String, (FieldClass, String)>,
    /// normalised prefixes (profile prefixes first, then the common envelopes), as written.
    prefixes: Vec<(String, String)>,
    /// normalised spelling → canonical entry.
    renames: HashMap<String, String>,
}

/// The vocabulary of one log source: its spellings and the class of its fields.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Unique name (`aws-cloudtrail`); a profile with the same name replaces the built-in one.
    pub name: String,
    /// Human-readable title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where the field classes come from (vendor documentation, sample events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `api-audit` (default) or `verdict` (a log of the vendor's own detections).
    #[serde(default)]
    pub kind: SourceKind,
    /// The canonical log sources (`{product: aws, service: cloudtrail}`); every key given must
    /// equal the rule's (case-insensitive; `_`, `-`, `.` and spaces ignored).
    pub logsources: Vec<LogSource>,
    /// Other spellings of the log source (`{product: azure, service: activity_logs}`,
    /// `{product: okta, service: system}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<LogSource>,
    /// Prefixes of vendor-prefixed integration names and envelopes stripped before matching
    /// (`aws.cloudtrail.`, `data.protoPayload.`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<String>,
    /// Spellings that differ from an entry by more than case and separators
    /// (`okta.client.ip: client.ipAddress`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub renames: BTreeMap<String, String>,
    /// Fields that name the API call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api: Vec<String>,
    /// Fields that carry the call's outcome.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcome: Vec<String>,
    /// Fields that say which log or record type an event is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<String>,
    /// Fields holding the vendor's own verdict (risk level, threat detection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdict: Vec<String>,
    /// Context fields by class.
    #[serde(default)]
    pub context: ContextFields,
    /// Values of API or outcome fields that are vendor verdict events (`security.threat.detected`,
    /// a lockout result code); `*` matches any run of characters. A rule selecting only such
    /// events relies on the vendor's correlation and is not API presence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdict_events: Vec<String>,
    /// The context fields drafts for this log source name, by class (default: none; the
    /// ATT&CK importer and `sigsmith new` use them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<ContextFields>,
    /// Context classes API002 requires. Default: `identity` and `source`, each only when the
    /// profile lists fields for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<ContextClass>>,
    #[serde(skip)]
    #[schemars(skip)]
    index: OnceLock<Index>,
}

impl PartialEq for Profile {
    fn eq(&self, other: &Profile) -> bool {
        // The index is derived; compare the data.
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

impl Eq for Profile {}

fn glob_match(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    // Iterative wildcard match with backtracking on the last `*`.
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if pi < p.len() && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Optimal string alignment distance, capped: `None` when above `max`.
fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = prev;
        prev = cur;
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

impl Profile {
    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut entries = HashMap::new();
            let mut add = |list: &[String], class: FieldClass| {
                for e in list {
                    entries
                        .entry(normalize_field(e))
                        .or_insert((class, e.clone()));
                }
            };
            add(&self.api, FieldClass::Api);
            add(&self.outcome, FieldClass::Outcome);
            add(&self.metadata, FieldClass::Metadata);
            add(&self.verdict, FieldClass::Verdict);
            for c in ContextClass::ALL {
                add(self.context.class(c), FieldClass::from_context(c));
            }
            let mut prefixes: Vec<(String, String)> = self
                .prefixes
                .iter()
                .chain(schemes().envelopes.iter())
                .map(|p| (normalize_field(p), p.clone()))
                .collect();
            prefixes.dedup();
            let renames = self
                .renames
                .iter()
                .map(|(k, v)| (normalize_field(k), v.clone()))
                .collect();
            Index {
                entries,
                prefixes,
                renames,
            }
        })
    }

    /// The longest entry matching `name` (normalised) or a parent path of it.
    fn longest(&self, name: &str) -> Option<(FieldClass, &str, usize)> {
        let idx = self.index();
        let mut cut = name.len();
        loop {
            let head = &name[..cut];
            if let Some((class, entry)) = idx.entries.get(head) {
                return Some((*class, entry.as_str(), cut));
            }
            cut = head.rfind('.')?;
        }
    }

    /// The candidate spellings of `field`: itself, then without prefixes (up to three strips),
    /// each after renames; with the prefix stripped.
    fn candidates(&self, field: &str) -> Vec<(String, Option<String>)> {
        let idx = self.index();
        let rename = |n: String| match idx.renames.get(&n) {
            Some(to) => normalize_field(to),
            None => n,
        };
        let mut out = vec![(rename(normalize_field(field)), None::<String>)];
        let mut i = 0;
        while i < out.len() && out.len() < 16 {
            let (name, stripped) = out[i].clone();
            let depth = stripped
                .as_deref()
                .map_or(0, |s| s.matches('+').count() + 1);
            if depth < 3 {
                for (p, written) in &idx.prefixes {
                    if let Some(rest) = name.strip_prefix(p.as_str())
                        && !rest.is_empty()
                    {
                        let label = match &stripped {
                            Some(s) => format!("{s}+{written}"),
                            None => written.clone(),
                        };
                        let rest = rename(rest.to_owned());
                        if !out.iter().any(|(n, _)| *n == rest) {
                            out.push((rest, Some(label)));
                        }
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// Classifies a field name and says how it matched (see the module docs).
    pub fn lookup(&self, field: &str) -> Lookup {
        let cands = self.candidates(field);
        if let Some((class, entry, prefix)) = self.native(&cands) {
            return Lookup {
                class,
                how: Match::Native { entry, prefix },
            };
        }
        // 3: the common schemes.
        for (name, _) in &cands {
            if let Some((scheme, entry, class)) = schemes().lookup(name) {
                return Lookup {
                    class,
                    how: Match::Scheme {
                        scheme: scheme.to_owned(),
                        entry: entry.to_owned(),
                    },
                };
            }
        }
        // 4: a misspelled entry.
        if let Some((class, entry)) = self.misspelled(&cands) {
            return Lookup {
                class,
                how: Match::Misspelled { entry },
            };
        }
        Lookup {
            class: FieldClass::Unknown,
            how: Match::Unknown,
        }
    }

    /// Steps 1-2: the longest native entry; on a tie the spelling with fewer strips.
    fn native(
        &self,
        cands: &[(String, Option<String>)],
    ) -> Option<(FieldClass, String, Option<String>)> {
        let mut best: Option<(usize, FieldClass, &str, &Option<String>)> = None;
        for (name, stripped) in cands {
            if let Some((class, entry, len)) = self.longest(name)
                && best.as_ref().is_none_or(|(l, ..)| len > *l)
            {
                best = Some((len, class, entry, stripped));
            }
        }
        best.map(|(_, c, e, p)| (c, e.to_owned(), p.clone()))
    }

    fn misspelled(&self, cands: &[(String, Option<String>)]) -> Option<(FieldClass, String)> {
        let idx = self.index();
        let mut best: Option<(usize, FieldClass, &str)> = None;
        for (name, _) in cands {
            // Compare the whole name, and the name's head against entries with sub-fields.
            let len = name.chars().count();
            if len < 5 {
                continue;
            }
            let max = if len >= 10 { 2 } else { 1 };
            for (key, (class, entry)) in &idx.entries {
                if let Some(d) = edit_distance(name, key, max)
                    && d > 0
                    && best.is_none_or(|(b, ..)| d < b)
                {
                    best = Some((d, *class, entry.as_str()));
                }
            }
        }
        best.map(|(_, c, e)| (c, e.to_owned()))
    }

    /// Classifies a field name.
    pub fn classify(&self, field: &str) -> FieldClass {
        self.lookup(field).class
    }

    /// Whether the field is known natively (not through a common scheme or a misspelling):
    /// what log-source inference counts; with whether it is spelled exactly as the entry (no
    /// prefix, same case and separators) and whether the entry is the whole field rather than
    /// a parent of it: both break ties between vocabularies.
    fn knows_natively(&self, field: &str) -> Option<(FieldClass, bool, bool)> {
        match self.native(&self.candidates(field)) {
            Some((class, entry, prefix)) => {
                let exact = prefix.is_none()
                    && field
                        .strip_prefix(entry.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
                let whole = prefix.is_none() && normalize_field(&entry) == normalize_field(field);
                Some((class, exact, whole))
            }
            _ => None,
        }
    }

    /// How well `ls` names this profile's log source: the most keys matched by a canonical
    /// log source or an alias (case and separators ignored), or `None`. Recognition from
    /// fields is [`Vocabulary::recognize`]'s.
    pub fn score(&self, ls: &LogSource) -> Option<usize> {
        self.logsources
            .iter()
            .chain(&self.aliases)
            .filter_map(|l| l.match_normalized(ls))
            .filter(|&n| n > 0)
            .max()
    }

    /// Whether `value` of an API or outcome field is a vendor verdict event.
    pub fn is_verdict_event(&self, value: &str) -> bool {
        self.verdict_events.iter().any(|p| glob_match(p, value))
    }

    /// The context classes API002 requires.
    pub fn required_classes(&self) -> Vec<ContextClass> {
        match &self.required {
            Some(r) => r.clone(),
            None => [ContextClass::Identity, ContextClass::Source]
                .into_iter()
                .filter(|c| !self.context.class(*c).is_empty())
                .collect(),
        }
    }

    /// The context fields drafts name: the `draft` lists, else the profile's context fields
    /// with its outcome fields.
    pub fn draft_context(&self) -> ContextFields {
        match &self.draft {
            Some(d) => d.clone(),
            None => {
                let mut c = self.context.clone();
                if c.outcome.is_empty() {
                    c.outcome = self.outcome.clone();
                }
                c
            }
        }
    }

    /// Whether the profile is an API-audit log (judged by the API checks).
    pub fn is_api_audit(&self) -> bool {
        self.kind == SourceKind::ApiAudit
    }

    /// The display title (the name when there is none).
    pub fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }
}

/// How a log source was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// The rule's keys are a canonical log source of the profile.
    Exact,
    /// The rule's keys are another spelling of it (an alias, or a different case/separator).
    Alias,
    /// Recognised from the fields the detection (or the event) uses.
    Inferred,
}

impl How {
    /// The name shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Exact => "exact",
            How::Alias => "alias",
            How::Inferred => "inferred from fields",
        }
    }
}

impl fmt::Display for How {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recognised log source.
#[derive(Debug, Clone, Copy)]
pub struct Recognition<'a> {
    /// Its vocabulary.
    pub profile: &'a Profile,
    /// How it was recognised.
    pub how: How,
}

impl fmt::Display for Recognition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.profile.name, self.how)
    }
}

/// One entry of a common naming scheme.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeFields {
    #[serde(default)]
    api: Vec<String>,
    #[serde(default)]
    outcome: Vec<String>,
    #[serde(default)]
    metadata: Vec<String>,
    #[serde(default)]
    verdict: Vec<String>,
    #[serde(default)]
    context: ContextFields,
}

/// The naming schemes common to every profile (`data/vocabulary/schemes.yml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Schemes {
    envelopes: Vec<String>,
    product_aliases: BTreeMap<String, Vec<String>>,
    not_api: NotApi,
    schemes: BTreeMap<String, SchemeFields>,
    #[serde(skip)]
    index: Vec<(String, EntryIndex)>,
    /// `product_aliases` normalised: each canonical product with the normalised spellings
    /// that name it (itself first), in `product_aliases` order.
    #[serde(skip)]
    norm_products: Vec<(String, Vec<String>)>,
    /// `not_api` normalised: products, categories.
    #[serde(skip)]
    norm_not_api: (Vec<String>, Vec<String>),
}

/// Log sources that are never API audit (never inferred as one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotApi {
    products: Vec<String>,
    categories: Vec<String>,
}

impl Schemes {
    fn lookup(&self, name: &str) -> Option<(&str, &str, FieldClass)> {
        for (scheme, idx) in &self.index {
            let mut cut = name.len();
            loop {
                let head = &name[..cut];
                if let Some((class, entry)) = idx.get(head) {
                    return Some((scheme, entry, *class));
                }
                match head.rfind('.') {
                    Some(c) => cut = c,
                    None => break,
                }
            }
        }
        None
    }

    fn canonical_product(&self, product: &str) -> Option<&str> {
        let product = norm_key(product);
        self.norm_products
            .iter()
            .find(|(_, spellings)| spellings.contains(&product))
            .map(|(c, _)| c.as_str())
    }
}

fn schemes() -> &'static Schemes {
    static S: OnceLock<Schemes> = OnceLock::new();
    S.get_or_init(|| {
        let mut s: Schemes = serde_yaml::from_str(data::SCHEMES)
            .unwrap_or_else(|e| panic!("embedded data/vocabulary/schemes.yml is invalid: {e}"));
        for (name, f) in &s.schemes {
            let mut idx = HashMap::new();
            let mut add = |list: &[String], class: FieldClass| {
                for e in list {
                    idx.entry(normalize_field(e)).or_insert((class, e.clone()));
                }
            };
            add(&f.api, FieldClass::Api);
            add(&f.outcome, FieldClass::Outcome);
            add(&f.metadata, FieldClass::Metadata);
            add(&f.verdict, FieldClass::Verdict);
            for c in ContextClass::ALL {
                add(f.context.class(c), FieldClass::from_context(c));
            }
            s.index.push((name.clone(), idx));
        }
        s.norm_products = s
            .product_aliases
            .iter()
            .map(|(canon, aliases)| {
                let spellings = std::iter::once(canon).chain(aliases).map(|a| norm_key(a));
                (canon.clone(), spellings.collect())
            })
            .collect();
        let norms = |list: &[String]| list.iter().map(|x| norm_key(x)).collect();
        s.norm_not_api = (norms(&s.not_api.products), norms(&s.not_api.categories));
        s
    })
}

/// The profile index with the highest positive score among `(score, profile)` pairs; on equal
/// scores the last one.
fn best_scored(scored: impl Iterator<Item = (Option<usize>, usize)>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (score, i) in scored {
        if let Some(s) = score
            && s > 0
            && best.is_none_or(|(b, _)| s >= b)
        {
            best = Some((s, i));
        }
    }
    best.map(|(_, i)| i)
}

/// The profile (its index) of the normalised log source among `candidates` that matches the
/// normalised keys `have` on the most keys ([`LogSource::match_normalized`]).
fn best_normalized(have: &[Option<String>; 3], candidates: &[NormLogSource]) -> Option<usize> {
    best_scored(candidates.iter().map(|l| (l.score(have), l.profile)))
}

/// What a rule's `logsource` keys alone say about its log source.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ByKeys {
    /// They name a profile (its index), exactly or by another spelling.
    Named(usize, How),
    /// They name a known product with another service: the fields decide among its profiles.
    Product(Vec<usize>),
    /// A known non-API product or category (`windows`, `process_creation`).
    NotApi,
    /// Nothing known: the fields decide among all profiles, on stronger evidence.
    Unscoped,
}

/// [`ByKeys`] verdicts remembered per distinct `logsource` keys (a repository has thousands of
/// rules and a few hundred distinct log sources), for one vocabulary; bounded, so a hostile
/// repository of distinct log sources only stops being remembered. A lookup borrows the
/// rule's keys ([`Keys`]) and copies nothing.
#[derive(Debug, Default)]
struct KeysMemo(std::sync::Mutex<hashbrown::HashMap<OwnedKeys, ByKeys>>);

/// The `logsource` keys a verdict depends on (category, product, service), as the memo keeps
/// them.
#[derive(Debug, PartialEq, Eq, Hash)]
struct OwnedKeys([Option<String>; 3]);

/// The same keys borrowed from a rule. Hashes as [`OwnedKeys`] does (a `String` hashes as its
/// `str`), so it looks them up.
#[derive(Debug, Clone, Copy, Hash)]
struct Keys<'k>([Option<&'k str>; 3]);

impl hashbrown::Equivalent<OwnedKeys> for Keys<'_> {
    fn equivalent(&self, owned: &OwnedKeys) -> bool {
        owned.0.each_ref().map(Option::as_deref) == self.0
    }
}

impl KeysMemo {
    /// Distinct keys remembered at most.
    const LIMIT: usize = 4096;

    fn get(&self, key: Keys<'_>) -> Option<ByKeys> {
        self.0.lock().ok()?.get(&key).cloned()
    }

    fn put(&self, key: Keys<'_>, verdict: ByKeys) {
        if let Ok(mut map) = self.0.lock()
            && map.len() < Self::LIMIT
            // Another thread may have remembered them since `get`.
            && !map.contains_key(&key)
        {
            map.insert(OwnedKeys(key.0.map(|k| k.map(str::to_owned))), verdict);
        }
    }
}

impl Clone for KeysMemo {
    /// A clone starts empty (it may belong to a vocabulary that is then changed).
    fn clone(&self) -> Self {
        KeysMemo::default()
    }
}

impl PartialEq for KeysMemo {
    /// Derived data: vocabularies compare by their profiles.
    fn eq(&self, _: &KeysMemo) -> bool {
        true
    }
}

impl Eq for KeysMemo {}

/// The set of profiles: built-in ones plus those the configuration adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    profiles: Vec<Profile>,
    /// Derived from `profiles`; rebuilt whenever they change.
    norms: NormIndex,
    /// Derived from `profiles`; emptied whenever they change.
    memo: KeysMemo,
}

impl Vocabulary {
    /// The built-in vocabulary (`data/vocabulary/`).
    pub fn builtin() -> Vocabulary {
        Vocabulary::builtin_ref().clone()
    }

    /// Reads the built-in vocabulary and the log-source schemes now (they are otherwise read
    /// by their first use), so that another thread can do it while the caller does other work.
    pub fn warm_up() {
        let _ = Vocabulary::builtin_ref();
        let _ = schemes();
    }

    fn builtin_ref() -> &'static Vocabulary {
        static V: OnceLock<Vocabulary> = OnceLock::new();
        V.get_or_init(|| {
            let profiles = BUILTIN_PROFILES
                .iter()
                .map(|(file, text)| {
                    serde_yaml::from_str::<Profile>(text).unwrap_or_else(|e| {
                        panic!("embedded vocabulary file data/vocabulary/{file} is invalid: {e}")
                    })
                })
                .collect::<Vec<Profile>>();
            Vocabulary {
                norms: NormIndex::new(&profiles),
                profiles,
                memo: KeysMemo::default(),
            }
        })
    }

    /// An empty vocabulary (no log source is treated as API audit).
    pub fn empty() -> Vocabulary {
        Vocabulary::default()
    }

    /// Adds profiles; one with the name of an existing profile replaces it in place.
    pub fn extend(&mut self, profiles: Vec<Profile>) {
        for p in profiles {
            match self.profiles.iter_mut().find(|x| x.name == p.name) {
                Some(slot) => *slot = p,
                None => self.profiles.push(p),
            }
        }
        self.norms = NormIndex::new(&self.profiles);
        self.memo = KeysMemo::default();
    }

    /// Every profile.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile by name.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile whose canonical log sources fit `ls` best (most keys; the later one on a
    /// tie), ignoring aliases and fields.
    pub fn for_logsource(&self, ls: &LogSource) -> Option<&Profile> {
        self.recognize(ls, &[])
            .filter(|r| r.how != How::Inferred)
            .map(|r| r.profile)
    }

    /// Recognises the log source of a rule from its `logsource` keys and the fields its
    /// detection uses:
    /// 1. **exact**: a canonical log source of a profile (case-insensitive);
    /// 2. **alias**: the same with `_`, `-`, `.` and spaces ignored (`activity_logs`), a
    ///    profile's alias (`okta` / `system`), or a product alias (`o365` for `m365`);
    /// 3. **inferred**: a known product with another service (`aws` / `iam`: the fields decide
    ///    among that product's profiles), or a log source whose product is unknown, missing or
    ///    misspelled (and not a known non-API product or category such as `windows` or
    ///    `process_creation`), whose fields belong to one vocabulary: at least one API field
    ///    and at least half of the fields known natively.
    pub fn recognize(&self, ls: &LogSource, fields: &[&str]) -> Option<Recognition<'_>> {
        let key = Keys([
            ls.category.as_deref(),
            ls.product.as_deref(),
            ls.service.as_deref(),
        ]);
        let by_keys = self.memo.get(key).unwrap_or_else(|| {
            let verdict = self.by_keys(ls);
            self.memo.put(key, verdict.clone());
            verdict
        });
        let product_profiles: Vec<&Profile> = match by_keys {
            ByKeys::Named(i, how) => {
                return self
                    .profiles
                    .get(i)
                    .map(|profile| Recognition { profile, how });
            }
            ByKeys::NotApi => return None,
            ByKeys::Unscoped => return self.recognize_fields(fields),
            ByKeys::Product(indices) => indices
                .iter()
                .filter_map(|&i| self.profiles.get(i))
                .collect(),
        };
        self.infer(&product_profiles, fields, false)
            .map(|p| Recognition {
                profile: p,
                how: How::Inferred,
            })
    }

    /// What the `logsource` keys alone say (the part of [`Vocabulary::recognize`] that does
    /// not depend on the fields, remembered per distinct keys).
    fn by_keys(&self, ls: &LogSource) -> ByKeys {
        let canonical = || {
            self.profiles
                .iter()
                .enumerate()
                .flat_map(|(i, p)| p.logsources.iter().map(move |l| (i, l)))
        };
        if let Some(i) = best_scored(canonical().map(|(i, l)| (l.match_score(ls), i))) {
            return ByKeys::Named(i, How::Exact);
        }
        // From here on keys are compared without case and separators: the rule's keys are
        // normalised once (its product replaced by the canonical product it is an alias of),
        // the profiles' keys were normalised with the vocabulary.
        let product = ls
            .product
            .as_deref()
            .map(|p| match schemes().canonical_product(p) {
                Some(canon) => norm_key(canon),
                None => norm_key(p),
            });
        let have = [
            ls.category.as_deref().map(norm_key),
            product,
            ls.service.as_deref().map(norm_key),
        ];
        if let Some(i) = best_normalized(&have, &self.norms.canonical)
            .or_else(|| best_normalized(&have, &self.norms.aliases))
        {
            return ByKeys::Named(i, How::Alias);
        }
        // A known product with another service (or none): the fields decide among that
        // product's profiles (`product: aws, service: iam` is CloudTrail).
        if let Some(product) = have[1].as_deref() {
            let mut of_product = vec![false; self.profiles.len()];
            for l in self.norms.canonical.iter().chain(&self.norms.aliases) {
                if l.product() == Some(product) {
                    of_product[l.profile] = true;
                }
            }
            let indices: Vec<usize> = of_product
                .iter()
                .enumerate()
                .filter_map(|(i, &hit)| hit.then_some(i))
                .collect();
            if !indices.is_empty() {
                return ByKeys::Product(indices);
            }
        }
        let (not_api_products, not_api_categories) = &schemes().norm_not_api;
        let excluded = have[1]
            .as_ref()
            .is_some_and(|p| not_api_products.contains(p))
            || have[0]
                .as_ref()
                .is_some_and(|c| not_api_categories.contains(c));
        if excluded {
            ByKeys::NotApi
        } else {
            ByKeys::Unscoped
        }
    }

    /// The profile among `candidates` the fields belong to: at least one API field and at
    /// least half of the fields known natively; the most fields known wins, and a tie is no
    /// answer. Fields spelled exactly as a vocabulary writes them, and fields that are an
    /// entry themselves (not a sub-field of one), count a little more.
    ///
    /// With no product to go by (`unscoped`), the evidence must be stronger: two fields known,
    /// or one spelled exactly as the vocabulary writes it (`operation` alone is no log source).
    fn infer<'a>(
        &'a self,
        candidates: &[&'a Profile],
        fields: &[&str],
        unscoped: bool,
    ) -> Option<&'a Profile> {
        if fields.is_empty() {
            return None;
        }
        let mut scored: Vec<(usize, &Profile)> = Vec::new();
        for p in candidates {
            let (mut known, mut exact, mut whole) = (0, 0, 0);
            let mut api = false;
            for f in fields {
                if let Some((c, spelled, entire)) = p.knows_natively(f) {
                    known += 1;
                    exact += usize::from(spelled);
                    whole += usize::from(entire);
                    api |= c == FieldClass::Api;
                }
            }
            let enough = !unscoped || known >= 2 || exact >= 1;
            if api && enough && known * 2 >= fields.len() {
                scored.push((known * 3 + exact + whole, p));
            }
        }
        // Most fields known first; on equal counts an audit log before a verdict log (a
        // vendor's alert feed often copies the audit log's field names).
        scored.sort_by_key(|(n, p)| std::cmp::Reverse((*n, p.is_api_audit())));
        match scored.as_slice() {
            [] => None,
            [(_, p)] => Some(p),
            [(a, p), (b, q), ..] => (a > b || p.is_api_audit() != q.is_api_audit()).then_some(*p),
        }
    }

    /// Which log source a set of field names (of an event or a rule) belongs to, with no
    /// `logsource` to go by: the API-audit or verdict profile that knows the most of them
    /// natively, with at least one API field and half of the fields known.
    pub fn recognize_fields(&self, fields: &[&str]) -> Option<Recognition<'_>> {
        let all: Vec<&Profile> = self.profiles.iter().collect();
        self.infer(&all, fields, true).map(|p| Recognition {
            profile: p,
            how: How::Inferred,
        })
    }
}

#[cfg(test)]
mod tests;
