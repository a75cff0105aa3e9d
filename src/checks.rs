//! Looking checks up by code, name or code prefix, with "did you mean" suggestions, over the
//! engine's registry (which also lists the checks the `lint` driver reports itself: unreadable
//! files and unused suppressions).
//!
//! Configuration, suppression comments, `sigsmith rules`/`explain` and the SARIF rule table all
//! look rules up here, so a code or name is accepted everywhere exactly when it is listed.

use crate::lint::registry;
use crate::lint::rule::RuleMeta;

/// Every check, sorted by code.
pub fn all() -> &'static [RuleMeta] {
    registry::all()
}

/// The check whose code (any case) or name is `key`.
pub fn find(key: &str) -> Option<&'static RuleMeta> {
    all().iter().find(|m| m.matches(key))
}

/// Checks selected by `key`: an exact code or name, or a code prefix such as `API` or `SIG00`.
/// Empty when `key` selects nothing.
pub fn select(key: &str) -> Vec<&'static RuleMeta> {
    if let Some(m) = find(key) {
        return vec![m];
    }
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Vec::new();
    }
    let upper = key.to_ascii_uppercase();
    all()
        .iter()
        .filter(|m| m.code.starts_with(&upper))
        .collect()
}

/// Codes and names close to `key` (edit distance at most 2, or sharing its prefix), best
/// first, for "did you mean" hints.
pub fn close_matches(key: &str) -> Vec<&'static RuleMeta> {
    let lower = key.to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static RuleMeta)> = all()
        .iter()
        .filter_map(|m| {
            let d =
                levenshtein(&lower, &m.code.to_ascii_lowercase()).min(levenshtein(&lower, m.name));
            let prefix = lower.len() >= 3
                && (m.name.starts_with(&lower) || m.code.to_ascii_lowercase().starts_with(&lower));
            (d <= 2 || prefix).then_some((d, m))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code.cmp(b.1.code)));
    scored.into_iter().map(|(_, m)| m).take(3).collect()
}

/// Edit distance between two strings (in characters).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let mut codes: Vec<_> = all().iter().map(|m| m.code).collect();
        let mut names: Vec<_> = all().iter().map(|m| m.name).collect();
        codes.sort_unstable();
        names.sort_unstable();
        let n = codes.len();
        codes.dedup();
        names.dedup();
        assert_eq!(codes.len(), n, "duplicate code");
        assert_eq!(names.len(), n, "duplicate name");
    }

    #[test]
    fn driver_checks_are_listed() {
        assert!(find("SIG019").is_some());
        assert!(find("unused-suppression").is_some());
    }

    #[test]
    fn select_by_code_name_and_prefix() {
        assert_eq!(select("sig019").len(), 1);
        assert_eq!(select("unreadable-file")[0].code, "SIG019");
        assert!(select("SIG").iter().all(|m| m.code.starts_with("SIG")));
        assert!(!select("SIG").is_empty());
        assert!(select("nope-nope").is_empty());
        assert!(select("").is_empty());
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn close_matches_suggest_typos() {
        let m = close_matches("unused-supression");
        assert_eq!(m[0].name, "unused-suppression");
        assert_eq!(close_matches("unreadable-fle")[0].code, "SIG019");
        assert_eq!(close_matches("API01")[0].code, "API001");
    }
}
