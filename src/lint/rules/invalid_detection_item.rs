//! SIG017: a detection item Sigma cannot evaluate.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::yaml::Value;

declare_rule! {
    /// ## What it does
    /// Flags detection items that have no meaning in Sigma: a field whose value is a mapping,
    /// a list nested in a list, an empty selection or an empty value list. Values a modifier
    /// cannot take are SIG020.
    ///
    /// ## Why is this bad?
    /// Backends reject these items or, worse, convert them into something that never (or
    /// always) matches.
    ///
    /// ## Example
    /// ```yaml
    /// selection:
    ///     requestParameters:
    ///         userName: admin
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// selection:
    ///     requestParameters.userName: admin
    /// ```
    pub struct InvalidDetectionItem {
        code: "SIG017",
        name: "invalid-detection-item",
        severity: Severity::Error,
        summary: "detection item Sigma cannot evaluate",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(det) = &cx.detection else { return };
    for p in &det.problems {
        out.push(cx.finding_at(&InvalidDetectionItem::META, p.node, p.message.clone()));
    }
    for sel in &det.selections {
        let empty = match &sel.node.value {
            Value::Map(m) => m.is_empty(),
            Value::Seq(s) => s.is_empty(),
            Value::Null => true,
            _ => false,
        };
        if empty {
            out.push(cx.finding_at(
                &InvalidDetectionItem::META,
                sel.key,
                format!("selection `{}` is empty", sel.name),
            ));
            continue;
        }
        for item in sel.items() {
            let Some(key) = item.key else { continue };
            let name = key.scalar_text().unwrap_or_default();
            if matches!(&item.node.value, Value::Seq(s) if s.is_empty()) {
                out.push(cx.finding_at(
                    &InvalidDetectionItem::META,
                    item.node,
                    format!("`{name}` has an empty value list"),
                ));
            }
        }
    }
}
