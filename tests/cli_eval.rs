//! `sigsmith eval` and `sigsmith test` end to end: readers, output formats, exit codes, log
//! source routing, correlations and exemplars.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use common::write;

fn run(dir: &Path, args: &[&str]) -> Output {
    common::sigsmith(args).dir(dir).output()
}

fn ndjson(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect()
}

const CT_RULE: &str = "title: Access key created by a user\nid: 11111111-1111-4111-8111-111111111111\nstatus: test\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventSource: iam.amazonaws.com\n    eventName: CreateAccessKey\n  filter:\n    userIdentity.arn|endswith: ':role/automation'\n  condition: selection and not filter\nlevel: medium\n";

fn ct_event(name: &str, arn: &str, time: &str) -> String {
    format!(
        "{{\"eventVersion\":\"1.08\",\"eventType\":\"AwsApiCall\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"{name}\",\"eventTime\":\"{time}\",\"awsRegion\":\"us-east-1\",\"userIdentity\":{{\"arn\":\"{arn}\",\"type\":\"IAMUser\"}},\"sourceIPAddress\":\"1.2.3.4\"}}"
    )
}

#[test]
fn eval_reads_every_format_and_reports_positions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    write(d, "rules/ct.yml", CT_RULE);
    let hit = ct_event(
        "CreateAccessKey",
        "arn:aws:iam::1:user/alice",
        "2024-01-01T00:00:00Z",
    );
    let auto = ct_event(
        "CreateAccessKey",
        "arn:aws:iam::1:role/automation",
        "2024-01-01T00:00:01Z",
    );
    let other = ct_event(
        "ListUsers",
        "arn:aws:iam::1:user/alice",
        "2024-01-01T00:00:02Z",
    );
    write(d, "ev/a.ndjson", &format!("{other}\n\n{hit}\n{auto}\n"));
    write(d, "ev/b.json", &format!("[{auto}, {other}, {hit}]"));
    write(d, "ev/nested/c.json", &format!("{{\"Records\": [{hit}]}}"));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("{{\"Records\": [{other}, {hit}]}}").as_bytes())
        .expect("gz");
    std::fs::write(d.join("ev/d.json.gz"), gz.finish().expect("gz")).expect("write");

    let out = run(
        d,
        &["eval", "rules", "--events", "ev", "--format", "ndjson"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = ndjson(&out);
    let got: Vec<(String, u64)> = m
        .iter()
        .map(|o| {
            (
                o["events"].as_str().expect("events").replace('\\', "/"),
                o["index"].as_u64().expect("index"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("ev/a.ndjson".to_owned(), 1),
            ("ev/b.json".to_owned(), 2),
            ("ev/d.json.gz".to_owned(), 1),
            ("ev/nested/c.json".to_owned(), 0),
        ]
    );
    assert_eq!(m[0]["rule"], "11111111-1111-4111-8111-111111111111");
    assert_eq!(m[0]["title"], "Access key created by a user");
    assert_eq!(
        m[0]["path"].as_str().map(|p| p.replace('\\', "/")),
        Some("rules/ct.yml".into())
    );
    assert_eq!(m[0]["event_line"], 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("events/s"), "{stderr}");
    assert!(stderr.contains("Access key created by a user"), "{stderr}");

    // No match: exit 0. Broken events: exit 2, with file and line.
    write(d, "quiet/e.ndjson", &format!("{other}\n"));
    let out = run(d, &["eval", "rules", "--events", "quiet"]);
    assert_eq!(out.status.code(), Some(0));
    write(d, "bad/e.ndjson", &format!("{hit}\n{{nope\n"));
    let out = run(d, &["eval", "rules", "--events", "bad", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("e.ndjson:2:"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let out = run(d, &["eval", "rules", "--events", "missing"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_formats() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    write(d, "r.yml", CT_RULE);
    let hit = ct_event(
        "CreateAccessKey",
        "arn:aws:iam::1:user/alice",
        "2024-01-01T00:00:00Z",
    );
    write(d, "e.ndjson", &format!("{hit}\n"));
    let out = run(
        d,
        &["eval", "r.yml", "-e", "e.ndjson", "--format", "json", "-q"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["events"], 1);
    assert_eq!(v["matches"][0]["index"], 0);
    let out = run(
        d,
        &["eval", "r.yml", "-e", "e.ndjson", "--format", "sarif", "-q"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    assert_eq!(v["version"], "2.1.0");
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "11111111-1111-4111-8111-111111111111");
    assert_eq!(res["level"], "warning");
    assert_eq!(
        res["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    let out = run(d, &["eval", "r.yml", "-e", "e.ndjson", "-q"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("e.ndjson:0: Access key created by a user"),
        "{text}"
    );
}

#[test]
fn eval_routes_by_log_source_unless_all_rules() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    // A rule for Okta whose selection a CloudTrail record also satisfies (both log sources name
    // a field `eventType`; CloudTrail's time field is `eventTime`, Okta's `published`).
    write(
        d,
        "okta.yml",
        "title: okta\nid: 22222222-2222-4222-8222-222222222222\nlogsource:\n  product: okta\n  service: okta\ndetection:\n  sel:\n    eventType: AwsApiCall\n  condition: sel\n",
    );
    let ct = ct_event(
        "CreateAccessKey",
        "arn:aws:iam::1:user/a",
        "2024-01-01T00:00:00Z",
    );
    write(d, "e.ndjson", &format!("{ct}\n"));
    let out = run(
        d,
        &["eval", "okta.yml", "-e", "e.ndjson", "-q", "-f", "ndjson"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "a CloudTrail record is not an Okta event"
    );
    let out = run(
        d,
        &[
            "eval",
            "okta.yml",
            "-e",
            "e.ndjson",
            "-q",
            "-f",
            "ndjson",
            "--all-rules",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn eval_correlations_fire_per_group_in_the_window() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let rules = format!(
        "{CT_RULE}---\ntitle: Many access keys\nid: 33333333-3333-4333-8333-333333333333\ncorrelation:\n  type: event_count\n  rules:\n    - 11111111-1111-4111-8111-111111111111\n  group-by:\n    - userIdentity.arn\n  timespan: 10m\n  condition:\n    gte: 3\nlevel: high\n"
    );
    write(d, "r.yml", &rules);
    let mut lines = String::new();
    // alice: 3 within 10 minutes; bob: 3 spread over an hour; out of time order on purpose.
    for (who, t) in [
        ("alice", "2024-01-01T00:09:00Z"),
        ("alice", "2024-01-01T00:00:00Z"),
        ("bob", "2024-01-01T00:00:00Z"),
        ("alice", "2024-01-01T00:05:00Z"),
        ("bob", "2024-01-01T00:30:00Z"),
        ("bob", "2024-01-01T01:00:00Z"),
    ] {
        lines.push_str(&ct_event(
            "CreateAccessKey",
            &format!("arn:aws:iam::1:user/{who}"),
            t,
        ));
        lines.push('\n');
    }
    write(d, "e.ndjson", &lines);
    let out = run(
        d,
        &["eval", "r.yml", "-e", "e.ndjson", "-q", "-f", "ndjson"],
    );
    assert_eq!(out.status.code(), Some(1));
    let m = ndjson(&out);
    let corr: Vec<&Value> = m.iter().filter(|o| o["correlation"] == true).collect();
    assert_eq!(corr.len(), 1, "{m:?}");
    assert_eq!(
        corr[0]["group"]["userIdentity.arn"],
        "arn:aws:iam::1:user/alice"
    );
    assert_eq!(corr[0]["count"], 3);
    assert_eq!(
        corr[0]["index"], 0,
        "the window completes at the 00:09 event"
    );
    // The referenced rule does not report alone (generate defaults to false).
    assert!(m.iter().all(|o| o["correlation"] == true));
}

#[test]
fn test_command_runs_exemplars() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let rule = format!(
        "{CT_RULE}sigsmith:\n  exemplars:\n    - name: a user creates a key\n      expect: match\n      event:\n        eventSource: iam.amazonaws.com\n        eventName: CreateAccessKey\n        userIdentity: {{arn: 'arn:aws:iam::1:user/alice'}}\n    - name: automation is filtered\n      expect: no-match\n      event:\n        eventSource: iam.amazonaws.com\n        eventName: CreateAccessKey\n        userIdentity: {{arn: 'arn:aws:iam::1:role/automation'}}\n    - name: wrong expectation\n      expect: match\n      event: {{eventName: ListUsers}}\n    - name: sidecar\n      expect: no-match\n      file: samples.ndjson\n"
    );
    write(d, "rules/r.yml", &rule);
    write(
        d,
        "rules/samples.ndjson",
        "{\"eventName\":\"ListUsers\"}\n{\"eventName\":\"GetUser\"}\n",
    );
    write(
        d,
        "rules/rsigma.yml",
        "title: rsigma form\nid: 44444444-4444-4444-8444-444444444444\nlogsource: {product: okta, service: okta}\ndetection:\n  sel:\n    eventType: user.session.start\n  condition: sel\ncustom_attributes:\n  rsigma.exemplars:\n    - name: login\n      expect: match\n      event: {eventType: user.session.start}\n",
    );
    let out = run(d, &["test", "rules"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("PASS rules/r.yml:17 "), "{text}");
    assert!(lines[1].starts_with("PASS rules/r.yml:23 "), "{text}");
    assert!(lines[2].starts_with("FAIL rules/r.yml:29 "), "{text}");
    assert!(
        lines[2].ends_with("expected a match, the rule does not match"),
        "{text}"
    );
    assert!(lines[3].starts_with("PASS rules/r.yml:32 "), "{text}");
    assert!(lines[4].starts_with("PASS rules/rsigma.yml:10 "), "{text}");
    let out = run(d, &["test", "rules", "--format", "junit"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<testsuites name=\"sigsmith test\" tests=\"5\" failures=\"1\">"),
        "{xml}"
    );
    assert!(xml.contains("line=\"29\">"), "{xml}");
    assert!(xml.contains("<failure message=\"expected a match"), "{xml}");
    let out = run(d, &["test", "rules/rsigma.yml"]);
    assert_eq!(out.status.code(), Some(0));
}
