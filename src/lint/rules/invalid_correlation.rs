//! SIG021: a correlation rule that breaks the rules of its correlation type.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::yaml::{Node, Value};

declare_rule! {
    /// ## What it does
    /// Checks the `correlation` block of a correlation rule against the specification's
    /// definition of its type:
    /// - the "Requires" list of each type: `event_count` needs `group-by`, `timespan` and
    ///   `condition`; `value_count`, `value_sum`, `value_avg`, `value_percentile` and
    ///   `value_median` need the same plus `field` in the condition; `temporal` and
    ///   `temporal_ordered` need `rules`, `group-by` and `timespan`;
    /// - `timespan` is exactly a number and one lower-case unit: `s`, `m`, `h` or `d`
    ///   (`90m`, not `1h30m` or `1w`; pySigma also accepts `w`, `M` and `y`);
    /// - `condition` is a map of exactly one criterion (`gt`, `gte`, `lt`, `lte`, `eq`) with a
    ///   number, or a range of one lower (`gt`/`gte`) and one upper (`lt`/`lte`) bound;
    ///   `field` only for the value types;
    /// - `rules` is a list of rule ids or names, `group-by` a list of field names;
    /// - every rule an `aliases` entry maps must be one of `rules`, and every alias maps a
    ///   field name.
    ///
    /// ## Why is this bad?
    /// Backends cannot convert such a correlation, or convert it into something else: a
    /// count with two lower bounds, a distinct count over no field, a window of `1w` that
    /// one backend reads as a week and another refuses.
    ///
    /// ## Example
    /// ```yaml
    /// correlation:
    ///     type: value_count
    ///     rules: [failed_login]
    ///     group-by: [ComputerName]
    ///     timespan: 1h30m
    ///     condition: {gte: 10}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// correlation:
    ///     type: value_count
    ///     rules: [failed_login]
    ///     group-by: [ComputerName]
    ///     timespan: 90m
    ///     condition: {field: User, gte: 10}
    /// ```
    pub struct InvalidCorrelation {
        code: "SIG021",
        name: "invalid-correlation",
        severity: Severity::Error,
        summary: "correlation rule breaks the rules of its type",
    }
}

/// What a correlation type requires besides `type`, `rules` and `timespan`.
struct TypeRules {
    condition: bool,
    field: bool,
}

fn type_rules(t: &str) -> Option<TypeRules> {
    Some(match t {
        "event_count" => TypeRules {
            condition: true,
            field: false,
        },
        "value_count" | "value_sum" | "value_avg" | "value_percentile" | "value_median" => {
            TypeRules {
                condition: true,
                field: true,
            }
        }
        "temporal" | "temporal_ordered" => TypeRules {
            condition: false,
            field: false,
        },
        _ => return None,
    })
}

/// Why `s` is not a specification timespan (a number followed by `s`, `m`, `h` or `d`).
pub fn timespan_error(s: &str) -> Option<String> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &s[digits.len()..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "`timespan` `{s}` is not a number followed by a unit (`s`, `m`, `h`, `d`), e.g. `90m`"
        ));
    }
    if !matches!(unit, "s" | "m" | "h" | "d") {
        return Some(format!(
            "`timespan` `{s}` has unit `{unit}`: the specification allows only `s`, `m`, `h` and `d` (lower-case), e.g. `{}d`",
            digits
        ));
    }
    None
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Correlation {
        return;
    }
    let Some((block_key, block)) = cx.doc.root.entry("correlation") else {
        return;
    };
    if block.as_map().is_none() {
        return; // the schema check reports the shape
    }
    let meta = &InvalidCorrelation::META;
    let mut push = |node: &Node, message: String| {
        out.push(cx.finding_at(meta, node, message));
    };
    let type_name = block.get("type").and_then(Node::as_str).unwrap_or_default();
    let Some(rules) = type_rules(type_name) else {
        return; // unknown or missing type: the schema check
    };
    let missing = |key: &str| block.get(key).is_none_or(Node::is_null);
    if missing("group-by") {
        push(
            block_key,
            format!("`{type_name}` correlation needs `group-by` (the specification requires it)"),
        );
    }
    if rules.condition && missing("condition") {
        push(
            block_key,
            format!(
                "`{type_name}` correlation needs a `condition` (e.g. `condition: {{gte: 10}}`)"
            ),
        );
    }
    if let Some(ts) = block.get("timespan") {
        match ts.scalar_text() {
            Some(text) if !ts.is_null() => {
                if let Some(msg) = timespan_error(&text) {
                    push(ts, msg);
                }
            }
            _ => push(ts, "`timespan` must be a duration such as `10m`".to_owned()),
        }
    }
    if let Some(r) = block.get("rules") {
        match &r.value {
            Value::Seq(items) => {
                for it in items {
                    if it.as_str().is_none_or(str::is_empty) {
                        push(
                            it,
                            format!("`rules` holds a {}, not a rule id or name", it.kind_name()),
                        );
                    }
                }
            }
            Value::Str(_) => push(
                r,
                "`rules` must be a list of rule ids or names (write `rules: [name]`)".to_owned(),
            ),
            _ => {}
        }
    }
    if let Some(g) = block.get("group-by") {
        match &g.value {
            Value::Seq(items) => {
                for it in items {
                    if it.as_str().is_none_or(str::is_empty) {
                        push(
                            it,
                            format!("`group-by` holds a {}, not a field name", it.kind_name()),
                        );
                    }
                }
            }
            Value::Null => {}
            _ => push(g, "`group-by` must be a list of field names".to_owned()),
        }
    }
    if let Some(cond) = block.get("condition") {
        check_condition(cond, type_name, rules.field, &mut push);
    }
    if let Some(aliases) = block.get("aliases") {
        let refs: Vec<String> = block
            .get("rules")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.scalar_text().map(|t| t.into_owned()))
            .collect();
        match aliases.as_map() {
            Some(entries) => {
                for (name, map) in entries {
                    let Some(fields) = map.as_map() else {
                        push(
                            map,
                            format!(
                                "alias `{}` must map rule names to field names",
                                name.scalar_text().unwrap_or_default()
                            ),
                        );
                        continue;
                    };
                    for (rule, field) in fields {
                        let rule_text = rule.scalar_text().unwrap_or_default();
                        if !refs.iter().any(|r| *r == rule_text) {
                            push(
                                rule,
                                format!(
                                    "alias `{}` maps `{rule_text}`, which is not one of this correlation's `rules`",
                                    name.scalar_text().unwrap_or_default()
                                ),
                            );
                        }
                        if field.as_str().is_none_or(str::is_empty) {
                            push(
                                field,
                                format!("alias field for `{rule_text}` must be a field name"),
                            );
                        }
                    }
                }
            }
            None if aliases.is_null() => {}
            None => push(
                aliases,
                "`aliases` must map alias names to {rule: field} mappings".to_owned(),
            ),
        }
    }
}

fn check_condition(
    cond: &Node,
    type_name: &str,
    needs_field: bool,
    push: &mut impl FnMut(&Node, String),
) {
    let Some(entries) = cond.as_map() else {
        push(
            cond,
            format!(
                "correlation `condition` must be a map such as `{{gte: 10}}`, found a {}",
                cond.kind_name()
            ),
        );
        return;
    };
    let mut lower: Option<&Node> = None;
    let mut upper: Option<&Node> = None;
    let mut eq: Option<&Node> = None;
    let mut field = false;
    let mut criteria = 0;
    for (k, v) in entries {
        let key = k.scalar_text().unwrap_or_default();
        match key.as_ref() {
            "field" => {
                field = true;
                if !needs_field {
                    push(
                        k,
                        format!("`field` only applies to the value types, not to `{type_name}`"),
                    );
                } else {
                    let ok = match &v.value {
                        Value::Str(s) => !s.is_empty(),
                        Value::Seq(items) => {
                            !items.is_empty() && items.iter().all(|i| i.as_str().is_some())
                        }
                        _ => false,
                    };
                    if !ok {
                        push(
                            v,
                            "`field` must name the field whose values are counted".to_owned(),
                        );
                    }
                }
                continue;
            }
            "gt" | "gte" | "lt" | "lte" | "eq" => {}
            "neq" => {
                push(
                    k,
                    "`neq` is not a correlation criterion: use `gt`, `gte`, `lt`, `lte` or `eq`"
                        .to_owned(),
                );
                continue;
            }
            _ => {
                push(
                    k,
                    format!(
                        "`{key}` is not a correlation criterion: use `gt`, `gte`, `lt`, `lte` or `eq`"
                    ),
                );
                continue;
            }
        }
        criteria += 1;
        if !matches!(v.value, Value::Int(_) | Value::Float(_)) {
            push(
                v,
                format!("`{key}` needs a number, found {}", v.kind_name()),
            );
        }
        let eq_seen = eq.is_some();
        let slot = match key.as_ref() {
            "gt" | "gte" => &mut lower,
            "lt" | "lte" => &mut upper,
            _ => &mut eq,
        };
        if (key == "eq" && criteria > 1) || eq_seen {
            push(
                k,
                format!("`{key}` cannot be combined with another criterion: `eq` stands alone"),
            );
        } else if slot.is_some() {
            push(
                k,
                format!(
                    "`{key}` is a second bound of the same side: a condition is one criterion or a range of one lower (`gt`/`gte`) and one upper (`lt`/`lte`) bound"
                ),
            );
        }
        *slot = Some(k);
    }
    if criteria == 0 {
        push(
            cond,
            "correlation `condition` has no criterion (`gt`, `gte`, `lt`, `lte` or `eq`)"
                .to_owned(),
        );
    }
    if let (Some(lo), Some(hi)) = (lower, upper) {
        let num = |n: &Node| -> Option<f64> {
            let v = cond.get(n.as_str()?)?;
            match v.value {
                Value::Int(i) => Some(i as f64),
                Value::Float(f) => Some(f),
                _ => None,
            }
        };
        if let (Some(a), Some(b)) = (num(lo), num(hi))
            && a >= b
        {
            push(
                hi,
                format!("the range is empty: the upper bound {b} is not above the lower bound {a}"),
            );
        }
    }
    if needs_field && !field {
        push(
            cond,
            format!("`{type_name}` correlation needs `field` in its condition"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::timespan_error;

    #[test]
    fn timespans() {
        for ok in ["1s", "90m", "24h", "7d", "0m"] {
            assert_eq!(timespan_error(ok), None, "{ok}");
        }
        for bad in ["1w", "1M", "1y", "1H", "m", "1.5h", "1h30m", "", "-5m", "5"] {
            assert!(timespan_error(bad).is_some(), "{bad}");
        }
    }
}
