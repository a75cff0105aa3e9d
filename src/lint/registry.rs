//! The single list of checks. Registering a check is one line in `CHECKS`; the tests below
//! keep the list honest (unique codes, kebab-case names, documentation, fixtures, snapshot).

use std::sync::OnceLock;

use crate::diagnostic::Finding;
use crate::lint::context::{DocCtx, FileCtx, RepoCtx};
use crate::lint::rule::RuleMeta;
use crate::lint::rules::{
    api_presence_only::{self, ApiPresenceOnly},
    condition_syntax::{self, ConditionSyntax},
    contradictory_condition::{self, ContradictoryCondition},
    correlation_without_context::{self, CorrelationWithoutContext},
    dangling_correlation::{self, DanglingCorrelation},
    dangling_filter::{self, DanglingFilter},
    deprecated_aggregation::{self, DeprecatedAggregation},
    duplicate_id::{self, DuplicateId},
    duplicate_key::{self, DuplicateKey},
    duplicate_title::{self, DuplicateTitle},
    invalid_attack_tag::{self, InvalidAttackTag},
    invalid_correlation::{self, InvalidCorrelation},
    invalid_date::{self, InvalidDate},
    invalid_detection_item::{self, InvalidDetectionItem},
    invalid_id::{self, InvalidId},
    invalid_modifier_value::{self, InvalidModifierValue},
    invalid_tag::{self, InvalidTag},
    missing_context_fields::{self, MissingContextFields},
    missing_id::{self, MissingId},
    missing_recommended_field::{self, MissingRecommendedField},
    no_baseline_filter::{self, NoBaselineFilter},
    open_validation_prompt::{self, OpenValidationPrompt},
    schema_violation::{self, SchemaViolation},
    split_baseline_filter::{self, SplitBaselineFilter},
    undefined_identifier::{self, UndefinedIdentifier},
    unknown_document::{self, UnknownDocument},
    unknown_field::{self, UnknownField},
    unknown_modifier::{self, UnknownModifier},
    unreadable_file::UnreadableFile,
    unresolved_placeholder::{self, UnresolvedPlaceholder},
    unsafe_yaml_tag::{self, UnsafeYamlTag},
    unused_identifier::{self, UnusedIdentifier},
    unused_suppression::UnusedSuppression,
    yaml_merge_key::{self, YamlMergeKey},
    yaml_syntax::{self, YamlSyntax},
};

/// When and on what a check runs.
#[derive(Clone, Copy)]
pub enum CheckFn {
    /// Once per file, on the parse result (YAML errors, duplicate keys).
    File(fn(&FileCtx<'_>, &mut Vec<Finding>)),
    /// Once per YAML document.
    Document(fn(&DocCtx<'_>, &mut Vec<Finding>)),
    /// Once per run, over the index of every document.
    Repository(fn(&RepoCtx<'_>, &mut Vec<Finding>)),
}

impl std::fmt::Debug for CheckFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CheckFn::File(_) => "File",
            CheckFn::Document(_) => "Document",
            CheckFn::Repository(_) => "Repository",
        })
    }
}

/// A registered check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Code, name, severity, summary, docs.
    pub meta: RuleMeta,
    /// What runs it (a check may run at several stages). Empty for the checks the `lint`
    /// driver reports itself: unreadable files (while reading) and unused suppressions (after
    /// applying suppression comments).
    pub runs: &'static [CheckFn],
}

/// Every check, in code order.
static CHECKS: &[Check] = &[
    Check {
        meta: ApiPresenceOnly::META,
        runs: &[CheckFn::Repository(api_presence_only::check)],
    },
    Check {
        meta: MissingContextFields::META,
        runs: &[CheckFn::Document(missing_context_fields::check)],
    },
    Check {
        meta: NoBaselineFilter::META,
        runs: &[CheckFn::Document(no_baseline_filter::check)],
    },
    Check {
        meta: UnresolvedPlaceholder::META,
        runs: &[CheckFn::Document(unresolved_placeholder::check)],
    },
    Check {
        meta: OpenValidationPrompt::META,
        runs: &[CheckFn::Document(open_validation_prompt::check)],
    },
    Check {
        meta: CorrelationWithoutContext::META,
        runs: &[CheckFn::Repository(correlation_without_context::check)],
    },
    Check {
        meta: UnknownField::META,
        runs: &[CheckFn::Document(unknown_field::check)],
    },
    Check {
        meta: ContradictoryCondition::META,
        runs: &[CheckFn::Document(contradictory_condition::check)],
    },
    Check {
        meta: SplitBaselineFilter::META,
        runs: &[CheckFn::Document(split_baseline_filter::check)],
    },
    Check {
        meta: UnusedSuppression::META,
        runs: &[],
    },
    Check {
        meta: YamlSyntax::META,
        runs: &[CheckFn::File(yaml_syntax::check)],
    },
    Check {
        meta: SchemaViolation::META,
        runs: &[CheckFn::Document(schema_violation::check)],
    },
    Check {
        meta: InvalidId::META,
        runs: &[CheckFn::Document(invalid_id::check)],
    },
    Check {
        meta: DuplicateId::META,
        runs: &[CheckFn::Repository(duplicate_id::check)],
    },
    Check {
        meta: ConditionSyntax::META,
        runs: &[CheckFn::Document(condition_syntax::check)],
    },
    Check {
        meta: UndefinedIdentifier::META,
        runs: &[CheckFn::Document(undefined_identifier::check)],
    },
    Check {
        meta: UnusedIdentifier::META,
        runs: &[CheckFn::Document(unused_identifier::check)],
    },
    Check {
        meta: UnknownModifier::META,
        runs: &[CheckFn::Document(unknown_modifier::check)],
    },
    Check {
        meta: InvalidDate::META,
        runs: &[CheckFn::Document(invalid_date::check)],
    },
    Check {
        meta: InvalidAttackTag::META,
        runs: &[CheckFn::Document(invalid_attack_tag::check)],
    },
    Check {
        meta: DanglingCorrelation::META,
        runs: &[CheckFn::Repository(dangling_correlation::check)],
    },
    Check {
        meta: DuplicateKey::META,
        runs: &[CheckFn::File(duplicate_key::check)],
    },
    Check {
        meta: MissingRecommendedField::META,
        runs: &[CheckFn::Document(missing_recommended_field::check)],
    },
    Check {
        meta: DeprecatedAggregation::META,
        runs: &[CheckFn::Document(deprecated_aggregation::check)],
    },
    Check {
        meta: UnknownDocument::META,
        runs: &[
            CheckFn::File(unknown_document::check_file),
            CheckFn::Document(unknown_document::check),
        ],
    },
    Check {
        meta: DuplicateTitle::META,
        runs: &[CheckFn::Repository(duplicate_title::check)],
    },
    Check {
        meta: InvalidDetectionItem::META,
        runs: &[CheckFn::Document(invalid_detection_item::check)],
    },
    Check {
        meta: DanglingFilter::META,
        runs: &[CheckFn::Repository(dangling_filter::check)],
    },
    Check {
        meta: UnreadableFile::META,
        runs: &[],
    },
    Check {
        meta: InvalidModifierValue::META,
        runs: &[CheckFn::Document(invalid_modifier_value::check)],
    },
    Check {
        meta: InvalidCorrelation::META,
        runs: &[CheckFn::Document(invalid_correlation::check)],
    },
    Check {
        meta: UnsafeYamlTag::META,
        runs: &[CheckFn::File(unsafe_yaml_tag::check)],
    },
    Check {
        meta: YamlMergeKey::META,
        runs: &[CheckFn::File(yaml_merge_key::check)],
    },
    Check {
        meta: MissingId::META,
        runs: &[CheckFn::Document(missing_id::check)],
    },
    Check {
        meta: InvalidTag::META,
        runs: &[CheckFn::Document(invalid_tag::check)],
    },
];

/// Every registered check.
pub fn checks() -> &'static [Check] {
    CHECKS
}

/// Every stage function of every check, in registry order.
pub fn runs() -> impl Iterator<Item = &'static CheckFn> {
    CHECKS.iter().flat_map(|c| c.runs.iter())
}

/// The metadata of every check, in code order.
pub fn all() -> &'static [RuleMeta] {
    static META: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    META.get_or_init(|| CHECKS.iter().map(|c| c.meta).collect())
}

/// The check whose code (any case) or name is `key`.
pub fn lookup(key: &str) -> Option<&'static RuleMeta> {
    all().iter().find(|m| m.matches(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut codes: Vec<_> = all().iter().map(|m| m.code).collect();
        for c in &codes {
            let (prefix, digits) = c.split_at(3);
            assert!(prefix == "API" || prefix == "SIG", "{c}");
            assert!(
                digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
                "{c}"
            );
        }
        let sorted = {
            let mut s = codes.clone();
            s.sort_unstable();
            s
        };
        assert_eq!(codes, sorted, "CHECKS must be in code order");
        codes.dedup();
        assert_eq!(codes.len(), all().len(), "duplicate code");
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut names: Vec<_> = all().iter().map(|m| m.name).collect();
        for n in &names {
            assert!(
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !n.starts_with('-')
                    && !n.ends_with('-')
                    && !n.contains("--"),
                "{n} is not kebab-case"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all().len(), "duplicate name");
    }

    #[test]
    fn every_check_is_documented() {
        for m in all() {
            let doc = m.doc_text();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(doc.contains(section), "{} lacks `{section}`", m.code);
            }
            assert!(
                !m.summary.is_empty() && !m.summary.ends_with('.'),
                "{}",
                m.code
            );
            assert!(
                !m.summary.starts_with(|c: char| c.is_ascii_uppercase()),
                "{}: summaries are lowercase phrases",
                m.code
            );
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("api001").map(|m| m.name), Some("api-presence-only"));
        assert_eq!(lookup("api-presence-only").map(|m| m.code), Some("API001"));
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn every_code_has_a_fixture_folder() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
        // Checks the `lint` driver reports itself (no stage here) are tested end to end in
        // tests/cli_lint.rs (SIG019) and tests/suppress.rs (SIG000).
        for m in checks()
            .iter()
            .filter(|c| !c.runs.is_empty())
            .map(|c| &c.meta)
        {
            let dir = root.join(format!("{}-{}", m.code, m.name));
            let files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                files.iter().any(|f| f.starts_with("bad_")),
                "{}: no bad_*.yml",
                dir.display()
            );
            assert!(
                files.iter().any(|f| f.starts_with("ok_")),
                "{}: no ok_*.yml",
                dir.display()
            );
        }
    }
}
