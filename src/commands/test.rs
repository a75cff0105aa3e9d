//! `sigsmith test`: run the exemplars kept with each rule (see [`crate::eval::exemplar`]).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use crate::cli::Globals;
use crate::commands::eval::read_placeholders;
use crate::discover::{Excludes, discover};
use crate::eval::exemplar;
use crate::eval::matcher::Placeholders;
use crate::eval::rules::RuleSet;
use crate::lint::document::{DocKind, parse_file};

/// Output formats of `sigsmith test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TestFormat {
    /// One line per exemplar (`PASS`/`FAIL file:line rule › name`) and a summary.
    #[default]
    Text,
    /// JUnit XML, one test case per exemplar, for CI test reports.
    Junit,
    /// A JSON array of `{path, line, rule, title, name, expect, passed, message}`.
    Json,
}

/// Arguments of `sigsmith test`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exemplars live in the rule's `sigsmith` block:\n\n  sigsmith:\n    \
exemplars:\n      - name: admin creates a key\n        expect: match\n        event: {eventName: \
CreateAccessKey, ...}\n      - name: approved automation\n        expect: no-match\n        file: \
samples/automation.ndjson\n\nRSigma's `custom_attributes: {rsigma.exemplars: [...]}` is read \
too.\n\nExit status: 0 every exemplar passed, 1 one failed, 2 error.\n\nExamples:\n  sigsmith \
test rules/\n  sigsmith test rules/ --format junit > exemplars.xml"
)]
pub struct TestArgs {
    /// Rule files or folders (default: the current folder).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// YAML mapping of `expand` placeholder names to their values.
    #[arg(long, value_name = "FILE")]
    pub placeholders: Option<PathBuf>,
}

/// The outcome of one exemplar.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The rule file.
    pub path: PathBuf,
    /// Line of the exemplar in the rule file.
    pub line: u32,
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The exemplar's name.
    pub name: String,
    /// Whether a match was expected.
    pub expect_match: bool,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed.
    pub message: Option<String>,
}

/// Runs every exemplar of the rules under `paths`.
pub fn run_exemplars(
    paths: &[PathBuf],
    placeholders: &Placeholders,
) -> anyhow::Result<Vec<Outcome>> {
    let found = discover(paths, &Excludes::new())?;
    let set = RuleSet::load(&found.sources, placeholders);
    let mut out = Vec::new();
    for src in &found.sources {
        let parsed = parse_file(&src.text);
        for doc in &parsed.documents {
            if doc.kind != DocKind::Rule {
                continue;
            }
            let exemplars = exemplar::read(&doc.root, &src.path);
            if exemplars.is_empty() {
                continue;
            }
            let line = doc.start.line;
            let rule = set
                .rules
                .iter()
                .find(|r| r.path == src.path && r.line == line);
            let compile_error = set
                .errors
                .iter()
                .find(|e| e.path == src.path && e.line == line)
                .map(|e| e.message.clone());
            let id = doc
                .text_attr("id")
                .map(|s| s.into_owned())
                .unwrap_or_default();
            let title = doc.title().unwrap_or_default().to_owned();
            for ex in exemplars {
                let mut o = Outcome {
                    path: src.path.clone(),
                    line: ex.pos.line,
                    rule: id.clone(),
                    title: title.clone(),
                    name: ex.name.clone(),
                    expect_match: ex.expect_match,
                    passed: false,
                    message: None,
                };
                if let Some(e) = ex.error {
                    o.message = Some(e);
                } else if let Some(r) = rule {
                    let wrong: Vec<usize> = ex
                        .events
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| r.matches(e) != ex.expect_match)
                        .map(|(i, _)| i)
                        .collect();
                    if wrong.is_empty() {
                        o.passed = true;
                    } else {
                        let what = if ex.expect_match {
                            "expected a match, the rule does not match"
                        } else {
                            "expected no match, the rule matches"
                        };
                        o.message = Some(if ex.events.len() > 1 {
                            let shown: Vec<String> =
                                wrong.iter().take(10).map(ToString::to_string).collect();
                            format!("{what} event {} of the sidecar", shown.join(", "))
                        } else {
                            what.to_owned()
                        });
                    }
                } else {
                    o.message = Some(format!(
                        "the rule cannot be evaluated: {}",
                        compile_error.as_deref().unwrap_or("unknown error")
                    ));
                }
                out.push(o);
            }
        }
    }
    Ok(out)
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// Renders outcomes as JUnit XML (one suite per rule file).
pub fn junit(outcomes: &[Outcome]) -> String {
    let failures = outcomes.iter().filter(|o| !o.passed).count();
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sigsmith test\" tests=\"{}\" failures=\"{failures}\">\n",
        outcomes.len()
    );
    let mut files: Vec<&PathBuf> = outcomes.iter().map(|o| &o.path).collect();
    files.dedup();
    for f in files {
        let cases: Vec<&Outcome> = outcomes.iter().filter(|o| &o.path == f).collect();
        let fails = cases.iter().filter(|o| !o.passed).count();
        s.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\">\n",
            xml(&f.display().to_string()),
            cases.len()
        ));
        for o in cases {
            let class = if o.rule.is_empty() { &o.title } else { &o.rule };
            s.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
                xml(class),
                xml(&format!("{} › {}", o.title, o.name)),
                xml(&f.display().to_string()),
                o.line
            ));
            match &o.message {
                Some(m) if !o.passed => s.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}:{}: {}</failure>\n    </testcase>\n",
                    xml(m),
                    xml(&f.display().to_string()),
                    o.line,
                    xml(m)
                )),
                _ => s.push_str("/>\n"),
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

/// Runs `sigsmith test`.
pub fn run_test(args: TestArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let placeholders = match &args.placeholders {
        Some(p) => read_placeholders(p)?,
        None => Placeholders::new(),
    };
    let outcomes = run_exemplars(&args.paths, &placeholders)?;
    let mut stdout = anstream::stdout().lock();
    match args.format {
        TestFormat::Text => {
            for o in &outcomes {
                let status = if o.passed { "PASS" } else { "FAIL" };
                write!(
                    stdout,
                    "{status} {}:{} {} › {}",
                    o.path.display(),
                    o.line,
                    o.title,
                    o.name
                )?;
                match &o.message {
                    Some(m) => writeln!(stdout, ": {m}")?,
                    None => writeln!(stdout)?,
                }
            }
        }
        TestFormat::Junit => write!(stdout, "{}", junit(&outcomes))?,
        TestFormat::Json => {
            let v: Vec<_> = outcomes
                .iter()
                .map(|o| {
                    json!({
                        "path": o.path.display().to_string(),
                        "line": o.line,
                        "rule": o.rule,
                        "title": o.title,
                        "name": o.name,
                        "expect": if o.expect_match { "match" } else { "no-match" },
                        "passed": o.passed,
                        "message": o.message,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut stdout, &v)?;
            writeln!(stdout)?;
        }
    }
    stdout.flush()?;
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    if !globals.quiet {
        let mut stderr = anstream::stderr().lock();
        if outcomes.is_empty() {
            writeln!(stderr, "no exemplars found")?;
        } else {
            writeln!(
                stderr,
                "{} exemplars: {} passed, {failed} failed",
                outcomes.len(),
                outcomes.len() - failed
            )?;
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
