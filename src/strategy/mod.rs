//! The detection-strategy catalog: built-in strategies (embedded YAML) and their model.
//!
//! The built-in strategies live in `data/strategies/*.yml`, are embedded in the binary, and are
//! validated at load against `schemas/strategy.schema.json` and then against the model's own
//! consistency rules ([`check_strategy`]). The ATT&CK importer builds [`Strategy`] values
//! directly and adds them with [`Catalog::insert`].

mod model;

pub use model::*;

use crate::schema::{self, SchemaKind};

/// The built-in strategy files: (file name, text).
pub const BUILTIN_FILES: [(&str, &str); 3] = [
    (
        "data/strategies/DC0112.yml",
        include_str!("../../data/strategies/DC0112.yml"),
    ),
    (
        "data/strategies/DET0078.yml",
        include_str!("../../data/strategies/DET0078.yml"),
    ),
    (
        "data/strategies/DET0742.yml",
        include_str!("../../data/strategies/DET0742.yml"),
    ),
];

/// A strategy file that cannot be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CatalogError {
    /// Not valid YAML.
    #[error("{file}:{line}:{col}: invalid YAML: {message}")]
    Yaml {
        /// File name.
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        col: u32,
        /// Parser message.
        message: String,
    },
    /// Not exactly one YAML document.
    #[error("{file}: expected exactly one YAML document, found {found}")]
    Documents {
        /// File name.
        file: String,
        /// Documents found.
        found: usize,
    },
    /// Breaks `schemas/strategy.schema.json`.
    #[error("{file}:{line}:{col}: {message} (at {pointer}, schemas/strategy.schema.json)")]
    Schema {
        /// File name.
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        col: u32,
        /// JSON pointer of the offending value.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// Valid against the schema but not deserializable into the model.
    #[error("{file}: {message}")]
    Model {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Inconsistent strategy (duplicate names, a filter on a field not in the context...).
    #[error("{file}: strategy {id}: {message}")]
    Inconsistent {
        /// File name.
        file: String,
        /// Strategy id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// Two strategies with the same id.
    #[error("duplicate strategy id {id}")]
    Duplicate {
        /// The id.
        id: String,
    },
    /// The embedded schema does not compile.
    #[error(transparent)]
    EmbeddedSchema(#[from] schema::SchemaError),
}

/// Parses and validates one strategy file (schema, then model consistency).
pub fn load_strategy(file: &str, text: &str) -> Result<Strategy, CatalogError> {
    let stream = crate::yaml::parse(text);
    if let Some(err) = &stream.error {
        return Err(CatalogError::Yaml {
            file: file.to_owned(),
            line: err.pos.line,
            col: err.pos.col,
            message: err.message.clone(),
        });
    }
    if stream.documents.len() != 1 {
        return Err(CatalogError::Documents {
            file: file.to_owned(),
            found: stream.documents.len(),
        });
    }
    let root = &stream.documents[0].root;
    let json = root.to_json();
    if let Some(v) = schema::validate(SchemaKind::Strategy, &json)?
        .into_iter()
        .next()
    {
        let pos = root.pointer(&v.pointer).pos();
        return Err(CatalogError::Schema {
            file: file.to_owned(),
            line: pos.line,
            col: pos.col,
            pointer: if v.pointer.is_empty() {
                "/".to_owned()
            } else {
                v.pointer
            },
            message: v.message,
        });
    }
    let strategy: Strategy = serde_json::from_value(json).map_err(|e| CatalogError::Model {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    if let Some(message) = check_strategy(&strategy).into_iter().next() {
        return Err(CatalogError::Inconsistent {
            file: file.to_owned(),
            id: strategy.id.clone(),
            message,
        });
    }
    Ok(strategy)
}

/// Consistency rules the schema cannot express; returns every problem found (empty when the
/// strategy is sound). Importers should run it on the strategies they build.
pub fn check_strategy(s: &Strategy) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in &s.prompts {
        if !seen.insert(p.id.as_str()) {
            problems.push(format!("duplicate prompt id {}", p.id));
        }
    }
    if s.targets.is_empty() {
        problems.push("no targets".to_owned());
    }
    let mut names = std::collections::BTreeSet::new();
    for t in &s.targets {
        if !names.insert(t.name.to_ascii_lowercase()) {
            problems.push(format!("duplicate target name {}", t.name));
        }
        let ctx = &t.context;
        for sel in &t.api {
            for m in &sel.matches {
                if !t.api_fields.contains(&m.field) {
                    problems.push(format!(
                        "target {}: API selection field {} is not in api_fields",
                        t.name, m.field
                    ));
                }
            }
        }
        if let Some(cc) = &t.context_constraint {
            for sel in &cc.any_of {
                for m in &sel.matches {
                    if !ctx.contains(&m.field) {
                        problems.push(format!(
                            "target {}: context constraint field {} is not a context field",
                            t.name, m.field
                        ));
                    }
                }
            }
        }
        let mut bnames = std::collections::BTreeSet::new();
        for b in &t.baselines {
            if !bnames.insert(b.name.as_str()) {
                problems.push(format!(
                    "target {}: duplicate baseline name {}",
                    t.name, b.name
                ));
            }
            if !ctx.contains(&b.field) {
                problems.push(format!(
                    "target {}: baseline {} filters field {} which is not a context field",
                    t.name, b.name, b.field
                ));
            }
        }
        // Generic drafts (process creation, file events...) may come from logs without a caller;
        // an API-audit draft names an identity field, or, when its log source's vocabulary
        // profile has no identity field (a network protocol log such as Zeek's modbus.log has
        // a source host but no account), the classes that profile requires.
        if s.family_of(t) != Family::Generic {
            let required = crate::vocab::Vocabulary::builtin()
                .recognize(&t.logsource, &[])
                .filter(|r| r.how != crate::vocab::How::Inferred)
                .filter(|r| r.profile.context.identity.is_empty())
                .map_or_else(
                    || vec![ContextClass::Identity],
                    |r| r.profile.required_classes(),
                );
            for class in required {
                if ctx.class(class).is_empty() {
                    problems.push(format!("target {}: no {class} context field", t.name));
                }
            }
        }
        let mut pids = std::collections::BTreeSet::new();
        for p in &t.prompts {
            if !pids.insert(p.id.as_str()) || s.prompts.iter().any(|q| q.id == p.id) {
                problems.push(format!("target {}: duplicate prompt id {}", t.name, p.id));
            }
        }
        if let Some(c) = &t.correlation {
            for g in &c.group_by {
                if !ctx.contains(g) {
                    problems.push(format!(
                        "target {}: correlation groups by {} which is not a context field",
                        t.name, g
                    ));
                }
            }
            match (c.kind, &c.field) {
                (CorrelationType::ValueCount, None) => problems.push(format!(
                    "target {}: value_count correlation needs a field",
                    t.name
                )),
                (CorrelationType::EventCount, Some(_)) => problems.push(format!(
                    "target {}: event_count correlation takes no field",
                    t.name
                )),
                _ => {}
            }
        }
    }
    problems
}

/// A set of strategies, looked up by id case-insensitively and listed in id order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    strategies: Vec<Strategy>,
}

impl Catalog {
    /// The built-in catalog (embedded `data/strategies/*.yml`).
    pub fn builtin() -> Result<Self, CatalogError> {
        let mut catalog = Catalog::default();
        for (file, text) in BUILTIN_FILES {
            catalog.insert(load_strategy(file, text)?)?;
        }
        Ok(catalog)
    }

    /// Adds a strategy; an id already present is an error.
    /// A catalog of `strategies` in one step: O(n log n), where n calls of [`Catalog::insert`]
    /// cost O(n²) (an ATT&CK import has thousands of strategies).
    pub fn from_strategies(mut strategies: Vec<Strategy>) -> Result<Self, CatalogError> {
        strategies.sort_by(|a, b| a.id.cmp(&b.id));
        let mut seen = std::collections::HashSet::with_capacity(strategies.len());
        for s in &strategies {
            if !seen.insert(s.id.to_ascii_lowercase()) {
                return Err(CatalogError::Duplicate { id: s.id.clone() });
            }
        }
        Ok(Catalog { strategies })
    }

    /// Adds one strategy (O(n): use [`Catalog::from_strategies`] for many).
    pub fn insert(&mut self, strategy: Strategy) -> Result<(), CatalogError> {
        if self.get(&strategy.id).is_some() {
            return Err(CatalogError::Duplicate { id: strategy.id });
        }
        let at = self
            .strategies
            .binary_search_by(|s| s.id.cmp(&strategy.id))
            .unwrap_or_else(|i| i);
        self.strategies.insert(at, strategy);
        Ok(())
    }

    /// The strategy with this id (case-insensitive).
    pub fn get(&self, id: &str) -> Option<&Strategy> {
        self.strategies
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// Mutable access to the strategy with this id (case-insensitive), e.g. for an importer
    /// enriching a built-in entry.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Strategy> {
        self.strategies
            .iter_mut()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// Every strategy, sorted by id.
    pub fn list(&self) -> &[Strategy] {
        &self.strategies
    }

    /// Every id, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.strategies.iter().map(|s| s.id.as_str()).collect()
    }

    /// Number of strategies.
    pub fn len(&self) -> usize {
        self.strategies.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.strategies.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads() {
        let c = Catalog::builtin().expect("built-in catalog loads");
        assert_eq!(c.ids(), ["DC0112", "DET0078", "DET0742"]);
        assert!(c.get("det0078").is_some());
        assert!(c.get("DET9999").is_none());
    }

    #[test]
    fn schema_error_names_file_and_line() {
        let text = "id: DET0001\nname: x\nkind: detection-strategy\ndomain: nowhere\n";
        let err = load_strategy("x.yml", text).expect_err("invalid");
        let msg = err.to_string();
        assert!(msg.starts_with("x.yml:"), "{msg}");
    }

    #[test]
    fn inconsistent_baseline_field_is_rejected() {
        let (_, text) = BUILTIN_FILES[1];
        let broken = text.replacen("field: userIdentity.arn", "field: nosuch.field", 1);
        assert_ne!(broken, text);
        let err = load_strategy("DET0078.yml", &broken).expect_err("inconsistent");
        assert!(err.to_string().contains("nosuch.field"), "{err}");
    }
}
