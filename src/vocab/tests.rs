use super::*;

fn ls(product: &str, service: &str) -> LogSource {
    LogSource::new(Some(product), Some(service), None)
}

fn vocab() -> Vocabulary {
    Vocabulary::builtin()
}

#[test]
fn builtin_profiles_load_and_are_consistent() {
    let v = vocab();
    assert!(v.profiles().len() >= 30);
    let mut names: Vec<_> = v.profiles().iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate profile names");
    for p in v.profiles() {
        assert!(!p.api.is_empty(), "{} has no API fields", p.name);
        assert!(
            p.source.is_some(),
            "{} does not say where its fields come from",
            p.name
        );
        // No field may be listed twice (after normalisation) across the lists.
        let mut all: Vec<String> = p
            .api
            .iter()
            .chain(&p.outcome)
            .chain(&p.metadata)
            .chain(&p.verdict)
            .chain(ContextClass::ALL.iter().flat_map(|c| p.context.class(*c)))
            .map(|f| normalize_field(f))
            .collect();
        all.sort();
        let n = all.len();
        all.dedup();
        assert_eq!(n, all.len(), "{} lists a field twice", p.name);
        // Every draft field is classified as its class by the profile itself.
        if let Some(d) = &p.draft {
            for (class, fields) in d.classes() {
                for f in fields {
                    assert_eq!(
                        p.classify(f),
                        FieldClass::from_context(class),
                        "{}: draft field {f}",
                        p.name
                    );
                }
            }
        }
    }
}

#[test]
fn cloudtrail_classification_native_and_schemes() {
    let v = vocab();
    let p = v.get("aws-cloudtrail").expect("cloudtrail");
    assert_eq!(p.classify("eventName"), FieldClass::Api);
    assert_eq!(p.classify("EVENTSOURCE"), FieldClass::Api);
    assert_eq!(p.classify("errorCode"), FieldClass::Outcome);
    assert_eq!(
        p.classify("userIdentity.arn"),
        FieldClass::Context(ContextClass::Identity)
    );
    assert_eq!(
        p.classify("userIdentity.sessionContext.sessionIssuer.arn"),
        FieldClass::Context(ContextClass::Session)
    );
    assert_eq!(
        p.classify("awsRegion"),
        FieldClass::Context(ContextClass::Target)
    );
    // Elastic integration names, snake_case.
    assert_eq!(
        p.classify("aws.cloudtrail.user_identity.arn"),
        FieldClass::Context(ContextClass::Identity)
    );
    assert_eq!(p.classify("aws.cloudtrail.error_code"), FieldClass::Outcome);
    assert_eq!(
        p.classify("aws.cloudtrail.flattened.request_parameters.userName"),
        FieldClass::Context(ContextClass::Target)
    );
    // ECS.
    assert_eq!(p.classify("event.action"), FieldClass::Api);
    assert_eq!(p.classify("event.outcome"), FieldClass::Outcome);
    assert_eq!(
        p.classify("source.ip"),
        FieldClass::Context(ContextClass::Source)
    );
    assert_eq!(
        p.classify("user_agent.original"),
        FieldClass::Context(ContextClass::Client)
    );
    assert_eq!(p.classify("event.dataset"), FieldClass::Metadata);
    // EventBridge envelope.
    assert_eq!(p.classify("detail.eventName"), FieldClass::Api);
    assert_eq!(
        p.classify("detail.userIdentity.arn"),
        FieldClass::Context(ContextClass::Identity)
    );
    // Misspelled and unknown.
    let l = p.lookup("eventNme");
    assert_eq!(l.class, FieldClass::Api);
    assert_eq!(
        l.how,
        Match::Misspelled {
            entry: "eventName".into()
        }
    );
    assert_eq!(p.classify("somethingElse"), FieldClass::Unknown);
    assert!(!p.classify("somethingElse").is_context());
}

#[test]
fn envelopes_and_vendor_prefixes() {
    let v = vocab();
    let gcp = v.get("gcp-audit").expect("gcp");
    assert_eq!(
        gcp.classify("data.protoPayload.methodName"),
        FieldClass::Api
    );
    assert_eq!(gcp.classify("protoPayload.serviceName"), FieldClass::Api);
    assert_eq!(gcp.classify("gcp.audit.method_name"), FieldClass::Api);
    assert_eq!(
        gcp.classify("protoPayload.authenticationInfo.principalEmail"),
        FieldClass::Context(ContextClass::Identity)
    );
    assert_eq!(
        gcp.classify("gcp.audit.request_metadata.caller_ip"),
        FieldClass::Context(ContextClass::Source)
    );
    let az = v.get("azure-activitylogs").expect("azure");
    assert_eq!(
        az.classify("azure.activitylogs.operation_name"),
        FieldClass::Api
    );
    assert_eq!(az.classify("properties.operationName"), FieldClass::Api);
    let k8s = v.get("kubernetes-audit").expect("k8s");
    assert_eq!(k8s.classify("kubernetes.audit.verb"), FieldClass::Api);
    assert_eq!(
        k8s.classify("kubernetes.audit.user.username"),
        FieldClass::Context(ContextClass::Identity)
    );
    let m365 = v.get("m365-audit").expect("m365");
    assert_eq!(m365.classify("o365.audit.Operation"), FieldClass::Api);
    let okta = v.get("okta").expect("okta");
    assert_eq!(okta.classify("okta.event_type"), FieldClass::Api);
    assert_eq!(
        okta.classify("okta.client.ip"),
        FieldClass::Context(ContextClass::Source)
    );
    assert_eq!(
        okta.classify("okta.actor.alternate_id"),
        FieldClass::Context(ContextClass::Identity)
    );
}

#[test]
fn recognition_exact_alias_inferred() {
    let v = vocab();
    let r = |l: &LogSource, f: &[&str]| v.recognize(l, f).map(|r| (r.profile.name.clone(), r.how));
    assert_eq!(
        r(&ls("aws", "cloudtrail"), &[]),
        Some(("aws-cloudtrail".into(), How::Exact))
    );
    assert_eq!(
        r(&ls("AWS", "CloudTrail"), &[]),
        Some(("aws-cloudtrail".into(), How::Exact))
    );
    for (p, s, want) in [
        ("azure", "activity_logs", "azure-activitylogs"),
        ("azure", "audit_logs", "azure-auditlogs"),
        ("azure", "signin_logs", "azure-signinlogs"),
        ("gcp", "gke_audit_logs", "gcp-audit"),
        ("okta", "system", "okta"),
        ("o365", "audit", "m365-audit"),
        ("k8s", "audit", "kubernetes-audit"),
        ("azure", "identity_protection", "azure-riskdetection"),
    ] {
        assert_eq!(
            r(&ls(p, s), &[]),
            Some((want.into(), How::Alias)),
            "{p}/{s}"
        );
    }
    // CloudTrail split per AWS service: recognised from the fields.
    assert_eq!(
        r(&ls("aws", "iam"), &["eventSource", "eventName"]),
        Some(("aws-cloudtrail".into(), How::Inferred))
    );
    assert_eq!(r(&ls("aws", "iam"), &["Image"]), None);
    // Missing or misspelled product.
    let none = LogSource::default();
    assert_eq!(
        r(&none, &["eventName", "eventSource", "userIdentity.arn"]),
        Some(("aws-cloudtrail".into(), How::Inferred))
    );
    assert_eq!(
        r(
            &ls("okat", "logs"),
            &["eventType", "actor.alternateId", "client.ipAddress"]
        ),
        Some(("okta".into(), How::Inferred))
    );
    // One generic field, spelled otherwise than any vocabulary, is no evidence.
    assert_eq!(r(&ls("acme", "api_audit"), &["operation"]), None);
    // Never inferred on a non-API product or category.
    assert_eq!(
        r(&ls("windows", "security"), &["eventName", "eventSource"]),
        None
    );
    let proc = LogSource::new(None, None, Some("process_creation"));
    assert_eq!(r(&proc, &["eventName", "eventSource"]), None);
    // SaaS products.
    assert_eq!(
        r(&LogSource::new(Some("auth0"), None, None), &[]),
        Some(("auth0".into(), How::Exact))
    );
}

#[test]
fn recognize_fields_routes_events() {
    let v = vocab();
    let name = |f: &[&str]| v.recognize_fields(f).map(|r| r.profile.name.clone());
    assert_eq!(
        name(&[
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "requestParameters",
            "responseElements",
            "requestID",
            "eventID",
            "readOnly",
            "eventType",
            "recipientAccountId"
        ])
        .as_deref(),
        Some("aws-cloudtrail")
    );
    assert_eq!(
        name(&[
            "uuid",
            "published",
            "eventType",
            "version",
            "severity",
            "displayMessage",
            "actor",
            "client",
            "outcome",
            "target",
            "transaction",
            "debugContext",
            "authenticationContext",
            "securityContext"
        ])
        .as_deref(),
        Some("okta")
    );
    assert_eq!(name(&["Image", "CommandLine"]), None);
}

#[test]
fn verdict_events_and_kinds() {
    let v = vocab();
    let okta = v.get("okta").expect("okta");
    assert!(okta.is_verdict_event("security.threat.detected"));
    assert!(!okta.is_verdict_event("user.session.start"));
    assert!(!v.get("azure-riskdetection").expect("risk").is_api_audit());
    assert!(glob_match("SHIELD_*", "shield_alert"));
    assert!(!glob_match("SHIELD_*", "LOGIN"));
}

#[test]
fn configured_profiles_replace_builtin_ones() {
    let mut v = vocab();
    let custom: Profile = serde_yaml::from_str(
        "name: aws-cloudtrail\nlogsources: [{product: aws, service: cloudtrail}]\napi: [eventName]\n",
    )
    .expect("profile");
    v.extend(vec![custom]);
    let p = v.for_logsource(&ls("AWS", "CloudTrail")).expect("aws");
    assert_ne!(p.classify("eventSource"), FieldClass::Api);
    assert!(serde_yaml::from_str::<Profile>("name: x\nlogsources: []\nbogus: 1\n").is_err());
}

/// Every field a built-in draft (catalog strategy or ATT&CK field profile) uses as context or
/// as a baseline is context for the linter; every API field of a draft is an API field (or
/// the target of a sign-in).
#[test]
fn drafts_and_linter_agree_on_field_classes() {
    let v = vocab();
    let catalog = crate::strategy::Catalog::builtin().expect("catalog");
    let mut checked = 0;
    for s in catalog.list() {
        for t in &s.targets {
            let Some(r) = v.recognize(&t.logsource, &[]) else {
                continue;
            };
            let p = r.profile;
            for (class, fields) in t.context.classes() {
                for f in fields {
                    assert_eq!(
                        p.classify(f),
                        FieldClass::from_context(class),
                        "{}/{}: context field {f} ({class}) in {}",
                        s.id,
                        t.name,
                        p.name
                    );
                    checked += 1;
                }
            }
            for b in &t.baselines {
                let c = p.classify(&b.field);
                assert!(
                    c.is_context() || c == FieldClass::Context(ContextClass::Time),
                    "{}/{}: baseline on {} is {c} in {}",
                    s.id,
                    t.name,
                    b.field,
                    p.name
                );
                checked += 1;
            }
            for f in &t.api_fields {
                assert!(
                    matches!(
                        p.classify(f),
                        FieldClass::Api | FieldClass::Context(ContextClass::Target)
                    ),
                    "{}/{}: api field {f} in {}",
                    s.id,
                    t.name,
                    p.name
                );
            }
        }
    }
    assert!(checked > 50, "only {checked} fields checked");
}

#[test]
fn keys_memo_finds_what_it_kept_by_borrowed_keys() {
    // The memo keeps owned keys and is asked with borrowed ones: both must hash alike, and
    // a missing key (or the same strings in another slot) must not be found.
    let memo = KeysMemo::default();
    let cloud = Keys([None, Some("aws"), Some("cloudtrail")]);
    assert_eq!(memo.get(cloud), None);
    memo.put(cloud, ByKeys::Named(3, How::Exact));
    memo.put(
        Keys([Some("process_creation"), Some("windows"), None]),
        ByKeys::NotApi,
    );
    let asked = (String::from("aws"), String::from("cloudtrail"));
    let same = Keys([None, Some(asked.0.as_str()), Some(asked.1.as_str())]);
    assert_eq!(memo.get(same), Some(ByKeys::Named(3, How::Exact)));
    assert_eq!(
        memo.get(Keys([Some("process_creation"), Some("windows"), None])),
        Some(ByKeys::NotApi)
    );
    assert_eq!(
        memo.get(Keys([Some("aws"), Some("cloudtrail"), None])),
        None
    );
    assert_eq!(memo.get(Keys([None, Some("aws"), None])), None);
    // A second verdict for kept keys does not replace the first.
    memo.put(same, ByKeys::Unscoped);
    assert_eq!(memo.get(cloud), Some(ByKeys::Named(3, How::Exact)));
}
