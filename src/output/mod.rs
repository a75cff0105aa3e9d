//! Rendering lint results: one module per `--format`.
//!
//! Every format receives the same [`Report`]: findings already filtered, suppressed and sorted
//! by path, line, column and code, the source texts (for snippets) and the [`Summary`].

pub mod github;
pub mod gitlab;
pub mod json;
pub mod sanitize;
pub mod sarif;
pub mod text;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::diagnostic::{Finding, Severity};

/// Output formats of `sigsmith lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: CODE[name] message` with a source snippet (the default).
    #[default]
    Text,
    /// Versioned JSON report, documented by `schemas/lint-report.schema.json`.
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::message`).
    Github,
    /// GitLab Code Quality report (JSON array for merge-request widgets).
    Gitlab,
}

/// Counts over one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Summary {
    /// Files read (unreadable files included).
    pub files: usize,
    /// YAML documents parsed.
    pub documents: usize,
    /// Error-level findings reported.
    pub errors: usize,
    /// Warning-level findings reported.
    pub warnings: usize,
    /// Info-level findings reported.
    pub infos: usize,
    /// Findings hidden by suppression comments or per-path ignores.
    pub suppressed: usize,
}

impl Summary {
    /// Counts the findings by severity.
    pub fn new(findings: &[Finding], files: usize, documents: usize, suppressed: usize) -> Self {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files,
            documents,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            suppressed,
        }
    }

    /// The one-line summary printed on standard error after text output.
    pub fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let scope = format!(
            "{} ({})",
            plural(self.files, "file", "files"),
            plural(self.documents, "document", "documents")
        );
        let mut s = if self.errors + self.warnings + self.infos == 0 {
            format!("no problems in {scope}")
        } else {
            format!(
                "{}, {}, {} in {scope}",
                plural(self.errors, "error", "errors"),
                plural(self.warnings, "warning", "warnings"),
                plural(self.infos, "info", "infos"),
            )
        };
        if self.suppressed > 0 {
            s.push_str(&format!("; {} suppressed", self.suppressed));
        }
        s
    }
}

/// Everything a format needs.
pub struct Report<'a> {
    /// Findings in output order.
    pub findings: &'a [Finding],
    /// Source text of each file, by the path findings use.
    pub sources: HashMap<&'a Path, &'a str>,
    /// Counts.
    pub summary: Summary,
}

/// Writes `report` in `format`. `styled` asks the text format for ANSI colours (callers strip
/// them again for non-terminals through `anstream`).
pub fn write(
    format: Format,
    report: &Report<'_>,
    out: &mut dyn Write,
    styled: bool,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, out, styled),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Gitlab => gitlab::write(report, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_reads_naturally() {
        let s = Summary {
            files: 1,
            documents: 2,
            errors: 1,
            warnings: 0,
            infos: 3,
            suppressed: 2,
        };
        assert_eq!(
            s.line(),
            "1 error, 0 warnings, 3 infos in 1 file (2 documents); 2 suppressed"
        );
        let clean = Summary {
            files: 4,
            documents: 1,
            ..Summary::default()
        };
        assert_eq!(clean.line(), "no problems in 4 files (1 document)");
    }
}
