//! Findings: what a check reports, where, and how severe it is.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::edit::Edit;
use crate::yaml::{Pos, Span};

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice; never fails a run.
    Info,
    /// Should be fixed; fails a run only with `--strict`.
    Warning,
    /// Must be fixed; fails the run.
    Error,
}

impl Severity {
    /// Lowercase name used in all outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Most related locations a finding lists (for example the other documents with the same id);
/// the finding's message gives the full count, so output grows linearly with the input.
pub const MAX_RELATED: usize = 10;

/// A secondary location that explains a finding (for example the first of two duplicate ids).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Related {
    /// File of the related location.
    pub path: PathBuf,
    /// Where in that file.
    pub pos: Pos,
    /// What is there.
    pub message: String,
}

/// A mechanical change that resolves a finding, tied to the check that found it.
///
/// The edits are byte ranges of the finding's file text as it was linted (see
/// [`crate::edit`]); applying them keeps every byte outside the ranges (comments, quoting,
/// key order). `lint --fix` applies them, `lint --fix --diff` shows them and the language
/// server offers them as code actions. Every fix a check attaches is safe: applying it
/// changes only what the check flagged and the result parses and no longer has the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Code of the check the fix belongs to (the code of the finding carrying it).
    pub code: &'static str,
    /// What the fix does, as an imperative phrase (`rename modifier `endwith` to
    /// `endswith``); shown by `--fix` and as the code action's title.
    pub title: String,
    /// The edits, against the original text of the finding's file.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix of check `code` titled `title` made of `edits`.
    pub fn new(code: &'static str, title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            code,
            title: title.into(),
            edits,
        }
    }
}

/// One problem found in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable check code, e.g. `API001`.
    pub code: &'static str,
    /// Kebab-case check name, e.g. `api-presence-only`.
    pub name: &'static str,
    /// Severity after configuration was applied.
    pub severity: Severity,
    /// Short lowercase phrase without a trailing period.
    pub message: String,
    /// File the finding is in, as given on the command line (or `-` for stdin).
    pub path: PathBuf,
    /// Where the finding starts.
    pub pos: Pos,
    /// Where the flagged text ends, when known.
    pub end: Option<Pos>,
    /// 0-based index of the YAML document in its file, when the finding is about a document.
    pub doc_index: Option<usize>,
    /// The document's `id`, when known.
    pub doc_id: Option<String>,
    /// The document's `title`, when known (shared by every finding of the document).
    pub doc_title: Option<std::sync::Arc<str>>,
    /// An imperative hint on how to fix it.
    pub help: Option<String>,
    /// Other places that explain the finding.
    pub related: Vec<Related>,
    /// A safe mechanical fix, when the check knows one.
    pub fix: Option<Fix>,
}

impl Finding {
    /// Sets where the flagged text ends (exclusive). An end at or before the start is ignored,
    /// so callers may pass whatever span they have.
    pub fn with_end(mut self, end: Pos) -> Self {
        self.end = (end > self.pos).then_some(end);
        self
    }

    /// Sets start and end from a span.
    pub fn with_span(mut self, span: Span) -> Self {
        self.pos = span.start;
        self.with_end(span.end)
    }

    /// Adds an imperative fix hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches a fix (see [`Fix`]).
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }

    /// Sort key giving the documented output order: path, line, column, code.
    pub fn sort_key(&self) -> (&PathBuf, Pos, &'static str, &str) {
        (&self.path, self.pos, self.code, &self.message)
    }
}

/// Sorts findings into the documented, deterministic output order and drops exact duplicates.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
}
