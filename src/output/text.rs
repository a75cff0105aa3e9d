//! `--format text`: one `path:line:col: CODE[name] message` line per finding, followed by a
//! cargo-style source snippet (annotate-snippets) with the severity, the help and any related
//! locations.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use annotate_snippets::renderer::{AnsiColor, Style};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Report, sanitize};
use crate::diagnostic::{Finding, Severity};

/// Spans longer than this many lines are shown by their first line only.
const MAX_SNIPPET_LINES: u32 = 4;

/// Byte offsets of line starts, computed once per file.
/// The text is sanitised first ([`sanitize::snippet`]: one visible character per control
/// character, so columns still match).
struct LineIndex<'a> {
    text: Cow<'a, str>,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let text = sanitize::snippet(text);
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// Line `n` (1-based) without its line ending.
    fn line(&self, n: u32) -> Option<&str> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).map_or(self.text.len(), |e| e - 1);
        let l = self.text.get(start..end.max(start))?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Byte offset of 1-based character column `col` in `line`, clamped to the line's length.
fn byte_of_col(line: &str, col: u32) -> usize {
    let skip = usize::try_from(col.saturating_sub(1)).unwrap_or(usize::MAX);
    line.char_indices().nth(skip).map_or(line.len(), |(i, _)| i)
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => AnsiColor::BrightRed.on_default().bold(),
        Severity::Warning => AnsiColor::BrightYellow.on_default().bold(),
        Severity::Info => AnsiColor::BrightBlue.on_default().bold(),
    }
}

/// The source lines and the annotated byte range of a finding, when its position is inside
/// the text.
fn excerpt(f: &Finding, index: &LineIndex<'_>) -> Option<(u32, String, std::ops::Range<usize>)> {
    let first = index.line(f.pos.line)?;
    let mut last_line = f.pos.line;
    let mut end_col = None;
    if let Some(end) = f.end.filter(|e| *e > f.pos) {
        let (line, col) = if end.col <= 1 && end.line > f.pos.line {
            // An exclusive end at the start of a line ends on the line before.
            let prev = index.line(end.line - 1)?;
            (
                end.line - 1,
                u32::try_from(prev.chars().count() + 1).unwrap_or(u32::MAX),
            )
        } else {
            (end.line, end.col)
        };
        if line - f.pos.line < MAX_SNIPPET_LINES {
            last_line = line;
            end_col = Some(col);
        }
    }
    let mut source = String::from(first);
    for n in f.pos.line + 1..=last_line {
        source.push('\n');
        source.push_str(index.line(n)?);
    }
    let start = byte_of_col(first, f.pos.col);
    let end = match end_col {
        Some(col) if last_line > f.pos.line => {
            let last = index.line(last_line)?;
            source.len() - last.len() + byte_of_col(last, col)
        }
        Some(col) => byte_of_col(first, col),
        None => {
            // Underline the word at the position.
            let rest = &first[start..];
            start
                + rest
                    .find(|c: char| c.is_whitespace() || c == ':')
                    .unwrap_or(rest.len())
        }
    };
    let end = if end <= start {
        // At least one character, when there is one.
        first[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8())
    } else {
        end
    };
    Some((f.pos.line, source, start..end))
}

/// Writes the findings as text.
pub fn write(report: &Report<'_>, out: &mut dyn Write, styled: bool) -> io::Result<()> {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let bold = Style::new().bold();
    let mut indexes: HashMap<&Path, LineIndex<'_>> = HashMap::new();
    for f in report.findings {
        let sev = severity_style(f.severity);
        let (b, br, s, sr) = if styled {
            (
                bold.render().to_string(),
                bold.render_reset().to_string(),
                sev.render().to_string(),
                sev.render_reset().to_string(),
            )
        } else {
            Default::default()
        };
        writeln!(
            out,
            "{b}{}:{}:{}:{br} {s}{}[{}]{sr} {}",
            sanitize::line(&f.path.display().to_string()),
            f.pos.line,
            f.pos.col,
            f.code,
            f.name,
            sanitize::line(&f.message)
        )?;
        let mut group = Group::with_level(level(f.severity));
        let mut has_body = false;
        if let Some(text) = report.sources.get(f.path.as_path()) {
            let index = indexes
                .entry(f.path.as_path())
                .or_insert_with(|| LineIndex::new(text));
            if let Some((line, source, range)) = excerpt(f, index) {
                group = group.element(
                    Snippet::source(source)
                        .line_start(usize::try_from(line).unwrap_or(usize::MAX))
                        .fold(false)
                        .annotation(
                            AnnotationKind::Primary
                                .span(range)
                                .label(f.severity.as_str()),
                        ),
                );
                has_body = true;
            }
        }
        if let Some(help) = &f.help {
            group = group.element(Level::HELP.message(sanitize::line(help)));
            has_body = true;
        }
        for r in &f.related {
            group = group.element(Level::NOTE.message(format!(
                "{}:{}: {}",
                sanitize::line(&r.path.display().to_string()),
                r.pos,
                sanitize::line(&r.message)
            )));
            has_body = true;
        }
        if has_body {
            writeln!(out, "{}", renderer.render(&[group]))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Summary;
    use crate::yaml::Pos;
    use std::path::PathBuf;

    fn finding(line: u32, col: u32, end: Option<Pos>) -> Finding {
        Finding {
            code: "API001",
            name: "api-presence-only",
            severity: Severity::Error,
            message: "rule alerts on API presence alone".into(),
            path: PathBuf::from("r.yml"),
            pos: Pos::new(line, col),
            end,
            doc_index: Some(0),
            doc_id: None,
            doc_title: None,
            help: Some("add a context constraint".into()),
            related: Vec::new(),
            fix: None,
        }
    }

    fn render(findings: &[Finding], text: &str) -> String {
        let mut sources = HashMap::new();
        sources.insert(Path::new("r.yml"), text);
        let report = Report {
            findings,
            sources,
            summary: Summary::default(),
            skipped: &[],
        };
        let mut out = Vec::new();
        write(&report, &mut out, false).expect("write");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn header_snippet_and_help() {
        let text = "title: x\ndetection:\n  condition: selection\n";
        let got = render(&[finding(3, 3, None)], text);
        assert_eq!(
            got,
            "r.yml:3:3: API001[api-presence-only] rule alerts on API presence alone\n  |\n3 |   condition: selection\n  |   ^^^^^^^^^ error\n  |\n  = help: add a context constraint\n\n"
        );
    }

    #[test]
    fn spans_and_odd_positions_do_not_panic() {
        let text = "a: é\r\nb: 2\n";
        for (line, col, end) in [
            (1, 4, Some(Pos::new(1, 5))),
            (1, 1, Some(Pos::new(3, 1))),
            (1, 99, None),
            (9, 1, None),
            (2, 1, Some(Pos::new(1, 1))),
        ] {
            let got = render(&[finding(line, col, end)], text);
            assert!(
                got.starts_with(&format!("r.yml:{line}:{col}: API001")),
                "{got}"
            );
        }
        let got = render(&[finding(1, 4, Some(Pos::new(1, 5)))], text);
        assert!(got.contains("1 | a: é\n  |    ^ error"), "{got}");
    }
}
