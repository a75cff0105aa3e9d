//! ATT&CK Navigator layers (layer format 4.5), one per domain.
//!
//! Each technique a rule tags gets a score from its [`State`]: 1 when its only rules are
//! presence-only (API001), 2 when its rules are on log sources API001 does not judge, 3 when at
//! least one rule carries context; a gradient and a legend say so. Each technique's `metadata`
//! lists the detection strategies (`DETxxxx`) that detect it, the analytics (`ANxxxx`) whose log
//! source its rules read, and every rule (`path:line`, verdict, status, level). The layer's
//! `versions.attack` is the bundle's ATT&CK version and `filters.platforms` the domain's
//! platforms. `schemas/navigator-layer-4.5.schema.json` describes what is written.

use serde_json::{Value, json};

use super::{Coverage, DomainCoverage, Rule, State};

/// The layer format version written.
pub const LAYER_VERSION: &str = "4.5";
/// The Navigator version the layers are written for.
pub const NAVIGATOR_VERSION: &str = "5.2.0";

/// Colours of scores 0 to 3 (gradient stops and legend).
const COLORS: [&str; 4] = ["#ffffff", "#fc8d59", "#fee08b", "#66bd63"];

/// The file name of a domain's layer (`enterprise-attack-layer.json`).
pub fn file_name(d: &DomainCoverage) -> String {
    format!("{}-layer.json", d.domain.stix_name())
}

fn rule_line(r: &Rule) -> String {
    let mut s = format!("{}:{} ({}", r.path.display(), r.line, r.context.as_str());
    if let Some(st) = &r.status {
        s.push_str(", ");
        s.push_str(st);
    }
    if let Some(l) = &r.level {
        s.push_str(", ");
        s.push_str(l);
    }
    if !r.counts() {
        s.push_str(", not counted");
    }
    s.push(')');
    s
}

/// The layer of one domain.
pub fn layer(cov: &Coverage, d: &DomainCoverage) -> Value {
    let mut techniques = Vec::new();
    let tagged_parents: std::collections::BTreeSet<&str> = d
        .techniques
        .iter()
        .filter_map(|t| t.id.split_once('.').map(|(p, _)| p))
        .collect();
    for t in &d.techniques {
        let rules: Vec<&Rule> = t.rules.iter().filter_map(|i| cov.rules.get(*i)).collect();
        let count = |v: super::Verdict| {
            rules
                .iter()
                .filter(|r| r.counts() && r.context == v)
                .count()
        };
        let mut metadata = Vec::new();
        for s in &t.strategies {
            metadata.push(json!({"name": "strategy", "value": s}));
        }
        for a in &t.analytics {
            metadata.push(json!({"name": "analytic", "value": a}));
        }
        if !metadata.is_empty() {
            metadata.push(json!({"divider": true}));
        }
        for r in &rules {
            metadata.push(json!({"name": "rule", "value": rule_line(r)}));
        }
        let mut entry = json!({
            "techniqueID": t.id,
            "score": t.state.score(),
            "comment": format!(
                "{}: {} context-carrying, {} not judged by API001, {} presence-only rule(s)",
                t.state.as_str(),
                count(super::Verdict::Context),
                count(super::Verdict::NotJudged),
                count(super::Verdict::PresenceOnly),
            ),
            "enabled": true,
            "metadata": metadata,
            "links": [],
            "showSubtechniques": tagged_parents.contains(t.id.as_str()),
        });
        if t.state == State::Uncovered
            && let Some(o) = entry.as_object_mut()
        {
            // Only rules that do not count (deprecated, unsupported): no score.
            o.remove("score");
        }
        techniques.push(entry);
    }
    let legend = [
        (State::PresenceOnly, "presence-only rules only (API001)"),
        (
            State::NotJudged,
            "rules on log sources API001 does not judge",
        ),
        (State::Context, "at least one context-carrying rule"),
    ]
    .map(|(s, label)| json!({"label": label, "color": COLORS[usize::from(s.score())]}));
    json!({
        "name": format!("sigsmith coverage: {} ATT&CK", d.domain.as_str()),
        "versions": {
            "layer": LAYER_VERSION,
            "attack": d.attack_version.clone().unwrap_or_default(),
            "navigator": NAVIGATOR_VERSION,
        },
        "domain": d.domain.stix_name(),
        "description": format!(
            "Sigma rules by technique tag, judged by context (API001): {} of {} techniques and {} of {} detection strategies covered by {} rule(s). Score 1 presence-only, 2 not judged, 3 context-carrying.",
            d.techniques.iter().filter(|t| t.state != State::Uncovered).count(),
            d.totals.techniques,
            d.totals.strategies - d.totals.strategies_by_state.get("uncovered").copied().unwrap_or(0),
            d.totals.strategies,
            d.totals.rules,
        ),
        "filters": { "platforms": d.platforms },
        "sorting": 0,
        "layout": {
            "layout": "side",
            "aggregateFunction": "max",
            "showID": true,
            "showName": true,
            "showAggregateScores": true,
            "countUnscored": false,
            "expandedSubtechniques": "annotated",
        },
        "hideDisabled": false,
        "techniques": techniques,
        "gradient": { "colors": COLORS, "minValue": 0, "maxValue": 3 },
        "legendItems": legend,
        "metadata": [
            {"name": "generator", "value": format!("sigsmith {}", env!("CARGO_PKG_VERSION"))},
            {"name": "bundles", "value": d.bundles.iter().map(|b| b.display().to_string()).collect::<Vec<_>>().join(", ")},
        ],
        "links": [],
        "showTacticRowBackground": false,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": true,
        "selectSubtechniquesWithParent": false,
        "selectVisibleTechniques": false,
    })
}

/// Every domain's layer with its file name, in domain order.
pub fn layers(cov: &Coverage) -> Vec<(String, Value)> {
    cov.domains
        .iter()
        .map(|d| (file_name(d), layer(cov, d)))
        .collect()
}
