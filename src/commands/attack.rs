//! The `--attack FILE` option group shared by every command that reads ATT&CK data
//! (`strategies`, `show`, `new`, `lint`, `coverage`), the `attack = [...]` key of
//! `sigsmith.toml` they all honour, the catalog the commands use with it
//! ([`AttackArgs::catalog`]) and the `strategies` filter options.
//!
//! [`crate::attack`] loads and converts; the arguments and what is printed about the loading
//! (warnings, kept deprecated objects) live here.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::attack::logsources::LogsourceTable;
use crate::attack::{AttackData, LoadOptions, StrategyFilter};
use crate::config::{Config, find_config};
use crate::discover::normalize;
use crate::strategy::Catalog;

/// The bundles named by `attack = [...]` in a loaded configuration, resolved against the
/// configuration's folder.
pub fn bundles_of(config: &Config) -> Vec<PathBuf> {
    config
        .file
        .attack
        .iter()
        .map(|p| config.root.join(p))
        .collect()
}

/// The `attack = [...]` bundles of the `sigsmith.toml` (or `.sigsmith.toml`) found in the
/// folder of `start` or its parents (`start` relative to `cwd`); empty when there is none.
/// A broken configuration file is an error naming it.
pub fn configured_bundles(cwd: &Path, start: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let start = normalize(&cwd.join(start));
    let Some(found) = find_config(&start) else {
        return Ok(Vec::new());
    };
    let config = Config::load_discovered(&found, cwd)?;
    Ok(bundles_of(&config))
}

/// Options that load MITRE ATT&CK STIX bundles.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AttackArgs {
    /// MITRE ATT&CK STIX bundle (2.0 or 2.1: enterprise-attack.json, ics-attack.json,
    /// mobile-attack.json). Repeatable; the environment variable takes a comma-separated list;
    /// `attack = [...]` in sigsmith.toml adds to it. Gives the imported detection strategies, and
    /// lets `lint` (SIG010) check that technique and tactic tags exist and are current.
    #[arg(
        long = "attack",
        value_name = "FILE",
        env = "SIGSMITH_ATTACK",
        value_delimiter = ','
    )]
    pub attack: Vec<PathBuf>,
    /// Keep revoked and deprecated ATT&CK strategies and analytics (they are reported either
    /// way).
    #[arg(long)]
    pub include_deprecated: bool,
    /// Extra ATT&CK log source mapping table (format of data/attack-logsources.yml); its entries
    /// and profiles win over the built-in ones.
    #[arg(
        long = "attack-logsources",
        value_name = "FILE",
        env = "SIGSMITH_ATTACK_LOGSOURCES"
    )]
    pub logsources: Option<PathBuf>,
}

/// The strategy catalog with ATT&CK data loaded: the built-in strategies enriched by and
/// combined with the imported ones (see [`crate::attack::convert::catalog`]).
#[derive(Debug)]
pub struct AttackCatalog {
    /// The catalog the commands list and render.
    pub catalog: Catalog,
    /// The ATT&CK data, when `--attack` named bundles (also for `lint`'s SIG010 hook).
    pub data: Option<AttackData>,
    /// The log source mapping table used.
    pub table: LogsourceTable,
}

impl AttackArgs {
    /// The bundles to read: those named on the command line, then `configured` ones (from
    /// `sigsmith.toml`), without repeats.
    pub fn paths(&self, configured: &[PathBuf]) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = Vec::new();
        for p in self.attack.iter().chain(configured) {
            if !paths.contains(p) {
                paths.push(p.clone());
            }
        }
        paths
    }

    /// Loads the bundles named on the command line, then `configured` ones (from
    /// `sigsmith.toml`); `None` when there are none.
    pub fn load(&self, configured: &[PathBuf]) -> anyhow::Result<Option<AttackData>> {
        let paths = self.paths(configured);
        if paths.is_empty() {
            return Ok(None);
        }
        let options = LoadOptions {
            include_deprecated: self.include_deprecated,
        };
        let data = crate::attack::load(&paths, options).context("cannot load ATT&CK data")?;
        Ok(Some(data))
    }
}

impl AttackArgs {
    /// The mapping table: the built-in one, extended by `--attack-logsources`.
    pub fn table(&self) -> anyhow::Result<LogsourceTable> {
        let mut table = LogsourceTable::builtin().clone();
        if let Some(path) = &self.logsources {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let user = LogsourceTable::from_yaml(&text, &path.display().to_string())?;
            table.extend(user);
        }
        Ok(table)
    }

    /// The built-in catalog, combined with the imported strategies when bundles are given
    /// (`configured` as for [`AttackArgs::load`]). Loader warnings, and with
    /// `--include-deprecated` the revoked and deprecated objects kept, go to stderr unless
    /// `quiet`.
    pub fn catalog(&self, configured: &[PathBuf], quiet: bool) -> anyhow::Result<AttackCatalog> {
        let builtin = Catalog::builtin().context("loading the built-in strategy catalog")?;
        let table = self.table()?;
        let Some(data) = self.load(configured)? else {
            return Ok(AttackCatalog {
                catalog: builtin,
                data: None,
                table,
            });
        };
        self.report(&data, quiet)?;
        let catalog = crate::attack::convert::catalog(&builtin, &data, &table)
            .context("building the catalog from ATT&CK data")?;
        Ok(AttackCatalog {
            catalog,
            data: Some(data),
            table,
        })
    }

    /// Prints the loader's warnings, and with `--include-deprecated` the revoked and deprecated
    /// objects kept, on standard error unless `quiet`.
    pub fn report(&self, data: &AttackData, quiet: bool) -> anyhow::Result<()> {
        if !quiet {
            let mut err = anstream::stderr();
            for w in data.warnings() {
                writeln!(err, "warning: {}", crate::output::sanitize::line(w))?;
            }
            if self.include_deprecated && !data.skipped().is_empty() {
                let kept: Vec<String> = data
                    .skipped()
                    .iter()
                    .map(|s| match &s.replaced_by {
                        Some(r) => format!("{} ({}, replaced by {r})", s.id, s.status.as_str()),
                        None => format!("{} ({})", s.id, s.status.as_str()),
                    })
                    .collect();
                writeln!(
                    err,
                    "note: --include-deprecated keeps {} revoked or deprecated object(s): {}",
                    kept.len(),
                    crate::output::sanitize::line(&kept.join(", "))
                )?;
            }
        }
        Ok(())
    }
}

/// The `strategies` filter options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Only strategies of this ATT&CK domain.
    #[arg(long, value_name = "DOMAIN", value_parser = ["enterprise", "ics", "mobile"])]
    pub domain: Option<String>,
    /// Only strategies with an analytic or target on this platform (case-insensitive, e.g.
    /// IaaS, Windows).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Only strategies detecting this technique or one of its sub-techniques (T1059 matches
    /// T1059.009).
    #[arg(long, value_name = "ID")]
    pub technique: Option<String>,
}

impl FilterArgs {
    /// The filter.
    pub fn filter(&self) -> StrategyFilter {
        StrategyFilter {
            domain: self.domain.as_deref().and_then(|d| d.parse().ok()),
            platform: self.platform.clone(),
            technique: self.technique.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        attack: AttackArgs,
    }

    #[test]
    fn repeatable_and_comma_separated() {
        let cli = Cli::try_parse_from(["x", "--attack", "a.json", "--attack", "b.json,c.json"])
            .expect("parses");
        assert_eq!(
            cli.attack.attack,
            vec![
                PathBuf::from("a.json"),
                PathBuf::from("b.json"),
                PathBuf::from("c.json")
            ]
        );
        assert!(!cli.attack.include_deprecated);
    }

    #[test]
    fn command_line_bundles_come_first_without_repeats() {
        let args = AttackArgs {
            attack: vec![PathBuf::from("a.json"), PathBuf::from("b.json")],
            ..AttackArgs::default()
        };
        let paths = args.paths(&[PathBuf::from("b.json"), PathBuf::from("c.json")]);
        assert_eq!(
            paths,
            vec![
                PathBuf::from("a.json"),
                PathBuf::from("b.json"),
                PathBuf::from("c.json")
            ]
        );
    }

    #[test]
    fn configured_bundles_are_relative_to_the_config_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("rules/aws");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(
            dir.path().join("sigsmith.toml"),
            "attack = [\"attack/enterprise.json\"]\n",
        )
        .expect("write");
        let found = configured_bundles(dir.path(), Path::new("rules/aws")).expect("config");
        assert_eq!(found.len(), 1);
        assert!(found[0].ends_with("attack/enterprise.json"), "{found:?}");
        assert!(found[0].starts_with(dir.path()), "{found:?}");
        std::fs::write(dir.path().join("sigsmith.toml"), "attack = 5\n").expect("write");
        let err = configured_bundles(dir.path(), Path::new(".")).expect_err("broken config");
        assert!(format!("{err:#}").contains("sigsmith.toml"), "{err:#}");
    }

    #[test]
    fn nothing_to_load_is_none() {
        let args = AttackArgs::default();
        assert!(args.load(&[]).expect("no error").is_none());
    }

    #[test]
    fn load_errors_keep_the_file_name() {
        let args = AttackArgs {
            attack: vec![PathBuf::from("/nonexistent/enterprise-attack.json")],
            ..AttackArgs::default()
        };
        let err = args.load(&[]).expect_err("missing file");
        let text = format!("{err:#}");
        assert!(
            text.contains("/nonexistent/enterprise-attack.json"),
            "{text}"
        );
    }
}
