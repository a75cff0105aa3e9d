//! `sigsmith new`: render Sigma rule drafts for detection strategies.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use crate::cli::Globals;
use crate::scaffold::{self, Draft, Options, Renderer};
use crate::strategy::{Catalog, Strategy, Target};

const EXAMPLES: &str = "\
Examples:
  sigsmith new DET0078                          # every DET0078 draft to stdout
  sigsmith new DET0078 --target aws-cloudtrail  # one draft
  sigsmith new --all --out drafts               # write drafts/<family>/<name>.yml
  sigsmith new --all --out drafts --force       # regenerate (byte-identical for the same date)
  sigsmith new --all --out drafts --update      # take template and catalog updates, keep your edits
  sigsmith new --all --out drafts --update --diff  # only show what --update would change
  sigsmith new --all --out drafts --companion separate
                                                # correlations in <name>_correlation.yml files
  sigsmith new --all --example-values --out ci  # placeholders filled with example values
  sigsmith new DC0112 --templates my-templates  # my-templates/mobile-api-calls.yml.j2 overrides
  sigsmith new --all --attack enterprise-attack.json --attack ics-attack.json --out drafts
                                                # a draft per ATT&CK analytic and log source
  sigsmith new --uncovered --rules rules/ --attack enterprise-attack.json --out drafts
                                                # drafts for the strategies no rule covers yet

Drafts are validated by the linter (every error-level SIG check) before anything is written.
Placeholders look like '<<baseline:NAME>>'; fill them and answer the validation prompts in
the `sigsmith:` block before raising the status. Exit 2 on an unknown strategy or target, on
existing files without --force or files --update would lose content of, or on a template that
renders an invalid draft.";

/// Parses `--date`: exactly `YYYY-MM-DD`, a real calendar date.
fn parse_date(s: &str) -> Result<String, String> {
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(format!("expected YYYY-MM-DD, got {s:?}"));
    }
    s.parse::<jiff::civil::Date>()
        .map(|d| d.to_string())
        .map_err(|e| format!("{s:?} is not a valid date: {e}"))
}

/// Arguments of `sigsmith new`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct NewArgs {
    /// Strategy ids (case-insensitive), e.g. DET0078 DC0112.
    #[arg(
        value_name = "ID",
        required_unless_present_any = ["all", "uncovered"],
        conflicts_with_all = ["all", "uncovered"]
    )]
    pub ids: Vec<String>,
    /// Render every strategy of the catalog.
    #[arg(long, conflicts_with = "uncovered")]
    pub all: bool,
    /// Render the ATT&CK strategies that no rule under --rules covers yet (no counting rule tags
    /// a technique they detect; see `sigsmith coverage`). Needs ATT&CK data (--attack or
    /// `attack = [...]` in sigsmith.toml).
    #[arg(long)]
    pub uncovered: bool,
    /// With --uncovered: the rule files or folders whose coverage counts (repeatable; default
    /// `.`; their sigsmith.toml applies).
    #[arg(long = "rules", value_name = "PATH", requires = "uncovered")]
    pub rules: Vec<PathBuf>,
    /// Only these targets (repeatable), e.g. --target aws-cloudtrail.
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Write `DIR/<family>/<name>.yml` instead of printing to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite existing files (with --out).
    #[arg(long, requires = "out", conflicts_with = "update")]
    pub force: bool,
    /// Re-render the drafts under --out from the current templates and catalog, keeping what
    /// you filled (baseline filters, answers, exemplars, edited selections, status, level...);
    /// prints the diff of each changed file. Refuses (writes nothing) when a file's content
    /// cannot be kept.
    #[arg(long, requires = "out")]
    pub update: bool,
    /// Where the companion correlation rule goes: `inline` (a second YAML document of the rule's
    /// file) or `separate` (its own file, `<name>_correlation.yml`, beside the rule).
    #[arg(long, value_name = "WHERE", value_enum, default_value_t = scaffold::Companion::Inline)]
    pub companion: scaffold::Companion,
    /// With --update: print the diff only, write nothing.
    #[arg(long, requires = "update")]
    pub diff: bool,
    /// `author:` of the drafts.
    #[arg(long, value_name = "NAME", default_value = scaffold::DEFAULT_AUTHOR)]
    pub author: String,
    /// `date:` of the drafts [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<String>,
    /// Directory of *.yml.j2 templates overriding the built-in ones by name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Replace every placeholder with the baseline's example values (for conversion tests).
    #[arg(long)]
    pub example_values: bool,
    /// ATT&CK bundles to import strategies from.
    #[command(flatten)]
    pub attack: crate::commands::attack::AttackArgs,
}

/// The (strategy, target) pairs selected by the arguments, in catalog order.
pub fn select<'a>(
    catalog: &'a Catalog,
    ids: &[String],
    all: bool,
    targets: &[String],
) -> anyhow::Result<Vec<(&'a Strategy, &'a Target)>> {
    let strategies: Vec<&Strategy> = if all {
        catalog.list().iter().collect()
    } else {
        let mut out: Vec<&Strategy> = Vec::new();
        for id in ids {
            let Some(s) = catalog.get(id) else {
                bail!(
                    "unknown strategy {id:?}; valid strategies: {}",
                    catalog.ids().join(", ")
                );
            };
            if !out.iter().any(|o| o.id == s.id) {
                out.push(s);
            }
        }
        out
    };
    for name in targets {
        if !strategies.iter().any(|s| s.target(name).is_some()) {
            let valid: Vec<String> = strategies
                .iter()
                .flat_map(|s| {
                    s.targets
                        .iter()
                        .map(move |t| format!("{}/{}", s.id, t.name))
                })
                .collect();
            bail!(
                "unknown target {name:?}; valid targets: {}",
                valid.join(", ")
            );
        }
    }
    Ok(strategies
        .into_iter()
        .flat_map(|s| s.targets.iter().map(move |t| (s, t)))
        .filter(|(_, t)| {
            targets.is_empty() || targets.iter().any(|n| t.name.eq_ignore_ascii_case(n))
        })
        .collect())
}

/// Renders and validates every selected draft (nothing is written), in parallel; the drafts
/// keep the order of `pairs`, and the first failing pair in that order is the error reported.
pub fn render_all(
    renderer: &Renderer,
    pairs: &[(&Strategy, &Target)],
    options: &Options,
) -> anyhow::Result<Vec<Draft>> {
    use rayon::prelude::*;
    let rendered: Vec<Result<Draft, _>> = pairs
        .par_iter()
        .map(|(s, t)| renderer.render(s, t, options))
        .collect();
    rendered
        .into_iter()
        .map(|r| r.map_err(anyhow::Error::from))
        .collect()
}

/// The ids of the strategies no rule under `--rules` covers (see [`crate::coverage`]).
fn uncovered_ids(
    args: &NewArgs,
    configured: &[PathBuf],
    quiet: bool,
) -> anyhow::Result<Vec<String>> {
    let mut attack = args.attack.clone();
    // The bundles of the current folder's sigsmith.toml count too (the rules' own
    // configuration is read by `compute`).
    attack.attack = attack.paths(configured);
    let computed = crate::commands::coverage::compute(&attack, &args.rules, None, false, true)?;
    let ids: Vec<String> = computed
        .coverage
        .uncovered()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if !quiet {
        let total: usize = computed
            .coverage
            .domains
            .iter()
            .map(|d| d.totals.strategies)
            .sum();
        writeln!(
            anstream::stderr(),
            "note: {} of {total} ATT&CK detection strategies have no rule; rendering their drafts",
            ids.len()
        )?;
    }
    Ok(ids)
}

/// Runs `sigsmith new`.
pub fn run(args: NewArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let configured = crate::commands::attack::configured_bundles(&cwd, &cwd)?;
    let catalog = args.attack.catalog(&configured, globals.quiet)?.catalog;
    let ids = if args.uncovered {
        uncovered_ids(&args, &configured, globals.quiet)?
    } else {
        args.ids.clone()
    };
    if args.uncovered && ids.is_empty() {
        if !globals.quiet {
            writeln!(
                anstream::stderr(),
                "note: every ATT&CK detection strategy loaded is covered by a rule; nothing to render"
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut pairs = select(&catalog, &ids, args.all, &args.targets)?;
    if args.example_values && args.targets.is_empty() {
        // Drafts imported from ATT&CK keep todo placeholders that no example value fills.
        let skipped = crate::attack::convert::without_todo(&mut pairs);
        if skipped > 0 && !globals.quiet {
            writeln!(
                anstream::stderr(),
                "note: skipped {skipped} draft(s) imported from ATT&CK: their todo placeholders \
                 have no example values"
            )?;
        }
    }
    let options = Options {
        author: args.author,
        date: args
            .date
            .unwrap_or_else(|| jiff::Zoned::now().date().to_string()),
        example_values: args.example_values,
    };
    let renderer = Renderer::new(args.templates.as_deref())?;
    let mut drafts = Vec::new();
    for d in render_all(&renderer, &pairs, &options)? {
        drafts.extend(d.into_files(args.companion)?);
    }
    let mut stdout = anstream::stdout();
    match &args.out {
        None => {
            for (i, d) in drafts.iter().enumerate() {
                if i > 0 {
                    stdout.write_all(b"---\n")?;
                }
                stdout.write_all(d.text.as_bytes())?;
            }
        }
        Some(out) if args.update => {
            update(out, &drafts, args.diff, globals.quiet)?;
        }
        Some(out) => {
            let written = scaffold::write::write_drafts(out, &drafts, args.force)?;
            if !globals.quiet {
                for p in &written {
                    writeln!(
                        stdout,
                        "wrote {}",
                        crate::output::sanitize::line(&p.display().to_string())
                    )?;
                }
            }
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `--update`: merges each draft into its file under `out` (creating the missing ones), all
/// or nothing: any refusal writes nothing.
fn update(
    out: &std::path::Path,
    drafts: &[Draft],
    diff_only: bool,
    quiet: bool,
) -> anyhow::Result<()> {
    use crate::output::sanitize::line as clean;
    let mut stdout = anstream::stdout();
    let mut stderr = anstream::stderr();
    let mut refusals: Vec<String> = Vec::new();
    let mut changed: Vec<(PathBuf, String, String, Vec<String>)> = Vec::new();
    let mut created: Vec<&Draft> = Vec::new();
    let mut unchanged = 0usize;
    for d in drafts {
        let path = out.join(&d.rel_path);
        let shown = clean(&path.display().to_string()).into_owned();
        if path.symlink_metadata().is_err() {
            created.push(d);
            continue;
        }
        if let Some(problem) = crate::discover::not_regular_file(&path) {
            refusals.push(format!("{shown}: {problem}"));
            continue;
        }
        let old = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                refusals.push(format!("{shown}: cannot read: {e}"));
                continue;
            }
        };
        match scaffold::update::merge(&old, &d.text) {
            Ok(m) => {
                let parsed = crate::yaml::parse(&m.text);
                if let Some(dup) = parsed.duplicate_keys.first() {
                    refusals.push(format!(
                        "{shown}: the merged draft would repeat the key {} (line {})",
                        dup.key, dup.again.line
                    ));
                } else if m.text == old {
                    unchanged += 1;
                } else {
                    changed.push((d.rel_path.clone(), old, m.text, m.kept));
                }
            }
            Err(reasons) => {
                for r in reasons {
                    refusals.push(format!("{shown}: {r}"));
                }
            }
        }
    }
    if !refusals.is_empty() {
        bail!(
            "refusing to update: it would drop content of yours; nothing was written:\n{}",
            refusals
                .iter()
                .map(|r| format!("  {r}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    for (rel, old, new, _) in &changed {
        let path = clean(&out.join(rel).display().to_string()).into_owned();
        stdout.write_all(crate::edit::unified_diff(&path, old, new).as_bytes())?;
    }
    if !diff_only {
        let files: Vec<(PathBuf, String)> = changed
            .iter()
            .map(|(rel, _, new, _)| (rel.clone(), new.clone()))
            .chain(created.iter().map(|d| (d.rel_path.clone(), d.text.clone())))
            .collect();
        crate::edit::write_back_under(out, &files)?;
    }
    if !quiet {
        for (rel, _, _, kept) in &changed {
            let path = clean(&out.join(rel).display().to_string()).into_owned();
            for k in kept {
                writeln!(stderr, "{path}: {}", clean(k))?;
            }
        }
        let verb = if diff_only { "would update" } else { "updated" };
        writeln!(
            stderr,
            "{verb} {} draft(s), {} {} new, {unchanged} up to date",
            changed.len(),
            if diff_only { "would create" } else { "created" },
            created.len()
        )?;
    }
    stdout.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2025-03-01").as_deref(), Ok("2025-03-01"));
        assert!(parse_date("2025-3-1").is_err());
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("20250301").is_err());
    }

    #[test]
    fn target_filter_spans_strategies() {
        let c = Catalog::builtin().expect("catalog");
        let pairs = select(
            &c,
            &["det0078".into(), "DC0112".into()],
            false,
            &["aws-cloudtrail".into()],
        )
        .expect("select");
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].1.name, "aws-cloudtrail");
        let err = select(&c, &["DET0078".into()], false, &["nope".into()]).expect_err("unknown");
        assert!(err.to_string().contains("DET0078/aws-cloudtrail"), "{err}");
    }
}
