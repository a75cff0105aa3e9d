//! Log source routing: which rules run on an event, recognised from the event's shape.
//!
//! Recognition uses the field vocabulary of the built-in log source profiles: an event is of a
//! profile's log source when it carries the profile's first API field and its time field; among
//! several, the profile with the most of its documented fields present wins. Everything goes
//! through [`Router`], so the vocabulary behind it can change without touching the engine.

use serde_json::Value;

use crate::eval::events::lookup_first;
use crate::eval::rules::EvalRule;
use crate::lint::profile::{Profile, ProfileSet};

/// Time fields tried, in order, when the log source names none.
pub const FALLBACK_TIME_FIELDS: &[&str] = &[
    "eventTime",
    "published",
    "timestamp",
    "@timestamp",
    "time",
    "p_event_time",
    "EventTime",
    "TimeCreated",
    "date",
];

/// The fields that recognise one profile, each with its prefixed spellings.
#[derive(Debug)]
struct Signature {
    key: Vec<String>,
    time: Option<Vec<String>>,
    scored: Vec<Vec<String>>,
}

impl Signature {
    fn of(p: &Profile) -> Signature {
        let alts = |f: &str| -> Vec<String> {
            let mut v: Vec<String> = p.prefixes.iter().map(|pre| format!("{pre}{f}")).collect();
            v.push(f.to_owned());
            v
        };
        let scored = p
            .api
            .iter()
            .chain(&p.outcome)
            .chain(p.context.identity.iter())
            .chain(p.context.source.iter())
            .chain(p.context.client.iter())
            .chain(p.context.target.iter())
            .chain(p.context.session.iter())
            .map(|f| alts(f))
            .collect();
        Signature {
            // A profile without API fields is never recognised from an event.
            key: p.api.first().map(|f| alts(f)).unwrap_or_default(),
            time: p.context.time.first().map(|t| alts(t)),
            scored,
        }
    }
}

/// Routes events to the rules of their log source.
#[derive(Debug)]
pub struct Router {
    profiles: Vec<Profile>,
    signatures: Vec<Signature>,
    /// Rules per profile (index into `profiles`); the last entry: rules of unknown sources.
    per_profile: Vec<Vec<usize>>,
    all: Vec<usize>,
    all_rules: bool,
}

impl Router {
    /// A router over `rules`; `all_rules` sends every rule every event.
    pub fn new(rules: &[EvalRule], all_rules: bool) -> Router {
        let profiles = ProfileSet::builtin().profiles().to_vec();
        let mut per_profile = vec![Vec::new(); profiles.len() + 1];
        for (ri, r) in rules.iter().enumerate() {
            let mut known = false;
            for (pi, p) in profiles.iter().enumerate() {
                if p.score(&r.logsource).is_some() {
                    per_profile[pi].push(ri);
                    known = true;
                }
            }
            if !known {
                // A rule of a log source no profile describes may apply to any event the
                // vocabulary cannot place, and to no recognised one.
                per_profile[profiles.len()].push(ri);
            }
        }
        Router {
            signatures: profiles.iter().map(Signature::of).collect(),
            profiles,
            per_profile,
            all: (0..rules.len()).collect(),
            all_rules,
        }
    }

    /// The profile an event belongs to, if any.
    pub fn recognise(&self, event: &Value) -> Option<usize> {
        let has = |alts: &[String]| alts.iter().any(|f| lookup_first(event, f).is_some());
        let mut best: Option<(usize, usize)> = None;
        for (pi, sig) in self.signatures.iter().enumerate() {
            if !has(&sig.key) || !sig.time.as_ref().is_none_or(|t| has(t)) {
                continue;
            }
            let score = sig.scored.iter().filter(|alts| has(alts)).count();
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, pi));
            }
        }
        best.map(|(_, p)| p)
    }

    /// The rules to run on an event recognised as `profile`.
    pub fn rules_for(&self, profile: Option<usize>) -> &[usize] {
        if self.all_rules {
            return &self.all;
        }
        match profile {
            Some(p) => &self.per_profile[p],
            None => &self.per_profile[self.profiles.len()],
        }
    }

    /// The event's time field for `profile`.
    pub fn time_value<'a>(&self, event: &'a Value, profile: Option<usize>) -> Option<&'a Value> {
        if let Some(p) = profile.and_then(|p| self.profiles.get(p)) {
            for t in &p.context.time {
                if let Some(v) = lookup_first(event, t) {
                    return Some(v);
                }
            }
        }
        FALLBACK_TIME_FIELDS
            .iter()
            .find_map(|t| lookup_first(event, t))
    }
}
