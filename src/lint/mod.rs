//! The linter: reading a repository, running the checks, collecting findings.

pub mod rule;
