//! `--format json`: the versioned lint report, documented by `schemas/lint-report.schema.json`
//! (generated from the types below; a test keeps the file current).
//!
//! Version 1 is stable: fields may be added, none removed or changed in meaning without bumping
//! `version`.

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::{Report, Summary};
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

impl From<&Finding> for JsonFinding {
    fn from(f: &Finding) -> Self {
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
        findings: report.findings.iter().map(JsonFinding::from).collect(),
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
