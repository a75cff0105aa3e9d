//! Checking Sigma `attack.*` tags against loaded ATT&CK data (for the linter's SIG010).
//!
//! [`AttackData::check_tag`] tells whether `attack.t1059.009` names a current technique and
//! whether `attack.execution` is a real tactic short name, and names the replacement of a
//! revoked technique. Only techniques and tactics are checked; group (`attack.g0016`), software
//! (`attack.s0154`) and campaign (`attack.c0001`) tags, and tags outside `attack.`, are
//! [`TagVerdict::NotChecked`]. A technique missing from the loaded bundles is
//! [`TagVerdict::Unknown`]: callers should say which domains were loaded
//! ([`AttackData::domains`]), since a rule may tag a domain whose bundle was not given.

use std::sync::OnceLock;

use regex::Regex;

use super::{AttackData, Domain, Status};
use crate::lint::engine::{AttackIndex, TechniqueStatus};

/// What the loaded ATT&CK data says about one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagVerdict {
    /// A current technique, sub-technique or tactic.
    Ok,
    /// Not a technique or tactic tag; nothing to check.
    NotChecked,
    /// A technique or tactic tag that names nothing in the loaded bundles.
    Unknown {
        /// A tag that does exist, when one is close (`attack.defense-evasion` for
        /// `attack.defense_evasion`, the parent technique of an unknown sub-technique).
        suggestion: Option<String>,
    },
    /// Revoked.
    Revoked {
        /// The replacement's tag (`attack.t1546.016`), when ATT&CK names one (`revoked-by`,
        /// followed to a current object).
        by: Option<String>,
        /// The replacement's name.
        by_name: Option<String>,
    },
    /// Deprecated (ATT&CK names no replacement for deprecated objects).
    Deprecated,
}

impl TagVerdict {
    /// `true` for [`TagVerdict::Ok`] and [`TagVerdict::NotChecked`].
    pub fn is_ok(&self) -> bool {
        matches!(self, TagVerdict::Ok | TagVerdict::NotChecked)
    }
}

fn technique_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^t\d{4}(\.\d{3})?$").expect("static regex is valid"))
}

fn other_id_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[gsc]\d{4}$").expect("static regex is valid"))
}

impl AttackData {
    /// The domains of the loaded bundles, in [`Domain::ALL`] order, without repeats.
    pub fn domains(&self) -> Vec<Domain> {
        Domain::ALL
            .into_iter()
            .filter(|d| self.bundles.iter().any(|b| b.domain == *d))
            .collect()
    }

    /// Checks one Sigma tag (`attack.t1059.009`, `attack.execution`); case-insensitive.
    pub fn check_tag(&self, tag: &str) -> TagVerdict {
        let lower = tag.trim().to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("attack.") else {
            return TagVerdict::NotChecked;
        };
        if other_id_re().is_match(rest) {
            return TagVerdict::NotChecked;
        }
        if technique_re().is_match(rest) {
            return self.check_technique(rest);
        }
        self.check_tactic(rest)
    }

    fn check_technique(&self, id: &str) -> TagVerdict {
        let Some(t) = self.technique(id) else {
            let suggestion = id
                .split_once('.')
                .and_then(|(parent, _)| self.technique(parent))
                .filter(|p| p.status.is_active())
                .map(|p| format!("attack.{}", p.id.to_ascii_lowercase()));
            return TagVerdict::Unknown { suggestion };
        };
        match t.status {
            Status::Active => TagVerdict::Ok,
            Status::Deprecated => TagVerdict::Deprecated,
            Status::Revoked => {
                // Follow revoked-by to a current technique (a few hops at most).
                let mut by = t.revoked_by.as_deref().and_then(|r| self.technique(r));
                for _ in 0..8 {
                    match by {
                        Some(b) if b.status == Status::Revoked => {
                            by = b.revoked_by.as_deref().and_then(|r| self.technique(r));
                        }
                        _ => break,
                    }
                }
                TagVerdict::Revoked {
                    by: by.map(|b| format!("attack.{}", b.id.to_ascii_lowercase())),
                    by_name: by.map(|b| b.name.clone()),
                }
            }
        }
    }

    fn check_tactic(&self, name: &str) -> TagVerdict {
        if let Some(t) = self.tactic(name) {
            return match t.status {
                Status::Active => TagVerdict::Ok,
                Status::Deprecated => TagVerdict::Deprecated,
                Status::Revoked => TagVerdict::Revoked {
                    by: None,
                    by_name: None,
                },
            };
        }
        let hyphenated = name.replace(['_', ' '], "-");
        let suggestion = self
            .tactic(&hyphenated)
            .map(|t| t.shortname.clone())
            .or_else(|| {
                // `attack.ta0002` → the tactic's short name
                self.tactics
                    .iter()
                    .find(|t| t.id.eq_ignore_ascii_case(name) && t.status.is_active())
                    .map(|t| t.shortname.clone())
            })
            .map(|s| format!("attack.{s}"));
        TagVerdict::Unknown { suggestion }
    }
}

/// The linter's hook (SIG010 with `--attack`): `Arc::new(data)` goes into
/// `LintOptions::attack`.
impl AttackIndex for AttackData {
    fn technique(&self, id: &str) -> TechniqueStatus {
        match self.check_tag(&format!("attack.{id}")) {
            TagVerdict::Ok | TagVerdict::NotChecked => TechniqueStatus::Active,
            TagVerdict::Unknown { .. } => TechniqueStatus::Unknown,
            TagVerdict::Deprecated => TechniqueStatus::Deprecated,
            TagVerdict::Revoked { by, .. } => TechniqueStatus::Revoked {
                replacement: by.map(|b| b.trim_start_matches("attack.").to_ascii_uppercase()),
            },
        }
    }

    fn is_tactic(&self, short_name: &str) -> bool {
        self.tactic(short_name)
            .is_some_and(|t| t.status.is_active())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::attack::{LoadOptions, Loader};

    fn mini() -> AttackData {
        let mut loader = Loader::new(LoadOptions::default());
        loader
            .add_bytes(
                include_bytes!("../../tests/fixtures/attack/mini-mobile-bundle.json"),
                Path::new("mini-mobile-bundle.json"),
            )
            .expect("fixture loads");
        loader.finish()
    }

    #[test]
    fn techniques_are_checked_with_status_and_replacement() {
        let d = mini();
        assert_eq!(d.check_tag("attack.t1517"), TagVerdict::Ok);
        assert_eq!(d.check_tag("ATTACK.T1517"), TagVerdict::Ok);
        assert_eq!(
            d.check_tag("attack.t1412"),
            TagVerdict::Revoked {
                by: Some("attack.t1517".into()),
                by_name: Some("Access Notifications".into())
            }
        );
        assert_eq!(d.check_tag("attack.t1517.001"), TagVerdict::Deprecated);
        assert_eq!(
            d.check_tag("attack.t1517.002"),
            TagVerdict::Unknown {
                suggestion: Some("attack.t1517".into())
            }
        );
        assert_eq!(
            d.check_tag("attack.t9999"),
            TagVerdict::Unknown { suggestion: None }
        );
    }

    #[test]
    fn tactics_are_short_names() {
        let d = mini();
        assert_eq!(d.check_tag("attack.collection"), TagVerdict::Ok);
        assert_eq!(
            d.check_tag("attack.ta0035"),
            TagVerdict::Unknown {
                suggestion: Some("attack.collection".into())
            }
        );
        assert_eq!(
            d.check_tag("attack.exfiltration"),
            TagVerdict::Unknown { suggestion: None }
        );
    }

    #[test]
    fn lint_hook_reports_status_and_replacement() {
        let d = mini();
        let index: &dyn AttackIndex = &d;
        assert_eq!(index.technique("T1517"), TechniqueStatus::Active);
        assert_eq!(
            index.technique("T1412"),
            TechniqueStatus::Revoked {
                replacement: Some("T1517".into())
            }
        );
        assert_eq!(index.technique("T1517.001"), TechniqueStatus::Deprecated);
        assert_eq!(index.technique("T0001"), TechniqueStatus::Unknown);
        assert!(index.is_tactic("collection"));
        assert!(!index.is_tactic("execution"));
    }

    #[test]
    fn other_tags_are_not_checked() {
        let d = mini();
        for tag in [
            "attack.g0016",
            "attack.s0154",
            "attack.c0001",
            "cve.2021-44228",
            "tlp.red",
        ] {
            assert_eq!(d.check_tag(tag), TagVerdict::NotChecked, "{tag}");
            assert!(d.check_tag(tag).is_ok());
        }
        assert_eq!(d.domains(), [Domain::Mobile]);
    }
}
