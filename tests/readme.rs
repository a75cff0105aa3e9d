//! The README's examples run as written: every ```sh block preceded by a `<!-- runnable`
//! comment is run line by line with `bash`, the built `sigsmith` first on PATH, in an empty
//! folder that has `../shared` beside it (as CI has), and every line must exit 0.

mod common;

use std::path::Path;
use std::process::Command;

/// The runnable blocks: (line of the opening fence, commands).
fn runnable_blocks(readme: &str) -> Vec<(usize, Vec<String>)> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !l.starts_with("<!-- runnable") {
            continue;
        }
        let fence = i + 1;
        assert_eq!(
            lines.get(fence).copied(),
            Some("```sh"),
            "README.md:{}: a runnable marker must precede a ```sh block",
            i + 1
        );
        let commands = lines[fence + 1..]
            .iter()
            .take_while(|l| !l.starts_with("```"))
            .filter(|l| !l.trim().is_empty())
            .map(|l| (*l).to_owned())
            .collect();
        blocks.push((fence + 1, commands));
    }
    blocks
}

#[test]
fn readme_runnable_examples_run_as_written() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).expect("README");
    let blocks = runnable_blocks(&readme);
    assert!(blocks.len() >= 2, "no runnable blocks found");
    let Some(shared) = common::shared_dir() else {
        eprintln!("skipped: ../shared is not beside the repository");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).expect("work");
    std::os::unix::fs::symlink(&shared, tmp.path().join("shared")).expect("symlink");
    let bin_dir = common::bin().parent().expect("bin dir").to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (line, commands) in blocks {
        for command in commands {
            assert!(
                command.starts_with("sigsmith "),
                "README.md:{line}: {command}"
            );
            let out = Command::new("bash")
                .args(["-o", "pipefail", "-c", &command])
                .current_dir(&work)
                .env("PATH", &path)
                .env_remove("SIGSMITH_ATTACK")
                .output()
                .expect("bash");
            assert_eq!(
                out.status.code(),
                Some(0),
                "README.md block at line {line}: `{command}` failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(Path::new(&work.join("drafts-ics")).is_dir());
}
