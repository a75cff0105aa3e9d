//! The linter: parsing Sigma documents, the condition and detection model, field profiles of
//! API-audit log sources, the checks and the engine that runs them.
//!
//! [`engine::lint_sources`] is the entry point; [`registry::all`] lists the checks.

pub mod condition;
pub mod context;
pub mod detection;
pub mod document;
pub mod engine;
pub mod explain;
pub mod fix;
pub mod registry;
pub mod rule;
pub mod rules;
