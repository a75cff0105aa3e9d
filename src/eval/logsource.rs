//! Log source routing: which rules run on an event, recognised from the event's shape.
//!
//! Recognition uses the field vocabulary of the built-in log source profiles: an event is of a
//! profile's log source when it carries the profile's first API field and its time field (or,
//! when no profile's pair is present, its first API field alone); several log sources may share
//! a shape, and a rule of any of them runs. A rule is then skipped only on events recognised
//! as other log sources: an event nothing recognises gets every rule, and a
//! rule whose log source no profile describes runs on every event. Everything goes
//! through [`Router`], so the vocabulary behind it can change without touching the engine.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::eval::events::lookup_first;
use crate::eval::rules::EvalRule;
use crate::vocab::{Profile, Vocabulary};

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

/// What [`Router::recognise`] found in an event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recognised {
    /// The best-fitting profile.
    pub best: Option<usize>,
    /// Every profile the event may belong to (bit per profile).
    pub mask: u64,
}

/// Routes events to the rules of their log source.
#[derive(Debug)]
pub struct Router {
    profiles: Vec<Profile>,
    signatures: Vec<Signature>,
    /// Rules per profile (index into `profiles`), in rule order.
    per_profile: Vec<Arc<[usize]>>,
    all: Arc<[usize]>,
    unions: RwLock<HashMap<u64, Arc<[usize]>>>,
    all_rules: bool,
}

impl Router {
    /// A router over `rules`; `all_rules` sends every rule every event.
    pub fn new(rules: &[EvalRule], all_rules: bool) -> Router {
        let vocabulary = Vocabulary::builtin();
        let profiles = vocabulary.profiles().to_vec();
        let mut per_profile = vec![Vec::new(); profiles.len()];
        for (ri, r) in rules.iter().enumerate() {
            let mut known = false;
            // The rule's log source as the vocabulary recognises it (canonical or alias).
            if let Some(p) = vocabulary.recognize(&r.logsource, &[]).map(|m| m.profile)
                && let Some(pi) = profiles.iter().position(|x| x.name == p.name)
            {
                per_profile[pi].push(ri);
                known = true;
            }
            if !known {
                // A rule of a log source the vocabulary does not describe: it cannot be told
                // apart, so it runs on every event.
                for list in &mut per_profile[..profiles.len()] {
                    list.push(ri);
                }
            }
        }
        Router {
            signatures: profiles.iter().map(Signature::of).collect(),
            profiles,
            per_profile: per_profile.into_iter().map(Into::into).collect(),
            all: (0..rules.len()).collect(),
            unions: RwLock::new(HashMap::new()),
            all_rules,
        }
    }

    /// The log sources an event may belong to: every profile whose first API field the event
    /// carries (several share one shape, such as Azure's activity, audit and sign-in logs), and
    /// the best of them, the one with the most of its documented fields present.
    pub fn recognise(&self, event: &Value) -> Recognised {
        let has = |alts: &[String]| alts.iter().any(|f| lookup_first(event, f).is_some());
        // Profiles whose key and time fields are both present; else those with the key.
        let (mut timed, mut keyed) = (0u64, 0u64);
        for (pi, sig) in self.signatures.iter().enumerate().take(64) {
            if !has(&sig.key) {
                continue;
            }
            keyed |= 1 << pi;
            if sig.time.as_ref().is_some_and(|t| has(t)) {
                timed |= 1 << pi;
            }
        }
        let mask = if timed != 0 { timed } else { keyed };
        // The best fit (whose time field correlations read): among several, the one with the
        // most of its documented fields present.
        let best = if mask.count_ones() <= 1 {
            (mask != 0).then(|| mask.trailing_zeros() as usize)
        } else {
            let mut best: Option<(usize, usize)> = None;
            for pi in (0..self.signatures.len().min(64)).filter(|p| mask & (1 << p) != 0) {
                let score = self.signatures[pi].scored.iter().filter(|a| has(a)).count();
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, pi));
                }
            }
            best.map(|(_, p)| p)
        };
        Recognised { best, mask }
    }

    /// The rules to run on an event (in rule order).
    pub fn rules_for(&self, r: &Recognised) -> Arc<[usize]> {
        if self.all_rules || r.mask == 0 {
            // An event the vocabulary cannot place may be of any log source.
            return self.all.clone();
        }
        if r.mask.count_ones() == 1 {
            let p = r.mask.trailing_zeros() as usize;
            return self.per_profile[p].clone();
        }
        if let Ok(cache) = self.unions.read()
            && let Some(v) = cache.get(&r.mask)
        {
            return v.clone();
        }
        let mut v: Vec<usize> = (0..self.per_profile.len())
            .filter(|p| r.mask & (1 << p) != 0)
            .flat_map(|p| self.per_profile[p].iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        let v: Arc<[usize]> = v.into();
        if let Ok(mut cache) = self.unions.write() {
            cache.insert(r.mask, v.clone());
        }
        v
    }

    /// The event's time: the best log source's time field, else the usual names.
    pub fn time_value<'a>(&self, event: &'a Value, r: &Recognised) -> Option<&'a Value> {
        if let Some(p) = r.best.and_then(|p| self.profiles.get(p)) {
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
