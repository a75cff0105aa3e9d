//! `--format concise`: one line per finding, `path:line:col: severity CODE message`, for
//! editors' error parsers, `grep` and long reports.

use std::io::{self, Write};

use super::{Report, sanitize};
use crate::diagnostic::Finding;

/// The concise line of one finding (no line ending).
pub fn line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {} {} {}",
        sanitize::line(&f.path.display().to_string()),
        f.pos.line,
        f.pos.col,
        f.severity.as_str(),
        f.code,
        sanitize::line(&f.message)
    )
}

/// Writes one line per finding.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        writeln!(out, "{}", line(f))?;
    }
    Ok(())
}
