//! The lint engine: parses every file once and runs the file and document checks in parallel
//! (rayon), then the repository-wide checks over the collected index.
//!
//! This is the API the `lint` command calls. Every check always runs; selecting, ignoring,
//! severity overrides and suppressions are applied by the caller to the returned findings.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostic::{Finding, sort_findings};
use crate::lint::context::{DocCtx, DocSummary, FileCtx, RepoCtx};
use crate::lint::document::parse_file;
use crate::lint::profile::ProfileSet;
use crate::lint::registry::{self, CheckFn};
use crate::lint::rules::api_presence_only;

/// One input file, already read (read errors are the caller's to report).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as it should appear in findings (`-` for stdin).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

/// What ATT&CK knows about a technique id (for SIG010's existence check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TechniqueStatus {
    /// The technique exists and is current.
    Active,
    /// ATT&CK has no such technique.
    Unknown,
    /// The technique was revoked, maybe in favour of another.
    Revoked {
        /// The replacing technique id, when ATT&CK names one.
        replacement: Option<String>,
    },
    /// The technique is deprecated.
    Deprecated,
}

/// Hook for ATT&CK data: when set in [`LintOptions::attack`], SIG010 also checks that tags name
/// real techniques and tactics. Implemented by the ATT&CK loader.
pub trait AttackIndex: Send + Sync + fmt::Debug {
    /// The status of a technique id such as `T1078` or `T1078.004` (uppercase).
    fn technique(&self, id: &str) -> TechniqueStatus;
    /// Whether `short_name` (`initial-access` with hyphens, as ATT&CK writes it) is a tactic.
    fn is_tactic(&self, short_name: &str) -> bool;
}

/// Options of a lint run.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// Field profiles of API-audit log sources.
    pub profiles: ProfileSet,
    /// ATT&CK data for SIG010 existence checks, when loaded.
    pub attack: Option<Arc<dyn AttackIndex>>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            profiles: ProfileSet::builtin(),
            attack: None,
        }
    }
}

/// The result of a lint run.
#[derive(Debug, Clone, Default)]
pub struct LintOutput {
    /// Every finding, sorted by path, line, column, code.
    pub findings: Vec<Finding>,
    /// Number of files linted.
    pub files: usize,
    /// Number of YAML documents seen.
    pub documents: usize,
}

struct FileResult {
    findings: Vec<Finding>,
    summaries: Vec<DocSummary>,
    documents: usize,
}

fn lint_file(source: &SourceFile, opts: &LintOptions) -> FileResult {
    let parsed = parse_file(&source.text);
    let mut findings = Vec::new();
    let fcx = FileCtx {
        path: &source.path,
        text: &source.text,
        parsed: &parsed,
    };
    for check in registry::checks() {
        if let CheckFn::File(f) = check.run {
            f(&fcx, &mut findings);
        }
    }
    let mut summaries = Vec::with_capacity(parsed.documents.len());
    for doc in &parsed.documents {
        let cx = DocCtx::new(&source.path, &source.text, doc, opts);
        for check in registry::checks() {
            if let CheckFn::Document(f) = check.run {
                f(&cx, &mut findings);
            }
        }
        let presence = api_presence_only::analyze(&cx);
        summaries.push(DocSummary::new(&cx, presence));
    }
    FileResult {
        findings,
        summaries,
        documents: parsed.documents.len(),
    }
}

/// Lints a set of files: every check, file and document checks in parallel, then the
/// repository-wide ones (duplicate ids, correlation references, API001's correlation rescue).
pub fn lint_sources(sources: &[SourceFile], opts: &LintOptions) -> LintOutput {
    let results: Vec<FileResult> = sources.par_iter().map(|s| lint_file(s, opts)).collect();
    let mut out = LintOutput {
        files: sources.len(),
        ..LintOutput::default()
    };
    let mut summaries = Vec::new();
    for r in results {
        out.findings.extend(r.findings);
        out.documents += r.documents;
        summaries.extend(r.summaries);
    }
    summaries.sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
    let rcx = RepoCtx::new(&summaries, opts);
    for check in registry::checks() {
        if let CheckFn::Repository(f) = check.run {
            f(&rcx, &mut out.findings);
        }
    }
    sort_findings(&mut out.findings);
    out
}

/// Lints one text (convenience for tests and stdin).
pub fn lint_text(
    path: impl Into<PathBuf>,
    text: impl Into<String>,
    opts: &LintOptions,
) -> LintOutput {
    lint_sources(
        &[SourceFile {
            path: path.into(),
            text: text.into(),
        }],
        opts,
    )
}
