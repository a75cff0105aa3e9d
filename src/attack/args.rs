//! The `--attack FILE` option group shared by `strategies`, `show`, `new` and `lint`, and the
//! catalog the commands use with it ([`AttackArgs::catalog`]).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

use super::logsources::LogsourceTable;
use super::{AttackData, LoadOptions};
use crate::strategy::Catalog;

/// Options that load MITRE ATT&CK STIX bundles.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AttackArgs {
    /// MITRE ATT&CK STIX 2.1 bundle to import detection strategies from (enterprise-attack.json,
    /// ics-attack.json, mobile-attack.json). Repeatable; the environment variable takes a
    /// comma-separated list.
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
/// combined with the imported ones (see [`super::convert::catalog`]).
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
    /// Loads the bundles named on the command line, then `configured` ones (from
    /// `sigsmith.toml`); `None` when there are none.
    pub fn load(&self, configured: &[PathBuf]) -> anyhow::Result<Option<AttackData>> {
        let mut paths: Vec<&PathBuf> = self.attack.iter().collect();
        for p in configured {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
        if paths.is_empty() {
            return Ok(None);
        }
        let options = LoadOptions {
            include_deprecated: self.include_deprecated,
        };
        let data = super::load(&paths, options).context("cannot load ATT&CK data")?;
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
        if !quiet {
            let mut err = anstream::stderr();
            for w in data.warnings() {
                writeln!(err, "warning: {w}")?;
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
                    kept.join(", ")
                )?;
            }
        }
        let catalog = super::convert::catalog(&builtin, &data, &table)
            .context("building the catalog from ATT&CK data")?;
        Ok(AttackCatalog {
            catalog,
            data: Some(data),
            table,
        })
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
