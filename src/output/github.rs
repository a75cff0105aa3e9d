//! `--format github`: GitHub Actions workflow commands, one annotation per finding:
//! `::error file=PATH,line=L,col=C,endLine=…,endColumn=…,title=CODE name::message`.
//! Info-level findings become `notice` annotations.

use std::io::{self, Write};

use super::Report;
use crate::diagnostic::Severity;

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

/// Writes one workflow command per finding.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = format!(
            "file={},line={},col={}",
            escape_property(&f.path.display().to_string()),
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
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
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
