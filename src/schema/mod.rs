//! The JSON Schemas in `schemas/`, embedded in the binary and compiled once.
//!
//! Validation returns every violation with the JSON pointer of the offending instance, which
//! callers map back to a YAML line and column with [`crate::yaml::Node::pointer`].

use std::sync::OnceLock;

pub mod instance;

use jsonschema::Validator;
use jsonschema::json::SerdeJson;
use serde_json::Value as Json;

use crate::yaml::Node;
use instance::YamlJson;

/// The schemas sigsmith validates against and publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaKind {
    /// `schemas/sigma-rule.schema.json`: a Sigma detection rule.
    SigmaRule,
    /// `schemas/sigma-correlation.schema.json`: a Sigma correlation rule.
    SigmaCorrelation,
    /// `schemas/sigma-filter.schema.json`: a Sigma filter (meta filter).
    SigmaFilter,
    /// `schemas/strategy.schema.json`: one file of sigsmith's detection-strategy catalog.
    Strategy,
}

impl SchemaKind {
    /// Every schema, in a stable order.
    pub const ALL: [SchemaKind; 4] = [
        SchemaKind::SigmaRule,
        SchemaKind::SigmaCorrelation,
        SchemaKind::SigmaFilter,
        SchemaKind::Strategy,
    ];

    /// The schema's file name under `schemas/`.
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::SigmaRule => "sigma-rule.schema.json",
            SchemaKind::SigmaCorrelation => "sigma-correlation.schema.json",
            SchemaKind::SigmaFilter => "sigma-filter.schema.json",
            SchemaKind::Strategy => "strategy.schema.json",
        }
    }

    /// The schema's source text as embedded at build time.
    pub fn source(self) -> &'static str {
        match self {
            SchemaKind::SigmaRule => include_str!("../../schemas/sigma-rule.schema.json"),
            SchemaKind::SigmaCorrelation => {
                include_str!("../../schemas/sigma-correlation.schema.json")
            }
            SchemaKind::SigmaFilter => include_str!("../../schemas/sigma-filter.schema.json"),
            SchemaKind::Strategy => include_str!("../../schemas/strategy.schema.json"),
        }
    }

    /// The compiled validator of `serde_json` instances. Fails only if an embedded schema is
    /// itself broken, which the test suite rules out.
    pub fn validator(self) -> Result<&'static Validator, SchemaError> {
        static SLOTS: [Slot<SerdeJson>; 4] = [const { OnceLock::new() }; 4];
        self.compiled(&SLOTS[self as usize])
    }

    /// The compiled validator of YAML documents ([`YamlJson`] instances).
    fn node_validator(self) -> Result<&'static Validator<YamlJson>, SchemaError> {
        static SLOTS: [Slot<YamlJson>; 4] = [const { OnceLock::new() }; 4];
        self.compiled(&SLOTS[self as usize])
    }

    /// The validator in `slot`, compiled from the embedded schema on first use.
    fn compiled<F: jsonschema::json::Json>(
        self,
        slot: &'static Slot<F>,
    ) -> Result<&'static Validator<F>, SchemaError> {
        slot.get_or_init(|| {
            let value: Json = serde_json::from_str(self.source()).map_err(|e| e.to_string())?;
            jsonschema::options_for::<F>()
                .build(&value)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|message| SchemaError {
            schema: self.file_name(),
            message: message.clone(),
        })
    }

    /// Compiles the validator of YAML documents now, so that the first document to be checked
    /// does not wait for it (`lint` does this while it looks for files).
    pub fn warm_up(self) {
        let _ = self.node_validator();
    }
}

/// Where one compiled validator is kept (or why the schema does not compile).
type Slot<F> = OnceLock<Result<Validator<F>, String>>;

/// An embedded schema that does not compile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("embedded schema {schema} is invalid: {message}")]
pub struct SchemaError {
    /// The schema's file name.
    pub schema: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// One way an instance breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// JSON pointer of the offending value (`""` for the document root).
    pub pointer: String,
    /// What is wrong, as a short phrase.
    pub message: String,
}

/// Validates the YAML document `root` against the schema, in place (see [`instance`]): the
/// same violations as [`validate`] of [`Node::to_json`], without the conversion.
pub fn validate_node(kind: SchemaKind, root: &Node) -> Result<Vec<Violation>, SchemaError> {
    let validator = kind.node_validator()?;
    // Most documents are valid: checking that is cheaper than collecting errors.
    if validator.is_valid(root) {
        return Ok(Vec::new());
    }
    Ok(violations(validator.iter_errors(root)))
}

/// Validates `instance` against the schema and returns every violation, sorted by pointer.
pub fn validate(
    kind: SchemaKind,
    instance: &serde_json::Value,
) -> Result<Vec<Violation>, SchemaError> {
    let validator = kind.validator()?;
    if validator.is_valid(instance) {
        return Ok(Vec::new());
    }
    Ok(violations(validator.iter_errors(instance)))
}

/// The violations `errors` describe, sorted by pointer and without repeats.
fn violations(errors: jsonschema::ErrorIterator<'_>) -> Vec<Violation> {
    let mut out: Vec<Violation> = errors
        .map(|e| Violation {
            pointer: e.instance_path().as_str().to_owned(),
            message: e.to_string(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_compiles_for_json_and_yaml_instances() {
        for kind in SchemaKind::ALL {
            assert!(kind.validator().is_ok(), "{}", kind.file_name());
            assert!(kind.node_validator().is_ok(), "{}", kind.file_name());
        }
    }

    #[test]
    fn rule_violation_points_at_the_value() {
        let doc = serde_json::json!({
            "title": "t",
            "logsource": {"product": "aws"},
            "detection": {"sel": {"a": 1}, "condition": "sel"},
            "level": "severe"
        });
        let v = validate(SchemaKind::SigmaRule, &doc).expect("schema compiles");
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].pointer, "/level");
    }

    #[test]
    fn missing_condition_is_reported() {
        let doc = serde_json::json!({
            "title": "t",
            "logsource": {"product": "aws"},
            "detection": {"sel": {"a": 1}}
        });
        let v = validate(SchemaKind::SigmaRule, &doc).expect("schema compiles");
        assert!(v.iter().any(|x| x.pointer == "/detection"), "{v:?}");
    }
}
