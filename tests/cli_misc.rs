//! Completions and man page: generated from the real clap definition for every shell.

mod common;

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(common::bin())
        .args(args)
        .output()
        .expect("run sigsmith");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_name_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, text) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for sub in ["strategies", "show", "new", "lint", "rules", "explain"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let (code, _) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn man_page_is_roff_with_subcommands() {
    let (code, text) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        text.contains(".TH sigsmith 1"),
        "{}",
        &text[..text.len().min(200)]
    );
    assert!(text.contains("lint"));
}
