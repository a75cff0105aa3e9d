//! What `sigsmith show ID --attack ...` prints about the imported ATT&CK object behind a
//! strategy: the detection strategy with its techniques and analytics (log sources with their
//! mapping, mutable elements), or the data component of a `DCxxxx` entry with the strategies
//! that use it.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

use crate::attack::logsources::LogsourceTable;
use crate::attack::{AttackData, DataComponent, DetectionStrategy};

fn bundle_label(data: &AttackData, index: usize) -> String {
    data.bundles().get(index).map_or_else(String::new, |b| {
        let name = b.name.as_deref().unwrap_or("ATT&CK bundle");
        match &b.version {
            Some(v) => format!("{name} v{v}, {}", b.path.display()),
            None => format!("{name}, {}", b.path.display()),
        }
    })
}

/// The mapping of one log source reference, as text (`product: aws, service: cloudtrail
/// [cloud-api-audit, profile aws-cloudtrail]` or `unmapped`).
fn mapping_text(
    table: &LogsourceTable,
    s: &DetectionStrategy,
    r: &crate::attack::LogSourceRef,
    description: &str,
) -> String {
    let mapped = table.resolve_ref(s.domain, r, description);
    if mapped.is_empty() {
        return "unmapped (placeholder logsource)".to_owned();
    }
    mapped
        .iter()
        .map(|m| {
            let mut t = format!("{} [{}", m.logsource, m.family);
            if let Some(p) = &m.profile {
                let _ = write!(t, ", profile {p}");
            }
            t.push(']');
            t
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Strategies whose analytics use the data component `dc`.
fn users_of<'d>(data: &'d AttackData, dc: &DataComponent) -> Vec<&'d str> {
    data.strategies()
        .filter(|s| {
            s.analytics
                .iter()
                .flat_map(|a| &a.log_sources)
                .any(|l| l.data_component.as_deref() == Some(dc.id.as_str()))
        })
        .map(|s| s.id.as_str())
        .collect()
}

/// The ATT&CK section of `show` as text, when the data has `id` (strategy or data component).
pub fn text(data: &AttackData, table: &LogsourceTable, id: &str) -> Option<String> {
    let mut o = String::new();
    if let Some(s) = data.strategy(id) {
        let _ = writeln!(
            o,
            "\nATT&CK {} {} (imported from {})",
            s.id,
            s.name,
            bundle_label(data, s.bundle)
        );
        let _ = writeln!(
            o,
            "  domain: {}, status: {}{}",
            s.domain,
            s.status.as_str(),
            s.url.as_ref().map(|u| format!(", {u}")).unwrap_or_default()
        );
        for t in &s.techniques {
            match data.technique(t) {
                Some(t) => {
                    let _ = writeln!(
                        o,
                        "  technique: {} {} (tactics: {}{})",
                        t.id,
                        t.name,
                        t.tactics.join(", "),
                        t.parent
                            .as_ref()
                            .map(|p| format!("; sub-technique of {p}"))
                            .unwrap_or_default()
                    );
                }
                None => {
                    let _ = writeln!(o, "  technique: {t}");
                }
            }
        }
        for a in &s.analytics {
            let _ = writeln!(
                o,
                "  analytic {} [{}]{}",
                a.id,
                a.platforms.join(", "),
                if a.status.is_active() {
                    String::new()
                } else {
                    format!(" ({})", a.status.as_str())
                }
            );
            let _ = writeln!(o, "    {}", a.description.trim());
            for l in &a.log_sources {
                let _ = writeln!(
                    o,
                    "    log source: {}{}{} -> {}",
                    l.name,
                    l.channel
                        .as_ref()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default(),
                    l.data_component
                        .as_ref()
                        .map(|d| format!(
                            " [{d} {}]",
                            l.data_component_name.as_deref().unwrap_or_default()
                        ))
                        .unwrap_or_default(),
                    mapping_text(table, s, l, &a.description)
                );
            }
            for m in &a.mutable_elements {
                let _ = writeln!(
                    o,
                    "    mutable element {}: {}",
                    m.field,
                    m.description.trim()
                );
            }
        }
        return Some(o);
    }
    let dc = data.data_component(id)?;
    let _ = writeln!(o, "\nATT&CK data component {} {}", dc.id, dc.name);
    let _ = writeln!(o, "  {}", dc.description.trim());
    for (name, channel) in &dc.log_sources {
        let _ = writeln!(
            o,
            "  log source: {name}{}",
            channel
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        );
    }
    let users = users_of(data, dc);
    let _ = writeln!(
        o,
        "  used by {} imported strateg{}{}{}",
        users.len(),
        if users.len() == 1 { "y" } else { "ies" },
        if users.is_empty() { "" } else { ": " },
        users.join(", ")
    );
    Some(o)
}

#[derive(Serialize)]
struct DataComponentJson<'a> {
    #[serde(flatten)]
    component: &'a DataComponent,
    used_by: Vec<&'a str>,
}

/// The ATT&CK object behind `id` as JSON (`show --format json` puts it under `attack`).
pub fn json(data: &AttackData, id: &str) -> Option<serde_json::Value> {
    if let Some(s) = data.strategy(id) {
        let techniques: Vec<_> = s
            .techniques
            .iter()
            .filter_map(|t| data.technique(t))
            .collect();
        let mut v = serde_json::to_value(s).ok()?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("techniques".to_owned(), json!(techniques));
        }
        return Some(v);
    }
    let dc = data.data_component(id)?;
    serde_json::to_value(DataComponentJson {
        component: dc,
        used_by: users_of(data, dc),
    })
    .ok()
}
