//! `sigsmith init`: start a Sigma rule repository wired for sigsmith (configuration, pre-commit
//! hook, CI workflow, README section and one example draft). Never overwrites a file.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use crate::cli::Globals;
use crate::output::sanitize;
use crate::scaffold::write::{FileSpec, WriteError, link_note, write_files};
use crate::scaffold::{Options, Renderer};
use crate::strategy::Catalog;

const EXAMPLES: &str = "\
Examples:
  sigsmith init demo && cd demo && sigsmith lint
  sigsmith init                   # in the current folder

Writes sigsmith.toml, .pre-commit-config.yaml, .github/workflows/sigsmith.yml, README.md
(or, when README.md exists, leaves it alone and prints the section to add) and an example
draft under rules/. Refuses (exit 2, nothing written) when any of those files exists.";

/// Arguments of `sigsmith init`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct InitArgs {
    /// Folder of the new rule repository (created when missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

const CONFIG: &str = include_str!("init/sigsmith.toml");
const PRE_COMMIT: &str = include_str!("init/pre-commit-config.yaml");
const WORKFLOW: &str = include_str!("../../docs/ci/github-annotations.yml");
const README_SECTION: &str = include_str!("init/README-section.md");
/// The strategy and target of the example draft written into `rules/`.
const EXAMPLE: (&str, &str) = ("DET0078", "aws-cloudtrail");

/// The GitHub workflow: `docs/ci/github-annotations.yml` with the action at this binary's
/// release tag.
fn workflow() -> String {
    WORKFLOW.replace(
        "sigsmith/sigsmith@v0.1.0",
        &format!("sigsmith/sigsmith@v{}", env!("CARGO_PKG_VERSION")),
    )
}

/// The files `init` writes, relative to the repository folder, with their contents.
fn planned_files(readme_exists: bool) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let catalog = Catalog::builtin().context("loading the built-in strategy catalog")?;
    let strategy = catalog
        .get(EXAMPLE.0)
        .context("the built-in catalog lacks the example strategy")?;
    let target = strategy
        .target(EXAMPLE.1)
        .context("the built-in catalog lacks the example target")?;
    let options = Options {
        date: jiff::Zoned::now().date().to_string(),
        ..Options::default()
    };
    let draft = Renderer::new(None)?.render(strategy, target, &options)?;
    let mut files = vec![
        (PathBuf::from("sigsmith.toml"), CONFIG.to_owned()),
        (
            PathBuf::from(".pre-commit-config.yaml"),
            PRE_COMMIT.replace("{{version}}", env!("CARGO_PKG_VERSION")),
        ),
        (
            Path::new(".github").join("workflows").join("sigsmith.yml"),
            workflow(),
        ),
        (Path::new("rules").join(&draft.rel_path), draft.text),
    ];
    if !readme_exists {
        files.push((
            PathBuf::from("README.md"),
            format!("# Sigma rules\n{README_SECTION}"),
        ));
    }
    Ok(files)
}

/// Runs `sigsmith init`: every file is planned and checked first (an existing file, a dangling
/// link, a link that leads out of the folder), then all are written or none (see
/// [`crate::scaffold::write`]).
pub fn run(args: InitArgs, globals: Globals) -> anyhow::Result<ExitCode> {
    let root = &args.dir;
    if root.exists() && !root.is_dir() {
        bail!("{} exists and is not a folder", root.display());
    }
    let readme_exists = root.join("README.md").symlink_metadata().is_ok();
    let files = planned_files(readme_exists)?;
    let labels: Vec<String> = files
        .iter()
        .map(|(rel, _)| rel.display().to_string())
        .collect();
    let specs: Vec<FileSpec<'_>> = files
        .iter()
        .zip(&labels)
        .map(|((rel, text), label)| FileSpec {
            rel,
            label,
            bytes: text.as_bytes(),
        })
        .collect();
    let written = match write_files(root, &specs, false) {
        Ok(w) => w,
        Err(WriteError::Exists(paths)) => bail!(
            "refusing to overwrite existing files (nothing was written):\n  {}",
            paths
                .iter()
                .map(|p| format!("{}{}", p.display(), link_note(p)))
                .collect::<Vec<_>>()
                .join("\n  ")
        ),
        Err(e) => return Err(e.into()),
    };
    let mut stdout = anstream::stdout();
    if !globals.quiet {
        for path in &written {
            writeln!(
                stdout,
                "wrote {}",
                sanitize::line(&path.display().to_string())
            )?;
        }
    }
    if readme_exists && !globals.quiet {
        writeln!(
            stdout,
            "README.md exists and was left alone; add this section to it:\n{README_SECTION}"
        )?;
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
