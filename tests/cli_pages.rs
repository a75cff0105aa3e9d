//! Man pages per subcommand, quiet broken pipes, and `--templates` errors that name the problem.

mod common;

use std::process::{Command, Stdio};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::bin())
        .args(args)
        .env_remove("SIGSMITH_ATTACK")
        .stdin(Stdio::null())
        .output()
        .expect("run sigsmith");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every `NAME(1)` page a man page refers to.
fn references(roff: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(sigsmith(?:\\-[a-z]+)*)\(1\)").expect("regex");
    re.captures_iter(roff)
        .map(|c| c[1].replace("\\-", "-"))
        .collect()
}

#[test]
fn man_writes_one_page_per_subcommand_and_references_only_those() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("man1");
    let dir_s = dir.to_str().expect("utf8 path");
    let (code, stdout, stderr) = run(&["man", "--out", dir_s]);
    assert_eq!(code, 0, "{stderr}");
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("pages")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(stdout.lines().count(), pages.len());
    // One page per visible subcommand of the real CLI, plus the top-level one.
    let help = run(&["--help"]).1;
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped summary continues on a line indented deeper than the command names.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(
        commands.contains(&"lint") && commands.contains(&"man"),
        "{help}"
    );
    let mut expected: Vec<String> = commands
        .iter()
        .map(|c| format!("sigsmith-{c}.1"))
        .chain(["sigsmith.1".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(pages, expected);
    for page in &pages {
        let roff = std::fs::read_to_string(dir.join(page)).expect("read page");
        assert!(roff.contains(".TH "), "{page}");
        for r in references(&roff) {
            assert!(
                pages.contains(&format!("{r}.1")),
                "{page} refers to {r}(1), which does not exist"
            );
        }
    }
    let top = std::fs::read_to_string(dir.join("sigsmith.1")).expect("top");
    assert!(references(&top).contains(&"sigsmith-lint".to_owned()));
    // A second run refuses to overwrite; --force overwrites.
    assert_eq!(run(&["man", "--out", dir_s]).0, 2);
    assert_eq!(run(&["man", "--out", dir_s, "--force"]).0, 0);
}

#[test]
fn man_prints_one_subcommand_page() {
    let (code, roff, _) = run(&["man", "lint"]);
    assert_eq!(code, 0);
    assert!(roff.contains(".TH sigsmith-lint 1"), "{}", &roff[..200]);
    assert!(
        roff.contains("fail\\-on"),
        "the lint page documents lint's options"
    );
    let (code, _, stderr) = run(&["man", "frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no man page for `frobnicate`") && stderr.contains("lint"),
        "{stderr}"
    );
}

/// Runs sigsmith with standard output connected to a pipe whose reading end is already
/// closed, so the first write fails with EPIPE.
fn run_into_closed_pipe(args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(common::bin())
        .args(args)
        .env_remove("SIGSMITH_ATTACK")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run sigsmith");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn broken_pipes_end_quietly() {
    for args in [
        &["explain", "API001"][..],
        &["new", "--all"],
        &["rules"],
        &["strategies"],
        &["show", "DET0078"],
        &["man"],
        &["completions", "bash"],
    ] {
        let (code, stderr) = run_into_closed_pipe(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(
            !stderr.to_lowercase().contains("broken pipe") && !stderr.contains("error"),
            "{args:?}: {stderr}"
        );
    }
    // lint stops writing quietly but still reports its verdict in the exit code.
    let rules = common::repo_root().join("tests/fixtures/adopt/repo/rules");
    let (code, stderr) =
        run_into_closed_pipe(&["lint", "--no-config", rules.to_str().expect("utf8")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
    let clean =
        common::repo_root().join("tests/fixtures/rules/SIG015-unknown-document/ok_rule.yml");
    let (code, stderr) =
        run_into_closed_pipe(&["lint", "--no-config", clean.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn templates_dir_reports_misnamed_files_and_undefined_variables() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf8").to_owned();
    let builtin =
        std::fs::read_to_string(common::repo_root().join("rule-templates/cloud-api-audit.yml.j2"))
            .expect("template");
    // A misspelled override is an error naming the file and the real template names.
    std::fs::write(tmp.path().join("cloud-api-audt.yml.j2"), &builtin).expect("write");
    let (code, _, stderr) = run(&["new", "DET0078", "--templates", &dir]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cloud-api-audt.yml.j2")
            && stderr.contains("overrides no built-in template")
            && stderr.contains("cloud-api-audit.yml.j2"),
        "{stderr}"
    );
    // A helper file that an override includes is fine.
    std::fs::remove_file(tmp.path().join("cloud-api-audt.yml.j2")).expect("rm");
    std::fs::write(tmp.path().join("header.j2"), "# team header\n").expect("write");
    std::fs::write(
        tmp.path().join("cloud-api-audit.yml.j2"),
        format!("{{% include \"header.j2\" %}}\n{builtin}"),
    )
    .expect("write");
    let (code, stdout, stderr) = run(&[
        "new",
        "DET0078",
        "--target",
        "aws-cloudtrail",
        "--templates",
        &dir,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("# team header\n"), "{stdout}");
    // An undefined variable is named (the helper is gone with its include).
    std::fs::remove_file(tmp.path().join("header.j2")).expect("rm");
    std::fs::write(
        tmp.path().join("cloud-api-audit.yml.j2"),
        format!("# {{{{ strategy.nmae }}}}\n{builtin}"),
    )
    .expect("write");
    let (code, _, stderr) = run(&["new", "DET0078", "--templates", &dir]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("undefined value `strategy.nmae`") && stderr.contains("line 1"),
        "{stderr}"
    );
}
