//! `sigsmith lint --explain`: log source recognition, field classes and branch verdicts.

mod common;

fn explain(files: &[&str]) -> String {
    let out = common::sigsmith(["lint", "--no-config", "--explain"])
        .args(files)
        .dir(common::repo_root())
        .ok();
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn explain_names_recognition_classes_and_branches() {
    let text = explain(&[
        "tests/fixtures/vocab-repos/aws-per-service/presence_ssm_send_command.yml",
        "tests/fixtures/vocab-repos/elastic-ecs/context_iam_user_from_tor_agent.yml",
        "tests/fixtures/vocab-repos/saas-native/context_duo_fraud.yml",
        "tests/fixtures/rules/API001-api-presence-only/ok_not_api_audit.yml",
    ]);
    // Per-service CloudTrail: inferred from the fields, and presence-only.
    assert!(
        text.contains("product: aws, service: ssm -> aws-cloudtrail (AWS CloudTrail, API audit), inferred from fields"),
        "{text}"
    );
    assert!(
        text.contains("selection: fires on API presence alone"),
        "{text}"
    );
    assert!(text.contains("verdict: API001 at"), "{text}");
    // ECS and vendor-prefixed names get their classes; the baseline filter passes the branch.
    assert!(text.contains("user_agent.original"), "{text}");
    assert!(text.contains("api (ecs `event.action`)"), "{text}");
    assert!(text.contains("client (`userAgent`)"), "{text}");
    assert!(
        text.contains("identity (`userIdentity.arn` after `aws.cloudtrail.`)"),
        "{text}"
    );
    assert!(
        text.contains("selection and not filter_automation: passes"),
        "{text}"
    );
    // A vendor verdict event passes.
    assert!(
        text.contains("selects vendor verdict events only"),
        "{text}"
    );
    // A log source that is not API audit is said so.
    assert!(
        text.contains("not an API-audit log source of the vocabulary"),
        "{text}"
    );
}
