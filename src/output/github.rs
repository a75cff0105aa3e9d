//! `--format github`: GitHub Actions workflow commands, one annotation per finding:
//! `::error file=PATH,line=L,col=C,endLine=…,endColumn=…,title=CODE name::message`.
//! Info-level findings become `notice` annotations.
//!
//! GitHub shows at most [`ANNOTATIONS_PER_LEVEL`] annotations of each level per step and drops
//! the rest silently, so errors come first, then warnings, then notices, each level capped at
//! that number; the findings beyond it are printed as plain `path:line:col: severity CODE
//! message` lines inside a collapsed log group, after a notice that says how many there are.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Report, sanitize};
use crate::diagnostic::{Finding, Severity};

/// Escapes workflow-command data (the message).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Annotations GitHub displays per level (error, warning, notice) and step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Writes the annotations, errors first, at most [`ANNOTATIONS_PER_LEVEL`] per level, then
/// the remaining findings as a plain list in a log group.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    // GitHub resolves `file=` from the repository root, not from the folder sigsmith ran in.
    // (`GITHUB_WORKSPACE` when set, as on a runner; else the root of the file's repository.)
    let workspace = std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from);
    let mut repo_paths: HashMap<&Path, PathBuf> = HashMap::new();
    let mut rest: Vec<&Finding> = Vec::new();
    for level in [Severity::Error, Severity::Warning, Severity::Info] {
        let of_level = report.findings.iter().filter(|f| f.severity == level);
        for (i, f) in of_level.enumerate() {
            if i < ANNOTATIONS_PER_LEVEL {
                let path = repo_paths.entry(f.path.as_path()).or_insert_with(|| {
                    crate::discover::repo_relative(&f.path, workspace.as_deref())
                });
                annotation(f, path, out)?;
            } else {
                rest.push(f);
            }
        }
    }
    if !rest.is_empty() {
        let count = |s: Severity| rest.iter().filter(|f| f.severity == s).count();
        let message = format!(
            "sigsmith: {} more findings ({} errors, {} warnings, {} infos) are not annotations: GitHub shows {ANNOTATIONS_PER_LEVEL} per level; they are listed in the log group \"{GROUP_TITLE}\"",
            rest.len(),
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        );
        writeln!(out, "::notice title=sigsmith::{}", escape_data(&message))?;
        writeln!(out, "::group::{GROUP_TITLE}")?;
        for f in rest {
            writeln!(out, "{}", super::concise::line(f))?;
        }
        writeln!(out, "::endgroup::")?;
    }
    Ok(())
}

/// Title of the log group holding the findings beyond the annotation limit.
const GROUP_TITLE: &str = "sigsmith: findings beyond the annotation limit";

fn annotation(f: &Finding, path: &Path, out: &mut dyn Write) -> io::Result<()> {
    {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = format!(
            "file={},line={},col={}",
            escape_property(&sanitize::line(&path.display().to_string())),
            f.pos.line,
            f.pos.col
        );
        if let Some(end) = f.end.filter(|e| *e > f.pos) {
            props.push_str(&format!(",endLine={},endColumn={}", end.line, end.col));
        }
        props.push_str(&format!(
            ",title={}",
            escape_property(&format!("{} {}", f.code, f.name))
        ));
        // Each field sanitised on its own (an escape sequence or newline in a rule's text is
        // shown escaped), then joined with the one line break the annotation is meant to have.
        let mut message = sanitize::line(&f.message).into_owned();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(&sanitize::line(help));
        }
        writeln!(out, "::{command} {props}::{}", escape_data(&message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_properties_and_data() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("50% a:b\r\nc"), "50%25 a:b%0D%0Ac");
    }
}
