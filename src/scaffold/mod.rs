//! Rendering Sigma rule drafts from detection strategies with minijinja templates.
//!
//! One draft per strategy × target: the family's template (`rule-templates/<family>.yml.j2`,
//! which extends `rule-templates/base.yml.j2` and overrides some of its blocks;
//! embedded; a `--templates DIR` file of the same name overrides it) renders a typed
//! [`DraftContext`]. Every printed value goes through the YAML-safe formatter ([`quote`]).
//! Each rendered draft is validated by the linter itself ([`validate_draft`]: YAML, Sigma
//! schemas, every error-level check) before anything is written ([`Renderer::render`]);
//! [`write`](mod@write) writes atomically.

mod context;
pub mod exemplar;
pub mod harden;
pub mod quote;
pub mod update;
pub mod write;

use std::path::{Path, PathBuf};

use minijinja::value::ValueKind;
use minijinja::{Environment, UndefinedBehavior, Value};

pub use context::*;

use crate::schema;
use crate::strategy::{Strategy, Target};

/// The base template every family template extends (`{% extends "base.yml.j2" %}`).
pub const BASE_TEMPLATE: &str = "base.yml.j2";

/// The built-in templates: the base and one per family (file name, text).
pub const BUILTIN_TEMPLATES: [(&str, &str); 5] = [
    (
        BASE_TEMPLATE,
        include_str!("../../rule-templates/base.yml.j2"),
    ),
    (
        "cloud-api-audit.yml.j2",
        include_str!("../../rule-templates/cloud-api-audit.yml.j2"),
    ),
    (
        "ics-api-execution.yml.j2",
        include_str!("../../rule-templates/ics-api-execution.yml.j2"),
    ),
    (
        "mobile-api-calls.yml.j2",
        include_str!("../../rule-templates/mobile-api-calls.yml.j2"),
    ),
    (
        "generic.yml.j2",
        include_str!("../../rule-templates/generic.yml.j2"),
    ),
];

/// Why a draft could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The template failed (syntax, undefined variable, bad filter argument...).
    #[error("template {template}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Template {
        /// Template name.
        template: String,
        /// 1-based template line, when known.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// No template for the family.
    #[error("no template {template} (built-in templates: {known})")]
    MissingTemplate {
        /// The template name looked for.
        template: String,
        /// Known template names.
        known: String,
    },
    /// The template rendered text that is not valid YAML.
    #[error(
        "template {template} rendered invalid YAML for {draft} at rendered line {line}, column {col}: {message}\n  {line}| {text}"
    )]
    InvalidYaml {
        /// Template name.
        template: String,
        /// Draft (`DET0078/aws-cloudtrail`).
        draft: String,
        /// 1-based line in the rendered output.
        line: u32,
        /// 1-based column.
        col: u32,
        /// Parser message.
        message: String,
        /// The rendered line.
        text: String,
    },
    /// The template rendered a document that breaks a Sigma schema or the draft contract.
    #[error(
        "template {template} rendered an invalid {kind} for {draft} (document {document}, rendered line {line}): {message}"
    )]
    InvalidDocument {
        /// Template name.
        template: String,
        /// Draft (`DET0078/aws-cloudtrail`).
        draft: String,
        /// What the document should be (`Sigma rule`, `Sigma correlation rule`).
        kind: &'static str,
        /// 1-based document index.
        document: usize,
        /// 1-based line in the rendered output.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// A `--templates` file that overrides no built-in template and is used by none.
    #[error(
        "{}: template {name} overrides no built-in template and no template includes it (built-in templates: {known})",
        path.display()
    )]
    UnknownTemplate {
        /// The file.
        path: PathBuf,
        /// Its template name (the file name).
        name: String,
        /// The built-in template names.
        known: String,
    },
    /// A `--templates` directory or file could not be read.
    #[error("cannot read templates from {}: {source}", path.display())]
    TemplatesDir {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An embedded schema is broken.
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
}

/// Options that shape every draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `author:` of the drafts.
    pub author: String,
    /// `date:` of the drafts (`YYYY-MM-DD`).
    pub date: String,
    /// Replace every placeholder with the baseline's example values.
    pub example_values: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            author: DEFAULT_AUTHOR.to_owned(),
            date: "1970-01-01".to_owned(),
            example_values: false,
        }
    }
}

/// `author:` when `--author` is not given.
pub const DEFAULT_AUTHOR: &str = "sigsmith draft";

/// One rendered, validated draft file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Strategy id.
    pub strategy: String,
    /// Target name.
    pub target: String,
    /// Template family (the output sub-folder).
    pub family: String,
    /// Template that rendered it.
    pub template: String,
    /// Path relative to the output directory (`cloud-api-audit/det0078_aws_cloudtrail.yml`).
    pub rel_path: PathBuf,
    /// The YAML text (one or two documents), ending with a newline.
    pub text: String,
}

/// Where a draft's companion correlation rule goes (`new --companion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Companion {
    /// A second YAML document in the rule's file (`---`), as Sigma allows and sigma-cli reads.
    #[default]
    Inline,
    /// Its own file beside the rule (`<name>_correlation.yml`), for tools and backends that
    /// take one rule per file; convert both files together (the correlation names the rule).
    Separate,
}

impl Draft {
    /// The draft as files: itself with [`Companion::Inline`] (or without a companion), else the
    /// rule and its companion correlation in two drafts (`<name>.yml`, `<name>_correlation.yml`).
    pub fn into_files(self, companion: Companion) -> Result<Vec<Draft>, ScaffoldError> {
        if companion == Companion::Inline {
            return Ok(vec![self]);
        }
        let stream = crate::yaml::parse(&self.text);
        let Some(second) = stream.documents.get(1) else {
            return Ok(vec![self]);
        };
        // The `---` line that opens the second document, at or above its first line.
        let lines: Vec<&str> = self.text.split_inclusive('\n').collect();
        let first = usize::try_from(second.start.line)
            .unwrap_or(0)
            .saturating_sub(1)
            .min(lines.len());
        let Some(sep) = (0..=first.min(lines.len().saturating_sub(1)))
            .rev()
            .find(|&i| lines[i].trim_end() == "---" || lines[i].starts_with("--- "))
        else {
            return Err(ScaffoldError::InvalidDocument {
                template: self.template.clone(),
                draft: format!("{}/{}", self.strategy, self.target),
                kind: "draft",
                document: 2,
                line: second.start.line,
                message: "cannot find the `---` line that starts the companion correlation, \
                          to write it to its own file"
                    .to_owned(),
            });
        };
        let rule: String = lines[..sep].concat();
        let mut corr: String = lines[sep..].concat();
        if lines[sep].trim_end() == "---" {
            corr = lines[sep + 1..].concat();
        } else {
            corr.replace_range(..4, "");
        }
        let stem = self
            .rel_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let companion = Draft {
            rel_path: self
                .rel_path
                .with_file_name(format!("{stem}_correlation.yml")),
            text: corr,
            ..self.clone()
        };
        Ok(vec![Draft { text: rule, ..self }, companion])
    }
}

/// A minijinja environment with the built-in templates, the optional user templates and the
/// YAML-safe formatter and filters.
pub struct Renderer {
    env: Environment<'static>,
    /// What the drafts are linted with (the built-in vocabulary).
    lint: crate::lint::engine::LintOptions,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates", &self.template_names())
            .finish()
    }
}

fn template_error(template: &str, err: &minijinja::Error) -> ScaffoldError {
    let mut message = err.kind().to_string();
    if err.kind() == minijinja::ErrorKind::OutOfFuel {
        message = format!(
            "template does too much work: it ran out of fuel ({TEMPLATE_FUEL} instructions; \
             are loops nested or unbounded?)"
        );
    }
    if let Some(detail) = err.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    ScaffoldError::Template {
        template: err.name().unwrap_or(template).to_owned(),
        line: err.line(),
        message,
    }
}

/// The formatter: safe strings verbatim, other strings quoted, numbers and booleans plain,
/// `none` as `null`, sequences and mappings as quoted flow collections.
fn format_value(out: &mut minijinja::Output<'_>, value: &Value) -> Result<(), minijinja::Error> {
    let text = render_scalar(value)?;
    if text.len() > MAX_DRAFT_BYTES {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!(
                "value of {} bytes is larger than the {} KiB draft limit",
                text.len(),
                MAX_DRAFT_BYTES / 1024
            ),
        ));
    }
    out.write_str(&text).map_err(minijinja::Error::from)
}

/// Instructions one draft may execute: the built-in templates need a few thousand; a template
/// that loops without bound stops with an error instead of running forever.
pub const TEMPLATE_FUEL: u64 = 2_000_000;

/// Largest draft a template may render (and largest single value it may print): 1 MiB. The
/// built-in drafts are a few KiB; a template printing a huge string fails with a clear error
/// instead of exhausting memory.
pub const MAX_DRAFT_BYTES: usize = 1024 * 1024;

/// Largest template file read from `--templates`: 1 MiB.
pub const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// The rendered draft, refusing to grow past [`MAX_DRAFT_BYTES`].
#[derive(Default)]
struct LimitedOutput {
    buf: Vec<u8>,
}

impl std::io::Write for LimitedOutput {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + bytes.len() > MAX_DRAFT_BYTES {
            return Err(std::io::Error::other(format!(
                "the draft is larger than the {} KiB limit",
                MAX_DRAFT_BYTES / 1024
            )));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `*.j2` templates of a `--templates` folder, sorted. Other names are ignored. Each must
/// be a regular file of at most [`MAX_TEMPLATE_BYTES`], or a symbolic link to one inside the
/// folder: a FIFO, a device, a folder named `*.j2`, a dangling link, a link loop or a link
/// leading out of the folder is an error naming it (never followed or skipped silently).
fn template_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let root = std::fs::canonicalize(dir)?;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "j2") {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bad = |why: String| std::io::Error::other(format!("{name} {why}"));
        if let Some(problem) = crate::discover::not_regular_file(&path) {
            return Err(bad(problem));
        }
        let real = std::fs::canonicalize(&path)?;
        if !real.starts_with(&root) {
            return Err(bad(format!(
                "is a symbolic link to {}, outside the templates folder",
                real.display()
            )));
        }
        if std::fs::metadata(&real)?.len() > MAX_TEMPLATE_BYTES {
            return Err(bad(format!(
                "is larger than the {} KiB template limit",
                MAX_TEMPLATE_BYTES / 1024
            )));
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

fn render_scalar(value: &Value) -> Result<String, minijinja::Error> {
    if value.is_safe() {
        return Ok(value.as_str().unwrap_or_default().to_owned());
    }
    match value.kind() {
        ValueKind::String => Ok(quote::scalar(value.as_str().unwrap_or_default())),
        ValueKind::Number | ValueKind::Bool => Ok(value.to_string()),
        ValueKind::None => Ok("null".to_owned()),
        ValueKind::Seq | ValueKind::Iterable => {
            let mut items = Vec::new();
            for item in value.try_iter()? {
                items.push(render_scalar(&item)?);
            }
            Ok(format!("[{}]", items.join(", ")))
        }
        ValueKind::Map => {
            let mut items = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                let key = match key.as_str() {
                    Some(k) => quote::key(k),
                    None => render_scalar(&key)?,
                };
                items.push(format!("{key}: {}", render_scalar(&item)?));
            }
            Ok(format!("{{{}}}", items.join(", ")))
        }
        other => Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("cannot insert a {other} into YAML; print its items one by one"),
        )),
    }
}

/// `{{ values|seq(indent) }}`: one value as ` 'v'`, several as a block sequence on the next
/// lines, each item indented by `indent` spaces. Meant to follow `key:`.
fn seq_filter(value: Value, indent: usize) -> Result<Value, minijinja::Error> {
    let items: Vec<Value> = value.try_iter()?.collect();
    if items.len() == 1 {
        return Ok(Value::from_safe_string(format!(
            " {}",
            render_scalar(&items[0])?
        )));
    }
    if items.is_empty() {
        return Ok(Value::from_safe_string(" []".to_owned()));
    }
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for item in &items {
        out.push('\n');
        out.push_str(&pad);
        out.push_str("- ");
        out.push_str(&render_scalar(item)?);
    }
    Ok(Value::from_safe_string(out))
}

impl Renderer {
    /// The built-in templates, overridden and extended by the `*.j2` files of `templates_dir`.
    pub fn new(templates_dir: Option<&Path>) -> Result<Self, ScaffoldError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_formatter(|out, _state, value| format_value(out, value));
        // Bounded work: every instruction costs fuel (nested loops stop), and the output of
        // one draft is capped (see `render`).
        env.set_fuel(Some(TEMPLATE_FUEL));
        env.add_filter("yaml", |v: Value| -> Result<Value, minijinja::Error> {
            Ok(Value::from_safe_string(render_scalar(&v)?))
        });
        env.add_filter("key", |s: String| Value::from_safe_string(quote::key(&s)));
        env.add_filter("comment", |s: String| {
            Value::from_safe_string(quote::comment(&s))
        });
        env.add_filter("seq", seq_filter);
        for (name, text) in BUILTIN_TEMPLATES {
            env.add_template(name, text)
                .map_err(|e| template_error(name, &e))?;
        }
        if let Some(dir) = templates_dir {
            let io = |source| ScaffoldError::TemplatesDir {
                path: dir.to_path_buf(),
                source,
            };
            let files = template_files(dir).map_err(io)?;
            let builtin: Vec<&str> = BUILTIN_TEMPLATES.iter().map(|(n, _)| *n).collect();
            let mut user: Vec<(String, String, PathBuf)> = Vec::new();
            for path in files {
                let text = std::fs::read_to_string(&path).map_err(|source| {
                    ScaffoldError::TemplatesDir {
                        path: path.clone(),
                        source,
                    }
                })?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                user.push((name, text, path));
            }
            // A file that overrides no built-in template and that no template includes,
            // extends or imports is a misnamed override: say so instead of ignoring it.
            for (name, _, path) in &user {
                if builtin.contains(&name.as_str()) {
                    continue;
                }
                let quoted = [format!("\"{name}\""), format!("'{name}'")];
                let used = BUILTIN_TEMPLATES
                    .iter()
                    .map(|(_, t)| *t)
                    .chain(
                        user.iter()
                            .filter(|(n, _, _)| n != name)
                            .map(|(_, t, _)| t.as_str()),
                    )
                    .any(|t| quoted.iter().any(|q| t.contains(q.as_str())));
                if !used {
                    return Err(ScaffoldError::UnknownTemplate {
                        path: path.clone(),
                        name: name.clone(),
                        known: builtin.join(", "),
                    });
                }
            }
            for (name, text, _) in user {
                env.add_template_owned(name.clone(), text)
                    .map_err(|e| template_error(&name, &e))?;
            }
        }
        Ok(Self {
            env,
            lint: crate::lint::engine::LintOptions::default(),
        })
    }

    /// A rendering error, naming the expression that failed when minijinja knows it (an
    /// undefined variable is reported as ``undefined value `strategy.nme` ``).
    fn render_error(&self, template: &str, err: &minijinja::Error) -> ScaffoldError {
        let mut e = template_error(template, err);
        let name = err.name().unwrap_or(template);
        let expr = err.range().and_then(|range| {
            let tmpl = self.env.get_template(name).ok()?;
            tmpl.source().get(range).map(|s| s.trim().to_owned())
        });
        if let (Some(expr), ScaffoldError::Template { message, .. }) = (expr, &mut e)
            && !expr.is_empty()
        {
            if err.kind() == minijinja::ErrorKind::UndefinedError {
                *message =
                    message.replacen("undefined value", &format!("undefined value `{expr}`"), 1);
                if !message.contains(&format!("`{expr}`")) {
                    message.push_str(&format!(" (`{expr}`)"));
                }
            } else {
                message.push_str(&format!(" (in `{expr}`)"));
            }
        }
        e
    }

    /// Names of every loaded template, sorted.
    pub fn template_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.env.templates().map(|(n, _)| n.to_owned()).collect();
        names.sort();
        names
    }

    /// Renders one draft and validates it (YAML, Sigma schemas, draft contract).
    pub fn render(
        &self,
        strategy: &Strategy,
        target: &Target,
        options: &Options,
    ) -> Result<Draft, ScaffoldError> {
        let ctx = DraftContext::new(strategy, target, options);
        let family = strategy.family_of(target);
        let template = family.template_name();
        let tmpl =
            self.env
                .get_template(&template)
                .map_err(|_| ScaffoldError::MissingTemplate {
                    template: template.clone(),
                    known: self.template_names().join(", "),
                })?;
        let mut sink = LimitedOutput::default();
        tmpl.render_captured_to(&ctx, &mut sink)
            .map_err(|e| self.render_error(&template, &e))?;
        let mut text = String::from_utf8(sink.buf).map_err(|_| ScaffoldError::Template {
            template: template.clone(),
            line: None,
            message: "rendered text is not UTF-8".to_owned(),
        })?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let draft_name = format!("{}/{}", strategy.id, target.name);
        validate_draft(&template, &draft_name, &text, &ctx, &self.lint)?;
        Ok(Draft {
            strategy: strategy.id.clone(),
            target: target.name.clone(),
            family: family.as_str().to_owned(),
            template,
            rel_path: PathBuf::from(family.as_str()).join(format!("{}.yml", ctx.rule.name)),
            text,
        })
    }
}

/// Validates a rendered draft with the linter itself ([`crate::lint::engine`]), the one
/// implementation of Sigma's rules here: a YAML error (SIG001) names the rendered line, any
/// error-level Sigma validity finding (the `SIG` checks: schema, duplicate key, dangling
/// correlation, condition syntax...) names its check, and with `--example-values` an unresolved
/// placeholder (API004) is an error. The `API` checks judge a draft's detection logic (an
/// imported draft may still fire on API presence alone): they are for `sigsmith lint` on the
/// written draft, not a reason to write nothing. On top, the draft contract: one rule
/// document, plus the companion when the target has one.
pub fn validate_draft(
    template: &str,
    draft: &str,
    text: &str,
    ctx: &DraftContext,
    lint: &crate::lint::engine::LintOptions,
) -> Result<(), ScaffoldError> {
    let out = crate::lint::engine::lint_text(format!("{draft}.yml"), text, lint);
    let line_text = |line: u32| {
        text.lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(f) = out.findings.iter().find(|f| f.code == "SIG001") {
        return Err(ScaffoldError::InvalidYaml {
            template: template.to_owned(),
            draft: draft.to_owned(),
            line: f.pos.line,
            col: f.pos.col,
            message: f.message.clone(),
            text: line_text(f.pos.line),
        });
    }
    let invalid = |kind: &'static str, document: usize, line: u32, message: String| {
        ScaffoldError::InvalidDocument {
            template: template.to_owned(),
            draft: draft.to_owned(),
            kind,
            document,
            line,
            message,
        }
    };
    if let Some(s) = out.skipped.first() {
        return Err(invalid(
            "Sigma rule",
            s.doc_index + 1,
            s.pos.line,
            format!("not a Sigma document: {}", s.reason),
        ));
    }
    let expected = 1 + usize::from(ctx.correlation.is_some());
    if out.documents != expected {
        return Err(invalid(
            "draft",
            out.documents,
            1,
            format!(
                "expected {expected} YAML document(s), found {}",
                out.documents
            ),
        ));
    }
    let kind = |doc: Option<usize>| {
        if doc.unwrap_or(0) == 0 {
            "Sigma rule"
        } else {
            "Sigma correlation rule"
        }
    };
    if let Some(f) = out
        .findings
        .iter()
        .find(|f| f.severity == crate::diagnostic::Severity::Error && f.code.starts_with("SIG"))
    {
        return Err(invalid(
            kind(f.doc_index),
            f.doc_index.unwrap_or(0) + 1,
            f.pos.line,
            format!("{}[{}] {}", f.code, f.name, f.message),
        ));
    }
    if ctx.example_values
        && let Some(f) = out.findings.iter().find(|f| f.code == "API004")
    {
        return Err(invalid(
            kind(f.doc_index),
            f.doc_index.unwrap_or(0) + 1,
            f.pos.line,
            format!(
                "placeholder left with --example-values: {}",
                line_text(f.pos.line).trim()
            ),
        ));
    }
    Ok(())
}
