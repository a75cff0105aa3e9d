//! The JSON Schemas in `schemas/`, embedded in the binary and compiled once.
//!
//! Validation returns every violation with the JSON pointer of the offending instance, which
//! callers map back to a YAML line and column with [`crate::yaml::Node::pointer`].

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value as Json;

use crate::yaml::{Node, Value};

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
            SchemaKind::SigmaRule => include_str!("../schemas/sigma-rule.schema.json"),
            SchemaKind::SigmaCorrelation => {
                include_str!("../schemas/sigma-correlation.schema.json")
            }
            SchemaKind::SigmaFilter => include_str!("../schemas/sigma-filter.schema.json"),
            SchemaKind::Strategy => include_str!("../schemas/strategy.schema.json"),
        }
    }

    fn slot(self) -> &'static OnceLock<Result<Validator, String>> {
        static RULE: OnceLock<Result<Validator, String>> = OnceLock::new();
        static CORRELATION: OnceLock<Result<Validator, String>> = OnceLock::new();
        static FILTER: OnceLock<Result<Validator, String>> = OnceLock::new();
        static STRATEGY: OnceLock<Result<Validator, String>> = OnceLock::new();
        match self {
            SchemaKind::SigmaRule => &RULE,
            SchemaKind::SigmaCorrelation => &CORRELATION,
            SchemaKind::SigmaFilter => &FILTER,
            SchemaKind::Strategy => &STRATEGY,
        }
    }

    /// The compiled validator. Fails only if an embedded schema is itself broken, which the
    /// test suite rules out.
    pub fn validator(self) -> Result<&'static Validator, SchemaError> {
        self.slot()
            .get_or_init(|| {
                let value: serde_json::Value =
                    serde_json::from_str(self.source()).map_err(|e| e.to_string())?;
                jsonschema::validator_for(&value).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|message| SchemaError {
                schema: self.file_name(),
                message: message.clone(),
            })
    }

    /// How deep into a document the schema looks (see [`Reach`]), derived from its text once.
    fn reach(self) -> &'static Reach {
        static SLOTS: [OnceLock<Reach>; 4] = [const { OnceLock::new() }; 4];
        let slot = match self {
            SchemaKind::SigmaRule => &SLOTS[0],
            SchemaKind::SigmaCorrelation => &SLOTS[1],
            SchemaKind::SigmaFilter => &SLOTS[2],
            SchemaKind::Strategy => &SLOTS[3],
        };
        slot.get_or_init(|| {
            serde_json::from_str::<Json>(self.source()).map_or(Reach::Full, |s| Reach::of(&s))
        })
    }

    /// Compiles the validator and derives its [`Reach`] now, so that the first document to be
    /// checked does not wait for it (`lint` does this while it looks for files).
    pub fn warm_up(self) {
        let _ = self.validator();
        let _ = self.reach();
    }
}

/// How much of an instance a schema can tell apart, so that a document is converted to JSON
/// only as deep as its schema looks (most of a Sigma rule is its `detection`, whose selections
/// the schema checks only for their type).
///
/// Derived from the schema by [`Reach::of`], conservatively: any keyword it does not know makes
/// the subtree [`Reach::Full`]. A projection along a reach is valid exactly when the whole
/// instance is, because every keyword met on the way judges only what the projection keeps.
#[derive(Debug, Clone, PartialEq)]
enum Reach {
    /// Every value below matters (unknown keywords, `enum`, `uniqueItems`, `$ref`, ...).
    Full,
    /// Only the value's own type and scalar value matter (keywords such as `type`,
    /// `minLength` or `pattern`, and `anyOf`/`oneOf`/`allOf`/`not` of such): a collection can
    /// be replaced by an empty one of the same kind.
    Shallow,
    /// A collection whose keys, sizes and members matter: `properties` (with
    /// `additionalProperties` for the other keys) and `items`.
    Members {
        /// The reach of each named property (a short list: a linear search beats hashing).
        properties: Vec<(String, Reach)>,
        additional: Box<Reach>,
        items: Box<Reach>,
    },
}

/// Keywords that say nothing about an instance.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Keywords that judge only a value's type or a scalar's own value.
const SCALAR_KEYWORDS: &[&str] = &[
    "type",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Keywords that judge a collection's keys, size or members.
const MEMBER_KEYWORDS: &[&str] = &[
    "properties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
];

impl Reach {
    /// The reach of the schema `schema`.
    fn of(schema: &Json) -> Reach {
        let map = match schema {
            Json::Bool(_) => return Reach::Shallow,
            Json::Object(map) => map,
            _ => return Reach::Full,
        };
        let mut members = false;
        for (key, value) in map {
            let key = key.as_str();
            if ANNOTATIONS.contains(&key) || SCALAR_KEYWORDS.contains(&key) {
                continue;
            }
            if MEMBER_KEYWORDS.contains(&key) {
                members = true;
                continue;
            }
            let shallow_branches = match (key, value) {
                ("anyOf" | "oneOf" | "allOf", Json::Array(branches)) => {
                    branches.iter().all(|b| Reach::of(b) == Reach::Shallow)
                }
                ("not", branch) => Reach::of(branch) == Reach::Shallow,
                _ => false,
            };
            if !shallow_branches {
                return Reach::Full;
            }
        }
        if !members {
            return Reach::Shallow;
        }
        let sub = |key: &str| map.get(key).map_or(Reach::Shallow, Reach::of);
        let properties = match map.get("properties") {
            None => Vec::new(),
            Some(Json::Object(props)) => props
                .iter()
                .map(|(k, v)| (k.clone(), Reach::of(v)))
                .collect(),
            Some(_) => return Reach::Full,
        };
        // `items` as a list (tuple validation, older drafts) is not followed.
        if matches!(map.get("items"), Some(Json::Array(_))) {
            return Reach::Full;
        }
        Reach::Members {
            properties,
            additional: Box::new(sub("additionalProperties")),
            items: Box::new(sub("items")),
        }
    }
}

/// `node` as JSON, converted only as deep as `reach` looks; [`Node::to_json`] converts all.
fn project(node: &Node, reach: &Reach) -> Json {
    match (&node.value, reach) {
        (_, Reach::Full) => node.to_json(),
        (Value::Seq(_), Reach::Shallow) => Json::Array(Vec::new()),
        (Value::Map(_), Reach::Shallow) => Json::Object(serde_json::Map::new()),
        (Value::Seq(items), Reach::Members { items: each, .. }) => {
            Json::Array(items.iter().map(|i| project(i, each)).collect())
        }
        (
            Value::Map(entries),
            Reach::Members {
                properties,
                additional,
                ..
            },
        ) => {
            let mut map = serde_json::Map::with_capacity(entries.len());
            for (k, v) in entries {
                let key = k.json_key();
                let reach = properties
                    .iter()
                    .find_map(|(name, reach)| (*name == key).then_some(reach))
                    .unwrap_or(additional);
                map.insert(key, project(v, reach));
            }
            Json::Object(map)
        }
        _ => node.to_json(),
    }
}

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

/// Validates the YAML document `root` against the schema: [`validate`] of its JSON, with the
/// document converted only as deep as the schema looks (see [`Reach`]) to learn whether it is
/// valid, and converted whole only to describe the violations of an invalid one.
pub fn validate_node(kind: SchemaKind, root: &Node) -> Result<Vec<Violation>, SchemaError> {
    let validator = kind.validator()?;
    if validator.is_valid(&project(root, kind.reach())) {
        return Ok(Vec::new());
    }
    validate(kind, &root.to_json())
}

/// Validates `instance` against the schema and returns every violation, sorted by pointer.
pub fn validate(
    kind: SchemaKind,
    instance: &serde_json::Value,
) -> Result<Vec<Violation>, SchemaError> {
    let validator = kind.validator()?;
    // Most documents are valid: checking that is cheaper than collecting errors.
    if validator.is_valid(instance) {
        return Ok(Vec::new());
    }
    let mut out: Vec<Violation> = validator
        .iter_errors(instance)
        .map(|e| Violation {
            pointer: e.instance_path().as_str().to_owned(),
            message: e.to_string(),
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_compiles() {
        for kind in SchemaKind::ALL {
            assert!(kind.validator().is_ok(), "{}", kind.file_name());
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
    fn reach_follows_what_the_rule_schema_checks() {
        let Reach::Members {
            properties,
            additional,
            ..
        } = SchemaKind::SigmaRule.reach()
        else {
            panic!("a rule is checked member by member");
        };
        // Unknown top-level keys are allowed, whatever they hold.
        assert_eq!(**additional, Reach::Shallow);
        // Search identifiers are checked only for their type.
        let detection = properties.iter().find(|(name, _)| name == "detection");
        let Some((
            _,
            Reach::Members {
                additional,
                properties: det,
                ..
            },
        )) = detection
        else {
            panic!("detection is checked member by member");
        };
        assert_eq!(**additional, Reach::Shallow);
        assert!(det.iter().any(|(name, _)| name == "condition"));
        // `uniqueItems` compares whole items.
        let tags = properties.iter().find(|(name, _)| name == "tags");
        assert_eq!(tags.map(|(_, r)| r), Some(&Reach::Full));
    }

    #[test]
    fn reach_is_full_for_keywords_it_does_not_know() {
        let of = |v: serde_json::Value| Reach::of(&v);
        assert_eq!(of(serde_json::json!({"type": "object"})), Reach::Shallow);
        assert_eq!(of(serde_json::json!(true)), Reach::Shallow);
        assert_eq!(
            of(
                serde_json::json!({"anyOf": [{"type": "array"}, {"type": "string", "minLength": 1}]})
            ),
            Reach::Shallow
        );
        for schema in [
            serde_json::json!({"enum": [{"a": 1}]}),
            serde_json::json!({"const": [1]}),
            serde_json::json!({"$ref": "#/x"}),
            serde_json::json!({"patternProperties": {"^a": {"type": "string"}}}),
            serde_json::json!({"contains": {"type": "string"}}),
            serde_json::json!({"anyOf": [{"properties": {"a": {"type": "string"}}}]}),
            serde_json::json!({"items": [{"type": "string"}]}),
        ] {
            assert_eq!(of(schema.clone()), Reach::Full, "{schema}");
        }
    }

    #[test]
    fn projection_keeps_what_the_schema_judges() {
        let root = crate::yaml::parse(
            "title: t\nlogsource: {product: aws}\ndetection:\n  sel: {a: [1, 2]}\n  condition: sel\n",
        )
        .documents
        .remove(0)
        .root;
        let projected = project(&root, SchemaKind::SigmaRule.reach());
        assert_eq!(
            projected,
            serde_json::json!({
                "title": "t",
                "logsource": {"product": "aws"},
                "detection": {"sel": {}, "condition": "sel"}
            })
        );
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
