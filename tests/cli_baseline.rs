//! `sigsmith baseline` end to end on histories built here: a few automation principals from
//! their CI networks, many benign calls, rare outliers and an approved principal calling from
//! outside its network; then `--write`, `lint` and `eval` of the filled draft.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

fn run(dir: &Path, args: &[&str]) -> Output {
    common::sigsmith(args).dir(dir).output()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One CloudTrail event.
#[allow(clippy::too_many_arguments)]
fn ct(day: u32, minute: u32, source: &str, name: &str, arn: &str, ip: &str, agent: &str) -> Value {
    let role = arn.contains(":assumed-role/");
    let mut identity = json!({
        "type": if role { "AssumedRole" } else { "IAMUser" },
        "arn": arn,
        "principalId": "AIDAEXAMPLE",
        "accessKeyId": "AKIAEXAMPLE",
    });
    if role {
        identity["sessionContext"] = json!({
            "sessionIssuer": {"arn": arn.replace(":sts:", ":iam:").replace("assumed-role", "role")},
            "attributes": {"mfaAuthenticated": "false"},
        });
    }
    json!({
        "eventVersion": "1.08",
        "eventTime": format!("2026-01-{day:02}T{:02}:{:02}:00Z", 6 + minute / 60 % 12, minute % 60),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": ip,
        "userAgent": agent,
        "userIdentity": identity,
        "requestParameters": {"instanceIds": ["i-0abc"]},
        "resources": [{"ARN": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"}],
        "recipientAccountId": "111122223333",
    })
}

const CI: &str = "arn:aws:sts::111122223333:assumed-role/ci-deploy/";
const TF: &str = "arn:aws:sts::111122223333:assumed-role/terraform/";
const BACKUP: &str = "arn:aws:iam::111122223333:user/svc-backup";

/// The history, and the indices of the events that must alert once the baselines are filled.
fn history() -> (Vec<Value>, BTreeSet<u64>) {
    let mut ev = Vec::new();
    let mut alert = BTreeSet::new();
    let cli = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64";
    for day in 1..=14 {
        for i in 0..20 {
            ev.push(ct(
                day,
                i * 7,
                "ssm.amazonaws.com",
                "SendCommand",
                &format!("{CI}gha-{day}-{i}"),
                &format!("203.0.113.{}", 10 + i % 6),
                cli,
            ));
        }
        for i in 0..5 {
            ev.push(ct(
                day,
                200 + i,
                "ec2.amazonaws.com",
                "RunInstances",
                BACKUP,
                &format!("203.0.113.{}", 40 + i),
                "Boto3/1.34.0 Python/3.12",
            ));
        }
        for i in 0..3 {
            ev.push(ct(
                day,
                300 + i,
                "lambda.amazonaws.com",
                "UpdateFunctionCode20150331v2",
                &format!("{TF}run-{day}{i}"),
                &format!("10.20.5.{}", 7 + i),
                "aws-sdk-go-v2/1.24",
            ));
        }
        // Benign: reads (not the API selection) and console use (not the context).
        for i in 0..40 {
            ev.push(ct(
                day,
                400 + i,
                "ec2.amazonaws.com",
                "DescribeInstances",
                "arn:aws:iam::111122223333:user/alice",
                "198.51.100.9",
                cli,
            ));
        }
        for i in 0..4 {
            ev.push(ct(
                day,
                500 + i,
                "ssm.amazonaws.com",
                "StartSession",
                "arn:aws:iam::111122223333:user/alice",
                "198.51.100.9",
                "console.amazonaws.com",
            ));
        }
    }
    // Outliers: an unknown user from an unknown network, another account's role.
    alert.insert(ev.len() as u64);
    ev.push(ct(
        5,
        3,
        "ssm.amazonaws.com",
        "SendCommand",
        "arn:aws:iam::111122223333:user/mallory",
        "192.0.2.66",
        "python-requests/2.31",
    ));
    alert.insert(ev.len() as u64);
    ev.push(ct(
        11,
        4,
        "ecs.amazonaws.com",
        "ExecuteCommand",
        "arn:aws:sts::444455556666:assumed-role/Admin/x",
        "198.18.0.5",
        "curl/8.5.0",
    ));
    // The approved CI role, its keys used from outside the CI network.
    alert.insert(ev.len() as u64);
    ev.push(ct(
        9,
        5,
        "ssm.amazonaws.com",
        "SendCommand",
        &format!("{CI}stolen"),
        "198.51.100.200",
        cli,
    ));
    (ev, alert)
}

fn write_history(dir: &Path) -> (PathBuf, BTreeSet<u64>) {
    let (ev, alert) = history();
    let text: String = ev.iter().map(|e| format!("{e}\n")).collect();
    let p = dir.join("history.ndjson");
    std::fs::write(&p, text).expect("write history");
    (p, alert)
}

fn draft(dir: &Path) -> PathBuf {
    let out = run(
        dir,
        &[
            "new",
            "DET0078",
            "--target",
            "aws-cloudtrail",
            "--out",
            "drafts",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    dir.join("drafts/cloud-api-audit/det0078_aws_cloudtrail.yml")
}

fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .collect()
}

#[test]
fn det0078_cloudtrail_draft_is_baselined_written_linted_and_alerts_on_the_outliers_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (_, expected) = write_history(dir);
    let path = draft(dir);
    let before = std::fs::read_to_string(&path).expect("draft");
    assert!(before.contains("<<baseline:"));

    // The report: every value, the qualifying ones by the regularity rule.
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--format",
            "json",
        ],
    );
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rule = &report["rules"][0];
    assert_eq!(rule["history"]["matched"], json!(14 * 28 + 3), "{rule:#}");
    assert_eq!(rule["history"]["days"], json!(14));
    let baseline = |name: &str| {
        rule["baselines"]
            .as_array()
            .expect("baselines")
            .iter()
            .find(|b| b["name"] == name)
            .cloned()
            .expect("baseline")
    };
    let principals = baseline("approved_automation_principals");
    assert_eq!(
        principals["qualifying"],
        json!([BACKUP, CI, TF]),
        "{principals:#}"
    );
    let row = |b: &Value, v: &str| {
        b["values"]
            .as_array()
            .expect("values")
            .iter()
            .find(|r| r["value"] == v)
            .cloned()
            .unwrap_or_else(|| panic!("{v} in {b:#}"))
    };
    let ci = row(&principals, CI);
    assert_eq!(ci["count"], json!(14 * 20 + 1));
    assert_eq!(ci["days"], json!(14));
    assert_eq!(ci["kind"], json!("prefix"));
    assert_eq!(ci["distinct"], json!(50), "capped raw sessions");
    assert_eq!(ci["first"], json!("2026-01-01T06:00:00Z"));
    let mallory = row(&principals, "arn:aws:iam::111122223333:user/mallory");
    assert_eq!(
        (mallory["days"].clone(), mallory["qualifies"].clone()),
        (json!(1), json!(false))
    );
    let networks = baseline("ci_cd_source_networks");
    assert_eq!(
        networks["qualifying"],
        json!(["10.20.5.0/24", "203.0.113.0/24"]),
        "{networks:#}"
    );
    assert_eq!(row(&networks, "198.51.100.0/24")["qualifies"], json!(false));
    // The combination that must still alert is shown as such.
    let pairs = rule["combined"][0]["pairs"].as_array().expect("pairs");
    let stolen = pairs
        .iter()
        .find(|p| p["values"] == json!([CI, "198.51.100.0/24"]))
        .expect("stolen-key pair");
    assert_eq!(stolen["suppressed"], json!(false));
    // Alert volume: the selection alone counts the console sessions, context does not.
    let v = &rule["volume"];
    assert_eq!(v["selection"]["alerts"], json!(14 * 32 + 3));
    assert_eq!(v["context"]["alerts"], json!(14 * 28 + 3));
    assert_eq!(v["baselined"]["alerts"], json!(3));
    assert_eq!(v["correlations"][0]["alerts"], json!(0));

    // --write fills the placeholders and keeps every comment.
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--write",
        ],
    );
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    let after = std::fs::read_to_string(&path).expect("filled");
    assert!(
        !after.contains("<<baseline:approved_automation_principals>>'\n        sourceIPAddress")
    );
    let detection = &after
        [after.find("detection:").expect("detection")..after.find("\nfields:").expect("fields")];
    assert!(!detection.contains("<<baseline:"), "{detection}");
    assert!(detection.contains("sourceIPAddress|cidr:"), "{detection}");
    assert!(detection.contains(&format!("- '{CI}'")), "{detection}");
    assert_eq!(comments(&before), comments(&after));
    assert!(
        after.contains("filled: {by: sigsmith baseline, events: ['history.ndjson']"),
        "{after}"
    );
    assert!(
        after.contains("answer: 'Measured by sigsmith baseline over 395 matched events"),
        "{after}"
    );
    // Everything outside the detection's filter and the sigsmith block is byte for byte the same.
    let head = |t: &str| t[..t.find("    filter_approved_automation:").expect("filter")].to_owned();
    assert_eq!(head(&before), head(&after));

    // Running it again changes nothing.
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--write",
        ],
    );
    assert!(stderr(&out).contains("unchanged"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).expect("again"), after);

    // `new --update` keeps the filled baselines and their provenance.
    let out = run(
        dir,
        &[
            "new",
            "DET0078",
            "--target",
            "aws-cloudtrail",
            "--out",
            "drafts",
            "--update",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).expect("updated"), after);

    // The filled draft lints with no error.
    let out = run(
        dir,
        &[
            "lint",
            "--no-config",
            "--format",
            "json",
            path.to_str().expect("path"),
        ],
    );
    let lint: Value = serde_json::from_slice(&out.stdout).expect("lint json");
    let findings = lint["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .all(|f| f["severity"] != "error" && f["code"] != "API004"),
        "{findings:#?}"
    );

    // eval of the filled draft alerts on the outliers and the stolen CI key, nothing else.
    let out = run(
        dir,
        &[
            "eval",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--format",
            "ndjson",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got: BTreeSet<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("ndjson"))
        .map(|m| m["index"].as_u64().expect("index"))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn thresholds_are_both_required_and_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_history(dir);
    let path = draft(dir);
    // 30 days: nothing is regular enough; 25%: only the CI role and its network remain.
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--format",
            "json",
            "--min-days",
            "30",
        ],
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    for b in r["rules"][0]["baselines"].as_array().expect("baselines") {
        assert_eq!(b["qualifying"], json!([]), "{b:#}");
    }
    assert_eq!(
        r["rules"][0]["volume"]["baselined"]["alerts"],
        json!(14 * 28 + 3)
    );
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--format",
            "json",
            "--min-share",
            "25",
        ],
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["rules"][0]["baselines"][0]["qualifying"], json!([CI]));
    assert_eq!(
        r["rules"][0]["baselines"][1]["qualifying"],
        json!(["203.0.113.0/24"])
    );
    // Bad thresholds are errors, not guesses.
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--min-share",
            "120",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--min-share"), "{}", stderr(&out));
}

#[test]
fn coverage_below_the_threshold_is_a_finding_per_source() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_history(dir);
    let path = draft(dir);
    // A second source whose events lack the user agent's neighbour: no resources field.
    let (ev, _) = history();
    let stripped: String = ev
        .iter()
        .take(50)
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut().expect("object").remove("resources");
            format!("{e}\n")
        })
        .collect();
    std::fs::write(dir.join("other.ndjson"), stripped).expect("write");
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "other.ndjson",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    let cov = r["rules"][0]["coverage"].as_array().expect("coverage");
    let below: Vec<(&str, &str)> = cov
        .iter()
        .filter(|c| c["below"] == json!(true))
        .map(|c| {
            (
                c["field"].as_str().unwrap_or(""),
                c["source"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The IAM user's calls carry no session context; the stripped source no resources.
    assert!(below.contains(&("resources", "other.ndjson")), "{below:?}");
    assert!(
        !below
            .iter()
            .any(|(f, s)| *f == "resources" && *s == "history.ndjson"),
        "{below:?}"
    );
    assert!(
        !cov.iter().any(|c| c["class"] == "outcome"),
        "outcome fields are not coverage"
    );
}

#[test]
fn markdown_and_text_show_every_value_and_the_rule() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_history(dir);
    let path = draft(dir);
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
            "--format",
            "markdown",
        ],
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("| `arn:aws:iam::111122223333:user/mallory` | value | 1 | 1 |"),
        "{md}"
    );
    assert!(md.contains("### Alert volume over 14 days"), "{md}");
    let out = run(
        dir,
        &[
            "baseline",
            path.to_str().expect("path"),
            "--events",
            "history.ndjson",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("regularity rule: seen on >= 3 days and in >= 1% of the matched events"),
        "{text}"
    );
    assert!(text.contains("+ 203.0.113.0/24"), "{text}");
    assert!(text.contains("- 198.51.100.0/24"), "{text}");
}

#[test]
fn bad_drafts_and_events_are_errors_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_history(dir);
    std::fs::write(dir.join("broken.yml"), "title: x\ndetection: [\n").expect("write");
    let out = run(
        dir,
        &["baseline", "broken.yml", "--events", "history.ndjson"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.yml:"), "{}", stderr(&out));
    let path = draft(dir);
    std::fs::write(dir.join("bad.ndjson"), "{\"eventName\": \n").expect("write");
    let before = std::fs::read_to_string(&path).expect("draft");
    let p = path.to_str().expect("path");
    let out = run(
        dir,
        &[
            "baseline",
            p,
            "--events",
            "history.ndjson",
            "bad.ndjson",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.ndjson"), "{}", stderr(&out));
    assert!(stderr(&out).contains("not written"), "{}", stderr(&out));
    let now = std::fs::read_to_string(&path).expect("draft");
    assert_eq!(now, before, "an incomplete history writes nothing");
}

#[test]
fn emit_sigma_lints_clean_and_from_results_reads_grouped_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let path = draft(dir);
    let p = path.to_str().expect("path");
    let out = run(dir, &["baseline", p, "--emit", "sigma"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let emitted = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(emitted.matches("type: event_count").count(), 2, "{emitted}");
    assert!(emitted.contains("- userIdentity.arn"), "{emitted}");
    assert!(
        !emitted.contains("filter_"),
        "the baseline's events are unfiltered: {emitted}"
    );
    std::fs::write(dir.join("emitted.yml"), &emitted).expect("write");
    let out = run(
        dir,
        &["lint", "--no-config", "--format", "json", "emitted.yml"],
    );
    let lint: Value = serde_json::from_slice(&out.stdout).expect("lint json");
    let errors: Vec<&Value> = lint["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Rows as a SIEM returns them without event ids: a count per value and day.
    let mut rows = String::new();
    for day in 1..=5 {
        rows.push_str(&format!(
            "{{\"userIdentity.arn\": \"{CI}gha-{day}\", \"day\": \"2026-01-0{day}\", \"count\": 30}}\n"
        ));
        rows.push_str(&format!(
            "{{\"sourceIPAddress\": \"203.0.113.{day}\", \"_time\": \"2026-01-0{day}T10:00:00Z\", \"count\": 30}}\n"
        ));
    }
    rows.push_str("{\"group_keys\": \"{\\\"userIdentity.arn\\\": \\\"arn:aws:iam::1:user/mallory\\\"}\", \"occurrence_time\": 1767571200.0, \"count\": 1}\n");
    std::fs::write(dir.join("results.ndjson"), rows).expect("write");
    let out = run(
        dir,
        &[
            "baseline",
            p,
            "--from-results",
            "results.ndjson",
            "--format",
            "json",
        ],
    );
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rule = &r["rules"][0];
    assert_eq!(rule["history"]["from"], json!("results"));
    let b = &rule["baselines"][0];
    assert_eq!(b["qualifying"], json!([CI]), "{b:#}");
    assert_eq!(b["values"][0]["count"], json!(150));
    assert_eq!(b["values"][0]["days"], json!(5));
    assert_eq!(
        b["values"][1]["value"],
        json!("arn:aws:iam::1:user/mallory")
    );
    assert_eq!(b["values"][1]["first"], json!("2026-01-05T00:00:00Z"));
    assert_eq!(
        rule["baselines"][1]["qualifying"],
        json!(["203.0.113.0/24"])
    );
    // And --write fills the draft from them.
    let out = run(
        dir,
        &["baseline", p, "--from-results", "results.ndjson", "--write"],
    );
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    let filled = std::fs::read_to_string(&path).expect("filled");
    assert!(
        filled.contains(&format!("userIdentity.arn|startswith: '{CI}'")),
        "{filled}"
    );
    assert!(
        filled.contains("sourceIPAddress|cidr: '203.0.113.0/24'"),
        "{filled}"
    );
}
