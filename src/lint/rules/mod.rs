//! The checks, one module each. Each module declares its check with
//! [`declare_rule!`](crate::declare_rule) (the `///` docs are what `sigsmith explain` prints)
//! and exposes a `check` function the [registry](crate::lint::registry) runs.
//! [`unreadable_file`] and [`unused_suppression`] have no `check`: the `lint` driver reports
//! them while reading files and applying suppression comments.

pub mod api_presence_only;
pub mod condition_syntax;
pub mod contradictory_condition;
pub mod correlation_without_context;
pub mod dangling_correlation;
pub mod dangling_filter;
pub mod deprecated_aggregation;
pub mod duplicate_id;
pub mod duplicate_key;
pub mod duplicate_title;
pub mod invalid_attack_tag;
pub mod invalid_correlation;
pub mod invalid_date;
pub mod invalid_detection_item;
pub mod invalid_id;
pub mod invalid_modifier_value;
pub mod invalid_tag;
pub mod missing_context_fields;
pub mod missing_id;
pub mod missing_recommended_field;
pub mod no_baseline_filter;
pub mod open_validation_prompt;
pub mod schema_violation;
pub mod split_baseline_filter;
pub mod undefined_identifier;
pub mod unknown_document;
pub mod unknown_field;
pub mod unknown_modifier;
pub mod unreadable_file;
pub mod unresolved_placeholder;
pub mod unsafe_yaml_tag;
pub mod unused_identifier;
pub mod unused_suppression;
pub mod yaml_merge_key;
pub mod yaml_syntax;
