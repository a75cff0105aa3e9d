//! Field profiles of API-audit log sources: which fields name the API call, which carry its
//! outcome, and which carry context (caller identity, source, client, target, session, time).
//!
//! Profiles are data: the built-in ones live in `data/profiles/*.yml` (embedded at build time)
//! and the configuration can add or replace them with [`ProfileSet::extend`].
//!
//! ## Field matching
//! - Case-insensitive, after stripping one of the profile's `prefixes` (for example
//!   `data.protoPayload.` in GCP audit logs).
//! - An entry matches the field itself and every sub-field: `userIdentity` matches
//!   `userIdentity.arn`. The longest matching entry wins, so `userIdentity.sessionContext`
//!   (session) beats `userIdentity` (identity).
//! - A field that no entry matches is **context of unknown class** ([`FieldClass::Unknown`]).
//!   This is the conservative choice for the headline check: a rule constraining a field the
//!   profile does not know is assumed to add context, so API001 never fires because a profile is
//!   incomplete. Only fields the profile positively lists as API or outcome fields count as
//!   "presence only".

use std::fmt;

use serde::{Deserialize, Serialize};

use super::document::LogSource;

/// A context class (fixed vocabulary shared with the scaffolder's `sigsmith.context` block).
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
    /// Outcome of the call (only in the draft's context block; in profiles outcome fields are
    /// their own list).
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

/// What a field is, according to a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldClass {
    /// Names the API call (`eventName`).
    Api,
    /// The call's outcome (`errorCode`).
    Outcome,
    /// Context of a known class.
    Context(ContextClass),
    /// Not in the profile: treated as context of unknown class.
    Unknown,
}

impl FieldClass {
    /// Whether the field carries caller context: a known context class other than `time`, or
    /// an unknown field (see the module docs). Timestamps alone say nothing about the caller.
    pub fn is_context(self) -> bool {
        match self {
            FieldClass::Context(c) => c != ContextClass::Time,
            FieldClass::Unknown => true,
            FieldClass::Api | FieldClass::Outcome => false,
        }
    }
}

/// Which log sources a profile applies to: every key given must equal the rule's
/// (case-insensitive); keys left out match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogSourceMatch {
    /// `logsource.product`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// `logsource.service`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `logsource.category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl LogSourceMatch {
    /// How many keys matched, or `None` when a key differs (or the match names no key).
    pub fn score(&self, ls: &LogSource) -> Option<usize> {
        let mut n = 0;
        for (want, have) in [
            (&self.product, &ls.product),
            (&self.service, &ls.service),
            (&self.category, &ls.category),
        ] {
            if let Some(w) = want {
                if !have.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(w)) {
                    return None;
                }
                n += 1;
            }
        }
        (n > 0).then_some(n)
    }
}

/// Context fields by class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextFields {
    /// Caller identity fields.
    #[serde(default)]
    pub identity: Vec<String>,
    /// Source address/host fields.
    #[serde(default)]
    pub source: Vec<String>,
    /// Client (user agent, application) fields.
    #[serde(default)]
    pub client: Vec<String>,
    /// Target resource / request parameter fields.
    #[serde(default)]
    pub target: Vec<String>,
    /// Session / authentication fields.
    #[serde(default)]
    pub session: Vec<String>,
    /// Time fields.
    #[serde(default)]
    pub time: Vec<String>,
}

impl ContextFields {
    /// The fields of one class (`Outcome` has none here).
    pub fn of(&self, class: ContextClass) -> &[String] {
        match class {
            ContextClass::Identity => &self.identity,
            ContextClass::Source => &self.source,
            ContextClass::Client => &self.client,
            ContextClass::Target => &self.target,
            ContextClass::Session => &self.session,
            ContextClass::Time => &self.time,
            ContextClass::Outcome => &[],
        }
    }
}

/// The field profile of one API-audit log source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Unique name (`aws-cloudtrail`); a profile with the same name replaces the built-in one.
    pub name: String,
    /// Human-readable title.
    #[serde(default)]
    pub title: Option<String>,
    /// The log sources it applies to.
    pub logsources: Vec<LogSourceMatch>,
    /// Prefixes stripped from a field name before matching (`data.protoPayload.`).
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Fields that name the API call.
    #[serde(default)]
    pub api: Vec<String>,
    /// Fields that carry the call's outcome.
    #[serde(default)]
    pub outcome: Vec<String>,
    /// Context fields by class.
    #[serde(default)]
    pub context: ContextFields,
    /// Context classes a rule's `fields` must cover (API002). Default: `identity` and `source`,
    /// each only when the profile lists fields for it.
    #[serde(default)]
    pub required: Option<Vec<ContextClass>>,
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// Length of `entry` when it matches `field` or a parent path of it, case-insensitively.
fn entry_match(entry: &str, field: &str) -> Option<usize> {
    let rest = strip_prefix_ci(field, entry)?;
    (rest.is_empty() || rest.starts_with('.')).then_some(entry.len())
}

impl Profile {
    /// Classifies a field name.
    pub fn classify(&self, field: &str) -> FieldClass {
        let mut names = vec![field];
        for p in &self.prefixes {
            if let Some(rest) = strip_prefix_ci(field, p)
                && !rest.is_empty()
            {
                names.push(rest);
            }
        }
        let mut best: Option<(usize, FieldClass)> = None;
        let mut consider = |list: &[String], class: FieldClass| {
            for entry in list {
                for name in &names {
                    if let Some(len) = entry_match(entry, name)
                        && best.is_none_or(|(l, _)| len > l)
                    {
                        best = Some((len, class));
                    }
                }
            }
        };
        consider(&self.api, FieldClass::Api);
        consider(&self.outcome, FieldClass::Outcome);
        for class in ContextClass::ALL {
            consider(self.context.of(class), FieldClass::Context(class));
        }
        best.map_or(FieldClass::Unknown, |(_, c)| c)
    }

    /// The context classes API002 requires.
    pub fn required_classes(&self) -> Vec<ContextClass> {
        match &self.required {
            Some(r) => r.clone(),
            None => [ContextClass::Identity, ContextClass::Source]
                .into_iter()
                .filter(|c| !self.context.of(*c).is_empty())
                .collect(),
        }
    }

    /// The best logsource-match score of this profile for `ls`.
    pub fn score(&self, ls: &LogSource) -> Option<usize> {
        self.logsources.iter().filter_map(|m| m.score(ls)).max()
    }
}

/// The built-in profile files, embedded.
const BUILTIN: &[(&str, &str)] = &[
    (
        "aws-cloudtrail.yml",
        include_str!("../../data/profiles/aws-cloudtrail.yml"),
    ),
    (
        "azure-activitylogs.yml",
        include_str!("../../data/profiles/azure-activitylogs.yml"),
    ),
    (
        "azure-auditlogs.yml",
        include_str!("../../data/profiles/azure-auditlogs.yml"),
    ),
    (
        "azure-signinlogs.yml",
        include_str!("../../data/profiles/azure-signinlogs.yml"),
    ),
    (
        "gcp-audit.yml",
        include_str!("../../data/profiles/gcp-audit.yml"),
    ),
    (
        "google-workspace.yml",
        include_str!("../../data/profiles/google-workspace.yml"),
    ),
    (
        "m365-audit.yml",
        include_str!("../../data/profiles/m365-audit.yml"),
    ),
    ("okta.yml", include_str!("../../data/profiles/okta.yml")),
    (
        "github-audit.yml",
        include_str!("../../data/profiles/github-audit.yml"),
    ),
    (
        "onelogin.yml",
        include_str!("../../data/profiles/onelogin.yml"),
    ),
    (
        "bitbucket-audit.yml",
        include_str!("../../data/profiles/bitbucket-audit.yml"),
    ),
    (
        "kubernetes-audit.yml",
        include_str!("../../data/profiles/kubernetes-audit.yml"),
    ),
    (
        "ics-control-api.yml",
        include_str!("../../data/profiles/ics-control-api.yml"),
    ),
    (
        "ics-ot-protocol.yml",
        include_str!("../../data/profiles/ics-ot-protocol.yml"),
    ),
    (
        "android-app-api.yml",
        include_str!("../../data/profiles/android-app-api.yml"),
    ),
    (
        "ios-app-api.yml",
        include_str!("../../data/profiles/ios-app-api.yml"),
    ),
];

/// A set of profiles; later profiles win ties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: Vec<Profile>,
}

impl ProfileSet {
    /// The built-in profiles from `data/profiles/`.
    pub fn builtin() -> ProfileSet {
        let profiles = BUILTIN
            .iter()
            .map(|(file, text)| {
                serde_yaml::from_str::<Profile>(text)
                    .unwrap_or_else(|e| panic!("embedded profile {file} is invalid: {e}"))
            })
            .collect();
        ProfileSet { profiles }
    }

    /// An empty set (no log source is treated as API audit).
    pub fn empty() -> ProfileSet {
        ProfileSet::default()
    }

    /// Adds profiles; one with the name of an existing profile replaces it in place.
    pub fn extend(&mut self, profiles: Vec<Profile>) {
        for p in profiles {
            match self.profiles.iter_mut().find(|x| x.name == p.name) {
                Some(slot) => *slot = p,
                None => self.profiles.push(p),
            }
        }
    }

    /// Every profile.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile by name.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The most specific profile whose log-source match fits `ls` (the later one on a tie).
    pub fn for_logsource(&self, ls: &LogSource) -> Option<&Profile> {
        let mut best: Option<(usize, &Profile)> = None;
        for p in &self.profiles {
            if let Some(s) = p.score(ls)
                && best.is_none_or(|(b, _)| s >= b)
            {
                best = Some((s, p));
            }
        }
        best.map(|(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: &str, service: &str) -> LogSource {
        LogSource {
            product: Some(product.into()),
            service: Some(service.into()),
            category: None,
        }
    }

    #[test]
    fn builtin_profiles_load_and_are_consistent() {
        let set = ProfileSet::builtin();
        assert!(set.profiles().len() >= 14);
        let mut names: Vec<_> = set.profiles().iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate profile names");
        for p in set.profiles() {
            assert!(!p.api.is_empty(), "{} has no API fields", p.name);
            // No field may be listed twice (case-insensitively) across the lists.
            let mut all: Vec<String> = p
                .api
                .iter()
                .chain(&p.outcome)
                .chain(ContextClass::ALL.iter().flat_map(|c| p.context.of(*c)))
                .map(|f| f.to_ascii_lowercase())
                .collect();
            all.sort();
            let n = all.len();
            all.dedup();
            assert_eq!(n, all.len(), "{} lists a field twice", p.name);
        }
    }

    #[test]
    fn cloudtrail_classification() {
        let set = ProfileSet::builtin();
        let p = set
            .for_logsource(&ls("aws", "cloudtrail"))
            .expect("cloudtrail");
        assert_eq!(p.classify("eventName"), FieldClass::Api);
        assert_eq!(p.classify("EVENTSOURCE"), FieldClass::Api);
        assert_eq!(p.classify("errorCode"), FieldClass::Outcome);
        assert_eq!(
            p.classify("userIdentity.arn"),
            FieldClass::Context(ContextClass::Identity)
        );
        assert_eq!(
            p.classify("userIdentity.sessionContext.sessionIssuer.arn"),
            FieldClass::Context(ContextClass::Session)
        );
        assert_eq!(
            p.classify("requestParameters.attribute"),
            FieldClass::Context(ContextClass::Target)
        );
        assert_eq!(p.classify("eventNameX"), FieldClass::Unknown);
        assert_eq!(p.classify("somethingElse"), FieldClass::Unknown);
        assert!(p.classify("somethingElse").is_context());
    }

    #[test]
    fn prefixes_are_stripped() {
        let set = ProfileSet::builtin();
        let p = set.for_logsource(&ls("gcp", "gcp.audit")).expect("gcp");
        assert_eq!(p.classify("data.protoPayload.methodName"), FieldClass::Api);
        assert_eq!(p.classify("protoPayload.serviceName"), FieldClass::Api);
        assert_eq!(p.classify("gcp.audit.method_name"), FieldClass::Api);
        assert_eq!(
            p.classify("protoPayload.authenticationInfo.principalEmail"),
            FieldClass::Context(ContextClass::Identity)
        );
    }

    #[test]
    fn logsource_matching_and_override() {
        let mut set = ProfileSet::builtin();
        assert!(set.for_logsource(&ls("windows", "security")).is_none());
        let k8s = LogSource {
            product: Some("kubernetes".into()),
            service: Some("audit".into()),
            category: Some("application".into()),
        };
        assert_eq!(
            set.for_logsource(&k8s).map(|p| p.name.as_str()),
            Some("kubernetes-audit")
        );
        let custom: Profile = serde_yaml::from_str(
            "name: aws-cloudtrail\nlogsources: [{product: aws, service: cloudtrail}]\napi: [eventName]\n",
        )
        .expect("profile");
        set.extend(vec![custom]);
        let p = set.for_logsource(&ls("AWS", "CloudTrail")).expect("aws");
        assert_eq!(p.classify("eventSource"), FieldClass::Unknown);
        assert!(serde_yaml::from_str::<Profile>("name: x\nlogsources: []\nbogus: 1\n").is_err());
    }

    #[test]
    fn required_classes_default_to_present_identity_and_source() {
        let set = ProfileSet::builtin();
        let p = set.get("github-audit").expect("github");
        assert_eq!(
            p.required_classes(),
            vec![ContextClass::Identity, ContextClass::Source]
        );
    }
}
