//! `--format json`: the versioned lint report, documented by `schemas/lint-report.schema.json`
//! (generated from the types below; a test keeps the file current).
//!
//! Version 1 is stable: fields may be added, none removed or changed in meaning without bumping
//! `version`.

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::{FixPlacer, Report, Summary};
use crate::config::SeverityName;
use crate::diagnostic::Finding;

/// The report format version written in `version`.
pub const VERSION: u32 = 1;

/// A `sigsmith lint --format json` report.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "sigsmith lint report")]
pub struct JsonReport {
    /// Report format version; always 1 for this schema.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// The tool that wrote the report.
    pub tool: Tool,
    /// Findings sorted by path, line, column and code.
    pub findings: Vec<JsonFinding>,
    /// Counts over the run.
    pub summary: Summary,
    /// YAML documents that are not Sigma documents (pipelines, workflows, ...) and were
    /// skipped, with the reason.
    pub skipped: Vec<JsonSkipped>,
}

/// A skipped non-Sigma document.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonSkipped {
    /// File as given on the command line.
    pub path: String,
    /// 1-based line where the document starts.
    #[schemars(range(min = 1))]
    pub line: u32,
    /// 0-based index of the document in its file.
    pub document: usize,
    /// Why it is not a Sigma document.
    pub reason: String,
}

/// Name and version of the tool.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    /// Always `sigsmith`.
    pub name: String,
    /// The sigsmith version.
    pub version: String,
}

/// One finding.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonFinding {
    /// Check code, e.g. `API001`.
    pub code: String,
    /// Check name, e.g. `api-presence-only`.
    pub name: String,
    /// Severity after configuration.
    #[schemars(with = "SeverityName")]
    pub severity: String,
    /// Short lowercase description of the problem.
    pub message: String,
    /// File as given on the command line (`-` for standard input).
    pub path: String,
    /// 1-based line.
    #[schemars(range(min = 1))]
    pub line: u32,
    /// 1-based column, in characters.
    #[schemars(range(min = 1))]
    pub column: u32,
    /// Line where the flagged text ends, when known.
    pub end_line: Option<u32>,
    /// Column just after the flagged text, when known.
    pub end_column: Option<u32>,
    /// 0-based index of the YAML document in its file, when the finding is about a document.
    pub document: Option<usize>,
    /// The document's `id`, when known.
    pub id: Option<String>,
    /// The document's `title`, when known.
    pub title: Option<String>,
    /// How to fix it, when the check says.
    pub help: Option<String>,
    /// Other places that explain the finding.
    pub related: Vec<JsonRelated>,
    /// The safe mechanical fix `sigsmith lint --fix` would apply for this finding, when its
    /// check knows one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<JsonFix>,
}

/// A fix: edits of the finding's file that resolve the finding. Applied together (each range
/// refers to the file as linted; ranges never overlap), they give the text `lint --fix` writes
/// for this finding. Fixes of different findings may overlap; `lint --fix` then applies the
/// first (in report order) and leaves the other for its next pass.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonFix {
    /// What the fix does, as an imperative phrase (what `lint --fix` prints).
    pub title: String,
    /// The edits, sorted by where they start (insertions at one place in the order they are
    /// made).
    #[schemars(length(min = 1))]
    pub edits: Vec<JsonEdit>,
}

/// One replacement of a range of the file's text (empty for an insertion) by `text`.
/// Positions count lines and columns as findings do; offsets are bytes into the file's UTF-8
/// text (after a byte-order mark, if the file has one).
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonEdit {
    /// 1-based line where the replaced range starts.
    #[schemars(range(min = 1))]
    pub line: u32,
    /// 1-based column, in characters, where it starts.
    #[schemars(range(min = 1))]
    pub column: u32,
    /// Byte offset where it starts.
    pub offset: usize,
    /// Line where the range ends (exclusive end).
    #[schemars(range(min = 1))]
    pub end_line: u32,
    /// Column just after the range.
    #[schemars(range(min = 1))]
    pub end_column: u32,
    /// Byte offset just after the range (equal to `offset` for an insertion).
    pub end_offset: usize,
    /// The replacement text (empty for a deletion).
    pub text: String,
}

/// A related location.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonRelated {
    /// File.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is there.
    pub message: String,
}

impl JsonFix {
    /// The fix of `f` placed in its file, when it has one and the file's text is at hand.
    fn of(f: &Finding, placer: &mut FixPlacer<'_>) -> Option<Self> {
        let (fix, edits) = placer.place(f)?;
        Some(JsonFix {
            title: fix.title.clone(),
            edits: edits
                .into_iter()
                .map(|e| JsonEdit {
                    line: e.start.line,
                    column: e.start.col,
                    offset: e.edit.range.start,
                    end_line: e.end.line,
                    end_column: e.end.col,
                    end_offset: e.edit.range.end,
                    text: e.edit.text.clone(),
                })
                .collect(),
        })
    }
}

impl JsonFinding {
    /// The finding as reported, with its fix placed by `placer`.
    fn new(f: &Finding, placer: &mut FixPlacer<'_>) -> Self {
        JsonFinding {
            code: f.code.to_owned(),
            name: f.name.to_owned(),
            severity: f.severity.as_str().to_owned(),
            message: f.message.clone(),
            path: f.path.display().to_string(),
            line: f.pos.line,
            column: f.pos.col,
            end_line: f.end.map(|e| e.line),
            end_column: f.end.map(|e| e.col),
            document: f.doc_index,
            id: f.doc_id.clone(),
            title: f.doc_title.as_deref().map(str::to_owned),
            help: f.help.clone(),
            related: f
                .related
                .iter()
                .map(|r| JsonRelated {
                    path: r.path.display().to_string(),
                    line: r.pos.line,
                    column: r.pos.col,
                    message: r.message.clone(),
                })
                .collect(),
            fix: JsonFix::of(f, placer),
        }
    }
}

/// Builds the report value.
pub fn report(report: &Report<'_>) -> JsonReport {
    JsonReport {
        version: VERSION,
        tool: Tool {
            name: "sigsmith".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        findings: {
            let mut placer = FixPlacer::new(report);
            report
                .findings
                .iter()
                .map(|f| JsonFinding::new(f, &mut placer))
                .collect()
        },
        summary: report.summary,
        skipped: report
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                path: s.path.display().to_string(),
                line: s.pos.line,
                document: s.doc_index,
                reason: s.reason.clone(),
            })
            .collect(),
    }
}

/// The JSON Schema of [`JsonReport`], as committed in `schemas/lint-report.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(JsonReport);
    serde_json::to_string_pretty(&schema).expect("a schema always serialises") + "\n"
}

/// Writes the report as pretty-printed JSON.
pub fn write(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(r))?;
    writeln!(out)
}
