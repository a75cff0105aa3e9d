//! CLI tests of `sigsmith new`, `strategies` and `show`, running the built binary.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::SystemTime;

fn run(args: &[&str]) -> Output {
    common::sigsmith(args).no_color().output()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes and modification time.
fn tree(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let meta = std::fs::metadata(&p).expect("metadata");
                let rel = p.strip_prefix(dir).expect("prefix").to_path_buf();
                out.insert(
                    rel,
                    (
                        std::fs::read(&p).expect("read"),
                        meta.modified().expect("mtime"),
                    ),
                );
            }
        }
    }
    out
}

const DATE: &str = "2025-01-01";

#[test]
fn new_all_writes_every_family_refuses_overwrite_and_force_is_byte_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("drafts");
    let out_s = out.to_str().expect("utf-8 path");
    let o = run(&["new", "--all", "--out", out_s, "--date", DATE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = tree(&out);
    assert!(first.len() >= 10, "{} files", first.len());
    let families: std::collections::BTreeSet<String> = first
        .keys()
        .map(|p| {
            p.components()
                .next()
                .expect("family")
                .as_os_str()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        families.into_iter().collect::<Vec<_>>(),
        ["cloud-api-audit", "ics-api-execution", "mobile-api-calls"]
    );
    for p in first.keys() {
        let name = p.file_name().expect("name").to_string_lossy();
        assert!(name.ends_with(".yml"), "{name}");
        assert!(
            name.trim_end_matches(".yml")
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name} is not snake_case"
        );
        assert!(
            stdout(&o).contains(&format!("wrote {}", out.join(p).display())),
            "{}",
            stdout(&o)
        );
    }
    // No temporary files left behind.
    assert!(
        first
            .keys()
            .all(|p| !p.to_string_lossy().contains(".sigsmith-"))
    );

    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = run(&["new", "--all", "--out", out_s, "--date", DATE]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let err = stderr(&again);
    assert!(err.contains("--force"), "{err}");
    assert!(err.contains("det0078_aws_cloudtrail.yml"), "{err}");
    assert_eq!(
        tree(&out),
        first,
        "refused run changed nothing (bytes and mtimes)"
    );

    // Only one file missing: still all-or-nothing.
    let victim = out.join("cloud-api-audit").join("det0078_gcp_audit.yml");
    std::fs::remove_file(&victim).expect("remove");
    let partial = run(&["new", "--all", "--out", out_s, "--date", DATE]);
    assert_eq!(partial.status.code(), Some(2));
    assert!(!victim.exists(), "nothing written when some files exist");

    let forced = run(&["new", "--all", "--out", out_s, "--date", DATE, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let second = tree(&out);
    assert_eq!(
        second.keys().collect::<Vec<_>>(),
        first.keys().collect::<Vec<_>>()
    );
    for (p, (bytes, _)) in &second {
        assert_eq!(bytes, &first[p].0, "{} differs after --force", p.display());
    }
}

#[test]
fn unknown_strategy_or_target_exits_2_with_valid_names() {
    let o = run(&["new", "DET9999"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("DET9999"), "{err}");
    assert!(err.contains("DC0112, DET0078, DET0742"), "{err}");

    let o = run(&["new", "DET0742", "--target", "aws-cloudtrail"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("DET0742/opcua-audit-events"), "{err}");
    assert!(err.contains("DET0742/zeek-modbus"), "{err}");
    assert!(o.stdout.is_empty());

    let o = run(&["show", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("DC0112, DET0078, DET0742"));
}

#[test]
fn stdout_mode_separates_documents() {
    let o = run(&["new", "det0742", "--date", DATE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let stream = sigsmith::yaml::parse(&text);
    assert!(stream.error.is_none(), "{:?}", stream.error);
    assert_eq!(
        stream.documents.len(),
        6,
        "OPC UA audit and five Zeek drafts"
    );
    assert_eq!(text.matches("\n---\n").count(), 5);

    // Rule + companion correlation for one cloud target.
    let o = run(&[
        "new",
        "DET0078",
        "--target",
        "okta-system-log",
        "--date",
        DATE,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stream = sigsmith::yaml::parse(&stdout(&o));
    assert_eq!(stream.documents.len(), 2);
    assert!(stream.documents[1].root.get("correlation").is_some());

    // Without --date: today.
    let o = run(&["new", "DC0112", "--target", "mobsf-api-monitor"]);
    let today = jiff::Zoned::now().date().to_string();
    assert!(
        stdout(&o).contains(&format!("date: '{today}'")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn templates_dir_overrides_by_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // An override that extends the built-in base and replaces one block.
    std::fs::write(
        tmp.path().join("ics-api-execution.yml.j2"),
        "{% extends \"base.yml.j2\" %}\n{% block level %}\nlevel: low\nx_site: {{ target.name }}\n{% endblock %}\n",
    )
    .expect("write");
    let dir = tmp.path().to_str().expect("utf-8");
    let o = run(&["new", "DET0742", "--templates", dir, "--date", DATE]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("x_site: opcua-audit-events\n"));
    assert!(stdout(&o).contains("level: low\n"));

    std::fs::write(
        tmp.path().join("ics-api-execution.yml.j2"),
        "title: {{ rule.title }}\n{% for x in rule.nothing %}{% endfor %}\n",
    )
    .expect("write");
    let out = tmp.path().join("out");
    let o = run(&[
        "new",
        "DET0742",
        "--templates",
        dir,
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("ics-api-execution.yml.j2 line 2"), "{err}");
    assert!(!out.exists(), "nothing written on a template error");
}

#[test]
fn example_values_leave_no_placeholder() {
    let o = run(&["new", "--all", "--example-values", "--date", DATE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains("<<"), "placeholder left");
    assert!(
        text.contains("sourceIPAddress|cidr:"),
        "cidr restored with real networks"
    );
    assert!(text.contains("- '10.20.0.0/16'"));
    let plain = stdout(&run(&["new", "--all", "--date", DATE]));
    assert!(plain.contains("'<<baseline:approved_automation_principals>>'"));
}

#[test]
fn strategies_and_show_list_targets() {
    let o = run(&["strategies"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for id in [
        "DC0112",
        "DET0078",
        "DET0742",
        "aws-cloudtrail",
        "zeek-modbus",
    ] {
        assert!(text.contains(id), "{id}: {text}");
    }
    let o = run(&["strategies", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["strategies"].as_array().expect("array").len(), 3);
    assert_eq!(v["strategies"][1]["targets"][0]["name"], "aws-cloudtrail");

    let o = run(&["show", "det0078"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in [
        "DET0078-V01",
        "<<baseline:approved_automation_principals>>",
        "identity",
        "Cloud provider API audit logs",
        "correlation: value_count of eventName",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let o = run(&["show", "DET0742", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["strategy"]["id"], "DET0742");
    assert_eq!(
        v["strategy"]["targets"][0]["baselines"][0]["placeholder"],
        "<<baseline:approved_service_accounts>>"
    );
}

#[test]
fn help_has_examples() {
    for cmd in ["new", "strategies", "show"] {
        let o = run(&[cmd, "--help"]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Examples:"), "{cmd}");
    }
    let o = run(&["new"]);
    assert_eq!(o.status.code(), Some(2), "an id or --all is required");
    let o = run(&["new", "--all", "--date", "2025-13-01"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A filled draft survives a template change: `new --update` takes the template's new text
/// and keeps the filled baseline, the answer, an added exemplar, an edited selection and the
/// raised status; a change it cannot keep is refused with nothing written.
#[test]
fn update_keeps_a_filled_draft_through_a_template_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("drafts");
    let out_s = out.to_str().expect("utf-8");
    let base = [
        "new",
        "DET0078",
        "--target",
        "aws-cloudtrail",
        "--date",
        DATE,
    ];
    let o = run(&[&base[..], &["--out", out_s]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let file = out.join("cloud-api-audit/det0078_aws_cloudtrail.yml");
    let fresh = std::fs::read_to_string(&file).expect("draft");

    // The engineer fills the draft.
    let filled = fresh
        .replace(
            "userIdentity.arn|startswith: '<<baseline:approved_automation_principals>>'",
            "userIdentity.arn|startswith:\n            - 'arn:aws:iam::111122223333:role/ci-' # CI runners",
        )
        .replace("            - curl/\n", "")
        .replace("status: experimental", "status: test")
        .replacen("answer: null", "answer: 'yes: userAgent is populated in our trail'", 1)
        .replacen(
            "\n---\n",
            "\n        - name: 'our CI role'\n          expect: no-match\n          event: {eventName: RunTask}\n---\n",
            1,
        );
    assert_ne!(filled, fresh);
    std::fs::write(&file, &filled).expect("fill");

    // The template changes: a new field after level.
    let tpl = tmp.path().join("tpl");
    std::fs::create_dir(&tpl).expect("mkdir");
    std::fs::write(
        tpl.join("cloud-api-audit.yml.j2"),
        "{% extends \"base.yml.j2\" %}\n{% block level %}\nlevel: {{ rule.level }}\nlicense: 'DRL-1.1'\n{% endblock %}\n",
    )
    .expect("template");
    let tpl_s = tpl.to_str().expect("utf-8");
    let upd = [
        &base[..],
        &["--out", out_s, "--templates", tpl_s, "--update"],
    ]
    .concat();

    // --diff shows the change and writes nothing.
    let o = run(&[&upd[..], &["--diff"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("+license: 'DRL-1.1'\n"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).starts_with("--- a/"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), filled);

    let o = run(&upd);
    assert!(o.status.success(), "{}", stderr(&o));
    let updated = std::fs::read_to_string(&file).expect("read");
    // The file is the filled draft plus the template's new line, nothing else.
    let at = filled.find("\nlevel: ").expect("level") + 1;
    let eol = at + filled[at..].find('\n').expect("eol") + 1;
    let expected = format!("{}license: 'DRL-1.1'\n{}", &filled[..eol], &filled[eol..]);
    assert_eq!(updated, expected);
    for kept in [
        "- 'arn:aws:iam::111122223333:role/ci-' # CI runners",
        "status: test\n",
        "answer: 'yes: userAgent is populated in our trail'",
        "- name: 'our CI role'",
    ] {
        assert!(updated.contains(kept), "{kept} lost:\n{updated}");
    }
    assert!(!updated.contains("curl/"), "edited selection reverted");
    let err = stderr(&o);
    assert!(
        err.contains("kept your detection selection_context"),
        "{err}"
    );
    assert!(err.contains("updated 1 draft(s)"), "{err}");

    // Again: nothing left to do.
    let o = run(&upd);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(stderr(&o).contains("1 up to date"), "{}", stderr(&o));

    // A comment on a line the template owns would be lost: refused, nothing written.
    let commented = updated.replacen(
        "fields:\n",
        "fields:\n    # our runbook: SIEM column names\n",
        1,
    );
    std::fs::write(&file, &commented).expect("comment");
    std::fs::write(
        tpl.join("cloud-api-audit.yml.j2"),
        "{% extends \"base.yml.j2\" %}\n{% block fields %}\nfields:\n    - eventName\n{% endblock %}\n",
    )
    .expect("template");
    let o = run(&upd);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("our runbook"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), commented);
}

/// `--companion separate` writes the correlation beside the rule, the two files together are
/// the inline draft, and the linter resolves the correlation's rule across the files.
#[test]
fn companion_separate_writes_two_files_that_lint_together() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sel = [
        "new",
        "DET0078",
        "--target",
        "aws-cloudtrail",
        "--date",
        DATE,
    ];
    let inline = run(&sel);
    assert!(inline.status.success(), "{}", stderr(&inline));
    let out = tmp.path().join("drafts");
    let out_s = out.to_str().expect("utf-8");
    let o = run(&[&sel[..], &["--out", out_s, "--companion", "separate"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = out.join("cloud-api-audit");
    let rule = std::fs::read_to_string(dir.join("det0078_aws_cloudtrail.yml")).expect("rule");
    let corr = std::fs::read_to_string(dir.join("det0078_aws_cloudtrail_correlation.yml"))
        .expect("correlation");
    assert!(
        !rule.contains("\n---\n") && !corr.contains("\n---\n"),
        "{rule}{corr}"
    );
    assert!(
        corr.starts_with("title: ") && corr.contains("\ncorrelation:\n"),
        "{corr}"
    );
    assert_eq!(format!("{rule}---\n{corr}"), stdout(&inline));
    let lint = run(&["lint", "--no-config", "--select", "SIG011", out_s]);
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}{}",
        stdout(&lint),
        stderr(&lint)
    );
    // --update on separate files keeps each one's content.
    let o = run(&[
        &sel[..],
        &["--out", out_s, "--companion", "separate", "--update"],
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 up to date"), "{}", stderr(&o));
    // An inline file updated as separate would lose its correlation document: refused.
    std::fs::write(dir.join("det0078_aws_cloudtrail.yml"), stdout(&inline)).expect("inline");
    let o = run(&[
        &sel[..],
        &["--out", out_s, "--companion", "separate", "--update"],
    ]
    .concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("its own file"), "{}", stderr(&o));
}
