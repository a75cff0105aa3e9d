//! Hostile input through the real `sigsmith lint` binary. Each test lints a temporary folder
//! holding one strange file next to an ordinary broken rule, and checks that:
//! the strange file gets a clear finding naming it (and its line, where there is one); the
//! ordinary rule's finding is still reported; the exit code is the documented one (1: error
//! findings); nothing panics or aborts; and the run ends quickly.
//!
//! The loader's limits (see `sigsmith::yaml` and `sigsmith::discover`): files up to
//! 16 MiB, YAML nesting up to 128 levels, 1,000,000 nodes per file, 10,000 nodes produced by
//! alias expansion; conditions nest up to 64 levels of parentheses/`not`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

/// No hostile file may take longer than this (debug build, 2 shared cores).
const DEADLINE: Duration = Duration::from_secs(60);

const ORDINARY: &str = "\
title: Ordinary rule with a typo in its condition
id: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11
status: test
description: the finding every run must still report
author: sigsmith tests
date: 2025-01-01
logsource: {product: windows, category: process_creation}
detection:
  selection: {Image|endswith: '\\\\evil.exe'}
  condition: selektion
level: medium
";

struct Run {
    code: Option<i32>,
    stderr: String,
    findings: Vec<Value>,
    summary: Value,
}

impl Run {
    fn find(&self, path: &str, code: &str) -> Option<&Value> {
        self.findings
            .iter()
            .find(|f| f["path"] == path && f["code"] == code)
    }

    /// The finding `code` on `path`, with its message containing `needle`.
    fn expect(&self, path: &str, code: &str, needle: &str) -> &Value {
        let f = self.find(path, code).unwrap_or_else(|| {
            panic!(
                "no {code} on {path}; findings: {:#?}\nstderr: {}",
                self.findings, self.stderr
            )
        });
        let message = f["message"].as_str().expect("message");
        assert!(message.contains(needle), "{code} {path}: {message}");
        f
    }
}

/// A temporary folder holding `ordinary.yml`.
fn folder() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tmp");
    std::fs::write(t.path().join("ordinary.yml"), ORDINARY).expect("write");
    t
}

/// `sigsmith lint --format json ARGS` in `dir`, killed after [`DEADLINE`]; `pre` may wrap the
/// binary in a shell command (for resource limits).
fn lint_with(dir: &Path, args: &[&str], shell_prefix: Option<&str>) -> Run {
    let mut cmd = match shell_prefix {
        Some(prefix) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{prefix}; exec \"$0\" \"$@\""))
                .arg(common::bin());
            c
        }
        None => Command::new(common::bin()),
    };
    cmd.current_dir(dir)
        .args(["lint", "--no-config", "--format", "json"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn sigsmith");
    // Read both pipes on threads so a large report cannot block the child.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out_pipe, &mut s).expect("read stdout");
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err_pipe, &mut s).expect("read stderr");
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sigsmith lint {args:?} did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_t.join().expect("stdout thread");
    let stderr = err_t.join().expect("stderr thread");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains("stack overflow") && !stderr.contains("memory allocation"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {stdout}\nstderr: {stderr}"));
    let run = Run {
        code: status.code(),
        stderr,
        findings: report["findings"].as_array().cloned().unwrap_or_default(),
        summary: report["summary"].clone(),
    };
    // The ordinary rule is always linted, whatever sits next to it.
    let f = run.expect("ordinary.yml", "SIG006", "selektion");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(10), Some(14))
    );
    assert_eq!(run.code, Some(1), "{:#?}\n{}", run.findings, run.stderr);
    run
}

fn lint(dir: &Path) -> Run {
    lint_with(dir, &["."], None)
}

fn line(f: &Value) -> u64 {
    f["line"].as_u64().expect("line")
}

#[test]
fn alias_bomb_is_cut_off() {
    let t = folder();
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    std::fs::write(t.path().join("bomb.yml"), text).expect("write");
    let run = lint(t.path());
    let f = run.expect("bomb.yml", "SIG001", "alias expansion exceeds 10000 nodes");
    // The expansion passes the limit on the line of the fourth anchor (10^4 nodes).
    assert_eq!(line(f), 4);
}

#[test]
fn nesting_ten_thousand_levels_deep() {
    let t = folder();
    let flow_seq = format!(
        "title: x\ndetection: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let flow_map = format!(
        "title: x\ndetection: {}1{}\n",
        "{a: ".repeat(10_000),
        "}".repeat(10_000)
    );
    // Block style: a compact nested sequence, `- - - ... x`, 10,000 levels on one line.
    let block = format!(
        "title: x\ndetection:\n  sel:\n    {}x\n",
        "- ".repeat(10_000)
    );
    std::fs::write(t.path().join("flow_seq.yml"), flow_seq).expect("write");
    std::fs::write(t.path().join("flow_map.yml"), flow_map).expect("write");
    std::fs::write(t.path().join("block.yml"), block).expect("write");
    let run = lint(t.path());
    for name in ["flow_seq.yml", "flow_map.yml", "block.yml"] {
        let f = run.expect(name, "SIG001", "nesting");
        assert!(line(f) >= 2 && line(f) <= 4, "{f}");
    }
}

#[cfg(unix)]
#[test]
fn hundred_megabyte_file_is_refused_with_bounded_memory() {
    use std::io::Write as _;
    let t = folder();
    let path = t.path().join("huge.yml");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    w.write_all(ORDINARY.as_bytes()).expect("write");
    let comment = format!("# {}\n", "x".repeat(97));
    while w.get_ref().metadata().expect("meta").len() < 100_000_000 {
        for _ in 0..10_000 {
            w.write_all(comment.as_bytes()).expect("write");
        }
        w.flush().expect("flush");
    }
    drop(w);
    // 80 MiB of address space for the whole process, less than the file: it must never be
    // loaded whole.
    let start = Instant::now();
    let run = lint_with(t.path(), &["."], Some("ulimit -v 81920"));
    run.expect("huge.yml", "SIG019", "larger than the 16 MiB limit");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Counted as a file, read no further: only the ordinary rule's document was parsed.
    assert_eq!(
        (&run.summary["files"], &run.summary["documents"]),
        (&Value::from(2), &Value::from(1)),
        "{}",
        run.summary
    );
}

#[test]
fn binary_file_with_a_yml_name() {
    let t = folder();
    let mut elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    elf.extend((0..=255u8).cycle().take(4096));
    std::fs::write(t.path().join("program.yml"), elf).expect("write");
    let run = lint(t.path());
    let f = run.expect("program.yml", "SIG019", "binary file");
    assert_eq!(line(f), 1);
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let t = folder();
    std::fs::write(
        t.path().join("latin1.yml"),
        b"title: ok\ndescription: fine\nauthor: Ren\xe9\n",
    )
    .expect("write");
    let run = lint(t.path());
    let f = run.expect("latin1.yml", "SIG019", "not valid UTF-8 (byte 0xE9)");
    assert_eq!((line(f), f["column"].as_u64()), (3, Some(12)));
}

#[test]
fn empty_file_and_comment_only_file() {
    let t = folder();
    std::fs::write(t.path().join("empty.yml"), "").expect("write");
    std::fs::write(
        t.path().join("comments.yml"),
        "# TODO: write this rule\n# later\n",
    )
    .expect("write");
    std::fs::write(t.path().join("markers.yml"), "---\n# nothing\n---\n...\n").expect("write");
    let run = lint(t.path());
    for name in ["empty.yml", "comments.yml", "markers.yml"] {
        let f = run.expect(name, "SIG015", "holds no YAML document");
        assert_eq!(f["severity"], "warning");
        assert_eq!(line(f), 1);
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops() {
    use std::os::unix::fs::symlink;
    let t = folder();
    let d = t.path();
    symlink("self.yml", d.join("self.yml")).expect("symlink");
    symlink("pong.yml", d.join("ping.yml")).expect("symlink");
    symlink("ping.yml", d.join("pong.yml")).expect("symlink");
    // A folder link back to its parent: not followed, so no endless walk and no double read.
    std::fs::create_dir(d.join("sub")).expect("mkdir");
    symlink("..", d.join("sub/up")).expect("symlink");
    let run = lint(d);
    for name in ["self.yml", "ping.yml", "pong.yml"] {
        run.expect(name, "SIG019", "symbolic link loop");
    }
    let ordinary: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f["code"] == "SIG006")
        .collect();
    assert_eq!(ordinary.len(), 1, "{ordinary:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let t = folder();
    let secret = t.path().join("secret.yml");
    std::fs::write(&secret, ORDINARY.replace("0f4c2b8e", "1f4c2b8e")).expect("write");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let (name, needle) = if std::fs::read(&secret).is_err() {
        ("secret.yml", "Permission denied")
    } else {
        // Root reads mode-000 files. A link to /proc/self/mem opens fine and fails on the
        // first read (EIO): a real read error, whoever runs the tests.
        eprintln!("note: root ignores mode 000; using a link to /proc/self/mem instead");
        std::fs::remove_file(&secret).expect("rm");
        std::os::unix::fs::symlink("/proc/self/mem", t.path().join("mem.yml")).expect("link");
        ("mem.yml", "Input/output error")
    };
    let run = lint(t.path());
    let f = run.expect(name, "SIG019", needle);
    assert_eq!(line(f), 1);
    #[cfg(unix)]
    let _ = std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644));
}

#[cfg(unix)]
#[test]
fn fifo_in_the_tree_never_blocks() {
    let t = folder();
    let made = Command::new("mkfifo")
        .arg(t.path().join("pipe.yml"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("note: mkfifo unavailable; skipping");
        return;
    }
    // Only regular files (and links to them) are read while walking a folder: a FIFO with no
    // writer would block `open` forever.
    let run = lint(t.path());
    assert!(
        run.findings.iter().all(|f| f["path"] != "pipe.yml"),
        "{:#?}",
        run.findings
    );
}

#[test]
fn directory_named_like_a_rule_is_walked() {
    let t = folder();
    let dir = t.path().join("x.yml");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(
        dir.join("inner.yml"),
        ORDINARY.replace("0f4c2b8e", "2f4c2b8e"),
    )
    .expect("write");
    // As part of a walk and named on the command line: a folder, searched like any other.
    for args in [&["."][..], &[".", "x.yml"][..]] {
        let run = lint_with(t.path(), args, None);
        let f = run.expect("x.yml/inner.yml", "SIG006", "selektion");
        assert_eq!(line(f), 10);
        assert!(
            run.findings.iter().all(|f| f["path"] != "x.yml"),
            "{:#?}",
            run.findings
        );
        assert_eq!(run.summary["files"], 2, "{}", run.summary);
    }
}

#[test]
fn tabs_in_indentation() {
    let t = folder();
    std::fs::write(
        t.path().join("tabs.yml"),
        "title: tabbed\ndetection:\n\tselection:\n\t\tImage: x\n\tcondition: selection\n",
    )
    .expect("write");
    let run = lint(t.path());
    let f = run.expect("tabs.yml", "SIG001", "tab");
    assert_eq!(line(f), 3);
}

#[test]
fn duplicate_keys_name_both_places() {
    let t = folder();
    let text = ORDINARY
        .replace("0f4c2b8e", "3f4c2b8e")
        .replace("level: medium\n", "level: medium\nlevel: high\n")
        .replace(
            "  condition: selektion\n",
            "  condition: selection\n  condition: selection and not selection\n",
        );
    std::fs::write(t.path().join("dups.yml"), text).expect("write");
    let run = lint(t.path());
    let dups: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f["path"] == "dups.yml" && f["code"] == "SIG012")
        .collect();
    assert_eq!(dups.len(), 2, "{dups:#?}");
    assert_eq!(line(dups[0]), 11);
    assert!(
        dups[0]["message"]
            .as_str()
            .expect("msg")
            .contains("condition")
    );
    assert_eq!(line(dups[1]), 13);
    assert!(dups[1]["message"].as_str().expect("msg").contains("level"));
    // Each points back at the first occurrence.
    for (f, first) in [(dups[0], 10), (dups[1], 12)] {
        let related = f["related"].as_array().expect("related");
        assert_eq!(
            related
                .iter()
                .map(|r| r["line"].clone())
                .collect::<Vec<_>>(),
            [Value::from(first)],
            "{f:#}"
        );
    }
}

fn rule_with_condition(id_prefix: &str, condition: &str, identifiers: &str) -> String {
    format!(
        "title: Long condition {id_prefix}\nid: {id_prefix}4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11\nstatus: test\n\
         description: d\nauthor: a\ndate: 2025-01-01\nlogsource: {{product: aws, service: cloudtrail}}\n\
         detection:\n  selection: {{eventName: CreateUser, userIdentity.arn: x}}\n{identifiers}  condition: {condition}\nlevel: low\n"
    )
}

#[test]
fn condition_of_a_hundred_thousand_characters() {
    let t = folder();
    // Flat: 16,667 operands; valid, with one undefined identifier at the very end.
    let mut flat = vec!["selection"; 10_000].join(" or ");
    flat.push_str(" and not nowhere");
    assert!(flat.len() > 100_000);
    std::fs::write(
        t.path().join("flat.yml"),
        rule_with_condition("4f", &flat, ""),
    )
    .expect("write");
    // Nested: 50,000 parentheses deep.
    let deep = format!("{}selection{}", "(".repeat(50_000), ")".repeat(50_000));
    std::fs::write(
        t.path().join("deep.yml"),
        rule_with_condition("5f", &format!("'{deep}'"), ""),
    )
    .expect("write");
    let run = lint(t.path());
    let f = run.expect("flat.yml", "SIG006", "`nowhere`");
    assert_eq!(line(f), 10);
    let col = f["column"].as_u64().expect("col");
    assert_eq!(
        col,
        14 + u64::try_from(flat.find("nowhere").expect("pos")).expect("u64")
    );
    let f = run.expect("deep.yml", "SIG005", "nested deeper than 64 levels");
    assert_eq!(line(f), 10);
}

#[test]
fn hundred_thousand_identifiers() {
    // Found while writing these tests: every reference was resolved by a linear search over
    // the identifiers, so this 4 MB rule took more than five minutes.
    let t = folder();
    let mut ids = String::new();
    for i in 0..50_000 {
        ids.push_str(&format!(
            "  sel{i}: {{eventName: Get{i}}}\n  filter{i}: {{userIdentity.arn: a{i}}}\n"
        ));
    }
    let mut cond: Vec<String> = (0..2_000).map(|i| format!("sel{i}")).collect();
    cond.push("1 of sel* and not 1 of filter*".to_owned());
    cond.push("all of sel4* and not all of filter4*".to_owned());
    let cond = cond.join(" or ") + " or undefined_one";
    std::fs::write(
        t.path().join("many.yml"),
        rule_with_condition("6f", &cond, &ids),
    )
    .expect("write");
    let start = Instant::now();
    let run = lint(t.path());
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    run.expect("many.yml", "SIG006", "`undefined_one`");
}
