//! The `--attack FILE` option group shared by `strategies`, `show`, `new` and `lint`.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{AttackData, LoadOptions};

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
            include_deprecated: false,
        };
        let err = args.load(&[]).expect_err("missing file");
        let text = format!("{err:#}");
        assert!(
            text.contains("/nonexistent/enterprise-attack.json"),
            "{text}"
        );
    }
}
