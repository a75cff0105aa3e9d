//! API007: a field the vocabulary of a recognised API-audit log source does not know.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::DocCtx;
use crate::lint::document::DocKind;
use crate::vocab::Match;

declare_rule! {
    /// ## What it does
    /// On a rule whose log source the vocabulary recognises as an API-audit log (exactly, by
    /// an alias or from its fields), reports every detection field the vocabulary of that log
    /// source does not know in any naming scheme (native, ECS, vendor-prefixed, envelope), and
    /// every field it takes for a misspelling of a known one (`eventNme` for `eventName`). The
    /// finding names the field and the vocabulary used.
    ///
    /// API001 decides from the fields it knows: an unknown field neither adds context nor
    /// names the API, so a misspelled API field no longer hides a presence-only rule, and a
    /// context field the vocabulary lacks shows up here instead of silently changing a verdict.
    ///
    /// ## Why is this bad?
    /// A misspelled field never matches an event: the selection silently never fires, or a
    /// filter meant as a baseline never excludes anything. A field that is real but missing
    /// from the vocabulary is a gap worth closing (add it in `sigsmith.toml` `[[profiles]]`),
    /// because the API checks cannot judge what they do not know.
    ///
    /// ## Example
    /// ```yaml
    /// logsource: {product: aws, service: cloudtrail}
    /// detection:
    ///     selection:
    ///         eventNme: CreateAccessKey
    ///     condition: selection
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     selection:
    ///         eventName: CreateAccessKey
    /// ```
    pub struct UnknownField {
        code: "API007",
        name: "unknown-field",
        severity: Severity::Info,
        summary: "field is not in the vocabulary of the rule's API-audit log source",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    if cx.doc.kind != DocKind::Rule {
        return;
    }
    let Some(profile) = cx.profile.filter(|p| p.is_api_audit()) else {
        return;
    };
    let Some(det) = &cx.detection else { return };
    let how = cx.recognized.map_or("exact", |h| h.as_str());
    let mut seen: Vec<&str> = Vec::new();
    for item in det.selections.iter().flat_map(|s| s.items()) {
        let (Some(field), Some(key)) = (item.field, item.key) else {
            continue;
        };
        if seen.contains(&field) {
            continue;
        }
        seen.push(field);
        let lookup = profile.lookup(field);
        let message = match &lookup.how {
            Match::Unknown => format!(
                "field `{field}` is not in the {} vocabulary (log source {how}); API001 ignores it",
                profile.name
            ),
            Match::Misspelled { entry } => format!(
                "field `{field}` is not in the {} vocabulary (log source {how}); taken for `{entry}` ({})",
                profile.name, lookup.class
            ),
            _ => continue,
        };
        let mut f = cx.finding_at(&UnknownField::META, key, message);
        f.help = Some(match &lookup.how {
            Match::Misspelled { entry } => format!("did you mean `{entry}`?"),
            _ => {
                "fix the spelling, or add the field to the profile in sigsmith.toml `[[profiles]]`"
                    .to_owned()
            }
        });
        out.push(f);
    }
}
