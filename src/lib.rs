//! sigsmith: scaffold and lint Sigma rules for API-driven attacker behaviour.
//!
//! The binary (`src/main.rs`) is a thin shell over this library: [`cli`] parses arguments and
//! dispatches to [`commands`]; [`strategy`] holds the detection-strategy catalog, [`scaffold`]
//! renders rule drafts from it, [`attack`] reads MITRE ATT&CK STIX bundles, and [`lint`] checks
//! rule repositories. [`yaml`] is the position-keeping YAML loader all of them share and
//! [`schema`] the embedded JSON Schemas; [`modifier`] is the one model of Sigma's value
//! modifiers.
#![deny(missing_docs)]

pub mod attack;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod coverage;
pub mod diagnostic;
pub mod discover;
pub mod edit;
pub mod eval;
pub mod lint;
pub mod lsp;
pub mod modifier;
pub mod output;
pub mod scaffold;
pub mod schema;
pub mod strategy;
pub mod suppress;
pub mod vocab;
pub mod yaml;
