//! Exemplars: named sample events kept with a rule, each expected to match or not.
//!
//! Two places are read:
//! - sigsmith's own, in the rule's `sigsmith` block:
//!   `sigsmith: {exemplars: [{name, expect: match|no-match, event: {...}}]}`; instead of `event`
//!   an entry may name a sidecar file, `file: samples/x.ndjson` (relative to the rule file; every
//!   event of the file must meet the expectation);
//! - RSigma's published form: `custom_attributes: {rsigma.exemplars: [{name, expect, event}]}`
//!   (also accepted nested, `custom_attributes: {rsigma: {exemplars: [...]}}`).

use std::path::Path;

use serde_json::Value;

use crate::eval::events;
use crate::yaml::{Node, Pos, Value as YValue};

/// One exemplar of a rule.
#[derive(Debug, Clone)]
pub struct Exemplar {
    /// `name` (or `exemplar N`).
    pub name: String,
    /// Whether the rule must match (`expect: match`) or must not (`no-match`).
    pub expect_match: bool,
    /// Where the exemplar is written in the rule file.
    pub pos: Pos,
    /// The events: inline (one) or from the sidecar file.
    pub events: Vec<Value>,
    /// Why the exemplar cannot be used (bad `expect`, no event, unreadable sidecar).
    pub error: Option<String>,
}

/// Converts a YAML node to JSON (keys as text; numbers, booleans and nulls kept).
pub fn node_to_json(n: &Node) -> Value {
    match &n.value {
        YValue::Null => Value::Null,
        YValue::Bool(b) => Value::Bool(*b),
        YValue::Int(i) => Value::from(*i),
        YValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        YValue::Str(s) => Value::String(s.clone()),
        YValue::Seq(items) => Value::Array(items.iter().map(node_to_json).collect()),
        YValue::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.scalar_text().map(|t| t.into_owned()).unwrap_or_default(),
                        node_to_json(v),
                    )
                })
                .collect(),
        ),
    }
}

/// The exemplar lists of a rule document root.
fn lists(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    if let Some(l) = root.get("sigsmith").and_then(|s| s.get("exemplars")) {
        out.push(l);
    }
    if let Some(ca) = root.get("custom_attributes") {
        if let Some(l) = ca.get("rsigma.exemplars") {
            out.push(l);
        }
        if let Some(l) = ca.get("rsigma").and_then(|r| r.get("exemplars")) {
            out.push(l);
        }
    }
    out
}

/// Reads the exemplars of a rule document; sidecar files resolve against `rule_path`'s folder.
pub fn read(root: &Node, rule_path: &Path) -> Vec<Exemplar> {
    let mut out = Vec::new();
    for list in lists(root) {
        let Some(items) = list.as_seq() else {
            out.push(Exemplar {
                name: "exemplars".to_owned(),
                expect_match: true,
                pos: list.pos(),
                events: Vec::new(),
                error: Some(format!(
                    "`exemplars` must be a list, found a {}",
                    list.kind_name()
                )),
            });
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            out.push(read_one(item, i, rule_path));
        }
    }
    out
}

fn read_one(item: &Node, i: usize, rule_path: &Path) -> Exemplar {
    let name = item
        .get("name")
        .and_then(Node::scalar_text)
        .map_or_else(|| format!("exemplar {}", i + 1), |t| t.into_owned());
    let mut ex = Exemplar {
        name,
        expect_match: true,
        pos: item.pos(),
        events: Vec::new(),
        error: None,
    };
    if item.as_map().is_none() {
        ex.error = Some("an exemplar must be a mapping with `name`, `expect` and `event`".into());
        return ex;
    }
    match item.get("expect").and_then(Node::as_str) {
        Some("match") => ex.expect_match = true,
        Some("no-match" | "no_match" | "nomatch") => ex.expect_match = false,
        Some(other) => {
            ex.error = Some(format!(
                "`expect` must be `match` or `no-match`, not `{other}`"
            ));
            return ex;
        }
        None => {
            ex.error = Some("exemplar has no `expect: match | no-match`".into());
            return ex;
        }
    }
    if let Some(ev) = item.get("event") {
        ex.events.push(node_to_json(ev));
    } else if let Some(file) = item.get("file").and_then(Node::as_str) {
        let path = rule_path.parent().unwrap_or(Path::new(".")).join(file);
        let errors = events::read_file(&path, |e| ex.events.push(e.value));
        if let Some(e) = errors.first() {
            ex.error = Some(format!("sidecar {e}"));
        } else if ex.events.is_empty() {
            ex.error = Some(format!("sidecar {} holds no events", path.display()));
        }
    } else {
        ex.error = Some("exemplar has neither `event` nor `file`".into());
    }
    ex
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    #[test]
    fn both_forms_and_errors() {
        let text = "sigsmith:\n  exemplars:\n    - name: hit\n      expect: match\n      event: {a: 1, b: [x]}\n    - name: bad\n      expect: maybe\n      event: {}\n    - expect: no-match\ncustom_attributes:\n  rsigma.exemplars:\n    - name: r\n      expect: no-match\n      event: {c: null}\n";
        let s = yaml::parse(text);
        let root = &s.documents[0].root;
        let ex = read(root, Path::new("rule.yml"));
        assert_eq!(ex.len(), 4);
        assert_eq!(ex[0].events[0], serde_json::json!({"a": 1, "b": ["x"]}));
        assert!(ex[0].expect_match);
        assert_eq!(ex[0].pos.line, 3);
        assert!(ex[1].error.as_deref().is_some_and(|e| e.contains("maybe")));
        assert_eq!(ex[2].name, "exemplar 3");
        assert!(ex[2].error.is_some());
        assert!(!ex[3].expect_match);
        assert_eq!(ex[3].name, "r");
    }

    #[test]
    fn sidecar() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("s.ndjson"), "{\"a\":1}\n{\"a\":2}\n").expect("w");
        let text = "sigsmith:\n  exemplars:\n    - {name: side, expect: match, file: s.ndjson}\n    - {name: gone, expect: match, file: nope.json}\n";
        let s = yaml::parse(text);
        let ex = read(&s.documents[0].root, &dir.path().join("r.yml"));
        assert_eq!(ex[0].events.len(), 2);
        assert!(ex[0].error.is_none());
        assert!(ex[1].error.is_some());
    }
}
