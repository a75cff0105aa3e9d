//! `sigsmith rules` (list every check) and `sigsmith explain` (print one check's docs).

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::checks;
use crate::cli::Globals;
use crate::output::sarif::RULE_DOCS_URL;

/// Output formats of `sigsmith rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RulesFormat {
    /// An aligned table.
    #[default]
    Text,
    /// A JSON array of `{code, name, severity, summary, fix, help_uri}` objects.
    Json,
}

/// Arguments of `sigsmith rules`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  sigsmith rules\n  sigsmith rules --format json")]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// Arguments of `sigsmith explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  sigsmith explain API001\n  sigsmith explain api-presence-only"
)]
pub struct ExplainArgs {
    /// A check's code (`API001`) or name (`api-presence-only`).
    pub rule: String,
}

#[derive(Serialize)]
struct RuleRow {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    summary: &'static str,
    /// Whether `lint --fix` can fix the check's findings.
    fix: bool,
    help_uri: String,
}

/// Runs `sigsmith rules`.
pub fn run_rules(args: RulesArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    let mut out = anstream::stdout().lock();
    let all = checks::all();
    match args.format {
        RulesFormat::Json => {
            let rows: Vec<RuleRow> = all
                .iter()
                .map(|m| RuleRow {
                    code: m.code,
                    name: m.name,
                    severity: m.severity.as_str(),
                    summary: m.summary,
                    fix: m.fix_doc().is_some(),
                    help_uri: format!("{RULE_DOCS_URL}#{}", m.code.to_ascii_lowercase()),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        RulesFormat::Text => {
            let name_w = all.iter().map(|m| m.name.len()).max().unwrap_or(4).max(4);
            let code_w = all.iter().map(|m| m.code.len()).max().unwrap_or(4).max(4);
            writeln!(
                out,
                "{:code_w$}  {:name_w$}  {:8}  FIX  SUMMARY",
                "CODE", "NAME", "SEVERITY"
            )?;
            for m in all {
                writeln!(
                    out,
                    "{:code_w$}  {:name_w$}  {:8}  {:3}  {}",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    if m.fix_doc().is_some() { "yes" } else { "" },
                    m.summary
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `docs/rules.md`: every check's code, name, severity, summary and full documentation, with
/// an `id` anchor per lowercase code (the SARIF `helpUri` points there).
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "# sigsmith lint checks\n\n\
         Generated from the check registry (`SIGSMITH_UPDATE_SCHEMAS=1 cargo test --test cli_lint`); \
         do not edit by hand. `sigsmith explain CODE` prints the same text.\n\n\
         | Code | Name | Default severity | Summary |\n|---|---|---|---|\n",
    );
    for m in checks::all() {
        s.push_str(&format!(
            "| [{}](#{}) | `{}` | {} | {} |\n",
            m.code,
            m.code.to_ascii_lowercase(),
            m.name,
            m.severity,
            m.summary.replace('|', "\\|")
        ));
    }
    for m in checks::all() {
        s.push_str(&format!(
            "\n<a id=\"{}\"></a>\n\n## {} {}\n\nDefault severity: {}. {}.\n\n",
            m.code.to_ascii_lowercase(),
            m.code,
            m.name,
            m.severity,
            m.summary
        ));
        let mut in_code = false;
        for line in m.doc_text().lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with('#') {
                s.push('#');
            }
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

/// Runs `sigsmith explain`.
pub fn run_explain(args: ExplainArgs, _globals: Globals) -> anyhow::Result<ExitCode> {
    let Some(m) = checks::find(&args.rule) else {
        let close = checks::close_matches(&args.rule);
        let mut msg = format!("unknown check `{}`", args.rule);
        if close.is_empty() {
            msg.push_str("\nhelp: `sigsmith rules` lists every check");
        } else {
            let names: Vec<String> = close
                .iter()
                .map(|m| format!("{} ({})", m.code, m.name))
                .collect();
            msg.push_str(&format!("\nhelp: did you mean {}?", names.join(", ")));
        }
        anyhow::bail!(msg);
    };
    let mut out = anstream::stdout().lock();
    writeln!(out, "{} {}", m.code, m.name)?;
    writeln!(out, "Default severity: {}", m.severity)?;
    writeln!(out, "Summary: {}", m.summary)?;
    writeln!(out)?;
    write!(out, "{}", m.doc_text())?;
    Ok(ExitCode::SUCCESS)
}
