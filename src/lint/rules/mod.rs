//! The checks, one module each. Each module declares its check with
//! [`declare_rule!`](crate::declare_rule) (the `///` docs are what `sigsmith explain` prints)
//! and exposes a `check` function the [registry](crate::lint::registry) runs.

pub mod api_presence_only;
pub mod condition_syntax;
pub mod duplicate_id;
pub mod invalid_id;
pub mod schema_violation;
pub mod undefined_identifier;
pub mod unused_identifier;
pub mod yaml_syntax;
