//! `lint --fix`: every fix attached to a finding parses, removes its finding without adding
//! errors, keeps the rest of the file byte for byte; snapshots of the diffs; the command line
//! (`--fix` writes atomically, `--fix --diff` only shows, standard input is refused).

mod common;

use std::path::Path;

use sigsmith::diagnostic::{Finding, Severity};
use sigsmith::edit;
use sigsmith::lint::engine::{LintOptions, lint_text};
use sigsmith::lint::fix;

/// The findings `lint` reports for `text` (as `rule.yml`), suppression comments applied (so
/// SIG000, which the driver reports, is among them).
fn lint(text: &str) -> Vec<Finding> {
    let path = Path::new("rule.yml");
    let findings = lint_text(path, text, &LintOptions::default()).findings;
    sigsmith::suppress::apply(findings, [(path, text)], &|_| true).findings
}

/// Applies the fixes of check `code` until none is left (at most 8 passes), as `lint --fix
/// --select CODE` does.
fn fix_all(text: &str, code: &str) -> String {
    let mut text = text.to_owned();
    for _ in 0..8 {
        let findings = lint(&text);
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.code == code && f.fix.is_some())
            .collect();
        match fix::apply(&text, &mine) {
            Some(applied) => text = applied.text,
            None => break,
        }
    }
    text
}

fn yaml_ok(text: &str) -> bool {
    sigsmith::yaml::parse(text).error.is_none()
}

fn errors_except(findings: &[Finding], code: &str) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .filter(|f| f.code != code && f.severity == Severity::Error)
        .map(|f| format!("{} {}", f.code, f.message))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Every fix any check attaches to a finding in the fixture corpus (the checks' folders and
/// the suppression comments' folder), applied alone: the result parses, has fewer findings of
/// that check, and no error of another check that was not there.
#[test]
fn every_fix_in_the_fixtures_is_safe() {
    let root = common::repo_root().join("tests/fixtures/rules");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.push(common::repo_root().join("tests/fixtures/cli/suppress"));
    let mut fixed_codes = std::collections::BTreeSet::new();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        files.sort();
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let before = lint(&text);
            for f in before.iter().filter(|f| f.fix.is_some()) {
                let fx = f.fix.as_ref().expect("fix");
                assert_eq!(fx.code, f.code, "{}: fix tied to its check", path.display());
                let after_text = edit::apply(&text, &fx.edits).unwrap_or_else(|e| {
                    panic!("{}: {} does not apply: {e}", path.display(), fx.title)
                });
                assert!(yaml_ok(&after_text), "{}: {}", path.display(), fx.title);
                let after = lint(&after_text);
                let count = |v: &[Finding]| v.iter().filter(|g| g.code == f.code).count();
                assert!(
                    count(&after) < count(&before),
                    "{}: `{}` leaves the {} findings as they were:\n{after_text}",
                    path.display(),
                    fx.title,
                    f.code
                );
                let new: Vec<String> = errors_except(&after, f.code)
                    .into_iter()
                    .filter(|e| !errors_except(&before, f.code).contains(e))
                    .collect();
                assert!(new.is_empty(), "{}: {}: {new:?}", path.display(), fx.title);
                fixed_codes.insert(f.code);
            }
        }
    }
    // Every check that documents a fix has one exercised by its fixtures.
    for m in sigsmith::lint::registry::all() {
        if m.fix_doc().is_some() {
            assert!(
                fixed_codes.contains(m.code),
                "{} documents a fix that no fixture exercises",
                m.code
            );
        }
    }
}

/// The diff of fixing `text` for `code`, with new UUIDs replaced by `[UUID]`; asserts the
/// result parses and has no finding of `code` left.
fn fixed_diff(text: &str, code: &str) -> (String, String) {
    let fixed = fix_all(text, code);
    assert!(yaml_ok(&fixed), "{fixed}");
    let left: Vec<Finding> = lint(&fixed)
        .into_iter()
        .filter(|f| f.code == code)
        .collect();
    assert!(
        left.is_empty(),
        "{code} left after the fix: {left:#?}\n{fixed}"
    );
    (edit::unified_diff("rule.yml", text, &fixed), fixed)
}

fn snapshot(name: &str, diff: &str) {
    let mut s = common::settings(None);
    s.add_filter(
        "[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        "[UUID]",
    );
    s.bind(|| insta::assert_snapshot!(name, diff));
}

const HEAD: &str = "title: Secrets Manager secrets read in bulk
id: 0b7c3a52-6f1e-4d2a-9c8b-5e4f3a2d1c0b
status: experimental
description: One principal reads many secrets in a short time (secret harvesting).
author: sigsmith tests
date: 2025-01-15
tags:
    - attack.credential-access
    - attack.t1555.006
logsource:
    product: aws
    service: cloudtrail
";

/// The check: `| count() by userIdentity.arn > 20` becomes a correlation rule and the
/// file lints clean (not one finding, strict).
#[test]
fn count_by_becomes_a_correlation_that_lints_clean() {
    let text = format!(
        "{HEAD}detection:\n    selection:\n        eventSource: secretsmanager.amazonaws.com\n        eventName: GetSecretValue # the read\n    condition: selection | count() by userIdentity.arn > 20\n    timeframe: 10m\nfalsepositives:\n    - Applications that load many secrets at start-up\nlevel: medium\n"
    );
    let before = lint(&text);
    assert_eq!(
        before.iter().map(|f| f.code).collect::<Vec<_>>(),
        vec!["SIG014"]
    );
    let (diff, fixed) = fixed_diff(&text, "SIG014");
    let after = lint(&fixed);
    assert!(after.is_empty(), "{after:#?}\n{fixed}");
    assert!(fixed.contains("# the read"), "comments are kept");
    assert!(fixed.contains("    type: event_count\n"), "{fixed}");
    assert!(fixed.contains("        - secrets_manager_secrets_read_in_bulk\n"));
    snapshot("fix_SIG014_count_by", &diff);
}

#[test]
fn value_count_and_operators() {
    let text = format!(
        "{HEAD}detection:\n  selection:\n    eventName: GetSecretValue\n  condition: 'selection | count(requestParameters.secretId) by userIdentity.arn, sourceIPAddress >= 15'\n  timeframe: 1h\nlevel: medium\n"
    );
    let (diff, fixed) = fixed_diff(&text, "SIG014");
    assert!(fixed.contains("  condition: 'selection'\n"), "{fixed}");
    assert!(fixed.contains("  type: value_count\n"), "{fixed}");
    assert!(
        fixed.contains("    field: requestParameters.secretId\n    gte: 15\n"),
        "{fixed}"
    );
    snapshot("fix_SIG014_value_count", &diff);
}

#[test]
fn aggregations_without_a_safe_conversion_keep_their_finding_and_get_no_fix() {
    for agg in [
        "selection | count() by userIdentity.arn > 20\n", // no timeframe
        "selection | max(x) by userIdentity.arn > 20\n    timeframe: 5m\n",
        "selection | count() by userIdentity.arn != 20\n    timeframe: 5m\n",
        "selection | near other\n    timeframe: 5m\n",
    ] {
        let text = format!(
            "{HEAD}detection:\n    selection:\n        eventName: GetSecretValue\n    other:\n        eventName: x\n    condition: {agg}level: medium\n"
        );
        let findings = lint(&text);
        let agg_f: Vec<_> = findings.iter().filter(|f| f.code == "SIG014").collect();
        assert_eq!(agg_f.len(), 1, "{agg}");
        assert!(agg_f[0].fix.is_none(), "{agg}");
    }
}

#[test]
fn misspelled_modifier_date_tags_and_missing_id() {
    let text = "title: Access key created
status: test
description: d
author: a
date: 2023/01/05 # first seen
modified: '12/25/2023'
tags:
    - attack.Persistence
    - ATTACK.T1098.001
    - attack.defense_evasion
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName|startwith: CreateAccessKey # typo kept as a comment
        'userIdentity.arn|Contains': ':assumed-role/'
    condition: selection
level: low
";
    let mut all = String::new();
    for code in ["SIG008", "SIG009", "SIG010", "SIG024"] {
        let (diff, _) = fixed_diff(text, code);
        assert!(!diff.is_empty(), "{code}");
        all.push_str(&format!("# {code}\n{diff}\n"));
    }
    snapshot("fix_SIG008_SIG009_SIG010_SIG024", &all);
}

#[test]
fn ambiguous_cases_get_no_fix() {
    let text = "title: t
id: 0b7c3a52-6f1e-4d2a-9c8b-5e4f3a2d1c0b
date: 05/01/2023
tags: [attack.t1078.4]
logsource: {product: aws, service: cloudtrail}
detection:
    sel:
        eventName|utf16xe: x
    condition: sel
";
    for f in lint(text) {
        if ["SIG008", "SIG009", "SIG010"].contains(&f.code) {
            assert!(f.fix.is_none(), "{f:#?}");
        }
    }
    // A flow-style document gets no inserted id, and an existing (even invalid) id is kept.
    let flow = "{title: t, logsource: {product: aws, service: cloudtrail}, detection: {sel: {eventName: x}, condition: sel}}\n";
    assert!(
        lint(flow)
            .iter()
            .filter(|f| f.code == "SIG024")
            .all(|f| f.fix.is_none())
    );
    let bad_id = "title: t\nid: not-a-uuid\nlogsource: {product: aws, service: cloudtrail}\ndetection: {sel: {eventName: x}, condition: sel}\n";
    assert!(lint(bad_id).iter().all(|f| f.fix.is_none()));
}

/// (code, message) of each finding, sorted: what a fix may not add to (positions shift when
/// a fix removes a line).
fn what(findings: &[Finding]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = findings
        .iter()
        .map(|f| (f.code.to_owned(), f.message.clone()))
        .collect();
    v.sort();
    v
}

/// The top of the rule of [`unused_suppressions_are_removed`], before `detection`.
const STALE_HEAD: &str = "title: Access key created
id: 3b7c3a52-6f1e-4d2a-9c8b-5e4f3a2d1c0b
status: test
description: d
author: a
date: 2025-01-15
logsource:
    product: aws
    service: cloudtrail
";

/// SIG000's fix: an unused check leaves its comment with its comma, a comment none of whose
/// checks is used goes (with its line when it had one of its own); each fix alone and all of
/// them together (as `lint --fix` applies them) parse, clear their finding and add none.
#[test]
fn unused_suppressions_are_removed() {
    let text = format!(
        "# sigsmith: ignore[SIG016] whole document, stale
{STALE_HEAD}detection: # sigsmith: ignore[SIG006]
    # sigsmith: ignore[SIG017] no longer needed
    selection:
        eventName|startwith: CreateAccessKey # sigsmith: ignore[SIG009, SIG008, API007] kept on purpose
    condition: selection # sigsmith: ignore[nope, SIG019]
level: low
"
    );
    let text = text.as_str();
    let before = lint(text);
    let unused: Vec<&Finding> = before.iter().filter(|f| f.code == "SIG000").collect();
    let fixable: Vec<&Finding> = unused.iter().copied().filter(|f| f.fix.is_some()).collect();
    // SIG016, SIG006, SIG017, SIG009, API007, SIG019; the unknown `nope` has no fix.
    assert_eq!(fixable.len(), 6, "{unused:#?}");
    assert!(
        unused
            .iter()
            .any(|f| f.fix.is_none() && f.message.contains("unknown check `nope`")),
        "{unused:#?}"
    );
    let others = |v: &[Finding]| -> Vec<(String, String)> {
        what(v).into_iter().filter(|(c, _)| c != "SIG000").collect()
    };
    for f in &fixable {
        let fx = f.fix.as_ref().expect("fix");
        assert_eq!(fx.code, "SIG000");
        let after_text = edit::apply(text, &fx.edits).expect("applies");
        assert!(yaml_ok(&after_text), "{}: {after_text}", fx.title);
        let after = lint(&after_text);
        let count = |v: &[Finding]| v.iter().filter(|g| g.code == "SIG000").count();
        assert_eq!(
            count(&after),
            count(&before) - 1,
            "{}\n{after_text}",
            fx.title
        );
        assert_eq!(
            others(&after),
            others(&before),
            "{}\n{after_text}",
            fx.title
        );
    }
    let all = fix::apply(text, &fixable).expect("fixes apply");
    assert_eq!(all.fixes.len(), 6, "no two fixes overlap: {:?}", all.fixes);
    let expected = format!(
        "{STALE_HEAD}detection:
    selection:
        eventName|startwith: CreateAccessKey # sigsmith: ignore[SIG008] kept on purpose
    condition: selection # sigsmith: ignore[nope]
level: low
"
    );
    assert_eq!(all.text, expected);
    let after = lint(&all.text);
    assert_eq!(others(&after), others(&before));
    let left: Vec<&Finding> = after.iter().filter(|f| f.code == "SIG000").collect();
    assert!(
        left.len() == 1 && left[0].message.contains("`nope`"),
        "{left:#?}"
    );
    snapshot(
        "fix_SIG000",
        &edit::unified_diff("rule.yml", text, &all.text),
    );
}

/// A check that does not run keeps its entries: `--select` narrows what is unused, never what
/// is removed.
#[test]
fn entries_of_checks_that_did_not_run_are_kept() {
    let text = "title: t # sigsmith: ignore[SIG019, SIG013]\n";
    let path = Path::new("rule.yml");
    let out = sigsmith::suppress::apply(Vec::new(), [(path, text)], &|c| c != "SIG013");
    let fixes: Vec<_> = out.findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    assert_eq!(fixes.len(), 1, "{:#?}", out.findings);
    assert_eq!(
        edit::apply(text, &fixes[0].edits).as_deref(),
        Ok("title: t # sigsmith: ignore[SIG013]\n")
    );
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    common::sigsmith(args).dir(dir).output()
}

#[test]
fn cli_fix_writes_and_diff_only_shows() {
    let tmp = tempfile::tempdir().expect("tmp");
    let rule = format!(
        "{HEAD}detection:\n    selection:\n        eventName|endwith: GetSecretValue\n    condition: selection | count() by userIdentity.arn > 20\n    timeframe: 10m\nlevel: medium\n"
    );
    let clean_head = HEAD
        .replace("read in bulk", "read by a role")
        .replace("0b7c3a52", "1b7c3a52");
    let clean = format!(
        "{clean_head}detection:\n    selection:\n        eventName: x\n        userIdentity.arn|startswith: 'arn:aws:iam::123456789012:role/'\n    condition: selection\nlevel: low\n"
    );
    std::fs::write(tmp.path().join("a.yml"), &rule).expect("write");
    std::fs::write(tmp.path().join("clean.yml"), &clean).expect("write");

    let out = run_in(tmp.path(), &["lint", "--no-config", "--fix", "--diff", "."]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.starts_with("--- a/a.yml\n+++ b/a.yml\n"), "{diff}");
    assert!(
        diff.contains("+        eventName|endswith: GetSecretValue\n"),
        "{diff}"
    );
    assert!(!diff.contains("clean.yml"), "{diff}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("would fix 2 findings in 1 file"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("a.yml")).expect("read"),
        rule,
        "--diff writes nothing"
    );

    let out = run_in(
        tmp.path(),
        &["lint", "--no-config", "--fix", "--strict", "."],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fixed 2 findings in 1 file"), "{err}");
    let fixed = std::fs::read_to_string(tmp.path().join("a.yml")).expect("read");
    assert!(fixed.contains("correlation:\n"), "{fixed}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("clean.yml")).expect("read"),
        clean
    );
    // Nothing left to fix: a second run changes nothing.
    let out = run_in(tmp.path(), &["lint", "--no-config", "--fix", "--diff", "."]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("a.yml")).expect("read"),
        fixed
    );
}

#[test]
fn cli_fix_refuses_standard_input_without_diff() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = run_in(tmp.path(), &["lint", "--no-config", "--fix", "-"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fix --diff"));
}

#[test]
fn fixes_are_documented_in_explain() {
    for code in ["SIG000", "SIG008", "SIG009", "SIG010", "SIG014", "SIG024"] {
        let out = common::sigsmith(["explain", code]).output();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("## Fix"), "{code}: {text}");
        assert!(text.contains("lint --fix"), "{code}");
    }
    let out = common::sigsmith(["rules", "--format", "json"]).output();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let fixable: Vec<&str> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["fix"] == true)
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(
        fixable,
        ["SIG000", "SIG008", "SIG009", "SIG010", "SIG014", "SIG024"]
    );
}

#[test]
fn lint_explain_lists_the_fixes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let rule = format!(
        "{HEAD}detection:\n    selection:\n        eventName: GetSecretValue\n    condition: selection | count() by userIdentity.arn > 20\n    timeframe: 10m\nlevel: medium\n---\ntitle: Presence only\nid: 2b7c3a52-6f1e-4d2a-9c8b-5e4f3a2d1c0b\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        eventName: DeleteTrail\n    condition: selection\n"
    );
    std::fs::write(tmp.path().join("a.yml"), &rule).expect("write");
    let out = run_in(tmp.path(), &["lint", "--no-config", "--explain", "a.yml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  fix: SIG014 at 16:26: move `| count() by userIdentity.arn > 20` into a correlation rule (event_count) over `secrets_manager_secrets_read_in_bulk` (`sigsmith lint --fix`)"),
        "{text}"
    );
    assert!(text.contains("  fix: `sigsmith harden a.yml`"), "{text}");
}
