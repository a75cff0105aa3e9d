//! `sigsmith strategies`: list detection strategies and their targets.

use std::borrow::Cow;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::Globals;
use crate::output::sanitize::line;
use crate::strategy::{Catalog, Strategy};

const EXAMPLES: &str = "\
Examples:
  sigsmith strategies                  # id, domain, family, targets and name of each strategy
  sigsmith strategies --format json    # the same as versioned JSON (\"version\": 1)
  sigsmith show DET0078                # details of one strategy
  sigsmith strategies --attack enterprise-attack.json --attack ics-attack.json
                                       # the ATT&CK strategies too (curated ones enriched)
  sigsmith strategies --attack ics-attack.json --technique T0871 --format json
  sigsmith strategies --attack enterprise-attack.json --unmapped
                                       # ATT&CK log source names no mapping covers";

/// Output format of `strategies` and `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON (versioned).
    Json,
}

/// Arguments of `sigsmith strategies`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct StrategiesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// ATT&CK bundles to import strategies from.
    #[command(flatten)]
    pub attack: crate::commands::attack::AttackArgs,
    /// Which strategies to list.
    #[command(flatten)]
    pub filter: crate::commands::attack::FilterArgs,
    /// List the ATT&CK log source names that no mapping covers, with counts (with --attack).
    #[arg(long)]
    pub unmapped: bool,
}

#[derive(Serialize)]
struct TargetRow<'a> {
    name: &'a str,
    title: &'a str,
    platform: &'a str,
    logsource: &'a crate::strategy::LogSource,
    correlation: bool,
}

#[derive(Serialize)]
struct StrategyRow<'a> {
    id: &'a str,
    name: &'a str,
    kind: crate::strategy::ObjectKind,
    domain: crate::strategy::Domain,
    source: crate::strategy::Source,
    family: crate::strategy::Family,
    techniques: Vec<&'a str>,
    platforms: &'a [String],
    targets: Vec<TargetRow<'a>>,
}

#[derive(Serialize)]
struct Listing<'a> {
    version: u32,
    strategies: Vec<StrategyRow<'a>>,
}

fn row(s: &Strategy) -> StrategyRow<'_> {
    StrategyRow {
        id: &s.id,
        name: &s.name,
        kind: s.kind,
        domain: s.domain,
        source: s.source,
        family: s.family,
        techniques: s.techniques.iter().map(|t| t.id.as_str()).collect(),
        platforms: &s.platforms,
        targets: s
            .targets
            .iter()
            .map(|t| TargetRow {
                name: &t.name,
                title: &t.title,
                platform: &t.platform,
                logsource: &t.logsource,
                correlation: t.correlation.is_some(),
            })
            .collect(),
    }
}

/// Renders the listing of `catalog` in `format`.
pub fn render(catalog: &Catalog, format: Format) -> anyhow::Result<String> {
    match format {
        Format::Json => {
            let listing = Listing {
                version: 1,
                strategies: catalog.list().iter().map(row).collect(),
            };
            let mut s = serde_json::to_string_pretty(&listing)?;
            s.push('\n');
            Ok(s)
        }
        Format::Text => {
            let mut out = String::new();
            for s in catalog.list() {
                let techniques: Vec<Cow<'_, str>> =
                    s.techniques.iter().map(|t| line(&t.id)).collect();
                // One row per line: bundle text is escaped (newlines included).
                out.push_str(&format!(
                    "{:<8} {:<10} {:<18} {}{}\n",
                    line(&s.id),
                    s.domain,
                    s.family,
                    line(&s.name),
                    if techniques.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", techniques.join(", "))
                    }
                ));
                for t in &s.targets {
                    out.push_str(&format!(
                        "    {:<24} {:<20} {}{}\n",
                        line(&t.name),
                        line(&t.platform),
                        line(&t.logsource.to_string()),
                        if t.correlation.is_some() {
                            "  [+correlation]"
                        } else {
                            ""
                        }
                    ));
                }
            }
            let targets: usize = catalog.list().iter().map(|s| s.targets.len()).sum();
            out.push_str(&format!(
                "{} strategies, {} targets\n",
                catalog.len(),
                targets
            ));
            Ok(out)
        }
    }
}

/// The `strategies --unmapped` listing: text columns (references, strategies, domains, name)
/// or versioned JSON.
pub fn render_unmapped(
    list: &[crate::attack::logsources::UnmappedName],
    json: bool,
) -> Result<String, serde_json::Error> {
    if json {
        let mut s = serde_json::to_string_pretty(&serde_json::json!({
            "version": 1,
            "unmapped": list,
        }))?;
        s.push('\n');
        return Ok(s);
    }
    let mut out = String::from("references  strategies  domains          log source name\n");
    for u in list {
        let domains: Vec<&str> = u.domains.iter().map(|d| d.as_str()).collect();
        out.push_str(&format!(
            "{:>10}  {:>10}  {:<15}  {}\n",
            u.references,
            u.strategies,
            domains.join(","),
            u.name
        ));
    }
    let refs: usize = list.iter().map(|u| u.references).sum();
    out.push_str(&format!(
        "{} unmapped log source names, {refs} references\n",
        list.len()
    ));
    Ok(out)
}

/// Runs `sigsmith strategies`.
pub fn run(args: StrategiesArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let configured = crate::commands::attack::configured_bundles(&cwd, &cwd)?;
    let loaded = args.attack.catalog(&configured, globals.quiet)?;
    let text = if args.unmapped {
        let Some(data) = &loaded.data else {
            anyhow::bail!("--unmapped needs ATT&CK data: give --attack FILE");
        };
        render_unmapped(&loaded.table.unmapped(data), args.format == Format::Json)?
    } else {
        let filter = args.filter.filter();
        let kept: Vec<_> = loaded
            .catalog
            .list()
            .iter()
            .filter(|s| filter.matches_strategy(s))
            .cloned()
            .collect();
        let catalog = Catalog::from_strategies(kept).context("filtering the catalog")?;
        render(&catalog, args.format)?
    };
    let text = match args.format {
        Format::Text => crate::output::sanitize::text(&text).into_owned(),
        Format::Json => text,
    };
    let mut stdout = anstream::stdout();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
