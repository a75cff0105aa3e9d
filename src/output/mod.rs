//! Rendering lint results: one module per `--format`.
//!
//! Every format receives the same [`Report`]: findings already filtered, suppressed and sorted
//! by path, line, column and code, the source texts (for snippets) and the [`Summary`].

pub mod concise;
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

use crate::diagnostic::{Finding, Fix, Severity};
use crate::edit::Edit;
use crate::lint::engine::Skipped;
use crate::yaml::Pos;

/// Output formats of `sigsmith lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: CODE[name] message` with a source snippet (the default).
    #[default]
    Text,
    /// One line per finding: `path:line:col: severity CODE message`.
    Concise,
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
    /// YAML documents skipped because they are not Sigma documents (pySigma pipelines, CI
    /// workflows, `mkdocs.yml`, ...).
    #[serde(default)]
    pub not_sigma: usize,
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
            not_sigma: 0,
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
        if self.not_sigma > 0 {
            s.push_str(&format!(
                "; {} skipped (not Sigma)",
                plural(self.not_sigma, "document", "documents")
            ));
        }
        s
    }
}

/// How many findings each check reported, most frequent first (ties by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCount {
    /// Check code.
    pub code: &'static str,
    /// Check name.
    pub name: &'static str,
    /// The highest severity among its findings.
    pub severity: Severity,
    /// Number of findings.
    pub count: usize,
}

/// Counts findings per check, most frequent first, then by code.
pub fn check_counts(findings: &[Finding]) -> Vec<CheckCount> {
    let mut by_code: HashMap<&'static str, CheckCount> = HashMap::new();
    for f in findings {
        let c = by_code.entry(f.code).or_insert(CheckCount {
            code: f.code,
            name: f.name,
            severity: f.severity,
            count: 0,
        });
        c.count += 1;
        c.severity = c.severity.max(f.severity);
    }
    let mut counts: Vec<CheckCount> = by_code.into_values().collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    counts
}

/// `--statistics`: one line per check, `COUNT  CODE  name  severity`, most frequent first.
pub fn write_statistics(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let counts = check_counts(findings);
    let count_w = counts
        .first()
        .map_or(1, |c| c.count.to_string().len())
        .max(1);
    let code_w = counts.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let name_w = counts.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &counts {
        writeln!(
            out,
            "{:>count_w$}  {:code_w$}  {:name_w$}  {}",
            c.count,
            c.code,
            c.name,
            c.severity.as_str()
        )?;
    }
    Ok(())
}

/// The line before the summary naming the most frequent checks (`top checks: API002
/// missing-context-fields (266), SIG013 missing-recommended-field (40)`), at most `n` of them;
/// `None` unless some check reported more than one finding (otherwise the findings themselves
/// are the summary).
pub fn top_checks_line(findings: &[Finding], n: usize) -> Option<String> {
    let counts = check_counts(findings);
    if counts.first().is_none_or(|c| c.count < 2) {
        return None;
    }
    let shown: Vec<String> = counts
        .iter()
        .take(n)
        .map(|c| format!("{} {} ({})", c.code, c.name, c.count))
        .collect();
    let mut line = format!("top checks: {}", shown.join(", "));
    if counts.len() > n {
        line.push_str(&format!(
            ", and {} more (--statistics lists all)",
            counts.len() - n
        ));
    }
    Some(line)
}

/// One edit of a finding's fix placed in its file: where the replaced text starts and ends
/// (1-based lines, 1-based columns in characters, byte offsets into the text as linted) and
/// what replaces it. Machine formats write these; the byte offsets are the [`Edit`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedEdit<'f> {
    /// Where the replaced text starts.
    pub start: Pos,
    /// Where it ends (exclusive; equal to `start` for an insertion).
    pub end: Pos,
    /// The edit, with its byte range.
    pub edit: &'f Edit,
}

/// Line starts of one text, for turning many byte offsets into positions without rescanning
/// the text for each.
struct LineStarts<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineStarts<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineStarts { text, starts }
    }

    /// The position of byte `offset` (as [`crate::edit::pos_of`] computes it).
    fn pos(&self, offset: usize) -> Pos {
        let mut off = offset.min(self.text.len());
        while !self.text.is_char_boundary(off) {
            off -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= off).max(1);
        let col = self.text[self.starts[line - 1]..off].chars().count() + 1;
        Pos::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

/// Places the edits of findings' fixes in their files' texts, for the machine formats; the
/// line index of each file is built once.
pub struct FixPlacer<'r> {
    sources: &'r HashMap<&'r Path, &'r str>,
    lines: HashMap<&'r Path, LineStarts<'r>>,
}

impl<'r> FixPlacer<'r> {
    /// A placer over the texts of `report`.
    pub fn new(report: &'r Report<'r>) -> Self {
        FixPlacer {
            sources: &report.sources,
            lines: HashMap::new(),
        }
    }

    /// The edits of `f`'s fix in the order they apply (by start, then end; insertions at one
    /// place in their given order, as [`crate::edit::apply`] and SARIF's `replacements`
    /// order them). `None` when the finding has no fix, the fix no edit, or its file's
    /// text is not at hand or does not hold the edits' ranges (then no fix is written rather
    /// than a wrong one).
    pub fn place<'f>(&mut self, f: &'f Finding) -> Option<(&'f Fix, Vec<PlacedEdit<'f>>)> {
        let fix = f.fix.as_ref().filter(|fix| !fix.edits.is_empty())?;
        let (&path, &text) = self.sources.get_key_value(f.path.as_path())?;
        let fits = |at: usize| at <= text.len() && text.is_char_boundary(at);
        if !fix
            .edits
            .iter()
            .all(|e| e.range.start <= e.range.end && fits(e.range.start) && fits(e.range.end))
        {
            return None;
        }
        let lines = self
            .lines
            .entry(path)
            .or_insert_with(|| LineStarts::new(text));
        let mut edits: Vec<&Edit> = fix.edits.iter().collect();
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        let placed = edits
            .into_iter()
            .map(|edit| PlacedEdit {
                start: lines.pos(edit.range.start),
                end: lines.pos(edit.range.end),
                edit,
            })
            .collect();
        Some((fix, placed))
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
    /// Documents skipped as not Sigma.
    pub skipped: &'a [Skipped],
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
        Format::Concise => concise::write(report, out),
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
    fn line_starts_agree_with_pos_of() {
        let text = "a: é1\r\nbb: 2\n\nlast";
        let lines = LineStarts::new(text);
        for off in 0..=text.len() + 2 {
            assert_eq!(lines.pos(off), crate::edit::pos_of(text, off), "{off}");
        }
    }

    #[test]
    fn summary_line_reads_naturally() {
        let s = Summary {
            files: 1,
            documents: 2,
            errors: 1,
            warnings: 0,
            infos: 3,
            suppressed: 2,
            not_sigma: 0,
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
