//! The Sigma detection model: selections (search identifiers), their field items with value
//! modifiers, keyword (field-less) selections, and the condition nodes.
//!
//! A selection is an OR of *alternatives*; each alternative is an AND of *items*:
//! - a mapping `{a: 1, b|contains: x}` is one alternative with two items;
//! - a list of mappings is one alternative per mapping;
//! - a list of scalars (or one scalar) is one alternative holding one keyword item.
//!
//! Within an item, a list of values is an OR (an AND with the `all` modifier).

use crate::yaml::{Node, Value};

/// Every value modifier the Sigma specification (and pySigma) defines.
pub const MODIFIERS: &[&str] = &[
    // string matching
    "contains",
    "startswith",
    "endswith",
    "all",
    "cased",
    // encodings and transformations
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "windash",
    // regular expressions and their flags
    "re",
    "i",
    "ignorecase",
    "m",
    "multiline",
    "s",
    "dotall",
    // network
    "cidr",
    // field references, existence, placeholders
    "exists",
    "fieldref",
    "expand",
    // numeric comparison and negation
    "gt",
    "gte",
    "lt",
    "lte",
    "neq",
    // time parts
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
];

/// Modifiers that only make sense after `re`.
pub const REGEX_FLAGS: &[&str] = &["i", "ignorecase", "m", "multiline", "s", "dotall"];

/// Whether `m` is a modifier Sigma defines (case-sensitive, as Sigma is).
pub fn is_known_modifier(m: &str) -> bool {
    MODIFIERS.contains(&m)
}

/// A modifier as written after a `|` in a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modifier<'a> {
    /// The modifier name.
    pub name: &'a str,
    /// Byte offset of the name in the key text.
    pub offset: usize,
}

/// One field constraint (or a keyword list) of a selection alternative.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The field name, or `None` for keywords (field-less values).
    pub field: Option<&'a str>,
    /// The modifiers after the field name.
    pub modifiers: Vec<Modifier<'a>>,
    /// The key node (`field|mod: ...`), absent for keyword items.
    pub key: Option<&'a Node>,
    /// The value node as written (scalar or sequence).
    pub node: &'a Node,
    /// The individual values: the scalar itself, or the items of a sequence.
    pub values: Vec<&'a Node>,
}

impl Item<'_> {
    /// Whether the item has modifier `name`.
    pub fn has_modifier(&self, name: &str) -> bool {
        self.modifiers.iter().any(|m| m.name == name)
    }
}

/// One detection identifier (`selection_api: ...`).
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// The identifier.
    pub name: &'a str,
    /// The key node.
    pub key: &'a Node,
    /// The value node.
    pub node: &'a Node,
    /// OR of alternatives, each an AND of items.
    pub alternatives: Vec<Vec<Item<'a>>>,
}

impl Selection<'_> {
    /// Every item of every alternative.
    pub fn items(&self) -> impl Iterator<Item = &Item<'_>> {
        self.alternatives.iter().flatten()
    }

    /// Whether the selection has only keyword (field-less) items.
    pub fn is_keyword_only(&self) -> bool {
        self.items().all(|i| i.field.is_none())
    }
}

/// A structural problem in a detection item.
#[derive(Debug, Clone)]
pub struct ItemProblem<'a> {
    /// The offending node.
    pub node: &'a Node,
    /// What is wrong.
    pub message: String,
}

/// A rule's (or filter's) `detection` block.
#[derive(Debug, Clone, Default)]
pub struct Detection<'a> {
    /// The selections in source order.
    pub selections: Vec<Selection<'a>>,
    /// The condition strings with their nodes (a condition may be a list, meaning OR).
    pub conditions: Vec<(&'a Node, &'a str)>,
    /// The `condition` key, when present.
    pub condition_key: Option<&'a Node>,
    /// The `timeframe` value, when present.
    pub timeframe: Option<&'a Node>,
    /// Structural problems found while reading the items.
    pub problems: Vec<ItemProblem<'a>>,
}

impl<'a> Detection<'a> {
    /// Reads a `detection` (or filter `filter`) mapping. `skip` lists keys that are not
    /// selections besides `condition` and `timeframe` (for filters: `rules`).
    pub fn read(node: &'a Node, skip: &[&str]) -> Detection<'a> {
        let mut d = Detection::default();
        let Some(entries) = node.as_map() else {
            return d;
        };
        for (k, v) in entries {
            let Some(name) = k.as_str() else {
                d.problems.push(ItemProblem {
                    node: k,
                    message: format!("detection key must be a string, found {}", k.kind_name()),
                });
                continue;
            };
            match name {
                "condition" => {
                    d.condition_key = Some(k);
                    match &v.value {
                        Value::Str(s) => d.conditions.push((v, s)),
                        Value::Seq(items) => {
                            for it in items {
                                if let Some(s) = it.as_str() {
                                    d.conditions.push((it, s));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                "timeframe" => d.timeframe = Some(v),
                _ if skip.contains(&name) => {}
                _ => {
                    let sel = read_selection(name, k, v, &mut d.problems);
                    d.selections.push(sel);
                }
            }
        }
        d
    }

    /// The selection names in source order.
    pub fn names(&self) -> Vec<&'a str> {
        self.selections.iter().map(|s| s.name).collect()
    }

    /// The selection called `name`.
    pub fn selection(&self, name: &str) -> Option<&Selection<'a>> {
        self.selections.iter().find(|s| s.name == name)
    }
}

fn values_of(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// Splits `field|mod1|mod2` into the field and its modifiers.
pub fn split_key(key: &str) -> (&str, Vec<Modifier<'_>>) {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default();
    let mut offset = field.len() + 1;
    let mut mods = Vec::new();
    for p in parts {
        mods.push(Modifier { name: p, offset });
        offset += p.len() + 1;
    }
    (field, mods)
}

fn read_map<'a>(node: &'a Node, problems: &mut Vec<ItemProblem<'a>>) -> Vec<Item<'a>> {
    let mut items = Vec::new();
    for (k, v) in node.as_map().unwrap_or_default() {
        let Some(key) = k.as_str() else {
            // Numeric keys (`4624: x`) are field names too.
            items.push(Item {
                field: None,
                modifiers: Vec::new(),
                key: Some(k),
                node: v,
                values: values_of(v),
            });
            continue;
        };
        let (field, modifiers) = split_key(key);
        if let Value::Map(_) = v.value {
            problems.push(ItemProblem {
                node: v,
                message: format!("value of `{key}` must be a scalar or a list, found a mapping"),
            });
        }
        if let Value::Seq(vals) = &v.value
            && let Some(bad) = vals
                .iter()
                .find(|x| x.as_map().is_some() || x.as_seq().is_some())
        {
            problems.push(ItemProblem {
                node: bad,
                message: format!(
                    "values of `{key}` must be scalars, found a {}",
                    bad.kind_name()
                ),
            });
        }
        items.push(Item {
            field: if field.is_empty() { None } else { Some(field) },
            modifiers,
            key: Some(k),
            node: v,
            values: values_of(v),
        });
    }
    items
}

fn read_selection<'a>(
    name: &'a str,
    key: &'a Node,
    node: &'a Node,
    problems: &mut Vec<ItemProblem<'a>>,
) -> Selection<'a> {
    let mut alternatives = Vec::new();
    match &node.value {
        Value::Map(_) => alternatives.push(read_map(node, problems)),
        Value::Seq(items) => {
            let mut keywords = Vec::new();
            for it in items {
                match &it.value {
                    Value::Map(_) => alternatives.push(read_map(it, problems)),
                    Value::Seq(_) => problems.push(ItemProblem {
                        node: it,
                        message: format!("selection `{name}` holds a nested list"),
                    }),
                    _ => keywords.push(it),
                }
            }
            if !keywords.is_empty() {
                alternatives.push(vec![Item {
                    field: None,
                    modifiers: Vec::new(),
                    key: None,
                    node,
                    values: keywords,
                }]);
            }
        }
        _ => alternatives.push(vec![Item {
            field: None,
            modifiers: Vec::new(),
            key: None,
            node,
            values: vec![node],
        }]),
    }
    Selection {
        name,
        key,
        node,
        alternatives,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn det(text: &str) -> yaml::Node {
        let s = yaml::parse(text);
        assert!(s.error.is_none(), "{:?}", s.error);
        s.documents[0].root.clone()
    }

    #[test]
    fn shapes() {
        let root = det(
            "sel:\n  eventName|contains|all: [a, b]\n  eventSource: x\nlist:\n  - a: 1\n  - b: 2\nkw:\n  - evil\n  - bad\none: word\ncondition: sel or list\ntimeframe: 5m\n",
        );
        let d = Detection::read(&root, &[]);
        assert_eq!(d.names(), vec!["sel", "list", "kw", "one"]);
        let sel = d.selection("sel").expect("sel");
        assert_eq!(sel.alternatives.len(), 1);
        let first = &sel.alternatives[0][0];
        assert_eq!(first.field, Some("eventName"));
        let mods: Vec<_> = first.modifiers.iter().map(|m| (m.name, m.offset)).collect();
        assert_eq!(mods, vec![("contains", 10), ("all", 19)]);
        assert_eq!(first.values.len(), 2);
        assert_eq!(d.selection("list").expect("list").alternatives.len(), 2);
        let kw = d.selection("kw").expect("kw");
        assert!(kw.is_keyword_only());
        assert_eq!(kw.alternatives[0][0].values.len(), 2);
        assert!(d.selection("one").expect("one").is_keyword_only());
        assert_eq!(d.conditions.len(), 1);
        assert!(d.timeframe.is_some());
        assert!(d.problems.is_empty());
    }

    #[test]
    fn condition_list_and_problems() {
        let root = det("sel:\n  a:\n    b: c\ncondition:\n  - sel\n  - not sel\n");
        let d = Detection::read(&root, &[]);
        assert_eq!(d.conditions.len(), 2);
        assert_eq!(d.problems.len(), 1);
        assert!(d.problems[0].message.contains("mapping"));
    }

    #[test]
    fn modifiers() {
        assert!(is_known_modifier("windash"));
        assert!(!is_known_modifier("contain"));
        let (f, m) = split_key("|re");
        assert_eq!(f, "");
        assert_eq!(m[0].name, "re");
    }
}
