//! A YAML document as a JSON Schema instance: `jsonschema` validates [`yaml::Node`](crate::yaml::Node) trees in
//! place (through its [`jsonschema::json`] traits), with no conversion to `serde_json::Value`.
//!
//! The instance is exactly the JSON [`Node::to_json`] writes: YAML 1.2 core scalars as JSON
//! scalars (a non-finite float as its text), mapping keys as their scalar text (`""` for a
//! collection key), and of keys repeated in one mapping the first position and the last value
//! (`serde_json`'s ordered map on insert). `tests/schema_instance.rs` checks that every verdict
//! equals that of the converted document.

use std::borrow::Cow;
use std::cell::Cell;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node as JsonNode, NodeIdentity, Object};
use serde_json::Value as JsonValue;

use crate::yaml::{Node, Value};

/// The representation: instances are borrowed [`yaml::Node`](crate::yaml::Node)s.
pub struct YamlJson;

impl Json for YamlJson {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = NameBuffer;

    // Lookups scan the entries (mappings are vectors): a pass over the members beats a lookup
    // per required key as long as the mapping is small.
    const KEYS_PER_LOOKUP: usize = 4;
    // A tree: a node is never its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut NameBuffer, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        match &mut buffer.0.value {
            Value::Str(s) => {
                s.clear();
                s.push_str(string);
            }
            other => *other = Value::Str(string.to_owned()),
        }
        f(&buffer.0)
    }
}

/// A string node that `propertyNames` reuses for each key it validates.
pub struct NameBuffer(Node);

impl Default for NameBuffer {
    fn default() -> Self {
        NameBuffer(Node {
            span: crate::yaml::Span::default(),
            style: crate::yaml::Style::Quoted,
            value: Value::Str(String::new()),
        })
    }
}

/// Whether the mapping key `key` is the JSON key `name`.
fn key_is(key: &Node, name: &str) -> bool {
    key.json_key() == name
}

/// Whether a mapping key equal to the key at `index` comes before it.
fn repeated(entries: &[(Node, Node)], index: usize) -> bool {
    let name = entries[index].0.json_key();
    entries[..index].iter().any(|(k, _)| key_is(k, &name))
}

/// Whether two keys of `entries` are the same JSON key.
fn has_repeated_key(entries: &[(Node, Node)]) -> bool {
    /// Up to this many string keys, comparing every pair is cheaper than hashing.
    const SCAN: usize = 24;
    if entries.len() <= SCAN {
        let mut keys = [""; SCAN];
        let mut all_strings = true;
        for (slot, (k, _)) in keys.iter_mut().zip(entries) {
            match &k.value {
                Value::Str(s) => *slot = s,
                _ => {
                    all_strings = false;
                    break;
                }
            }
        }
        if all_strings {
            let keys = &keys[..entries.len()];
            return (1..keys.len()).any(|i| keys[..i].contains(&keys[i]));
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    !entries.iter().all(|(k, _)| seen.insert(k.json_key()))
}

/// The value of the last entry whose key is `name`.
fn last_value<'a>(entries: &'a [(Node, Node)], name: &str) -> Option<&'a Node> {
    entries
        .iter()
        .rev()
        .find(|(k, _)| key_is(k, name))
        .map(|(_, v)| v)
}

/// A number as `serde_json` holds it (`None` for a non-finite float, which is text).
fn number(node: &Node) -> Option<serde_json::Number> {
    match node.value {
        Value::Int(i) => Some(serde_json::Number::from(i)),
        Value::Float(f) => serde_json::Number::from_f64(f),
        _ => None,
    }
}

impl<'a> JsonNode<'a, YamlJson> for &'a Node {
    type Object = Mapping<'a>;
    type Array = &'a [Node];
    type Number = serde_json::Number;

    fn as_object(&self) -> Option<Mapping<'a>> {
        self.as_map().map(|entries| Mapping {
            entries,
            unique: Cell::new(None),
        })
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        self.as_seq()
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Float(f) if !f.is_finite() => Some(Cow::Owned(f.to_string())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<serde_json::Number> {
        number(self)
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match &self.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) => JsonType::Number,
            Value::Float(f) if f.is_finite() => JsonType::Number,
            Value::Float(_) | Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &JsonValue) -> bool {
        match (&self.value, expected) {
            (Value::Str(s), _) => expected.as_str() == Some(s.as_str()),
            (Value::Null, _) => expected.is_null(),
            (Value::Bool(b), _) => expected.as_bool() == Some(*b),
            (Value::Int(_) | Value::Float(_), JsonValue::Number(_)) => {
                number(self).is_some_and(|mine| {
                    jsonschema::json::cmp::equal(&JsonValue::Number(mine), expected)
                })
            }
            _ => jsonschema::json::cmp::equal(&self.to_json(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, JsonValue> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(*self) as usize))
    }
}

/// A mapping seen as a JSON object.
#[derive(Clone)]
pub struct Mapping<'a> {
    entries: &'a [(Node, Node)],
    /// Whether no JSON key appears twice (the common case, where every entry is a member as it
    /// is), found out when first asked: most uses (`type: object`, a lookup) need not know.
    unique: Cell<Option<bool>>,
}

impl Mapping<'_> {
    fn unique(&self) -> bool {
        match self.unique.get() {
            Some(unique) => unique,
            None => {
                let unique = !has_repeated_key(self.entries);
                self.unique.set(Some(unique));
                unique
            }
        }
    }
}

impl<'a> Object<'a, YamlJson> for Mapping<'a> {
    type Node = &'a Node;
    type MemberName = Cow<'a, str>;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        if self.unique() {
            return self.entries.len();
        }
        (0..self.entries.len())
            .filter(|&i| !repeated(self.entries, i))
            .count()
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        last_value(self.entries, key)
    }

    fn members(&self) -> Members<'a> {
        Members {
            entries: self.entries,
            unique: self.unique(),
            next: 0,
        }
    }
}

/// The members of a [`Mapping`]: each key once, where it first appears, with its last value.
pub struct Members<'a> {
    entries: &'a [(Node, Node)],
    unique: bool,
    next: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Cow<'a, str>, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        let entries = self.entries;
        while let Some((key, value)) = entries.get(self.next) {
            let i = self.next;
            self.next += 1;
            if self.unique {
                return Some((key.json_key(), value));
            }
            if repeated(entries, i) {
                continue;
            }
            let name = key.json_key();
            let value = last_value(&entries[i..], &name).unwrap_or(value);
            return Some((name, value));
        }
        None
    }
}

impl<'a> Array<'a, YamlJson> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }

    fn is_unique(&self) -> bool {
        // Lists of strings (`tags`, `references`) compare as text; anything else as JSON.
        let strings: Option<Vec<&str>> = self.iter().map(Node::as_str).collect();
        match strings {
            Some(mut strings) => {
                strings.sort_unstable();
                strings.windows(2).all(|w| w[0] != w[1])
            }
            None => {
                let values: Vec<JsonValue> = self.iter().map(Node::to_json).collect();
                jsonschema::json::unique::is_unique(&values)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{SchemaKind, validate, validate_node};

    fn root(text: &str) -> Node {
        crate::yaml::parse(text).documents.remove(0).root
    }

    /// The string member `key` of `object`.
    fn string_member(object: &Mapping<'_>, key: &str) -> Option<String> {
        object
            .get(&key.to_owned())
            .and_then(|n| n.as_string())
            .map(Cow::into_owned)
    }

    /// Node validation and validation of the converted document give the same violations.
    fn agree(kind: SchemaKind, text: &str) -> Vec<crate::schema::Violation> {
        let root = root(text);
        let whole = validate(kind, &root.to_json()).expect("schema compiles");
        let in_place = validate_node(kind, &root).expect("schema compiles");
        assert_eq!(in_place, whole, "{text}");
        in_place
    }

    const RULE: &str =
        "title: t\nlogsource: {product: aws}\ndetection:\n  sel: {a: 1}\n  condition: sel\n";

    #[test]
    fn a_valid_rule_is_valid_in_place() {
        assert!(agree(SchemaKind::SigmaRule, RULE).is_empty());
    }

    #[test]
    fn a_repeated_key_counts_with_its_last_value() {
        // The last `level` is invalid: the document is.
        let v = agree(
            SchemaKind::SigmaRule,
            &format!("{RULE}level: high\nlevel: severe\n"),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].pointer, "/level");
        // The last one is valid: so is the document.
        assert!(
            agree(
                SchemaKind::SigmaRule,
                &format!("{RULE}level: severe\nlevel: high\n")
            )
            .is_empty()
        );
    }

    #[test]
    fn repeated_keys_are_one_member() {
        let text = "a: 1\nb: 2\na: 3\n";
        let root = root(text);
        let object = (&root).as_object().expect("a mapping");
        assert_eq!(object.len(), 2);
        let members: Vec<(String, i64)> = object
            .members()
            .map(|(k, v)| {
                (
                    k.into_owned(),
                    v.as_number().and_then(|n| n.as_i64()).unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(members, [("a".to_owned(), 3), ("b".to_owned(), 2)]);
        assert_eq!(
            object
                .get(&"a".to_owned())
                .and_then(|n| n.as_number())
                .and_then(|n| n.as_i64()),
            Some(3)
        );
    }

    #[test]
    fn many_repeated_keys_are_found_by_hashing() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k7: x\n");
        let root = root(&text);
        let object = (&root).as_object().expect("a mapping");
        assert_eq!(object.len(), 40);
        assert_eq!(object.members().count(), 40);
        assert_eq!(string_member(&object, "k7").as_deref(), Some("x"));
    }

    #[test]
    fn keys_and_scalars_are_what_to_json_writes() {
        // Non-string keys are their text; a non-finite float is a string; an integer key and a
        // string key with the same text are the same member.
        let text = "title: .inf\n1: a\n'1': b\ntrue: c\n";
        let root = root(text);
        let node = &root;
        let object = node.as_object().expect("a mapping");
        let names: Vec<String> = object.members().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(names, ["title", "1", "true"]);
        let title = object.get(&"title".to_owned()).expect("title");
        assert_eq!(title.json_type(), JsonType::String);
        assert_eq!(title.as_string().as_deref(), Some("inf"));
        assert_eq!(string_member(&object, "1").as_deref(), Some("b"));
        assert_eq!(node.to_value().into_owned(), root.to_json());
    }

    #[test]
    fn scalars_equal_json_values_as_json_does() {
        let root = root("[1, 1.0, 'x', true, null, [1], {a: 1}]");
        let items = root.as_seq().expect("a list");
        let cases = [
            (
                serde_json::json!(1.0),
                [true, true, false, false, false, false, false],
            ),
            (
                serde_json::json!("x"),
                [false, false, true, false, false, false, false],
            ),
            (
                serde_json::json!(true),
                [false, false, false, true, false, false, false],
            ),
            (
                serde_json::json!(null),
                [false, false, false, false, true, false, false],
            ),
            (
                serde_json::json!([1.0]),
                [false, false, false, false, false, true, false],
            ),
            (
                serde_json::json!({"a": 1}),
                [false, false, false, false, false, false, true],
            ),
        ];
        for (expected, verdicts) in cases {
            for (item, verdict) in items.iter().zip(verdicts) {
                assert_eq!(
                    item.equals_value(&expected),
                    verdict,
                    "{item:?} = {expected}"
                );
            }
        }
    }

    #[test]
    fn unique_items_compare_as_json() {
        let unique = |text: &str| {
            let root = root(text);
            root.as_seq().expect("a list").is_unique()
        };
        assert!(unique("[a, b, c]"));
        assert!(!unique("[a, b, a]"));
        assert!(!unique("[1, 1.0]"));
        assert!(unique("[1, '1']"));
        assert!(!unique("[{a: 1}, {a: 1}]"));
        let v = agree(
            SchemaKind::SigmaRule,
            &format!("{RULE}tags: [attack.t1078, attack.t1078]\n"),
        );
        assert_eq!(v.len(), 1, "{v:?}");
    }
}
