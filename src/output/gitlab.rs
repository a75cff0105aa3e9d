//! `--format gitlab`: a GitLab Code Quality report (the JSON array GitLab shows in merge
//! requests): one issue per finding with `description`, `check_name`, a stable `fingerprint`,
//! `severity` and `location.path` / `location.lines.begin`.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::diagnostic::{Finding, Severity};

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Namespace of the fingerprints (UUID v5), fixed so fingerprints are stable across runs.
const FINGERPRINT_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x5f0c_4e0b_9a3d_4b7e_8c61_2d9f_0a17_c3e5);

/// A stable fingerprint of a finding: the same code, path, line and message give the same value
/// in every run, so GitLab can tell new findings from fixed ones.
fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        f.code,
        f.path.display(),
        f.pos.line,
        f.message
    );
    uuid::Uuid::new_v5(&FINGERPRINT_NAMESPACE, key.as_bytes())
        .simple()
        .to_string()
}

/// GitLab's severity scale for a finding.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Writes the Code Quality report.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = report
        .findings
        .iter()
        .map(|f| Issue {
            description: format!("{} {}: {}", f.code, f.name, f.message),
            check_name: format!("{} {}", f.code, f.name),
            fingerprint: fingerprint(f),
            severity: severity(f.severity),
            location: Location {
                path: f.path.display().to_string(),
                lines: Lines { begin: f.pos.line },
            },
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Pos;

    fn finding(line: u32, message: &str) -> Finding {
        Finding {
            code: "API001",
            name: "api-presence-only",
            severity: Severity::Error,
            message: message.to_owned(),
            path: "rules/a.yml".into(),
            pos: Pos::new(line, 3),
            end: None,
            doc_index: Some(0),
            doc_id: None,
            doc_title: None,
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint(&finding(4, "x"));
        assert_eq!(a, fingerprint(&finding(4, "x")));
        assert_ne!(a, fingerprint(&finding(5, "x")));
        assert_ne!(a, fingerprint(&finding(4, "y")));
        assert_eq!(a.len(), 32);
    }
}
