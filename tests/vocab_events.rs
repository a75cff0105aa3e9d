//! The vocabulary recognises real audit events by their field names alone
//! (`Vocabulary::recognize_fields`, what evaluation uses to route events to rules): the
//! samples in `../shared/events/panther-analysis` (skipped when absent), one log type per file
//! (files that mix several vendors' events, such as asana-audit, are left out).

mod common;

use std::io::Write as _;

use sigsmith::vocab::Vocabulary;

/// Leaf paths of a JSON object (`userIdentity.arn`), without Panther's `p_` fields.
fn paths(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            if prefix.is_empty() && k.starts_with("p_") {
                continue;
            }
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                serde_json::Value::Object(o) if !o.is_empty() => paths(v, &p, out),
                _ => out.push(p),
            }
        }
    }
}

#[test]
fn panther_samples_are_routed_to_their_log_source() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("events/panther-analysis");
    if !dir.is_dir() {
        let _ = writeln!(
            std::io::stderr(),
            "note: {} is absent; skipping",
            dir.display()
        );
        return;
    }
    let vocab = Vocabulary::builtin();
    let cases = [
        ("aws-cloudtrail.ndjson", "aws-cloudtrail"),
        ("okta-systemlog.ndjson", "okta"),
        ("gcp-auditlog.ndjson", "gcp-audit"),
        ("github-audit.ndjson", "github-audit"),
        ("slack-auditlogs.ndjson", "slack-audit"),
        ("auth0-events.ndjson", "auth0"),
        ("databricks-audit.ndjson", "databricks-audit"),
        ("box-event.ndjson", "box-event"),
        ("zendesk-audit.ndjson", "zendesk-audit"),
        ("snowflake-loginhistory.ndjson", "snowflake"),
        // The sample also holds GKE (Cloud Logging envelope) and AKS (Azure diagnostic
        // envelope) audit events: those belong to their envelope's log source.
        (
            "amazon-eks-audit.ndjson",
            "kubernetes-audit|gcp-audit|azure-activitylogs",
        ),
    ];
    let mut report = Vec::new();
    for (file, want) in cases {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        let (mut right, mut total) = (0, 0);
        let mut wrong = std::collections::BTreeMap::<String, usize>::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let mut fields = Vec::new();
            paths(&v, "", &mut fields);
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            total += 1;
            match vocab.recognize_fields(&refs) {
                Some(r) if want.split('|').any(|w| w == r.profile.name) => right += 1,
                Some(r) => *wrong.entry(r.profile.name.clone()).or_default() += 1,
                None => *wrong.entry("none".into()).or_default() += 1,
            }
        }
        let share = f64::from(right) / f64::from(total.max(1));
        report.push(format!("{file}: {right}/{total} -> {want}, else {wrong:?}"));
        assert!(
            share >= 0.8,
            "{file}: only {right} of {total} events recognised as {want}: {wrong:?}"
        );
    }
    let _ = writeln!(std::io::stderr(), "{}", report.join("\n"));
}
