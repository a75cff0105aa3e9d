//! `sigsmith show`: print one detection strategy.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use crate::cli::Globals;
use crate::commands::strategies::Format;
use crate::strategy::Strategy;

const EXAMPLES: &str = "\
Examples:
  sigsmith show DET0078                # telemetry, targets, context, baselines, prompts
  sigsmith show det0742 --format json  # the catalog entry as JSON (with placeholders)
  sigsmith new DET0078 --target okta-system-log   # then render one of its drafts
  sigsmith show DET0078 --attack enterprise-attack.json
                                       # curated entry enriched by ATT&CK, then the imported
                                       # analytics, log source mappings and techniques";

/// Arguments of `sigsmith show`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct ShowArgs {
    /// Strategy id (case-insensitive), e.g. DET0078.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// ATT&CK bundles to import strategies from.
    #[command(flatten)]
    pub attack: crate::commands::attack::AttackArgs,
}

/// The strategy as JSON: the catalog entry plus each baseline's placeholder, versioned.
pub fn to_json(s: &Strategy) -> anyhow::Result<serde_json::Value> {
    let mut value = serde_json::to_value(s)?;
    if let Some(targets) = value.get_mut("targets").and_then(|t| t.as_array_mut()) {
        for (t, target) in targets.iter_mut().zip(&s.targets) {
            if let Some(bs) = t.get_mut("baselines").and_then(|b| b.as_array_mut()) {
                for (b, baseline) in bs.iter_mut().zip(&target.baselines) {
                    if let Some(obj) = b.as_object_mut() {
                        obj.insert(
                            "placeholder".to_owned(),
                            serde_json::Value::String(baseline.placeholder()),
                        );
                    }
                }
            }
        }
    }
    Ok(serde_json::json!({ "version": 1, "strategy": value }))
}

/// The strategy as text.
pub fn to_text(s: &Strategy) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}  {}", s.id, s.name);
    let _ = writeln!(
        o,
        "  kind: {:?}, domain: {}, family: {}, source: {}, level: {}",
        s.kind,
        s.domain,
        s.family,
        s.source,
        s.level.as_str()
    );
    let _ = writeln!(o, "  platforms: {}", s.platforms.join(", "));
    if !s.techniques.is_empty() {
        let t: Vec<String> = s
            .techniques
            .iter()
            .map(|t| format!("{} {}", t.id, t.name))
            .collect();
        let _ = writeln!(o, "  techniques: {}", t.join("; "));
    }
    if !s.tags().is_empty() {
        let _ = writeln!(o, "  tags: {}", s.tags().join(", "));
    }
    let _ = writeln!(o, "\n{}\n", s.summary.trim());
    let list = |o: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            let _ = writeln!(o, "{title}:");
            for i in items {
                let _ = writeln!(o, "  - {i}");
            }
        }
    };
    list(&mut o, "Telemetry", &s.telemetry);
    list(&mut o, "Mitigation priorities", &s.mitigations);
    list(&mut o, "False positives", &s.false_positives);
    list(&mut o, "References", &s.references);
    let _ = writeln!(o, "Validation prompts:");
    for p in &s.prompts {
        let _ = writeln!(o, "  {}  {}", p.id, p.question);
    }
    for t in &s.targets {
        let _ = writeln!(o, "\nTarget {} ({}, {})", t.name, t.title, t.platform);
        let _ = writeln!(
            o,
            "  logsource: {}{}",
            t.logsource,
            if t.custom_logsource { " (custom)" } else { "" }
        );
        let _ = writeln!(o, "  api fields: {}", t.api_fields.join(", "));
        for sel in &t.api {
            let parts: Vec<String> = sel
                .matches
                .iter()
                .map(|m| format!("{}: {}", m.key(), m.values.join(" | ")))
                .collect();
            let _ = writeln!(
                o,
                "  api: {}{}",
                parts.join("; "),
                sel.note
                    .as_ref()
                    .map(|n| format!("  # {n}"))
                    .unwrap_or_default()
            );
        }
        if let Some(cc) = &t.context_constraint {
            let _ = writeln!(o, "  context constraint: {}", cc.description);
            for sel in &cc.any_of {
                let parts: Vec<String> = sel
                    .matches
                    .iter()
                    .map(|m| format!("{}: {}", m.key(), m.values.join(" | ")))
                    .collect();
                let _ = writeln!(o, "    {}", parts.join("; "));
            }
        }
        let _ = writeln!(o, "  context:");
        for (class, fields) in t.context.classes() {
            let _ = writeln!(o, "    {:<9} {}", class.as_str(), fields.join(", "));
        }
        if !t.baselines.is_empty() {
            let _ = writeln!(o, "  baselines:");
            for b in &t.baselines {
                let _ = writeln!(
                    o,
                    "    {}  on {}: {} (e.g. {})",
                    b.placeholder(),
                    b.key(),
                    b.description,
                    b.examples.join(", ")
                );
            }
        }
        if !t.prompts.is_empty() {
            let _ = writeln!(o, "  validation prompts of this target:");
            for p in &t.prompts {
                let _ = writeln!(o, "    {}  {}", p.id, p.question);
            }
        }
        if let Some(c) = &t.correlation {
            let _ = writeln!(
                o,
                "  correlation: {} {}by {} within {} >= {}: {}",
                c.kind.as_str(),
                c.field
                    .as_ref()
                    .map(|f| format!("of {f} "))
                    .unwrap_or_default(),
                c.group_by.join(", "),
                c.timespan,
                c.gte,
                c.title
            );
        }
    }
    o
}

/// Runs `sigsmith show`.
pub fn run(args: ShowArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let configured = crate::commands::attack::configured_bundles(&cwd, &cwd)?;
    let loaded = args.attack.catalog(&configured, globals.quiet)?;
    let catalog = &loaded.catalog;
    let Some(s) = catalog.get(&args.id) else {
        bail!(
            "unknown strategy {:?}; valid strategies: {}",
            args.id,
            catalog.ids().join(", ")
        );
    };
    let data = loaded.data.as_ref();
    let text = match args.format {
        Format::Text => {
            let mut t = to_text(s);
            if let Some(more) =
                data.and_then(|d| crate::commands::describe::text(d, &loaded.table, &s.id))
            {
                t.push_str(&more);
            }
            t
        }
        Format::Json => {
            let mut value = to_json(s)?;
            if let (Some(obj), Some(more)) = (
                value.as_object_mut(),
                data.and_then(|d| crate::commands::describe::json(d, &s.id)),
            ) {
                obj.insert("attack".to_owned(), more);
            }
            let mut t = serde_json::to_string_pretty(&value)?;
            t.push('\n');
            t
        }
    };
    // Strategy text comes from ATT&CK bundles: escape sequences are shown, never executed.
    let text = match args.format {
        Format::Text => crate::output::sanitize::text(&text).into_owned(),
        Format::Json => text,
    };
    let mut stdout = anstream::stdout();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
