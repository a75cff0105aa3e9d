//! `sigsmith lint` end to end: discovery, exit codes, stdin, hostile files, flags, colour, and
//! `sigsmith rules` / `sigsmith explain`.

mod common;

use std::path::{Path, PathBuf};

use common::{Out, git};

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
    let mut cmd = common::sigsmith(args)
        .dir(dir)
        .env_remove(&["CLICOLOR_FORCE", "NO_COLOR"]);
    if let Some(input) = stdin {
        cmd = cmd.stdin(input);
    }
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    cmd.out()
}

fn run(dir: &Path, args: &[&str]) -> Out {
    run_in(dir, args, None, &[])
}

fn repo() -> PathBuf {
    common::repo_root().join("tests/fixtures/cli/repo")
}

/// `CODE path:line` of each finding line in text output.
fn finding_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| is_finding_line(l))
        .map(|l| {
            let (loc, rest) = l.split_once(": ").expect("loc");
            let code = rest.split('[').next().expect("code");
            let mut parts = loc.rsplitn(3, ':');
            let _col = parts.next();
            let line = parts.next().expect("line");
            let path = parts.next().expect("path");
            format!("{code} {path}:{line}")
        })
        .collect()
}

#[test]
fn repository_text_output_and_exit_code() {
    let out = run(&repo(), &["lint", "--no-config"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines = finding_lines(&out.stdout);
    assert!(
        lines.contains(&"API001 rules/aws/iam_create_user_presence.yml:17".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SIG001 rules/broken_syntax.yml")),
        "{lines:?}"
    );
    assert!(
        !out.stdout.contains("ignored/"),
        ".gitignore is honoured:\n{}",
        out.stdout
    );
    assert!(!out.stdout.contains("README"), "only YAML files are walked");
    assert!(out.stderr.contains("in 4 files"), "{}", out.stderr);
    common::settings(None).bind(|| {
        insta::assert_snapshot!("lint_repo_text", out.stdout);
        insta::assert_snapshot!("lint_repo_text_stderr", out.stderr);
    });
}

#[test]
fn clean_file_exits_zero() {
    let out = run(
        &repo(),
        &[
            "lint",
            "--no-config",
            "rules/aws/iam_create_user_context.yml",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("error"), "{}", out.stdout);
    assert!(out.stderr.contains("1 file (1 document)"), "{}", out.stderr);
}

#[test]
fn warnings_fail_only_with_strict() {
    let file = "rules/aws/console_login_draft.yml";
    let out = run(&repo(), &["lint", "--no-config", file]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("API004[unresolved-placeholder]"),
        "{}",
        out.stdout
    );
    let strict = run(&repo(), &["lint", "--no-config", "--strict", file]);
    assert_eq!(strict.code, 1, "{}{}", strict.stdout, strict.stderr);
}

#[test]
fn usage_errors_exit_two() {
    let missing = run(&repo(), &["lint", "--no-config", "rules", "no/such/dir"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("no/such/dir: no such file or folder"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());

    let twice = run_in(
        &repo(),
        &["lint", "--no-config", "-", "-"],
        Some("a: 1\n"),
        &[],
    );
    assert_eq!(twice.code, 2, "{}", twice.stderr);

    let unknown = run(&repo(), &["lint", "--no-config", "--select", "API01"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown check `API01` in --select"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("did you mean `API001`"),
        "{}",
        unknown.stderr
    );

    let bad_format = run(&repo(), &["lint", "--format", "xml"]);
    assert_eq!(bad_format.code, 2, "{}", bad_format.stderr);
}

#[test]
fn stdin_is_linted_as_dash() {
    let text = std::fs::read_to_string(repo().join("rules/aws/iam_create_user_presence.yml"))
        .expect("fixture");
    let out = run_in(&repo(), &["lint", "--no-config", "-"], Some(&text), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("-:17:16: API001[api-presence-only]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .filter(|l| is_finding_line(l))
            .all(|l| l.starts_with("-:"))
    );
    assert!(out.stderr.contains("1 file (1 document)"), "{}", out.stderr);
}

#[test]
fn hostile_files_are_findings_and_the_rest_is_linted() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    let presence =
        std::fs::read(repo().join("rules/aws/iam_create_user_presence.yml")).expect("fixture");
    std::fs::write(d.join("good.yml"), &presence).expect("write");
    std::fs::write(d.join("binary.yml"), b"\x7fELF\x02\x01\x01\x00\x00\x00").expect("write");
    std::fs::write(d.join("latin1.yml"), b"title: caf\xe9\n").expect("write");
    std::fs::write(d.join("empty.yml"), b"").expect("write");
    std::fs::write(d.join("comments.yml"), b"# only\n# comments\n").expect("write");
    std::fs::write(d.join("tabs.yml"), b"title: x\ndetection:\n\tsel: 1\n").expect("write");
    // 100 MB (sparse): refused by size before it is read.
    std::fs::File::create(d.join("huge.yml"))
        .expect("create")
        .set_len(100 * 1024 * 1024)
        .expect("set_len");
    std::fs::create_dir(d.join("dir.yml")).expect("mkdir");
    std::fs::write(d.join("dir.yml/inner.yml"), &presence).expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("loop.yml"), d.join("loop.yml")).expect("symlink");
    let out = run(d, &["lint", "--no-config", "."]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let lines = finding_lines(&out.stdout);
    for expected in [
        "SIG019 binary.yml:1",
        "SIG019 huge.yml:1",
        "SIG019 latin1.yml:1",
        "API001 good.yml:17",
        "API001 dir.yml/inner.yml:17",
    ] {
        assert!(
            lines.contains(&expected.to_owned()),
            "missing {expected}: {lines:?}"
        );
    }
    #[cfg(unix)]
    assert!(
        out.stdout
            .contains("loop.yml:1:1: SIG019[unreadable-file] cannot read file: symbolic link loop"),
        "{}",
        out.stdout
    );
    assert!(
        lines.iter().any(|l| l.starts_with("SIG001 tabs.yml")),
        "{lines:?}"
    );
    // Empty and comment-only files are readable YAML streams with no document: not SIG019 or
    // SIG001 (the engine may still say there is nothing to lint).
    assert!(
        !lines
            .iter()
            .any(|l| (l.starts_with("SIG019") || l.starts_with("SIG001"))
                && (l.contains("empty.yml") || l.contains("comments.yml"))),
        "{lines:?}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_finding() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().expect("tmp");
    let p = t.path().join("secret.yml");
    std::fs::write(&p, "title: x\n").expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&p).is_ok() {
        eprintln!("note: running as a user who can read mode-000 files (root); skipping");
        return;
    }
    let out = run(t.path(), &["lint", "--no-config"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("secret.yml:1:1: SIG019[unreadable-file] cannot read file"),
        "{}",
        out.stdout
    );
}

#[test]
fn excludes_and_check_selection() {
    let out = run(&repo(), &["lint", "--no-config", "--exclude", "rules/aws/"]);
    let lines = finding_lines(&out.stdout);
    assert!(
        lines.iter().all(|l| l.contains("broken_syntax")),
        "{lines:?}"
    );
    assert!(out.stderr.contains("in 1 file"), "{}", out.stderr);

    let out = run(
        &repo(),
        &[
            "lint",
            "--no-config",
            "--exclude",
            "*_syntax.yml",
            "--select",
            "SIG",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("API0"), "{}", out.stdout);

    let out = run(
        &repo(),
        &[
            "lint",
            "--no-config",
            "--ignore",
            "api-presence-only,SIG001",
        ],
    );
    let lines = finding_lines(&out.stdout);
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("API001") || l.starts_with("SIG001")),
        "{lines:?}"
    );
}

#[test]
fn quiet_colour_and_output_file() {
    let quiet = run(&repo(), &["--quiet", "lint", "--no-config"]);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    assert!(
        !quiet.stdout.contains('\x1b'),
        "no colour when not a terminal"
    );

    let always = run(&repo(), &["lint", "--no-config", "--color", "always"]);
    assert!(always.stdout.contains("\x1b["), "{}", always.stdout);
    let never = run_in(
        &repo(),
        &["lint", "--no-config", "--color", "auto"],
        None,
        &[("NO_COLOR", "1")],
    );
    assert!(!never.stdout.contains('\x1b'), "{}", never.stdout);

    let t = tempfile::tempdir().expect("tmp");
    let report = t.path().join("report.json");
    let out = run(
        &repo(),
        &[
            "lint",
            "--no-config",
            "--format",
            "json",
            "-o",
            report.to_str().expect("utf8 path"),
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert_eq!(json["version"], 1);
}

#[test]
fn rules_lists_every_check() {
    let out = run(&repo(), &["rules"]);
    assert_eq!(out.code, 0);
    let first = out.stdout.lines().next().expect("header");
    assert!(first.starts_with("CODE"), "{first}");
    for code in ["API001", "SIG001", "SIG019", "SIG000"] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(code)),
            "{code} missing"
        );
    }
    let json = run(&repo(), &["rules", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(rows.len(), out.stdout.lines().count() - 1);
    assert!(rows.iter().all(|r| r["code"].is_string()
        && r["name"].is_string()
        && ["error", "warning", "info"].contains(&r["severity"].as_str().unwrap_or(""))
        && r["summary"].is_string()));
}

#[test]
fn explain_prints_docs_or_suggests() {
    let by_code = run(&repo(), &["explain", "sig000"]);
    assert_eq!(by_code.code, 0);
    assert!(
        by_code.stdout.starts_with("SIG000 unused-suppression\n"),
        "{}",
        by_code.stdout
    );
    assert!(
        by_code.stdout.contains("## What it does"),
        "{}",
        by_code.stdout
    );
    let by_name = run(&repo(), &["explain", "unreadable-file"]);
    assert!(
        by_name.stdout.starts_with("SIG019 unreadable-file\n"),
        "{}",
        by_name.stdout
    );
    let unknown = run(&repo(), &["explain", "unreadable-fle"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown check `unreadable-fle`"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown
            .stderr
            .contains("did you mean SIG019 (unreadable-file)"),
        "{}",
        unknown.stderr
    );
}

/// Whether a text-output line is a finding header (`path:line:col: CODE[name] message`).
fn is_finding_line(line: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^\S+:\d+:\d+: [A-Z]+\d+\[[a-z0-9-]+\] ").expect("regex"))
        .is_match(line)
}

#[test]
fn changed_since_reports_changed_files_and_what_they_affect() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    let presence = std::fs::read_to_string(repo().join("rules/aws/iam_create_user_presence.yml"))
        .expect("fixture");
    let with_id = |id: &str, title: &str| {
        presence
            .replace("0b0c1c7e-7b1a-4c4e-9a57-1a2b3c4d5e6f", id)
            .replace("AWS IAM CreateUser Called", title)
    };
    std::fs::write(
        d.join("old.yml"),
        with_id("11111111-1111-4111-8111-111111111111", "Old"),
    )
    .expect("write");
    std::fs::write(
        d.join("edited.yml"),
        with_id("22222222-2222-4222-8222-222222222222", "Edited"),
    )
    .expect("write");
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);

    // Nothing changed: nothing reported, though both files have API001.
    let out = run(d, &["lint", "--no-config", "--changed-since", "HEAD"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(finding_lines(&out.stdout).is_empty(), "{}", out.stdout);

    // Edit one file; add a new one that reuses the unchanged file's id.
    std::fs::write(
        d.join("edited.yml"),
        with_id("22222222-2222-4222-8222-222222222222", "Edited Again"),
    )
    .expect("write");
    std::fs::write(
        d.join("new.yml"),
        with_id("11111111-1111-4111-8111-111111111111", "New"),
    )
    .expect("write");
    let out = run(
        d,
        &[
            "lint",
            "--no-config",
            "--select",
            "API001,SIG004",
            "--changed-since",
            "HEAD",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines = finding_lines(&out.stdout);
    assert!(
        lines.contains(&"API001 edited.yml:17".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"API001 new.yml:17".to_owned()), "{lines:?}");
    assert!(
        !lines.contains(&"API001 old.yml:17".to_owned()),
        "unchanged file: {lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("SIG004 new.yml")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("SIG004 old.yml")),
        "the duplicate in the unchanged file points at the new one: {lines:?}"
    );

    let bad = run(
        d,
        &["lint", "--no-config", "--changed-since", "no-such-rev"],
    );
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("--changed-since no-such-rev: unknown revision"),
        "{}",
        bad.stderr
    );
}

#[test]
fn docs_rules_md_is_current() {
    let path = common::repo_root().join("docs/rules.md");
    let generated = sigsmith::commands::rules::rules_markdown();
    if std::env::var_os("SIGSMITH_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/rules.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale; run `SIGSMITH_UPDATE_SCHEMAS=1 cargo test --test cli_lint`"
    );
    for m in sigsmith::checks::all() {
        assert!(
            committed.contains(&format!("<a id=\"{}\"></a>", m.code.to_ascii_lowercase())),
            "{} has no anchor",
            m.code
        );
    }
}

#[test]
fn lint_help_snapshot() {
    let out = run(&repo(), &["lint", "--help"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("--changed-since <REV>"),
        "{}",
        out.stdout
    );
    common::settings(None).bind(|| insta::assert_snapshot!("lint_help", out.stdout));
}
