//! API005: validation prompts of a draft without an answer.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::rules::unresolved_placeholder::is_mature;
use crate::yaml::Value;

declare_rule! {
    /// ## What it does
    /// Flags entries of a draft's `sigsmith.validation` list whose `answer` is missing, null or
    /// empty. An error once the rule's `status` is `test` or `stable`; a warning (a reminder)
    /// while it is still `experimental` or has no status.
    ///
    /// ## Why is this bad?
    /// The prompts are the questions that decide whether the rule is safe to deploy (is
    /// automation inventoried? is the log source complete?). A rule promoted to test or stable
    /// with open questions was promoted without that homework.
    ///
    /// ## Example
    /// ```yaml
    /// status: test
    /// sigsmith:
    ///     validation:
    ///         - id: DET0078-V01
    ///           question: Is expected cloud API automation inventoried?
    ///           answer: null
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///           answer: Yes; CI roles are listed in filter_approved_automation_principals
    /// ```
    pub struct OpenValidationPrompt {
        code: "API005",
        name: "open-validation-prompt",
        severity: Severity::Warning,
        summary: "validation prompt without an answer",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(items) = cx
        .doc
        .root
        .get("sigsmith")
        .and_then(|s| s.get("validation"))
        .and_then(|v| v.as_seq())
    else {
        return;
    };
    let mature = is_mature(cx.status().as_deref());
    for (i, item) in items.iter().enumerate() {
        let answer = item.entry("answer");
        let open = match answer.map(|(_, v)| &v.value) {
            None | Some(Value::Null) => true,
            Some(Value::Str(s)) => s.trim().is_empty(),
            Some(Value::Seq(s)) => s.is_empty(),
            Some(Value::Map(m)) => m.is_empty(),
            Some(_) => false,
        };
        if !open {
            continue;
        }
        let label = item
            .get("id")
            .and_then(|n| n.scalar_text())
            .map_or_else(|| format!("#{}", i + 1), |s| format!("`{s}`"));
        let pos = answer.map_or(item.pos(), |(_, v)| v.pos());
        let mut f = cx.finding(
            &OpenValidationPrompt::META,
            pos,
            format!("validation prompt {label} has no answer"),
        );
        if mature {
            f.severity = Severity::Error;
            f.message.push_str(" in a test/stable rule");
        }
        f.help = Some("answer the question, or keep the rule experimental".to_owned());
        out.push(f);
    }
}
