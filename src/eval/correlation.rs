//! Sigma correlation rules: `event_count`, `value_count`, `temporal`, `temporal_ordered`,
//! `value_sum`, `value_avg` and `value_percentile`, over event time, per `group-by` group
//! (with `aliases`), in a sliding `timespan` window.
//!
//! The detection pass records a [`Hit`] for every event that matches a rule a correlation
//! references (its time, group values and the aggregated field's value); [`run`] sorts the hits
//! of each correlation by event time and slides the window per group. A group fires when its
//! window meets the condition; its window is then cleared, so one burst reports once. State is
//! the hits inside each group's window: memory follows the correlated matches, not the input.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::eval::rules::{EvalRule, refers_to};
use crate::lint::document::SigmaDocument;
use crate::yaml::Node;

/// The correlation types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrType {
    /// Number of events.
    EventCount,
    /// Number of distinct values of a field.
    ValueCount,
    /// Number of distinct rules that matched, any order.
    Temporal,
    /// All rules matched, in the order listed.
    TemporalOrdered,
    /// Sum of a numeric field.
    ValueSum,
    /// Average of a numeric field.
    ValueAvg,
    /// A percentile of a numeric field.
    ValuePercentile,
}

impl CorrType {
    fn parse(s: &str) -> Option<CorrType> {
        Some(match s {
            "event_count" => CorrType::EventCount,
            "value_count" => CorrType::ValueCount,
            "temporal" => CorrType::Temporal,
            "temporal_ordered" => CorrType::TemporalOrdered,
            "value_sum" => CorrType::ValueSum,
            "value_avg" => CorrType::ValueAvg,
            "value_percentile" => CorrType::ValuePercentile,
            _ => return None,
        })
    }

    fn needs_field(self) -> bool {
        matches!(
            self,
            CorrType::ValueCount
                | CorrType::ValueSum
                | CorrType::ValueAvg
                | CorrType::ValuePercentile
        )
    }
}

/// A comparison in a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// `gt`.
    Gt(f64),
    /// `gte`.
    Gte(f64),
    /// `lt`.
    Lt(f64),
    /// `lte`.
    Lte(f64),
    /// `eq`.
    Eq(f64),
}

impl Bound {
    fn test(self, x: f64) -> bool {
        match self {
            Bound::Gt(n) => x > n,
            Bound::Gte(n) => x >= n,
            Bound::Lt(n) => x < n,
            Bound::Lte(n) => x <= n,
            Bound::Eq(n) => x == n,
        }
    }
}

/// A compiled correlation rule.
#[derive(Debug, Clone)]
pub struct Correlation {
    /// `id`.
    pub id: String,
    /// `title`.
    pub title: String,
    /// The correlation file.
    pub path: PathBuf,
    /// 1-based line of the document.
    pub line: u32,
    /// The type.
    pub kind: CorrType,
    /// Indices (in the rule set) of the referenced rules, in the order listed.
    pub rule_indices: Vec<usize>,
    /// `group-by` fields (or alias names).
    pub group_by: Vec<String>,
    /// `aliases`: alias → (rule index → field).
    pub aliases: HashMap<String, HashMap<usize, String>>,
    /// `timespan` in milliseconds.
    pub timespan_ms: i64,
    /// The condition bounds (all must hold).
    pub bounds: Vec<Bound>,
    /// `condition.field`.
    pub field: Option<String>,
    /// `condition.percentile` (value_percentile; default 50).
    pub percentile: f64,
    /// `generate`: whether the referenced rules also report alone.
    pub generate: bool,
}

/// Parses a Sigma timespan (`30s`, `5m`, `1h`, `2d`, also `1w`, `1M`, `1y`) into milliseconds.
pub fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    let ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        'M' => 30 * 86_400_000,
        'y' => 365 * 86_400_000,
        _ => return None,
    };
    (n > 0).then(|| n.saturating_mul(ms))
}

fn number(n: &Node) -> Option<f64> {
    match &n.value {
        crate::yaml::Value::Int(i) => Some(*i as f64),
        crate::yaml::Value::Float(f) => Some(*f),
        crate::yaml::Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Correlation {
    /// Compiles a correlation document against the loaded rules.
    pub fn compile(
        doc: &SigmaDocument,
        path: &Path,
        rules: &[EvalRule],
        _all: &[(PathBuf, SigmaDocument)],
    ) -> Result<Correlation, String> {
        let Some(c) = doc.root.get("correlation") else {
            return Err("correlation rule has no `correlation` block".to_owned());
        };
        let ty = c.get("type").and_then(Node::as_str).unwrap_or_default();
        let kind = CorrType::parse(ty).ok_or_else(|| format!("unknown correlation type `{ty}`"))?;
        let refs = c.get("rules").map(Node::string_list).unwrap_or_default();
        if refs.is_empty() {
            return Err("correlation names no rules".to_owned());
        }
        let mut rule_indices = Vec::new();
        for r in &refs {
            let found: Vec<usize> = rules
                .iter()
                .enumerate()
                .filter(|(_, x)| refers_to(r, &x.id, x.name.as_deref()))
                .map(|(i, _)| i)
                .collect();
            match found.first() {
                Some(&i) => rule_indices.push(i),
                None => {
                    return Err(format!(
                        "correlation names `{r}`, which is not a loaded detection rule (chained correlations are not evaluated)"
                    ));
                }
            }
        }
        let group_by = c.get("group-by").map(Node::string_list).unwrap_or_default();
        let mut aliases = HashMap::new();
        if let Some(map) = c.get("aliases").and_then(Node::as_map) {
            for (alias, per_rule) in map {
                let Some(alias) = alias.scalar_text() else {
                    continue;
                };
                let mut m = HashMap::new();
                for (rname, field) in per_rule.as_map().unwrap_or_default() {
                    let (Some(rname), Some(field)) = (rname.scalar_text(), field.scalar_text())
                    else {
                        continue;
                    };
                    for (pos, &ri) in rule_indices.iter().enumerate() {
                        let r = &rules[ri];
                        if refers_to(&rname, &r.id, r.name.as_deref()) || refs[pos] == rname {
                            m.insert(ri, field.to_string());
                        }
                    }
                }
                aliases.insert(alias.into_owned(), m);
            }
        }
        let span = c
            .get("timespan")
            .or_else(|| c.get("timeframe"))
            .and_then(Node::scalar_text)
            .ok_or("correlation has no `timespan`")?;
        let timespan_ms =
            parse_timespan(&span).ok_or_else(|| format!("invalid timespan `{span}`"))?;
        let mut bounds = Vec::new();
        let mut field = None;
        let mut percentile = 50.0;
        if let Some(cond) = c.get("condition") {
            let Some(map) = cond.as_map() else {
                return Err("correlation `condition` must be a mapping".to_owned());
            };
            for (k, v) in map {
                let key = k.as_str().unwrap_or_default();
                let num = || number(v).ok_or_else(|| format!("condition `{key}` needs a number"));
                match key {
                    "gt" => bounds.push(Bound::Gt(num()?)),
                    "gte" => bounds.push(Bound::Gte(num()?)),
                    "lt" => bounds.push(Bound::Lt(num()?)),
                    "lte" => bounds.push(Bound::Lte(num()?)),
                    "eq" => bounds.push(Bound::Eq(num()?)),
                    "field" => field = v.scalar_text().map(|t| t.into_owned()),
                    "percentile" => percentile = num()?,
                    other => return Err(format!("unknown correlation condition key `{other}`")),
                }
            }
        }
        if kind.needs_field() && field.is_none() {
            return Err(format!("`{ty}` needs `condition.field`"));
        }
        if bounds.is_empty() {
            match kind {
                // Temporal correlations default to every listed rule.
                CorrType::Temporal | CorrType::TemporalOrdered => {
                    bounds.push(Bound::Gte(rule_indices.len() as f64));
                }
                _ => {
                    return Err(
                        "correlation condition has no bound (gt, gte, lt, lte, eq)".to_owned()
                    );
                }
            }
        }
        let generate = c
            .get("generate")
            .or_else(|| doc.root.get("generate"))
            .is_some_and(|g| matches!(g.value, crate::yaml::Value::Bool(true)));
        Ok(Correlation {
            id: doc
                .text_attr("id")
                .map(|s| s.into_owned())
                .unwrap_or_default(),
            title: doc.title().unwrap_or_default().to_owned(),
            path: path.to_path_buf(),
            line: doc.start.line,
            kind,
            rule_indices,
            group_by,
            aliases,
            timespan_ms,
            bounds,
            field,
            percentile,
            generate,
        })
    }

    /// The event field that holds group-by key `key` for events of rule `rule`.
    pub fn group_field<'a>(&'a self, key: &'a str, rule: usize) -> &'a str {
        self.aliases
            .get(key)
            .and_then(|m| m.get(&rule))
            .map_or(key, String::as_str)
    }
}

/// One event matched by a rule a correlation references.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Event time, Unix milliseconds.
    pub time: i64,
    /// Position of the rule in the correlation's `rules`.
    pub rule_pos: usize,
    /// Group-by values (missing fields as empty strings).
    pub group: Vec<String>,
    /// Value of `condition.field`, as text.
    pub value: Option<String>,
    /// Index of the events file in the run.
    pub file: usize,
    /// Index of the event in its file.
    pub index: u64,
}

/// A correlation that fired.
#[derive(Debug, Clone)]
pub struct CorrMatch {
    /// Group-by key → value.
    pub group: Vec<(String, String)>,
    /// The aggregated value (count, distinct count, sum, average, percentile).
    pub value: f64,
    /// Events in the window when it fired.
    pub count: usize,
    /// First and last event time in the window (Unix milliseconds).
    pub first: i64,
    /// Last event time.
    pub last: i64,
    /// Events file and index of the event that completed the window.
    pub file: usize,
    /// Index of the event that completed the window.
    pub index: u64,
}

fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p.clamp(0.0, 100.0) / 100.0) * (values.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let frac = rank - lo as f64;
    Some(values[lo] + (values[hi.min(values.len() - 1)] - values[lo]) * frac)
}

fn ordered(window: &VecDeque<Hit>, n: usize) -> bool {
    // Greedy: take the earliest hit of rule 0, then the next hit of rule 1 at or after it...
    let mut want = 0;
    for h in window {
        if h.rule_pos == want {
            want += 1;
            if want == n {
                return true;
            }
        }
    }
    false
}

/// Slides the window over `hits` (any order; sorted here) and returns the firings.
pub fn run(c: &Correlation, mut hits: Vec<Hit>) -> Vec<CorrMatch> {
    hits.sort_by_key(|h| (h.time, h.file, h.index));
    let mut groups: HashMap<Vec<String>, VecDeque<Hit>> = HashMap::new();
    let mut out = Vec::new();
    let n_rules = c.rule_indices.len();
    for h in hits {
        let window = groups.entry(h.group.clone()).or_default();
        let cutoff = h.time.saturating_sub(c.timespan_ms);
        while window.front().is_some_and(|f| f.time < cutoff) {
            window.pop_front();
        }
        window.push_back(h);
        let value = match c.kind {
            CorrType::EventCount => Some(window.len() as f64),
            CorrType::ValueCount => Some(
                window
                    .iter()
                    .filter_map(|h| h.value.as_deref())
                    .collect::<HashSet<_>>()
                    .len() as f64,
            ),
            CorrType::Temporal => Some(
                window
                    .iter()
                    .map(|h| h.rule_pos)
                    .collect::<HashSet<_>>()
                    .len() as f64,
            ),
            CorrType::TemporalOrdered => Some(if ordered(window, n_rules) {
                n_rules as f64
            } else {
                0.0
            }),
            CorrType::ValueSum | CorrType::ValueAvg | CorrType::ValuePercentile => {
                let mut nums: Vec<f64> = window
                    .iter()
                    .filter_map(|h| h.value.as_deref())
                    .filter_map(|v| v.trim().parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .collect();
                match c.kind {
                    CorrType::ValueSum => Some(nums.iter().sum()),
                    CorrType::ValueAvg if nums.is_empty() => None,
                    CorrType::ValueAvg => Some(nums.iter().sum::<f64>() / nums.len() as f64),
                    _ => percentile(&mut nums, c.percentile),
                }
            }
        };
        if let Some(v) = value
            && c.bounds.iter().all(|b| b.test(v))
            && let (Some(first), Some(last)) = (window.front(), window.back())
        {
            out.push(CorrMatch {
                group: c
                    .group_by
                    .iter()
                    .cloned()
                    .zip(last.group.iter().cloned())
                    .collect(),
                value: v,
                count: window.len(),
                first: first.time,
                last: last.time,
                file: last.file,
                index: last.index,
            });
            window.clear();
        }
    }
    out.sort_by_key(|m| (m.last, m.file, m.index));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(time: i64, rule_pos: usize, group: &str, value: Option<&str>) -> Hit {
        Hit {
            time,
            rule_pos,
            group: vec![group.to_owned()],
            value: value.map(str::to_owned),
            file: 0,
            index: time as u64,
        }
    }

    fn corr(kind: CorrType, bounds: Vec<Bound>, n_rules: usize) -> Correlation {
        Correlation {
            id: String::new(),
            title: String::new(),
            path: PathBuf::new(),
            line: 1,
            kind,
            rule_indices: (0..n_rules).collect(),
            group_by: vec!["user".into()],
            aliases: HashMap::new(),
            timespan_ms: 10_000,
            bounds,
            field: Some("x".into()),
            percentile: 50.0,
            generate: false,
        }
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("5m"), Some(300_000));
        assert_eq!(parse_timespan("1h"), Some(3_600_000));
        assert_eq!(parse_timespan("2d"), Some(172_800_000));
        assert_eq!(parse_timespan("10"), None);
        assert_eq!(parse_timespan("0s"), None);
        assert_eq!(parse_timespan("m"), None);
    }

    #[test]
    fn event_count_window_slides_per_group() {
        let c = corr(CorrType::EventCount, vec![Bound::Gte(3.0)], 1);
        // alice: 3 within 10 s; bob: 3 but spread over 25 s.
        let hits = vec![
            hit(0, 0, "alice", None),
            hit(4_000, 0, "alice", None),
            hit(9_000, 0, "alice", None),
            hit(0, 0, "bob", None),
            hit(12_000, 0, "bob", None),
            hit(25_000, 0, "bob", None),
        ];
        let m = run(&c, hits);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].group, vec![("user".into(), "alice".into())]);
        assert_eq!(m[0].count, 3);
    }

    #[test]
    fn value_count_and_numeric() {
        let c = corr(CorrType::ValueCount, vec![Bound::Gt(1.0)], 1);
        let same = vec![hit(0, 0, "a", Some("x")), hit(1, 0, "a", Some("x"))];
        assert!(run(&c, same).is_empty());
        let two = vec![hit(0, 0, "a", Some("x")), hit(1, 0, "a", Some("y"))];
        assert_eq!(run(&c, two).len(), 1);
        let c = corr(CorrType::ValueSum, vec![Bound::Gte(10.0)], 1);
        let hits = vec![hit(0, 0, "a", Some("4")), hit(1, 0, "a", Some("6"))];
        assert_eq!(run(&c, hits)[0].value, 10.0);
        let c = corr(CorrType::ValueAvg, vec![Bound::Eq(5.0)], 1);
        let hits = vec![hit(0, 0, "a", Some("4")), hit(1, 0, "a", Some("6"))];
        assert_eq!(run(&c, hits).len(), 1);
        let mut v = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&mut v, 50.0), Some(2.5));
    }

    #[test]
    fn temporal_and_ordered() {
        let c = corr(CorrType::Temporal, vec![Bound::Gte(2.0)], 2);
        let hits = vec![hit(5, 1, "a", None), hit(6, 0, "a", None)];
        assert_eq!(run(&c, hits).len(), 1);
        let c = corr(CorrType::TemporalOrdered, vec![Bound::Gte(2.0)], 2);
        let wrong = vec![hit(5, 1, "a", None), hit(6, 0, "a", None)];
        assert!(run(&c, wrong).is_empty());
        let right = vec![hit(5, 0, "a", None), hit(6, 1, "a", None)];
        assert_eq!(run(&c, right).len(), 1);
        // Out of the window: no firing.
        let far = vec![hit(0, 0, "a", None), hit(20_000, 1, "a", None)];
        assert!(run(&c, far).is_empty());
    }
}
