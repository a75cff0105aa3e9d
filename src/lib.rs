//! sigsmith: scaffold and lint Sigma rules for API-driven attacker behaviour.
//!
//! The binary (`src/main.rs`) is a thin shell over this library: `cli` parses arguments,
//! `scaffold` renders rule drafts from detection strategies, `lint` checks rule repositories.
#![deny(missing_docs)]

pub mod diagnostic;
pub mod lint;
pub mod yaml;
