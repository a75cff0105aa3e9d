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
use crate::discover::Found;
use crate::lint::context::{DocCtx, DocSummary, FileCtx, RepoCtx};
use crate::lint::document::{DocKind, foreign_reason, parse_file_at};
use crate::lint::registry::{self, CheckFn};
use crate::lint::rules::api_presence_only;
use crate::vocab::Vocabulary;
use crate::yaml::Pos;

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
    /// The vocabulary of log sources and fields (built-in plus configured profiles).
    pub profiles: Vocabulary,
    /// ATT&CK data for SIG010 existence checks, when loaded.
    pub attack: Option<Arc<dyn AttackIndex>>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            profiles: Vocabulary::builtin(),
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
    /// What the repository-wide checks knew about each document (path, index, kind, field
    /// profile...), in path order; `sigsmith coverage` reads the API001 verdicts with it.
    pub summaries: Vec<DocSummary>,
    /// Documents that are not Sigma documents (pipelines, workflows, ...), skipped unlinted,
    /// sorted by path and position.
    pub skipped: Vec<Skipped>,
}

/// A YAML document that is not a Sigma document and was skipped (see
/// [`crate::lint::document::foreign_reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Where the document starts.
    pub pos: Pos,
    /// 0-based index of the document in its file.
    pub doc_index: usize,
    /// Why it is not Sigma (`pySigma processing pipeline (top-level key `transformations`)`).
    pub reason: String,
}

struct FileResult {
    findings: Vec<Finding>,
    summaries: Vec<DocSummary>,
    documents: usize,
    skipped: Vec<Skipped>,
}

fn lint_file(source: &SourceFile, opts: &LintOptions) -> FileResult {
    let parsed = parse_file_at(&source.text, &source.path);
    let mut findings = Vec::new();
    let fcx = FileCtx {
        path: &source.path,
        text: &source.text,
        parsed: &parsed,
    };
    for run in registry::runs() {
        if let CheckFn::File(f) = run {
            f(&fcx, &mut findings);
        }
    }
    let mut summaries = Vec::with_capacity(parsed.documents.len());
    let mut skipped = Vec::new();
    for doc in &parsed.documents {
        if doc.kind == DocKind::Foreign {
            skipped.push(Skipped {
                path: source.path.clone(),
                pos: doc.start,
                doc_index: doc.index,
                reason: foreign_reason(&doc.root, &source.path).unwrap_or_default(),
            });
            continue;
        }
        let cx = DocCtx::new(&source.path, &source.text, doc, opts);
        for run in registry::runs() {
            if let CheckFn::Document(f) = run {
                f(&cx, &mut findings);
            }
        }
        let presence = api_presence_only::analyze(&cx);
        summaries.push(DocSummary::new(&cx, presence));
    }
    // File-level findings about a skipped document (a repeated key in a Compose file) are
    // not Sigma findings either.
    if !skipped.is_empty() {
        findings.retain(|f| {
            f.doc_index
                .is_none_or(|i| !skipped.iter().any(|s| s.doc_index == i))
        });
    }
    FileResult {
        findings,
        summaries,
        documents: parsed.documents.len(),
        skipped,
    }
}

/// Lints a set of files: every check, file and document checks in parallel, then the
/// repository-wide ones (duplicate ids, correlation references, API001's correlation rescue).
pub fn lint_sources(sources: &[SourceFile], opts: &LintOptions) -> LintOutput {
    let results: Vec<FileResult> = sources.par_iter().map(|s| lint_file(s, opts)).collect();
    let mut sizes = Sizes::default();
    results.iter().for_each(|r| sizes.add(r));
    let (mut out, per_file) = finish(results.into_iter(), sizes, opts, false);
    out.summaries = per_file.into_iter().flatten().collect();
    out.summaries.sort_by(summary_order);
    out
}

/// What [`lint_found`] returns: the lint output, the texts it was asked to keep, and the
/// files that could not be read.
#[derive(Debug, Default)]
pub struct Streamed {
    /// As [`lint_sources`] returns it (`files` counts the files read).
    pub output: LintOutput,
    /// The files `keep` asked for, in path order.
    pub kept: Vec<SourceFile>,
    /// [`crate::lint::rules::unreadable_file::UnreadableFile`] findings, in path order.
    pub unreadable: Vec<Finding>,
    /// The document summaries the repository-wide checks read (`output.summaries` is left
    /// empty: merging them into one vector would hold two copies at once).
    pub retained: Retained,
}

/// The document summaries of a [`lint_found`] run, file by file, as the repository-wide checks
/// read them. Dropping it frees every summary one by one; a process about to exit may forget
/// it instead.
#[derive(Debug, Default)]
pub struct Retained(
    #[allow(
        dead_code,
        reason = "held for ownership: the caller drops or forgets it"
    )]
    Vec<Vec<DocSummary>>,
);

/// A file's result and its text when kept (boxed: few are, and a repository's results are all
/// held until they are merged), or why it could not be read.
type Linted = Result<(FileResult, Option<Box<SourceFile>>), Box<Finding>>;

/// [`lint_sources`] over files found but not yet read: each file is read, linted and dropped
/// on a worker thread, so only what the repository-wide checks need ([`DocSummary`]) and the
/// findings outlive it. `keep` sees each file with its file and document findings and says
/// whether its text is still needed (for suppression comments or source excerpts).
pub fn lint_found(
    found: &Found,
    opts: &LintOptions,
    keep: &(dyn Fn(&SourceFile, &[Finding]) -> bool + Sync),
) -> Streamed {
    let mut results: Vec<Linted> = found
        .files
        .par_iter()
        .map(|f| {
            let source = found.read(f)?;
            let result = lint_file(&source, opts);
            let kept = keep(&source, &result.findings).then(|| Box::new(source));
            Ok((result, kept))
        })
        .collect();
    // The kept texts are taken out first; then `finish` merges the per-file results straight
    // from `results` (no second vector of them), and the unreadable files are collected as it
    // goes.
    let mut kept = Vec::new();
    let mut sizes = Sizes::default();
    for (result, source) in results.iter_mut().flatten() {
        kept.extend(source.take().map(|s| *s));
        sizes.add(result);
    }
    let mut unreadable = Vec::new();
    let files = results.into_iter().filter_map(|r| match r {
        Ok((result, _)) => Some(result),
        Err(problem) => {
            unreadable.push(*problem);
            None
        }
    });
    let (output, per_file) = finish(files, sizes, opts, true);
    Streamed {
        output,
        kept,
        unreadable,
        retained: Retained(per_file),
    }
}

/// Builds what every lint run needs and would otherwise be built by the first document that
/// needs it while the other workers wait for it: the rule schema's validator, the built-in
/// vocabulary and the check registry. `lint` runs this on a worker thread while it looks for
/// the files; calling it again costs nothing.
pub fn warm_up() {
    crate::schema::SchemaKind::SigmaRule.warm_up();
    Vocabulary::warm_up();
    let _ = registry::all();
}

/// How many files, summaries and findings [`finish`] merges, to size its vectors once.
#[derive(Default, Clone, Copy)]
struct Sizes {
    files: usize,
    summaries: usize,
    findings: usize,
}

impl Sizes {
    fn add(&mut self, r: &FileResult) {
        self.files += 1;
        self.summaries += r.summaries.len();
        self.findings += r.findings.len();
    }
}

/// Merges the per-file results (their findings and skipped documents) and runs the
/// repository-wide checks. The summaries are not merged (a repository's are megabytes, and
/// merging would hold two copies at once): they are returned file by file, as the checks read
/// them, and `LintOutput::summaries` is left to the caller.
///
/// `in_order` says the results come in path order (a [`Found`] list is sorted), so the
/// summaries need no sort before the checks (comparing the paths of a large repository's
/// documents, scattered over the heap, was a tenth of the serial end of a run).
fn finish(
    results: impl Iterator<Item = FileResult>,
    sizes: Sizes,
    opts: &LintOptions,
    in_order: bool,
) -> (LintOutput, Vec<Vec<DocSummary>>) {
    let mut out = LintOutput {
        files: sizes.files,
        ..LintOutput::default()
    };
    out.findings.reserve_exact(sizes.findings);
    let mut per_file = Vec::with_capacity(sizes.files);
    for r in results {
        out.findings.extend(r.findings);
        out.documents += r.documents;
        out.skipped.extend(r.skipped);
        per_file.push(r.summaries);
    }
    out.skipped
        .sort_by(|a, b| (&a.path, a.pos).cmp(&(&b.path, b.pos)));
    let mut docs: Vec<&DocSummary> = per_file.iter().flatten().collect();
    if in_order {
        debug_assert!(docs.is_sorted_by(|a, b| summary_order(a, b).is_le()));
    } else {
        docs.sort_by(|a, b| summary_order(a, b));
    }
    out.findings.extend(checks_in_order(&docs, opts));
    sort_findings(&mut out.findings);
    (out, per_file)
}

/// The order of [`LintOutput::summaries`] and of [`RepoCtx::docs`]: by path, then by index.
fn summary_order(a: &DocSummary, b: &DocSummary) -> std::cmp::Ordering {
    crate::discover::path_order(&a.path, &b.path).then(a.index.cmp(&b.index))
}

/// The file and document checks of one file: what an editor re-runs for the file that
/// changed, keeping the other files' results (see [`repository_findings`]).
#[derive(Debug, Clone, Default)]
pub struct FileLint {
    /// Findings of the file and document checks.
    pub findings: Vec<Finding>,
    /// What the repository-wide checks need to know about each Sigma document of the file.
    pub summaries: Vec<DocSummary>,
}

/// Runs the file and document checks on one file (the per-file half of [`lint_sources`]).
pub fn lint_one(source: &SourceFile, opts: &LintOptions) -> FileLint {
    let r = lint_file(source, opts);
    FileLint {
        findings: r.findings,
        summaries: r.summaries,
    }
}

/// Runs the repository-wide checks over the summaries of every file (the other half of
/// [`lint_sources`]; they are read in path and index order, whatever order they come in).
pub fn repository_findings<'a>(
    summaries: impl IntoIterator<Item = &'a DocSummary>,
    opts: &LintOptions,
) -> Vec<Finding> {
    // In path order (a folder walk delivers them in it, so this is one pass).
    let mut docs: Vec<&DocSummary> = summaries.into_iter().collect();
    docs.sort_by(|a, b| summary_order(a, b));
    checks_in_order(&docs, opts)
}

/// [`repository_findings`] over summaries already in path and index order.
fn checks_in_order(docs: &[&DocSummary], opts: &LintOptions) -> Vec<Finding> {
    let rcx = RepoCtx::new(docs, opts);
    // The repository-wide checks are independent of each other: they run side by side, and
    // their findings are kept in registry order.
    let checks: Vec<_> = registry::runs()
        .filter_map(|run| match run {
            CheckFn::Repository(f) => Some(*f),
            _ => None,
        })
        .collect();
    let found: Vec<Vec<Finding>> = checks
        .par_iter()
        .map(|f| {
            let mut findings = Vec::new();
            f(&rcx, &mut findings);
            findings
        })
        .collect();
    found.into_iter().flatten().collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(out: &LintOutput) -> Vec<&'static str> {
        out.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn hostile_conditions_are_findings_not_crashes() {
        let deep = format!("{}sel{}", "(".repeat(10_000), ")".repeat(10_000));
        let long = vec!["sel"; 25_000].join(" or ");
        assert!(long.len() > 100_000);
        for cond in [deep, long] {
            let text = format!(
                "title: t\nid: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n  sel: {{eventName: x}}\n  condition: '{cond}'\n"
            );
            let out = lint_text("hostile.yml", text, &LintOptions::default());
            assert_eq!(out.documents, 1);
            assert!(!out.findings.is_empty());
        }
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        let docs = [
            "detection: [a, b]\nlogsource: 1\n",
            "title: [x]\nid: 5\nlogsource: {product: aws, service: cloudtrail}\ndetection: {condition: 7}\ntags: attack.t1\n",
            "title: x\ncorrelation: {rules: 5, group-by: {a: b}, aliases: [1]}\n",
            "title: x\nfilter: [1]\nlogsource: {}\n",
            "title: x\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  ? [complex, key]\n  : 1\n  sel: {'': x, '|': y, 'a||b': z}\n  condition: sel\nsigsmith: {validation: 5, context: [1]}\n",
            "42\n",
            "~\n",
            "'just a string'\n",
            "title: é\ndate: 2020-13-45\nmodified: 1\ntags: [attack., attack.t, ATTACK.T1]\nlogsource: {product: okta, service: okta}\ndetection: {s: {eventType|re|zz: x}, condition: 's | count() by'}\n",
        ];
        for d in docs {
            let out = lint_text("odd.yml", d, &LintOptions::default());
            assert!(out.files == 1, "{d}");
        }
    }

    #[test]
    fn repository_checks_span_files_and_output_is_sorted() {
        let rule = |title: &str| {
            format!(
                "title: {title}\nid: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11\nlogsource: {{product: windows}}\ndetection: {{sel: {{a: 1}}, condition: sel}}\n"
            )
        };
        let sources = vec![
            SourceFile {
                path: "b.yml".into(),
                text: rule("B"),
            },
            SourceFile {
                path: "a.yml".into(),
                text: rule("A"),
            },
        ];
        let out = lint_sources(&sources, &LintOptions::default());
        let dups: Vec<_> = out.findings.iter().filter(|f| f.code == "SIG004").collect();
        assert_eq!(dups.len(), 2);
        assert_eq!(dups[0].path, PathBuf::from("a.yml"));
        assert_eq!(dups[0].related[0].path, PathBuf::from("b.yml"));
        let again = lint_sources(&sources, &LintOptions::default());
        assert_eq!(out.findings, again.findings);
        let keys: Vec<_> = out.findings.iter().map(|f| f.sort_key()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn per_file_and_repository_halves_equal_a_whole_run() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
        let mut sources = Vec::new();
        for dir in std::fs::read_dir(&root).expect("fixtures").flatten() {
            for file in std::fs::read_dir(dir.path()).expect("folder").flatten() {
                if let Ok(text) = std::fs::read_to_string(file.path()) {
                    sources.push(SourceFile {
                        path: file.path(),
                        text,
                    });
                }
            }
        }
        assert!(sources.len() > 50);
        let opts = LintOptions::default();
        let whole = lint_sources(&sources, &opts);
        let mut findings = Vec::new();
        let mut summaries = Vec::new();
        // In reverse order: the halves must not depend on the order files come in.
        for s in sources.iter().rev() {
            let one = lint_one(s, &opts);
            findings.extend(one.findings);
            summaries.extend(one.summaries);
        }
        findings.extend(repository_findings(&summaries, &opts));
        sort_findings(&mut findings);
        // Fixes included: an id a fix adds is derived from the file, the same on every run.
        assert_eq!(findings, whole.findings);
    }

    #[test]
    fn broken_file_does_not_hide_others() {
        let sources = vec![
            SourceFile {
                path: "bad.yml".into(),
                text: "a: [1, 2\n".into(),
            },
            SourceFile {
                path: "good.yml".into(),
                text: "title: x\nlogsource: {product: windows}\ndetection: {sel: {a: 1}, condition: nope}\n".into(),
            },
        ];
        let out = lint_sources(&sources, &LintOptions::default());
        let c = codes(&out);
        assert!(c.contains(&"SIG001"));
        assert!(c.contains(&"SIG006"));
        assert_eq!(out.files, 2);
    }
}

#[cfg(test)]
mod draft_tests {
    use super::*;

    /// A draft shaped like the contract's scaffold output lints with only the expected
    /// placeholder and open-prompt warnings.
    #[test]
    fn scaffold_shaped_draft_has_only_api004_and_api005() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rules/API001-api-presence-only/ok_scaffold_draft.yml"
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let out = lint_text("draft.yml", text, &LintOptions::default());
        let mut codes: Vec<_> = out.findings.iter().map(|f| (f.code, f.severity)).collect();
        codes.dedup();
        assert_eq!(
            codes,
            vec![
                ("API004", crate::diagnostic::Severity::Warning),
                ("API005", crate::diagnostic::Severity::Warning)
            ],
            "{:#?}",
            out.findings
        );
    }
}
