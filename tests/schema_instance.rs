//! `schema::validate_node` validates a YAML document in place, with no conversion to JSON. This
//! checks that it never changes a verdict: on every YAML document of the test fixtures and of
//! the SigmaHQ corpus (when `../shared` is present), and on mutants of each (values replaced
//! with other types, collections emptied, members duplicated or added, keys repeated with
//! another value, collection keys), against all three Sigma schemas, its violations equal
//! those of the document's JSON (`Node::to_json`).

mod common;

use sigsmith::schema::{self, SchemaKind};
use sigsmith::yaml::{self, Node, Value};

const KINDS: [SchemaKind; 3] = [
    SchemaKind::SigmaRule,
    SchemaKind::SigmaCorrelation,
    SchemaKind::SigmaFilter,
];

/// Every node of `root`, depth first (the root first).
fn nodes(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(n) = todo.pop() {
        out.push(n);
        match &n.value {
            Value::Seq(items) => todo.extend(items.iter().rev()),
            Value::Map(entries) => todo.extend(entries.iter().rev().map(|(_, v)| v)),
            _ => {}
        }
    }
    out
}

/// The `index`-th node of `root` in [`nodes`] order, mutably.
fn nth_mut(root: &mut Node, index: usize) -> Option<&mut Node> {
    let mut seen = 0;
    let mut todo = vec![root];
    while let Some(n) = todo.pop() {
        if seen == index {
            return Some(n);
        }
        seen += 1;
        match &mut n.value {
            Value::Seq(items) => todo.extend(items.iter_mut().rev()),
            Value::Map(entries) => todo.extend(entries.iter_mut().rev().map(|(_, v)| v)),
            _ => {}
        }
    }
    None
}

fn scalar(like: &Node, value: Value) -> Node {
    Node {
        value,
        ..like.clone()
    }
}

/// Variants of `node`'s value: every other type, an empty collection, a duplicated member and
/// an extra member.
fn variants(node: &Node) -> Vec<Value> {
    let mut out = vec![
        Value::Null,
        Value::Bool(true),
        Value::Int(3),
        Value::Float(1.5),
        Value::Str(String::new()),
        Value::Str("a".repeat(300)),
        Value::Seq(Vec::new()),
        Value::Map(Vec::new()),
        Value::Seq(vec![scalar(node, Value::Str("x".into()))]),
    ];
    match &node.value {
        Value::Seq(items) => {
            let mut doubled = items.clone();
            doubled.extend(items.iter().take(1).cloned());
            out.push(Value::Seq(doubled));
            let mut more = items.clone();
            more.push(scalar(node, Value::Int(7)));
            out.push(Value::Seq(more));
        }
        Value::Map(entries) => {
            let mut more = entries.clone();
            more.push((
                scalar(node, Value::Str("unexpected_key".into())),
                scalar(node, Value::Int(1)),
            ));
            out.push(Value::Map(more));
            let mut fewer = entries.clone();
            fewer.pop();
            out.push(Value::Map(fewer));
            // The first key again, with another value: JSON keeps the key where it first
            // appears and the last value.
            if let Some((key, _)) = entries.first() {
                let mut again = entries.clone();
                again.push((key.clone(), scalar(node, Value::Int(7))));
                out.push(Value::Map(again));
                let mut back = entries.clone();
                back.insert(0, (key.clone(), scalar(node, Value::Seq(Vec::new()))));
                out.push(Value::Map(back));
            }
            // Two collection keys, which JSON writes as the same key `""`.
            let mut collections = entries.clone();
            collections.push((
                scalar(node, Value::Seq(Vec::new())),
                scalar(node, Value::Null),
            ));
            collections.push((
                scalar(node, Value::Map(Vec::new())),
                scalar(node, Value::Int(1)),
            ));
            out.push(Value::Map(collections));
        }
        _ => {}
    }
    out
}

fn agree(root: &Node, what: &str, failures: &mut Vec<String>) -> usize {
    let mut checked = 0;
    for kind in KINDS {
        let whole = schema::validate(kind, &root.to_json()).expect("schema compiles");
        let in_place = schema::validate_node(kind, root).expect("schema compiles");
        checked += 1;
        if whole != in_place {
            failures.push(format!(
                "{what} against {}: whole {whole:?}, in place {in_place:?}",
                kind.file_name()
            ));
        }
    }
    checked
}

#[test]
fn validation_in_place_never_changes_a_verdict() {
    let mut files = Vec::new();
    let fixtures = common::repo_root().join("tests/fixtures");
    common::yaml_files(&fixtures, &mut files);
    if let Some(shared) = common::shared_dir() {
        common::yaml_files(&shared.join("corpora/sigmahq"), &mut files);
    }
    files.sort();
    let mut failures = Vec::new();
    let (mut checked, mut invalid) = (0, 0);
    for (i, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for doc in yaml::parse(&text).documents {
            let what = path.display().to_string();
            checked += agree(&doc.root, &what, &mut failures);
            invalid += usize::from(
                !schema::validate(SchemaKind::SigmaRule, &doc.root.to_json())
                    .expect("schema compiles")
                    .is_empty(),
            );
            // Mutants: every fixture's nodes, and for the corpus every 16th file's first 40
            // nodes (the whole corpus would take minutes in a debug build).
            let count = nodes(&doc.root).len();
            let limit = if path.starts_with(&fixtures) {
                count
            } else if i % 16 == 0 {
                count.min(40)
            } else {
                0
            };
            for at in 0..limit {
                let Some(original) = nodes(&doc.root).get(at).map(|n| (*n).clone()) else {
                    continue;
                };
                for value in variants(&original) {
                    let mut mutant = doc.root.clone();
                    if let Some(n) = nth_mut(&mut mutant, at) {
                        n.value = value;
                    }
                    checked += agree(&mutant, &format!("{what} (node {at})"), &mut failures);
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} verdicts compared");
    assert!(
        invalid > 10,
        "only {invalid} invalid documents among the inputs"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} verdicts differ:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
