//! Hardening (issue 12), through the real binary: writes never leave the output folder, output
//! never executes text from rules or bundles, git questions go to the linted path's own
//! repository, and work stays linear in the input. No test is timed: bounds are asserted by
//! counts and limits; a generous timeout only keeps a regression from hanging the suite.
#![cfg(unix)]

use std::io::Read as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

const DATE: &str = "2025-01-01";

/// A rule with a condition that does not parse: an error finding in any setup.
const BROKEN: &str = "title: Broken\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: X\n  condition: selection and\n";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir`, killing it after 120 s (a hang is a failure, not a timing).
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut child = common::sigsmith(args)
        .dir(dir)
        .no_color()
        .env_remove(&["SIGSMITH_ATTACK", "GITHUB_WORKSPACE"])
        .spawn();
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("sigsmith {args:?} did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&t_out.join().expect("join")).into_owned(),
        stderr: String::from_utf8_lossy(&t_err.join().expect("join")).into_owned(),
    }
}

use common::{commit_all, git, git_init, write};

/// Every path under `dir`, relative, sorted (links not followed).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.expect("entry").path();
            out.push(p.strip_prefix(dir).expect("prefix").display().to_string());
            if p.symlink_metadata().expect("meta").is_dir() {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

fn json_findings(r: &Run) -> Vec<Value> {
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("json: {e}\n{}\n{}", r.stdout, r.stderr));
    v["findings"].as_array().expect("findings").clone()
}

fn finding_paths(r: &Run) -> Vec<String> {
    let mut p: Vec<String> = json_findings(r)
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_owned())
        .collect();
    p.sort();
    p.dedup();
    p
}

// ---------------------------------------------------------------------------------------------
// Writes stay inside the output folder.

#[test]
fn new_out_refuses_a_family_folder_linked_outside() {
    let t = tempfile::tempdir().expect("tmp");
    let outside = t.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    let out = t.path().join("drafts");
    std::fs::create_dir(&out).expect("mkdir");
    symlink(&outside, out.join("cloud-api-audit")).expect("link");
    for force in [false, true] {
        let mut args = vec!["new", "DET0078", "--out", "drafts", "--date", DATE];
        if force {
            args.push("--force");
        }
        let r = run_in(t.path(), &args);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(
            r.stderr.contains("symbolic link") && r.stderr.contains("outside the output folder"),
            "{}",
            r.stderr
        );
        assert!(listing(&outside).is_empty(), "{:?}", listing(&outside));
        assert_eq!(listing(&out), ["cloud-api-audit"]);
    }
}

#[test]
fn force_never_replaces_a_file_outside_out() {
    let t = tempfile::tempdir().expect("tmp");
    let outside = t.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    write(&outside, "det0078_aws_cloudtrail.yml", "precious\n");
    let out = t.path().join("drafts");
    std::fs::create_dir(&out).expect("mkdir");
    symlink(&outside, out.join("cloud-api-audit")).expect("link");
    let r = run_in(
        t.path(),
        &[
            "new",
            "DET0078",
            "--target",
            "aws-cloudtrail",
            "--out",
            "drafts",
            "--force",
            "--date",
            DATE,
        ],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(outside.join("det0078_aws_cloudtrail.yml")).expect("read"),
        "precious\n"
    );

    // A draft file that is itself a link to a file outside: --force replaces the link, never
    // the file it points to.
    std::fs::remove_file(out.join("cloud-api-audit")).expect("rm link");
    std::fs::create_dir(out.join("cloud-api-audit")).expect("mkdir");
    symlink(
        outside.join("det0078_aws_cloudtrail.yml"),
        out.join("cloud-api-audit/det0078_aws_cloudtrail.yml"),
    )
    .expect("link");
    let args = [
        "new",
        "DET0078",
        "--target",
        "aws-cloudtrail",
        "--out",
        "drafts",
        "--date",
        DATE,
    ];
    let r = run_in(t.path(), &args);
    assert_eq!(
        r.code,
        Some(2),
        "without --force the link is an existing file"
    );
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    let mut forced = args.to_vec();
    forced.push("--force");
    let r = run_in(t.path(), &forced);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(outside.join("det0078_aws_cloudtrail.yml")).expect("read"),
        "precious\n"
    );
    let draft = out.join("cloud-api-audit/det0078_aws_cloudtrail.yml");
    assert!(
        !draft
            .symlink_metadata()
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(draft)
            .expect("read")
            .contains("title:")
    );
}

#[test]
fn links_inside_out_and_a_linked_out_are_followed() {
    let t = tempfile::tempdir().expect("tmp");
    let real = t.path().join("real-drafts");
    std::fs::create_dir_all(real.join("shared")).expect("mkdir");
    symlink(&real, t.path().join("drafts")).expect("link out");
    symlink(real.join("shared"), real.join("cloud-api-audit")).expect("link family");
    let r = run_in(
        t.path(),
        &[
            "new",
            "DET0078",
            "--target",
            "aws-cloudtrail",
            "--out",
            "drafts",
            "--date",
            DATE,
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(real.join("shared/det0078_aws_cloudtrail.yml").is_file());
}

#[test]
fn dangling_and_looping_family_links_are_clear_errors() {
    let t = tempfile::tempdir().expect("tmp");
    let out = t.path().join("drafts");
    std::fs::create_dir(&out).expect("mkdir");
    symlink(t.path().join("gone"), out.join("cloud-api-audit")).expect("link");
    let r = run_in(
        t.path(),
        &["new", "DET0078", "--out", "drafts", "--date", DATE],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("dangling symbolic link"), "{}", r.stderr);
    assert!(!t.path().join("gone").exists());
    std::fs::remove_file(out.join("cloud-api-audit")).expect("rm");
    symlink(out.join("cloud-api-audit"), out.join("cloud-api-audit")).expect("loop");
    let r = run_in(
        t.path(),
        &["new", "DET0078", "--out", "drafts", "--date", DATE],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("symbolic link loop"), "{}", r.stderr);
    assert_eq!(listing(&out), ["cloud-api-audit"]);
}

/// The mini mobile bundle plus a second strategy whose draft names collide with DET9001's:
/// `DET9001-` and `DET9001` both give `det9001_an9001_unmapped.yml`.
fn colliding_bundle(dir: &Path) -> PathBuf {
    let path = common::repo_root().join("tests/fixtures/attack/mini-mobile-bundle.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
    let objects = v["objects"].as_array_mut().expect("objects");
    let mut twin = objects
        .iter()
        .find(|o| o["id"] == "x-mitre-detection-strategy--00000000-0000-4000-8000-000000000040")
        .expect("DET9001")
        .clone();
    twin["id"] = "x-mitre-detection-strategy--00000000-0000-4000-8000-000000000049".into();
    twin["external_references"][0]["external_id"] = "DET9001-".into();
    objects.push(twin);
    let out = dir.join("colliding.json");
    std::fs::write(&out, serde_json::to_vec(&v).expect("json")).expect("write");
    out
}

#[test]
fn colliding_draft_names_are_refused_before_anything_is_written() {
    let t = tempfile::tempdir().expect("tmp");
    let bundle = colliding_bundle(t.path());
    let b = bundle.to_str().expect("utf8");
    for force in [false, true] {
        let mut args = vec![
            "new", "DET9001", "DET9001-", "--attack", b, "--out", "drafts", "--date", DATE,
        ];
        if force {
            args.push("--force");
        }
        let r = run_in(t.path(), &args);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(
            r.stderr.contains("DET9001/an9001-unmapped")
                && r.stderr.contains("DET9001-/an9001-unmapped")
                && r.stderr.contains("det9001_an9001_unmapped.yml"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("File exists"), "{}", r.stderr);
        // No folder, empty or not, is left behind.
        assert!(!t.path().join("drafts").exists());
    }
    // Each one alone is fine.
    let r = run_in(
        t.path(),
        &[
            "new", "DET9001-", "--attack", b, "--out", "drafts", "--date", DATE,
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn init_is_all_or_nothing_with_a_dangling_link_in_the_way() {
    let t = tempfile::tempdir().expect("tmp");
    let repo = t.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    // The last file init plans (the example draft under rules/) is a dangling link.
    symlink(t.path().join("nowhere"), repo.join("rules")).expect("link");
    let before = listing(&repo);
    let r = run_in(t.path(), &["init", "repo"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("dangling symbolic link"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert_eq!(listing(&repo), before);
    assert!(!t.path().join("nowhere").exists());

    // A dangling link where a file goes.
    std::fs::remove_file(repo.join("rules")).expect("rm");
    symlink(t.path().join("nowhere.toml"), repo.join("sigsmith.toml")).expect("link");
    let before = listing(&repo);
    let r = run_in(t.path(), &["init", "repo"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("dangling symbolic link"), "{}", r.stderr);
    assert_eq!(listing(&repo), before);
    assert!(!t.path().join("nowhere.toml").exists());
}

#[test]
fn init_never_writes_through_a_link_out_of_the_folder() {
    let t = tempfile::tempdir().expect("tmp");
    let outside = t.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    let repo = t.path().join("repo");
    std::fs::create_dir(&repo).expect("mkdir");
    symlink(&outside, repo.join(".github")).expect("link");
    let r = run_in(t.path(), &["init", "repo"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(listing(&outside).is_empty());
    assert_eq!(listing(&repo), [".github"]);
}

#[test]
fn file_size_limit_is_an_error_with_cleanup_not_a_signal() {
    let t = tempfile::tempdir().expect("tmp");
    // No `trap '' XFSZ`: sigsmith itself must survive SIGXFSZ. 2 blocks of 512 bytes is
    // smaller than any draft.
    let o: Output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 2 || exit 99; exec \"$0\" new --all --out \"$1\" --date 2025-01-01")
        .arg(common::bin())
        .arg(t.path().join("drafts"))
        .output()
        .expect("sh");
    if o.status.code() == Some(99) {
        eprintln!("note: cannot set a file size limit here; skipping");
        return;
    }
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "killed by a signal? {stderr}");
    assert!(
        stderr.contains("File too large") || stderr.contains("file too large"),
        "{stderr}"
    );
    assert!(!t.path().join("drafts").exists(), "{:?}", listing(t.path()));
}

// ---------------------------------------------------------------------------------------------
// Terminal injection.

const HOSTILE_TITLE: &str =
    "Evil \u{1b}]52;c;ZXZpbA==\u{7} \u{1b}[2A\u{1b}[2K \u{9b}31m \u{202e}txt";

/// A character a terminal would act on (bidi overrides included); newline and tab are layout.
fn raw_control(c: char) -> bool {
    let control = c.is_control() && c != '\n' && c != '\t';
    control || matches!(c, '\u{202a}'..='\u{202e}')
}

fn assert_no_raw_controls(s: &str) {
    for (i, c) in s.char_indices() {
        assert!(!raw_control(c), "raw control {c:?} at byte {i} in {s:?}");
    }
}

fn hostile_repo(dir: &Path) {
    // A duplicate title (so the title reaches a message) and a key with a newline that tries
    // to forge a finding line.
    let rule = |id: &str| {
        format!(
            "title: \"{}\"\nid: {id}\nstatus: test\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: X\n  \"forged\\nrules/fake.yml:1:1: API001[api-presence-only] all clear\": 1\n  condition: selection\nlevel: low\n",
            HOSTILE_TITLE
                .replace('\u{1b}', "\\e")
                .replace('\u{7}', "\\a")
                .replace('\u{9b}', "\\x9b")
                .replace('\u{202e}', "\\u202e")
        )
    };
    write(
        dir,
        "rules/a.yml",
        &rule("5d2b6b1e-0000-4000-8000-000000000001"),
    );
    write(
        dir,
        "rules/b.yml",
        &rule("5d2b6b1e-0000-4000-8000-000000000002"),
    );
    write(dir, "rules/evil\u{1b}[31m.yml", BROKEN);
}

#[test]
fn lint_text_and_github_output_escape_control_characters() {
    let t = tempfile::tempdir().expect("tmp");
    hostile_repo(t.path());
    for format in ["text", "concise", "github"] {
        let r = run_in(
            t.path(),
            &["lint", "--no-config", "--format", format, "rules"],
        );
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert_no_raw_controls(&r.stdout);
        assert_no_raw_controls(&r.stderr);
        assert!(r.stdout.contains("\\x1b"), "{format}: {}", r.stdout);
        // Every line that looks like a finding starts with a real path.
        for line in r.stdout.lines() {
            assert!(
                !line.starts_with("rules/fake.yml"),
                "{format}: forged line {line:?}"
            );
        }
    }
    // The structured formats keep the text as it is (escaped by JSON).
    let r = run_in(
        t.path(),
        &["lint", "--no-config", "--format", "json", "rules"],
    );
    assert!(r.stdout.contains("\\u001b"), "{}", r.stdout);
}

#[test]
fn show_and_strategies_escape_bundle_text() {
    let t = tempfile::tempdir().expect("tmp");
    let path = common::repo_root().join("tests/fixtures/attack/mini-mobile-bundle.json");
    let text = std::fs::read_to_string(path).expect("read");
    let evil = text
        .replace(
            "\"Active strategy\"",
            "\"Active \\u001b]52;c;ZXZpbA==\\u0007 \\u001b[1A\\u009b\\u202e\\nDET0000 forged row\"",
        )
        .replace(
            "Watch notification listener registration.",
            "Watch \\u001b[2J\\u001b[H registration.",
        );
    assert_ne!(evil, text);
    std::fs::write(t.path().join("evil.json"), evil).expect("write");
    for args in [
        vec!["show", "DET9001", "--attack", "evil.json"],
        vec!["strategies", "--attack", "evil.json"],
    ] {
        let r = run_in(t.path(), &args);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_no_raw_controls(&r.stdout);
        assert!(r.stdout.contains("\\x1b]52"), "{}", r.stdout);
    }
    let r = run_in(t.path(), &["strategies", "--attack", "evil.json"]);
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("DET0000")),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// The right repository.

#[test]
fn changed_since_asks_the_linted_paths_own_repository() {
    let t = tempfile::tempdir().expect("tmp");
    let here = t.path().join("here");
    let other = t.path().join("other");
    git_init(&here);
    commit_all(&here, "c");
    git_init(&other);
    write(&other, "rules/old.yml", &BROKEN.replace("Broken", "Old"));
    commit_all(&other, "c");
    write(&other, "rules/new.yml", BROKEN);
    // `lint ../other` from another repository.
    let r = run_in(
        &here,
        &[
            "lint",
            "--no-config",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
            "../other",
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(finding_paths(&r), ["../other/rules/new.yml"]);
    // An absolute path from a folder outside any repository.
    let abs = other.to_str().expect("utf8");
    let r = run_in(
        t.path(),
        &[
            "lint",
            "--no-config",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
            abs,
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        finding_paths(&r),
        [format!("{abs}/rules/new.yml")],
        "{}",
        r.stdout
    );
    assert!(!r.stderr.contains("not a git repository"), "{}", r.stderr);
    // From a subfolder: a new untracked rule is seen.
    let r = run_in(
        &other.join("rules"),
        &[
            "lint",
            "--no-config",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(finding_paths(&r), ["new.yml"]);
    // Outside any repository: a clear error naming the path.
    let plain = t.path().join("plain");
    write(&plain, "r.yml", BROKEN);
    let r = run_in(
        t.path(),
        &["lint", "--no-config", "--changed-since", "HEAD", "plain"],
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("plain is not inside a git repository"),
        "{}",
        r.stderr
    );
}

#[test]
fn changed_since_in_a_submodule() {
    let t = tempfile::tempdir().expect("tmp");
    let sub_src = t.path().join("sub-src");
    git_init(&sub_src);
    write(&sub_src, "rules/old.yml", &BROKEN.replace("Broken", "Old"));
    commit_all(&sub_src, "c");
    let sup = t.path().join("super");
    git_init(&sup);
    git(
        &sup,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub_src.to_str().expect("utf8"),
            "vendor",
        ],
    );
    commit_all(&sup, "c");
    write(&sup, "vendor/rules/new.yml", BROKEN);
    let r = run_in(
        &sup,
        &[
            "lint",
            "--no-config",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
            "vendor",
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(finding_paths(&r), ["vendor/rules/new.yml"]);
}

#[test]
fn tracked_files_are_linted_whatever_the_ignore_files_say() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    git_init(d);
    write(d, ".gitignore", "gitignored/\n");
    write(d, ".ignore", "dotignored.yml\n");
    write(d, ".git/info/exclude", "excluded/\n");
    write(d, "gitignored/a.yml", BROKEN);
    write(d, "dotignored.yml", BROKEN);
    write(d, "excluded/c.yml", BROKEN);
    write(d, ".hidden/d.yml", BROKEN);
    commit_all(d, "c");
    // Untracked files in ignored places stay ignored.
    write(d, "gitignored/untracked.yml", BROKEN);
    write(d, "excluded/untracked.yml", BROKEN);
    let r = run_in(d, &["lint", "--no-config", "--format", "json"]);
    assert_eq!(
        finding_paths(&r),
        [
            ".hidden/d.yml",
            "dotignored.yml",
            "excluded/c.yml",
            "gitignored/a.yml"
        ],
        "{}",
        r.stderr
    );
}

#[test]
fn hidden_folders_are_linted_outside_a_repository_too() {
    let t = tempfile::tempdir().expect("tmp");
    write(t.path(), ".rules/x.yml", BROKEN);
    let r = run_in(t.path(), &["lint", "--no-config", "--format", "json", "."]);
    assert_eq!(finding_paths(&r), [".rules/x.yml"]);
}

#[test]
fn config_discovery_stops_at_the_repository_root() {
    let t = tempfile::tempdir().expect("tmp");
    write(t.path(), "sigsmith.toml", "exclude = [\"**\"]\n");
    let repo = t.path().join("repo");
    git_init(&repo);
    write(&repo, "rules/r.yml", BROKEN);
    let r = run_in(&repo, &["lint", "--format", "json"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(finding_paths(&r), ["rules/r.yml"]);
    // Inside the repository a configuration still applies.
    write(&repo, ".sigsmith.toml", "exclude = [\"rules/\"]\n");
    let r = run_in(&repo.join("rules"), &["lint", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn github_annotation_paths_are_relative_to_the_repository_root() {
    let t = tempfile::tempdir().expect("tmp");
    let repo = t.path().join("repo");
    git_init(&repo);
    write(&repo, "detections/cloud/r.yml", BROKEN);
    let r = run_in(
        &repo.join("detections"),
        &["lint", "--no-config", "--format", "github", "cloud"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stdout.contains("file=detections/cloud/r.yml,"),
        "{}",
        r.stdout
    );
    // The text format keeps paths as given.
    let r = run_in(&repo.join("detections"), &["lint", "--no-config", "cloud"]);
    assert!(r.stdout.starts_with("cloud/r.yml:"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// Linear bounds.

#[test]
fn duplicate_ids_and_titles_list_a_bounded_number_of_related_locations() {
    let t = tempfile::tempdir().expect("tmp");
    let mut text = String::new();
    let n = 2_000;
    for i in 0..n {
        text.push_str(&format!(
            "---\ntitle: Same title\nid: 5d2b6b1e-0000-4000-8000-000000000001\nstatus: test\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: E{i}\n    userIdentity.arn: a\n  condition: selection\nlevel: low\n"
        ));
    }
    write(t.path(), "many.yml", &text);
    let r = run_in(
        t.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "duplicate-id,duplicate-title",
            "--format",
            "json",
            "many.yml",
        ],
    );
    let findings = json_findings(&r);
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    for f in &findings {
        *by_code
            .entry(f["code"].as_str().expect("code").to_owned())
            .or_default() += 1;
        let related = f["related"].as_array().expect("related");
        assert!(related.len() <= 10, "{} related", related.len());
        assert_eq!(related.len(), 10);
        let m = f["message"].as_str().expect("message");
        assert!(m.contains("2000"), "{m}");
        assert!(m.contains("10 of the others are listed"), "{m}");
    }
    assert_eq!(
        by_code.values().copied().collect::<Vec<_>>(),
        [n, n],
        "{by_code:?}"
    );
}

#[test]
fn forty_thousand_suppression_comments() {
    let t = tempfile::tempdir().expect("tmp");
    let mut text = String::from(
        "title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: X\n  condition: selection\n",
    );
    for _ in 0..40_000 {
        text.push_str("# sigsmith: ignore[SIG001] stale\n");
    }
    text.push_str("level: low\n");
    write(t.path(), "r.yml", &text);
    let r = run_in(
        t.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "SIG,API",
            "--format",
            "json",
            "r.yml",
        ],
    );
    let unused = json_findings(&r)
        .iter()
        .filter(|f| f["name"] == "unused-suppression")
        .count();
    assert!(unused > 0, "{}", r.stderr);
}

fn bundle_with(objects: Vec<Value>) -> Value {
    let mut all = vec![serde_json::json!({
        "type": "x-mitre-collection",
        "id": "x-mitre-collection--00000000-0000-4000-8000-000000000002",
        "name": "t",
        "x_mitre_domains": ["mobile-attack"],
    })];
    all.extend(objects);
    serde_json::json!({"type": "bundle", "id": "bundle--1", "objects": all})
}

fn strategy(n: usize, refs: Vec<String>) -> Value {
    serde_json::json!({
        "type": "x-mitre-detection-strategy",
        "id": format!("x-mitre-detection-strategy--00000000-0000-4000-8000-{n:012}"),
        "name": format!("S{n}"),
        "x_mitre_domains": ["mobile-attack"],
        "x_mitre_analytic_refs": refs,
        "external_references": [{"source_name": "mitre-attack", "external_id": format!("DET{n:05}")}],
    })
}

fn analytic_ref() -> String {
    "x-mitre-analytic--00000000-0000-4000-8000-000000000050".to_owned()
}

fn strategies_with(dir: &Path, name: &str, bundle: &Value) -> Run {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(bundle).expect("json")).expect("write");
    run_in(dir, &["strategies", "--attack", name, "--format", "json"])
}

#[test]
fn stix_limits_fail_with_clear_errors() {
    let t = tempfile::tempdir().expect("tmp");
    // One analytic referenced 6,000 times by one strategy.
    let b = bundle_with(vec![strategy(1, vec![analytic_ref(); 6_000])]);
    let r = strategies_with(t.path(), "refs.json", &b);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("x_mitre_analytic_refs") && r.stderr.contains("limit"),
        "{}",
        r.stderr
    );
    // One analytic referenced by 6,000 strategies.
    let b = bundle_with(
        (0..6_000)
            .map(|i| strategy(i, vec![analytic_ref()]))
            .collect(),
    );
    let r = strategies_with(t.path(), "referrers.json", &b);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("referenced by more than 100"),
        "{}",
        r.stderr
    );
    // 40,000 strategies.
    let b = bundle_with((0..40_000).map(|i| strategy(i, Vec::new())).collect());
    let r = strategies_with(t.path(), "strategies.json", &b);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("more than 20000 detection strategies"),
        "{}",
        r.stderr
    );
    // 10^6 objects.
    let mut text = String::from("{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[");
    for i in 0..1_000_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"type\":\"identity\",\"id\":\"identity--{i}\"}}"
        ));
    }
    text.push_str("]}");
    std::fs::write(t.path().join("objects.json"), text).expect("write");
    let r = run_in(t.path(), &["strategies", "--attack", "objects.json"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("more than 500000 objects"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("objects.json"), "{}", r.stderr);
}

#[test]
fn attack_dev_zero_fails_fast_with_a_clear_error() {
    let t = tempfile::tempdir().expect("tmp");
    let r = run_in(t.path(), &["strategies", "--attack", "/dev/zero"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("/dev/zero") && r.stderr.contains("not a STIX bundle"),
        "{}",
        r.stderr
    );
    let r = run_in(
        t.path(),
        &["lint", "--no-config", "--attack", "/dev/zero", "."],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Templates and configurations.

const TEMPLATE: &str = "cloud-api-audit.yml.j2";

fn templates_run(dir: &Path, templates: &str) -> Run {
    run_in(
        dir,
        &[
            "new",
            "DET0078",
            "--target",
            "aws-cloudtrail",
            "--templates",
            templates,
            "--date",
            DATE,
        ],
    )
}

#[test]
fn template_fuel_stops_nested_loops() {
    let t = tempfile::tempdir().expect("tmp");
    write(
        t.path(),
        &format!("tpl/{TEMPLATE}"),
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n",
    );
    let r = templates_run(t.path(), "tpl");
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("ran out of fuel"), "{}", r.stderr);
}

#[test]
fn template_huge_output_is_an_error_not_an_abort() {
    let t = tempfile::tempdir().expect("tmp");
    for body in [
        "{{ 'x' * 99999999 }}\n",
        "{% for i in range(100000) %}{{ 'yyyyyyyyyy' * 100000 }}{% endfor %}\n",
    ] {
        write(t.path(), &format!("tpl/{TEMPLATE}"), body);
        let r = templates_run(t.path(), "tpl");
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("KiB"), "{}", r.stderr);
    }
}

#[test]
fn template_links_fifos_and_loops_are_clear_errors() {
    let t = tempfile::tempdir().expect("tmp");
    let tpl = t.path().join("tpl");
    std::fs::create_dir(&tpl).expect("mkdir");
    write(t.path(), "outside.j2", "title: x\n");
    symlink(t.path().join("outside.j2"), tpl.join(TEMPLATE)).expect("link");
    let r = templates_run(t.path(), "tpl");
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("outside the templates folder"),
        "{}",
        r.stderr
    );

    std::fs::remove_file(tpl.join(TEMPLATE)).expect("rm");
    symlink(tpl.join(TEMPLATE), tpl.join(TEMPLATE)).expect("loop");
    let r = templates_run(t.path(), "tpl");
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link loop"), "{}", r.stderr);

    std::fs::remove_file(tpl.join(TEMPLATE)).expect("rm");
    let fifo = Command::new("mkfifo")
        .arg(tpl.join(TEMPLATE))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let r = templates_run(t.path(), "tpl");
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);

    // A link to a template inside the folder is fine.
    std::fs::remove_file(tpl.join(TEMPLATE)).expect("rm");
    let builtin = common::repo_root().join("rule-templates").join(TEMPLATE);
    if builtin.is_file() {
        std::fs::copy(&builtin, tpl.join("real.j2.txt")).expect("copy");
        symlink(tpl.join("real.j2.txt"), tpl.join(TEMPLATE)).expect("link");
        let r = templates_run(t.path(), "tpl");
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }
}

#[test]
fn config_fifos_loops_and_dangling_links_are_clear_errors() {
    let t = tempfile::tempdir().expect("tmp");
    write(t.path(), "rules/r.yml", BROKEN);
    let fifo = Command::new("mkfifo")
        .arg(t.path().join("sigsmith.toml"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    for args in [vec!["lint"], vec!["lint", "--config", "sigsmith.toml"]] {
        let r = run_in(t.path(), &args);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
    }
    std::fs::remove_file(t.path().join("sigsmith.toml")).expect("rm");
    symlink(
        t.path().join("sigsmith.toml"),
        t.path().join("sigsmith.toml"),
    )
    .expect("loop");
    let r = run_in(t.path(), &["lint"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link loop"), "{}", r.stderr);
    std::fs::remove_file(t.path().join("sigsmith.toml")).expect("rm");
    symlink(t.path().join("gone.toml"), t.path().join(".sigsmith.toml")).expect("dangling");
    let r = run_in(t.path(), &["lint"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("dangling symbolic link"), "{}", r.stderr);
}

#[test]
fn repeated_analytic_references_count_once() {
    let t = tempfile::tempdir().expect("tmp");
    let analytic = serde_json::json!({
        "type": "x-mitre-analytic",
        "id": analytic_ref(),
        "name": "A",
        "x_mitre_platforms": ["Android"],
        "x_mitre_log_source_references": [{"name": "android:api", "channel": "x"}],
        "external_references": [{"source_name": "mitre-attack", "external_id": "AN09001"}],
    });
    // 100 strategies (the referrer limit), each listing the analytic 1,000 times (the list
    // limit): each strategy gets one target, not 1,000 (nor 1,000² name comparisons).
    let mut objects = vec![analytic];
    objects.extend((0..100).map(|i| strategy(i, vec![analytic_ref(); 1_000])));
    let r = strategies_with(t.path(), "repeated.json", &bundle_with(objects));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let imported: Vec<&Value> = v["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .filter(|s| s["id"].as_str().is_some_and(|id| id.starts_with("DET000")))
        .collect();
    assert_eq!(imported.len(), 100);
    for s in imported {
        assert_eq!(s["targets"].as_array().expect("targets").len(), 1, "{s}");
    }
}

#[test]
fn a_discovered_config_linked_out_of_the_repository_is_refused() {
    let t = tempfile::tempdir().expect("tmp");
    write(t.path(), "elsewhere/secret.toml", "exclude = [\"**\"]\n");
    let repo = t.path().join("repo");
    git_init(&repo);
    write(&repo, "rules/r.yml", BROKEN);
    symlink(
        t.path().join("elsewhere/secret.toml"),
        repo.join("sigsmith.toml"),
    )
    .expect("link");
    let r = run_in(&repo, &["lint"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("outside"), "{}", r.stderr);
    // Named explicitly, it is the user's choice.
    let r = run_in(&repo, &["lint", "--config", "sigsmith.toml"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // A link inside the repository is fine.
    write(&repo, "config/sigsmith.toml", "exclude = [\"**\"]\n");
    std::fs::remove_file(repo.join("sigsmith.toml")).expect("rm");
    symlink(
        repo.join("config/sigsmith.toml"),
        repo.join("sigsmith.toml"),
    )
    .expect("link");
    let r = run_in(&repo, &["lint"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}
