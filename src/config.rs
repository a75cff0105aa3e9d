//! `sigsmith.toml` (or `.sigsmith.toml`): which checks run, at what severity, where they are
//! silenced, which files are skipped, and extra field profiles.
//!
//! The file is found by walking up from the first path given to `sigsmith lint` (or named with
//! `--config`). Unknown keys and bad values are errors that name the file, line and column and
//! print `help:` lines; the run stops with exit code 2. The JSON Schema of the file is
//! generated from these types into `schemas/sigsmith-config.schema.json`.
//!
//! ```toml
//! select = ["API", "SIG"]          # codes, names or code prefixes; default: every check
//! ignore = ["SIG007"]              # removed after `select`
//! exclude = ["deprecated/", "*.draft.yml"]   # gitignore-style, relative to this file
//! strict = false                   # like --strict: fail on warnings too
//!
//! [rules.api-presence-only]        # or [rules.API001]
//! severity = "warning"
//! ignore = ["rules/legacy/**", "rules/aws/old_rule.yml:12", "rules/x.yml:3:5"]
//!
//! [rules.SIG007]
//! disable = true
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::checks;
use crate::diagnostic::{Finding, Severity};
use crate::discover::{Excludes, normalize};
use crate::lint::rule::RuleMeta;
use crate::vocab::Profile;
use crate::yaml::Pos;

/// Names of the configuration file, in the order they are looked for in each folder.
pub const CONFIG_NAMES: [&str; 2] = ["sigsmith.toml", ".sigsmith.toml"];

/// The contents of `sigsmith.toml`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "sigsmith configuration (sigsmith.toml)")]
pub struct ConfigFile {
    /// Checks to run, by code (`API001`), name (`api-presence-only`) or code prefix (`API`,
    /// `SIG00`). Every check runs when this is absent.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub select: Option<Vec<Spanned<String>>>,
    /// Checks not to run (codes, names or code prefixes), removed after `select`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ignore: Vec<Spanned<String>>,
    /// Files and folders to skip: gitignore-style globs relative to the folder of this file
    /// (`deprecated/`, `*.draft.yml`, `rules/old/**`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude: Vec<Spanned<String>>,
    /// Fail (exit code 1) on any finding, not only on errors, like `--strict`.
    #[serde(default)]
    pub strict: bool,
    /// Settings of single checks, keyed by code or name.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, RuleSettings>")]
    pub rules: BTreeMap<Spanned<String>, RuleSettings>,
    /// Field profiles added to the built-in ones; a profile with the name of a built-in
    /// profile replaces it.
    #[serde(default)]
    pub profiles: Vec<Profile>,
    /// MITRE ATT&CK STIX bundles (paths relative to this file) every command that reads ATT&CK
    /// data loads (`lint` checks that `attack.tNNNN` tags name current techniques; `strategies`,
    /// `show`, `new` and `coverage` import their strategies); `--attack` adds to them.
    #[serde(default)]
    pub attack: Vec<PathBuf>,
}

/// Settings of one check (`[rules.API001]`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    /// Do not run the check.
    #[serde(default)]
    pub disable: bool,
    /// Severity of the check's findings instead of its default.
    #[serde(default)]
    pub severity: Option<SeverityName>,
    /// Places where the check is not reported: `GLOB`, `GLOB:LINE` or `GLOB:LINE:COLUMN`,
    /// globs relative to the folder of this file (a glob without `/` matches a file name at
    /// any depth; a glob matching a folder covers the files in it).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ignore: Vec<Spanned<String>>,
}

/// A severity as written in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    /// Fails the run.
    Error,
    /// Fails the run only with `--strict`.
    Warning,
    /// Never fails the run.
    Info,
}

impl From<SeverityName> for Severity {
    fn from(s: SeverityName) -> Self {
        match s {
            SeverityName::Error => Severity::Error,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Info => Severity::Info,
        }
    }
}

/// The JSON Schema of [`ConfigFile`], as committed in `schemas/sigsmith-config.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigFile);
    serde_json::to_string_pretty(&schema).expect("a schema always serialises") + "\n"
}

/// A configuration problem: the run stops with exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file.
    pub path: PathBuf,
    /// Where in it, when known.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, one hint per line.
    pub help: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(pos) = self.pos {
            write!(f, ":{}:{}", pos.line, pos.col)?;
        }
        write!(f, ": {}", self.message)?;
        for h in &self.help {
            write!(f, "\nhelp: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A loaded configuration (possibly empty) and the folder its globs are relative to.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Folder that globs are relative to: the file's folder, or the current folder.
    pub root: PathBuf,
    /// The parsed contents.
    pub file: ConfigFile,
}

/// Looks for [`CONFIG_NAMES`] in the folder of `start` (a file or folder) and its parents, up
/// to the root of the git repository holding it (a folder with `.git`), when there is one.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?
    };
    for dir in start.ancestors() {
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            // Anything by that name is the configuration: a FIFO, a dangling link or a link
            // loop is then a clear error from `Config::load`, never silently skipped.
            if candidate.symlink_metadata().is_ok() {
                return Some(candidate);
            }
        }
        // Discovery stops at the root of the git repository: a configuration above it
        // belongs to something else.
        if dir.join(".git").symlink_metadata().is_ok() {
            break;
        }
    }
    None
}

fn pos_at(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit_once('\n')
        .map_or(before, |(_, l)| l)
        .chars()
        .count()
        + 1;
    Pos::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

impl Config {
    /// An empty configuration rooted at `root`.
    pub fn empty(root: &Path) -> Self {
        Config {
            path: None,
            root: root.to_path_buf(),
            file: ConfigFile::default(),
        }
    }

    /// [`Config::load`] for a configuration found by [`find_config`] rather than named with
    /// `--config`: a symbolic link must resolve inside the repository holding it (or, outside
    /// a repository, inside its own folder), so a cloned repository cannot make sigsmith read
    /// (and quote in errors) a file elsewhere.
    pub fn load_discovered(path: &Path, cwd: &Path) -> Result<Self, ConfigError> {
        let abs = normalize(&cwd.join(path));
        if abs
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
            && let Ok(target) = std::fs::canonicalize(&abs)
        {
            let folder = abs.parent().unwrap_or(&abs);
            let bound = crate::discover::repo_root(folder).unwrap_or_else(|| folder.to_path_buf());
            let bound = std::fs::canonicalize(&bound).unwrap_or(bound);
            if !target.starts_with(&bound) {
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    pos: None,
                    message: format!(
                        "cannot read configuration file: it is a symbolic link to {}, outside {}",
                        target.display(),
                        bound.display()
                    ),
                    help: vec![
                        "copy the configuration into the repository, or name it with --config"
                            .to_owned(),
                    ],
                });
            }
        }
        Self::load(path, cwd)
    }

    /// Reads and parses the configuration file at `path` (relative to `cwd`); its folder
    /// anchors the exclude globs. It must be a regular file or a link to one.
    pub fn load(path: &Path, cwd: &Path) -> Result<Self, ConfigError> {
        if let Some(problem) = crate::discover::not_regular_file(&cwd.join(path)) {
            return Err(ConfigError {
                path: path.to_path_buf(),
                pos: None,
                message: format!("cannot read configuration file: it {problem}"),
                help: Vec::new(),
            });
        }
        let text = std::fs::read_to_string(cwd.join(path)).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            pos: None,
            message: format!("cannot read configuration file: {e}"),
            help: Vec::new(),
        })?;
        let abs = normalize(&cwd.join(path));
        let root = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, path, &root)
    }

    /// Parses configuration text; `path` names it in errors and `root` anchors its globs.
    pub fn parse(text: &str, path: &Path, root: &Path) -> Result<Self, ConfigError> {
        let err_at = |span: Option<Range<usize>>, message: String, help: Vec<String>| ConfigError {
            path: path.to_path_buf(),
            pos: span.map(|s| pos_at(text, s.start)),
            message,
            help,
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_owned();
            let help = toml_help(&message);
            err_at(e.span(), message, help)
        })?;
        let config = Config {
            path: Some(path.to_path_buf()),
            root: root.to_path_buf(),
            file,
        };
        config
            .check()
            .map_err(|(span, message, help)| err_at(Some(span), message, help))?;
        Ok(config)
    }

    /// Semantic checks toml cannot do: check codes exist, globs parse.
    fn check(&self) -> Result<(), (Range<usize>, String, Vec<String>)> {
        let keys = self.file.select.iter().flatten().chain(&self.file.ignore);
        for key in keys {
            if checks::select(key.get_ref()).is_empty() {
                return Err(unknown_check(key));
            }
        }
        let mut seen: HashMap<&'static str, &Spanned<String>> = HashMap::new();
        for (key, settings) in &self.file.rules {
            let Some(meta) = checks::find(key.get_ref()) else {
                let (span, message, mut help) = unknown_check(key);
                help.push(
                    "`[rules.X]` takes one exact code or name; prefixes are for `select`".into(),
                );
                return Err((span, message, help));
            };
            if let Some(first) = seen.insert(meta.code, key) {
                return Err((
                    key.span(),
                    format!(
                        "check {} is configured twice (as `{}` and `{}`)",
                        meta.code,
                        first.get_ref(),
                        key.get_ref()
                    ),
                    vec!["merge the two tables".into()],
                ));
            }
            for entry in &settings.ignore {
                PathIgnore::parse(meta.code, entry.get_ref()).map_err(|message| {
                    (
                        entry.span(),
                        message,
                        vec!["write `GLOB`, `GLOB:LINE` or `GLOB:LINE:COLUMN`".into()],
                    )
                })?;
            }
        }
        let globs: Vec<String> = self
            .file
            .exclude
            .iter()
            .map(|s| s.get_ref().clone())
            .collect();
        Excludes::new().add(&self.root, &globs).map_err(|e| {
            let span = self.file.exclude.get(e.index).map_or(0..0, Spanned::span);
            (
                span,
                e.to_string(),
                vec!["excludes use gitignore glob syntax".into()],
            )
        })?;
        Ok(())
    }

    /// The exclude globs, to add to an [`Excludes`] anchored at [`Config::root`].
    pub fn exclude_globs(&self) -> Vec<String> {
        self.file
            .exclude
            .iter()
            .map(|s| s.get_ref().clone())
            .collect()
    }

    /// The vocabulary a run with this configuration uses: the built-in profiles, with the
    /// configuration's `profiles` added (one with a built-in profile's name replaces it).
    pub fn vocabulary(&self) -> crate::vocab::Vocabulary {
        let mut vocabulary = crate::vocab::Vocabulary::builtin();
        vocabulary.extend(self.file.profiles.clone());
        vocabulary
    }
}

fn unknown_check(key: &Spanned<String>) -> (Range<usize>, String, Vec<String>) {
    let mut help: Vec<String> = checks::close_matches(key.get_ref())
        .iter()
        .map(|m| format!("did you mean `{}` ({})?", m.code, m.name))
        .collect();
    help.push("`sigsmith rules` lists every check".into());
    (
        key.span(),
        format!("unknown check `{}`", key.get_ref()),
        help,
    )
}

fn toml_help(message: &str) -> Vec<String> {
    let mut help = Vec::new();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        if let Some(best) = expected
            .iter()
            .min_by_key(|e| checks::levenshtein(field, e))
            .filter(|e| checks::levenshtein(field, e) <= 3)
        {
            help.push(format!("did you mean `{best}`?"));
        }
        help.push("the keys are documented in schemas/sigsmith-config.schema.json".to_owned());
    }
    help
}

/// One `[rules.X] ignore` entry.
#[derive(Debug, Clone)]
struct PathIgnore {
    code: &'static str,
    matcher: GlobMatcher,
    line: Option<u32>,
    col: Option<u32>,
}

impl PathIgnore {
    fn parse(code: &'static str, entry: &str) -> Result<Self, String> {
        let mut glob = entry;
        let mut numbers = Vec::new();
        while numbers.len() < 2 {
            match glob.rsplit_once(':') {
                Some((head, tail))
                    if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    numbers.push(
                        tail.parse::<u32>()
                            .map_err(|e| format!("bad number `{tail}`: {e}"))?,
                    );
                    glob = head;
                }
                _ => break,
            }
        }
        numbers.reverse();
        if glob.is_empty() {
            return Err(format!("ignore entry `{entry}` has no path glob"));
        }
        let pattern = if glob.contains('/') {
            glob.trim_start_matches("./").to_owned()
        } else {
            format!("**/{glob}")
        };
        let matcher = GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{glob}`: {}", e.kind()))?
            .compile_matcher();
        Ok(PathIgnore {
            code,
            matcher,
            line: numbers.first().copied(),
            col: numbers.get(1).copied(),
        })
    }

    fn matches(&self, rel: &Path, f: &Finding) -> bool {
        if self.code != f.code {
            return false;
        }
        if self.line.is_some_and(|l| l != f.pos.line) || self.col.is_some_and(|c| c != f.pos.col) {
            return false;
        }
        rel.ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| self.matcher.is_match(a))
    }
}

/// Which checks run, at what severity, and where they are silenced: the configuration and
/// the command line combined.
#[derive(Debug)]
pub struct RuleSelection {
    enabled: HashSet<&'static str>,
    severity: HashMap<&'static str, Severity>,
    path_ignores: Vec<PathIgnore>,
    root: PathBuf,
    cwd: PathBuf,
}

/// An unknown check on the command line (`--select`, `--ignore`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown check `{key}` in {flag}{hint}")]
pub struct UnknownCheck {
    /// The flag.
    pub flag: &'static str,
    /// The key given.
    pub key: String,
    /// A "did you mean" hint, possibly empty.
    pub hint: String,
}

fn cli_keys(flag: &'static str, keys: &[String]) -> Result<Vec<&'static RuleMeta>, UnknownCheck> {
    let mut out = Vec::new();
    for key in keys
        .iter()
        .flat_map(|k| k.split(','))
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let found = checks::select(key);
        if found.is_empty() {
            let hint = checks::close_matches(key)
                .first()
                .map(|m| format!("; did you mean `{}` ({})?", m.code, m.name))
                .unwrap_or_default();
            return Err(UnknownCheck {
                flag,
                key: key.to_owned(),
                hint,
            });
        }
        out.extend(found);
    }
    Ok(out)
}

impl RuleSelection {
    /// Combines `config` with `--select` (replaces the configured `select` when given) and
    /// `--ignore` (added to the configured `ignore`). `cwd` resolves relative finding paths.
    pub fn new(
        config: &Config,
        cli_select: &[String],
        cli_ignore: &[String],
        cwd: &Path,
    ) -> Result<Self, UnknownCheck> {
        let mut enabled: HashSet<&'static str> = if !cli_select.is_empty() {
            cli_keys("--select", cli_select)?
                .iter()
                .map(|m| m.code)
                .collect()
        } else if let Some(select) = &config.file.select {
            select
                .iter()
                .flat_map(|k| checks::select(k.get_ref()))
                .map(|m| m.code)
                .collect()
        } else {
            checks::all().iter().map(|m| m.code).collect()
        };
        for key in &config.file.ignore {
            for m in checks::select(key.get_ref()) {
                enabled.remove(m.code);
            }
        }
        for m in cli_keys("--ignore", cli_ignore)? {
            enabled.remove(m.code);
        }
        let mut severity = HashMap::new();
        let mut path_ignores = Vec::new();
        for (key, settings) in &config.file.rules {
            let Some(meta) = checks::find(key.get_ref()) else {
                continue;
            };
            if settings.disable {
                enabled.remove(meta.code);
            }
            if let Some(s) = settings.severity {
                severity.insert(meta.code, Severity::from(s));
            }
            for entry in &settings.ignore {
                if let Ok(pi) = PathIgnore::parse(meta.code, entry.get_ref()) {
                    path_ignores.push(pi);
                }
            }
        }
        Ok(RuleSelection {
            enabled,
            severity,
            path_ignores,
            root: config.root.clone(),
            cwd: cwd.to_path_buf(),
        })
    }

    /// Every check enabled (no configuration).
    pub fn all(cwd: &Path) -> Self {
        Self::new(&Config::empty(cwd), &[], &[], cwd).expect("no keys to resolve")
    }

    /// Whether the check with this code runs.
    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(code)
    }

    /// The severity findings of this check get.
    pub fn severity_of(&self, meta: &RuleMeta) -> Severity {
        self.severity
            .get(meta.code)
            .copied()
            .unwrap_or(meta.severity)
    }

    /// Drops findings of checks that do not run or that a per-path ignore covers, and applies
    /// severity overrides. Returns the kept findings and how many were dropped by per-path
    /// ignores.
    pub fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let mut ignored = 0;
        let kept = findings
            .into_iter()
            .filter(|f| self.enabled.contains(f.code))
            .filter(|f| {
                if self.path_ignores.is_empty() {
                    return true;
                }
                let abs = normalize(&self.cwd.join(&f.path));
                let rel = abs.strip_prefix(&self.root).unwrap_or(&f.path);
                let hit = self.path_ignores.iter().any(|pi| pi.matches(rel, f));
                ignored += usize::from(hit);
                !hit
            })
            .map(|mut f| {
                if let Some(s) = self.severity.get(f.code) {
                    f.severity = *s;
                }
                f
            })
            .collect();
        (kept, ignored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("sigsmith.toml"), Path::new("/repo"))
    }

    #[test]
    fn empty_file_is_valid() {
        let c = parse("").expect("valid");
        assert!(c.file.select.is_none());
        assert!(!c.file.strict);
    }

    #[test]
    fn unknown_key_names_line_column_and_suggests() {
        let e = parse("ignore = []\nselct = [\"SIG019\"]\n").expect_err("invalid");
        assert_eq!(e.pos, Some(Pos::new(2, 1)));
        assert!(
            e.message.starts_with("unknown field `selct`"),
            "{}",
            e.message
        );
        assert_eq!(e.help[0], "did you mean `select`?");
        let shown = e.to_string();
        assert!(
            shown.starts_with("sigsmith.toml:2:1: unknown field `selct`"),
            "{shown}"
        );
        assert!(shown.contains("\nhelp: did you mean `select`?"), "{shown}");
    }

    #[test]
    fn unknown_rule_key_and_bad_severity() {
        let e = parse("[rules.unreadable-fil]\ndisable = true\n").expect_err("invalid");
        assert_eq!(e.pos, Some(Pos::new(1, 8)));
        assert_eq!(e.message, "unknown check `unreadable-fil`");
        assert!(e.help[0].contains("SIG019"), "{:?}", e.help);

        let e = parse("[rules.SIG019]\nseverity = \"fatal\"\n").expect_err("invalid");
        assert_eq!(e.pos.map(|p| p.line), Some(2));
        assert!(e.message.contains("fatal"), "{}", e.message);

        let e = parse("[rules.SIG019]\ndisabled = true\n").expect_err("invalid");
        assert_eq!(e.pos, Some(Pos::new(2, 1)));
        assert_eq!(e.help[0], "did you mean `disable`?");
    }

    #[test]
    fn unknown_select_entry_and_bad_glob() {
        let e = parse("select = [\"SIG\", \"XYZ9\"]\n").expect_err("invalid");
        assert_eq!(e.pos, Some(Pos::new(1, 18)));
        let e = parse("[rules.SIG019]\nignore = [\"a/[b.yml:3\"]\n").expect_err("invalid");
        assert_eq!(e.pos, Some(Pos::new(2, 11)));
        assert!(e.message.contains("invalid glob"), "{}", e.message);
    }

    #[test]
    fn same_check_twice_is_an_error() {
        let e = parse("[rules.SIG019]\n[rules.unreadable-file]\n").expect_err("invalid");
        assert!(e.message.contains("configured twice"), "{}", e.message);
    }

    fn finding(code: &'static str, path: &str, line: u32, col: u32) -> Finding {
        Finding {
            code,
            name: "x",
            severity: Severity::Error,
            message: "m".into(),
            path: PathBuf::from(path),
            pos: Pos::new(line, col),
            end: None,
            doc_index: None,
            doc_id: None,
            doc_title: None,
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn selection_combines_config_and_flags() {
        let c = parse("select = [\"SIG\", \"SIG019\"]\nignore = [\"unused-suppression\"]\n")
            .expect("valid");
        let s = RuleSelection::new(&c, &[], &[], Path::new("/repo")).expect("keys");
        assert!(s.is_enabled("SIG019"));
        assert!(!s.is_enabled("SIG000"));
        assert!(!s.is_enabled("API001"));
        let s = RuleSelection::new(
            &c,
            &["API001,SIG000".into()],
            &["SIG019".into()],
            Path::new("/repo"),
        )
        .expect("keys");
        assert!(s.is_enabled("API001"));
        assert!(!s.is_enabled("SIG000"), "config ignore still applies");
        let e = RuleSelection::new(&c, &["unreadable-fle".into()], &[], Path::new("/repo"))
            .expect_err("bad");
        assert!(e.to_string().contains("did you mean `SIG019`"), "{e}");
    }

    #[test]
    fn per_path_ignores_severity_and_disable() {
        let c = parse(
            "[rules.SIG019]\nseverity = \"info\"\nignore = [\"legacy/**\", \"rules/a.yml:3\", \"b.yml:4:2\"]\n\n[rules.SIG000]\ndisable = true\n",
        )
        .expect("valid");
        let s = RuleSelection::new(&c, &[], &[], Path::new("/repo")).expect("keys");
        let input = vec![
            finding("SIG019", "legacy/x/y.yml", 1, 1),
            finding("SIG019", "rules/a.yml", 3, 9),
            finding("SIG019", "rules/a.yml", 4, 1),
            finding("SIG019", "deep/b.yml", 4, 2),
            finding("SIG019", "deep/b.yml", 4, 3),
            finding("SIG000", "rules/a.yml", 1, 1),
        ];
        let (kept, ignored) = s.apply(input);
        assert_eq!(ignored, 3);
        let got: Vec<(String, u32, Severity)> = kept
            .iter()
            .map(|f| (f.path.display().to_string(), f.pos.line, f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("rules/a.yml".to_owned(), 4, Severity::Info),
                ("deep/b.yml".to_owned(), 4, Severity::Info)
            ]
        );
    }

    #[test]
    fn finds_config_upwards() {
        let t = tempfile::tempdir().expect("tmp");
        let sub = t.path().join("a/b");
        std::fs::create_dir_all(&sub).expect("mkdir");
        assert_eq!(find_config(&sub), None);
        std::fs::write(t.path().join(".sigsmith.toml"), "").expect("write");
        assert_eq!(find_config(&sub), Some(t.path().join(".sigsmith.toml")));
        std::fs::write(t.path().join("a/sigsmith.toml"), "").expect("write");
        assert_eq!(
            find_config(&sub.join("rule.yml")),
            Some(t.path().join("a/sigsmith.toml"))
        );
    }
}
