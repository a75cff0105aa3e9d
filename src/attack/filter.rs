//! Filters for listing strategies by domain, platform and technique (the `--domain`,
//! `--platform` and `--technique` options of `strategies`).

use super::{DetectionStrategy, Domain};
use crate::strategy::Strategy;

fn detects<'a>(mut techniques: impl Iterator<Item = &'a str>, wanted: &str) -> bool {
    let t = wanted.trim().to_ascii_uppercase();
    techniques.any(|id| {
        let id = id.to_ascii_uppercase();
        id == t || id.split_once('.').is_some_and(|(parent, _)| parent == t)
    })
}

/// Which strategies to list; every set criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct StrategyFilter {
    /// Only this domain.
    pub domain: Option<Domain>,
    /// Only strategies with an analytic on this platform (case-insensitive, e.g. `iaas`).
    pub platform: Option<String>,
    /// Only strategies detecting this technique or one of its sub-techniques
    /// (`T1059` matches `T1059.009`; case-insensitive).
    pub technique: Option<String>,
}

impl StrategyFilter {
    /// Whether `strategy` passes.
    pub fn matches(&self, strategy: &DetectionStrategy) -> bool {
        if self.domain.is_some_and(|d| d != strategy.domain) {
            return false;
        }
        if let Some(p) = &self.platform {
            let p = p.trim();
            let on_platform = strategy
                .analytics
                .iter()
                .flat_map(|a| &a.platforms)
                .any(|x| x.eq_ignore_ascii_case(p));
            if !on_platform {
                return false;
            }
        }
        if let Some(t) = &self.technique
            && !detects(strategy.techniques.iter().map(String::as_str), t)
        {
            return false;
        }
        true
    }

    /// Whether a catalog strategy passes (platforms of the strategy and of its targets).
    pub fn matches_strategy(&self, strategy: &Strategy) -> bool {
        if let Some(d) = self.domain
            && d != strategy.domain
        {
            return false;
        }
        if let Some(p) = &self.platform {
            let p = p.trim();
            let on_platform = strategy
                .platforms
                .iter()
                .map(String::as_str)
                .chain(strategy.targets.iter().flat_map(|t| t.platform.split(", ")))
                .any(|x| x.eq_ignore_ascii_case(p));
            if !on_platform {
                return false;
            }
        }
        if let Some(t) = &self.technique
            && !detects(strategy.techniques.iter().map(|t| t.id.as_str()), t)
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::{Analytic, Status};

    fn strategy(domain: Domain, platforms: &[&str], techniques: &[&str]) -> DetectionStrategy {
        DetectionStrategy {
            id: "DET0001".into(),
            stix_id: "x".into(),
            name: "n".into(),
            description: None,
            domain,
            url: None,
            status: Status::Active,
            analytics: vec![Analytic {
                id: "AN0001".into(),
                stix_id: "y".into(),
                name: "a".into(),
                description: String::new(),
                url: None,
                platforms: platforms.iter().map(|p| (*p).to_owned()).collect(),
                log_sources: Vec::new(),
                mutable_elements: Vec::new(),
                status: Status::Active,
            }],
            techniques: techniques.iter().map(|t| (*t).to_owned()).collect(),
            bundle: 0,
        }
    }

    #[test]
    fn criteria_combine() {
        let s = strategy(Domain::Enterprise, &["IaaS", "SaaS"], &["T1059.009"]);
        assert!(StrategyFilter::default().matches(&s));
        let f = |domain, platform: Option<&str>, technique: Option<&str>| StrategyFilter {
            domain,
            platform: platform.map(Into::into),
            technique: technique.map(Into::into),
        };
        assert!(f(Some(Domain::Enterprise), Some("iaas"), Some("t1059")).matches(&s));
        assert!(f(None, None, Some("T1059.009")).matches(&s));
        assert!(!f(None, None, Some("T1059.001")).matches(&s));
        assert!(!f(None, None, Some("T105")).matches(&s));
        assert!(!f(Some(Domain::Ics), None, None).matches(&s));
        assert!(!f(None, Some("Windows"), None).matches(&s));
    }

    #[test]
    fn catalog_strategies_filter_the_same_way() {
        let c = crate::strategy::Catalog::builtin().expect("catalog");
        let s = c.get("DET0078").expect("DET0078");
        let f = |domain, platform: Option<&str>, technique: Option<&str>| StrategyFilter {
            domain,
            platform: platform.map(Into::into),
            technique: technique.map(Into::into),
        };
        assert!(f(Some(Domain::Enterprise), Some("saas"), Some("T1059")).matches_strategy(s));
        assert!(!f(Some(Domain::Ics), None, None).matches_strategy(s));
        assert!(!f(None, Some("Windows"), None).matches_strategy(s));
        assert!(!f(None, None, Some("T0871")).matches_strategy(s));
    }
}
