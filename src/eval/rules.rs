//! Loading rules for evaluation: detection rules, filters (attached to the rules they name)
//! and correlation rules, each compiled once from sigsmith's own document model.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::eval::correlation::Correlation;
use crate::eval::matcher::{CompiledDetection, Placeholders};
use crate::lint::detection::Detection;
use crate::lint::document::{DocKind, LogSource, SigmaDocument, parse_file};
use crate::lint::engine::SourceFile;
use crate::yaml::Node;

/// A detection rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct EvalRule {
    /// `id` (empty when the rule has none).
    pub id: String,
    /// `name` (correlations may reference rules by it).
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level`.
    pub level: Option<String>,
    /// The rule file.
    pub path: PathBuf,
    /// 1-based line of the document start.
    pub line: u32,
    /// The rule's log source.
    pub logsource: LogSource,
    /// The compiled detection.
    pub detection: CompiledDetection,
    /// Filters that apply (each must also match; a filter's condition usually negates).
    pub filters: Vec<CompiledDetection>,
    /// Whether the rule's own matches are reported (false when only a correlation with
    /// `generate: false` references it).
    pub report: bool,
}

impl EvalRule {
    /// Whether the event matches the rule and all its filters.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        self.detection.matches(event) && self.filters.iter().all(|f| f.matches(event))
    }
}

/// A rule (or filter, or correlation) that could not be compiled.
#[derive(Debug, Clone)]
pub struct RuleError {
    /// The rule file.
    pub path: PathBuf,
    /// 1-based line of the document.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Every rule of a run.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// Detection rules.
    pub rules: Vec<EvalRule>,
    /// Correlation rules.
    pub correlations: Vec<Correlation>,
    /// Documents that could not be compiled (the run goes on without them).
    pub errors: Vec<RuleError>,
}

struct PendingFilter {
    path: PathBuf,
    line: u32,
    rules: Vec<String>,
    logsource: LogSource,
    detection: CompiledDetection,
}

impl RuleSet {
    /// Compiles every Sigma document of `sources`.
    pub fn load(sources: &[SourceFile], placeholders: &Placeholders) -> RuleSet {
        let mut set = RuleSet::default();
        let mut filters = Vec::new();
        let mut correlation_docs: Vec<(PathBuf, SigmaDocument)> = Vec::new();
        for src in sources {
            let parsed = parse_file(&src.text);
            if let Some(e) = &parsed.error {
                set.errors.push(RuleError {
                    path: src.path.clone(),
                    line: e.pos.line,
                    message: format!("YAML error: {}", e.message),
                });
            }
            for doc in parsed.documents {
                let line = doc.start.line;
                let err = |message: String| RuleError {
                    path: src.path.clone(),
                    line,
                    message,
                };
                match doc.kind {
                    DocKind::Rule => match compile_rule(&doc, &src.path, placeholders) {
                        Ok(r) => set.rules.push(r),
                        Err(m) => set.errors.push(err(m)),
                    },
                    DocKind::Filter => match compile_filter(&doc, &src.path, placeholders) {
                        Ok(f) => filters.push(f),
                        Err(m) => set.errors.push(err(m)),
                    },
                    DocKind::Correlation => correlation_docs.push((src.path.clone(), doc)),
                    DocKind::Unknown | DocKind::Foreign => {}
                }
            }
        }
        for f in filters {
            let mut used = false;
            for r in &mut set.rules {
                // As pySigma: the filter applies to a rule it names whose log source it covers
                // (each of the filter's `category`, `product`, `service` is the rule's).
                if f.rules
                    .iter()
                    .any(|x| refers_to(x, &r.id, r.name.as_deref()))
                    && f.logsource.match_score(&r.logsource).is_some()
                {
                    r.filters.push(f.detection.clone());
                    used = true;
                }
            }
            if !used {
                set.errors.push(RuleError {
                    path: f.path,
                    line: f.line,
                    message: format!(
                        "filter names no loaded rule of its log source ({})",
                        f.rules.join(", ")
                    ),
                });
            }
        }
        for (path, doc) in &correlation_docs {
            match Correlation::compile(doc, path, &set.rules, &correlation_docs) {
                Ok(c) => set.correlations.push(c),
                Err(m) => set.errors.push(RuleError {
                    path: path.clone(),
                    line: doc.start.line,
                    message: m,
                }),
            }
        }
        // Rules referenced only by correlations that do not generate are not reported alone.
        let mut referenced: HashMap<usize, bool> = HashMap::new();
        for c in &set.correlations {
            for &r in &c.rule_indices {
                let e = referenced.entry(r).or_insert(false);
                *e |= c.generate;
            }
        }
        for (i, generate) in referenced {
            if let Some(r) = set.rules.get_mut(i) {
                r.report = generate;
            }
        }
        set
    }
}

/// Whether the reference `x` (an id or a name) designates a rule.
pub fn refers_to(x: &str, id: &str, name: Option<&str>) -> bool {
    (!id.is_empty() && x == id) || name == Some(x)
}

fn compile_rule(
    doc: &SigmaDocument,
    path: &Path,
    placeholders: &Placeholders,
) -> Result<EvalRule, String> {
    let Some(det) = doc.root.get("detection") else {
        return Err("rule has no detection".to_owned());
    };
    let detection = Detection::read(det, &[]);
    let compiled = CompiledDetection::compile(&detection, placeholders).map_err(|e| e.message)?;
    Ok(EvalRule {
        id: doc
            .text_attr("id")
            .map(|s| s.into_owned())
            .unwrap_or_default(),
        name: doc.name().map(str::to_owned),
        title: doc.title().unwrap_or_default().to_owned(),
        level: doc.level(),
        path: path.to_path_buf(),
        line: doc.start.line,
        logsource: doc.logsource(),
        detection: compiled,
        filters: Vec::new(),
        report: true,
    })
}

fn compile_filter(
    doc: &SigmaDocument,
    path: &Path,
    placeholders: &Placeholders,
) -> Result<PendingFilter, String> {
    let Some(node) = doc.root.get("filter") else {
        return Err("filter has no `filter` block".to_owned());
    };
    let rules: Vec<String> = node.get("rules").map(Node::string_list).unwrap_or_default();
    if rules.is_empty() {
        return Err("filter names no rules (`filter.rules`)".to_owned());
    }
    let detection = Detection::read(node, &["rules"]);
    let compiled = CompiledDetection::compile(&detection, placeholders).map_err(|e| e.message)?;
    Ok(PendingFilter {
        path: path.to_path_buf(),
        line: doc.start.line,
        rules,
        logsource: doc.logsource(),
        detection: compiled,
    })
}
