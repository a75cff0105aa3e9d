//! `init` output that works as written, and the CI recipes, pre-commit hooks, GitHub Action,
//! release workflow, cargo-binstall metadata and Dockerfile agree with each other and with the
//! real command line. (They cannot run here; what can be checked locally is.)

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sigsmith(dir: &Path, args: &[&str]) -> Output {
    common::sigsmith(args)
        .dir(dir)
        .no_color()
        .env_remove(&["SIGSMITH_ATTACK"])
        .output()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::repo_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(text: &str) -> serde_json::Value {
    serde_yaml::from_str(text).expect("valid YAML")
}

fn version_tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

/// Splits a documented command line into words (no quoting is used in the recipes except
/// `"..."` around one word).
fn words(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|w| w.trim_matches('"').to_owned())
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn init_output_works_as_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = sigsmith(tmp.path(), &["init", "-q", "demo"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let demo = tmp.path().join("demo");

    // Every command of the README's first shell block runs as written, in order.
    let readme = std::fs::read_to_string(demo.join("README.md")).expect("README");
    let block: Vec<&str> = readme
        .split("```sh\n")
        .nth(1)
        .expect("a shell block")
        .split("```")
        .next()
        .expect("block end")
        .lines()
        .collect();
    assert!(block.len() >= 3, "{block:?}");
    for line in block {
        let command = line.split('#').next().expect("command").trim();
        let w = words(command);
        assert_eq!(w[0], "sigsmith", "{line}");
        let args: Vec<&str> = w[1..].iter().map(String::as_str).collect();
        let run = sigsmith(&demo, &args);
        assert_eq!(run.status.code(), Some(0), "`{command}` failed: {run:?}");
    }
    // ...and leave a repository that still lints clean.
    let again = sigsmith(&demo, &["lint"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");

    // No placeholder host and no URL outside sigsmith's own repository in the files that wire
    // the repository up (the drafts cite ATT&CK).
    let mut files = Vec::new();
    files_under(&demo, &mut files);
    files.retain(|f| !f.starts_with(demo.join("rules")));
    assert_eq!(files.len(), 4, "{files:?}");
    let url = regex::Regex::new(r#"https?://[^\s)'"`>]+"#).expect("regex");
    for f in &files {
        let text = std::fs::read_to_string(f).expect("text");
        for bad in [
            "example.invalid",
            "your-org",
            "example.com",
            "TODO",
            "<tag",
            "<this",
        ] {
            assert!(!text.contains(bad), "{}: contains {bad}", f.display());
        }
        for m in url.find_iter(&text) {
            assert!(
                m.as_str()
                    .starts_with("https://github.com/sigsmith/sigsmith"),
                "{}: {}",
                f.display(),
                m.as_str()
            );
        }
    }

    // The pre-commit hook runs the sigsmith on PATH, which works in this repository; the
    // alternative in the comment names a hook and a tag that the release process provides.
    let pre_commit = std::fs::read_to_string(demo.join(".pre-commit-config.yaml")).expect("pc");
    let config = yaml(&pre_commit);
    let hook = &config["repos"][0]["hooks"][0];
    assert_eq!(config["repos"][0]["repo"], "local");
    assert_eq!(hook["language"], "system");
    let entry = words(hook["entry"].as_str().expect("entry"));
    assert_eq!(entry[0], "sigsmith");
    let args: Vec<&str> = entry[1..].iter().map(String::as_str).collect();
    assert_eq!(sigsmith(&demo, &args).status.code(), Some(0));
    assert!(
        pre_commit.contains(&format!("rev: {}", version_tag())),
        "{pre_commit}"
    );
    let hook_ids = hook_ids();
    assert!(
        pre_commit.contains("id: sigsmith-lint-system")
            && hook_ids.contains(&"sigsmith-lint-system".to_owned())
    );

    // The workflow uses the action at this version's tag.
    let wf = std::fs::read_to_string(demo.join(".github/workflows/sigsmith.yml")).expect("wf");
    assert!(
        wf.contains(&format!("sigsmith/sigsmith@{}", version_tag())),
        "{wf}"
    );

    // The configuration's excludes are valid and keep the rules linted.
    let toml = std::fs::read_to_string(demo.join("sigsmith.toml")).expect("toml");
    assert!(
        toml.lines()
            .any(|l| l.starts_with("exclude = [") && l.contains("\"pipelines/\"")),
        "{toml}"
    );
    std::fs::create_dir_all(demo.join("pipelines")).expect("mkdir");
    std::fs::write(
        demo.join("pipelines/p.yml"),
        "name: p\ntransformations: []\n",
    )
    .expect("w");
    let lint = sigsmith(&demo, &["lint"]);
    let stderr = String::from_utf8_lossy(&lint.stderr);
    assert!(
        !stderr.contains("pipelines/p.yml"),
        "excluded silently: {stderr}"
    );
    assert!(
        stderr.contains("in 1 file") || stderr.contains("files"),
        "{stderr}"
    );
}

fn hook_ids() -> Vec<String> {
    let hooks = yaml(&read(".pre-commit-hooks.yaml"));
    hooks
        .as_array()
        .expect("a list of hooks")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn pre_commit_hooks_exist_and_run() {
    let hooks = yaml(&read(".pre-commit-hooks.yaml"));
    let list = hooks.as_array().expect("hooks");
    let ids = hook_ids();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique);
    let system = list
        .iter()
        .find(|h| h["language"] == "system")
        .expect("a language: system hook (release binary on PATH)");
    assert!(
        list.iter().any(|h| h["language"] == "rust"),
        "the source-build fallback"
    );
    let fixture = common::repo_root().join("tests/fixtures/adopt/repo");
    for h in list {
        assert_eq!(h["pass_filenames"], false, "{h}");
        let entry = words(h["entry"].as_str().expect("entry"));
        assert_eq!(entry[0], "sigsmith");
        let args: Vec<&str> = entry[1..].iter().map(String::as_str).collect();
        // Findings exit 1; a usage error would exit 2.
        assert_eq!(sigsmith(&fixture, &args).status.code(), Some(1), "{h}");
    }
    assert_eq!(system["id"], "sigsmith-lint-system");
    // The recipe in docs/ci names existing hooks at this version's tag.
    let recipe = yaml(&read("docs/ci/pre-commit-config.yaml"));
    assert_eq!(recipe["repos"][0]["rev"], version_tag().as_str());
    for h in recipe["repos"][0]["hooks"].as_array().expect("hooks") {
        assert!(
            ids.contains(&h["id"].as_str().expect("id").to_owned()),
            "{h}"
        );
    }
}

#[test]
fn documented_ci_commands_parse_and_pin_this_version() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join(".git")).expect("git");
    std::fs::write(
        repo.join("r.yml"),
        read("tests/fixtures/rules/SIG015-unknown-document/ok_rule.yml"),
    )
    .expect("rule");
    let mut checked = 0;
    for rel in [
        "docs/ci/github-annotations.yml",
        "docs/ci/github-code-scanning.yml",
        "docs/ci/gitlab-ci.yml",
        "action.yml",
    ] {
        let text = read(rel);
        yaml(&text);
        for (i, m) in text.match_indices("sigsmith/sigsmith@") {
            let tag: String = text[i + m.len()..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            assert_eq!(tag, version_tag(), "{rel}");
        }
        for line in text.lines() {
            let line = line.trim().trim_start_matches("- ");
            let command = line
                .strip_prefix("run: ")
                .or_else(|| line.strip_prefix("args: "))
                .or_else(|| line.strip_prefix("default: "))
                .unwrap_or(line);
            let command = command.split(" #").next().expect("cmd").trim();
            let command = command.strip_prefix("sigsmith ").unwrap_or(command);
            if !command.starts_with("lint ") || command.contains("${{") {
                continue;
            }
            let w = words(command);
            let args: Vec<&str> = w.iter().map(String::as_str).collect();
            let out = sigsmith(repo, &args);
            assert_ne!(out.status.code(), Some(2), "{rel}: `{command}`: {out:?}");
            checked += 1;
        }
    }
    assert!(checked >= 5, "found only {checked} commands");
}

#[test]
fn release_binstall_action_and_installer_agree() {
    let release = read(".github/workflows/release.yml");
    yaml(&release);
    let installer = read(".ci/install-sigsmith.sh");
    let action = yaml(&read("action.yml"));
    // The action runs the installer that exists in the repository.
    let steps = action["runs"]["steps"].as_array().expect("steps");
    assert!(
        steps[0]["run"]
            .as_str()
            .is_some_and(|r| r.contains("$GITHUB_ACTION_PATH/.ci/install-sigsmith.sh"))
    );
    assert_eq!(action["runs"]["using"], "composite");
    // Linux, macOS and Windows, and every target the installer maps to is built.
    let target_re = regex::Regex::new(r"target: ([a-z0-9_]+-[a-z0-9_-]+)").expect("re");
    let built: Vec<&str> = target_re
        .captures_iter(&release)
        .map(|c| c.get(1).expect("target").as_str())
        .collect();
    for os in ["linux", "apple-darwin", "windows"] {
        assert!(built.iter().any(|t| t.contains(os)), "{os}: {built:?}");
    }
    let mapped = regex::Regex::new(r"target=([a-z0-9_]+-[a-z0-9_-]+) ;;").expect("re");
    let mapped: Vec<&str> = mapped
        .captures_iter(&installer)
        .map(|c| c.get(1).expect("t").as_str())
        .collect();
    assert!(mapped.len() >= 4);
    for t in &mapped {
        assert!(
            built.contains(t),
            "installer maps to {t}, which is not released"
        );
    }
    // One archive name everywhere: sigsmith-<tag>-<target>.<ext> holding
    // sigsmith-<tag>-<target>/sigsmith.
    assert!(release.contains(r#"name="sigsmith-${GITHUB_REF_NAME}-${TARGET}""#));
    assert!(installer.contains(r#"name="sigsmith-${version}-${target}""#));
    let cargo: toml::Value = toml::from_str(&read("Cargo.toml")).expect("Cargo.toml");
    let binstall = &cargo["package"]["metadata"]["binstall"];
    let render = |s: &str, target: &str| {
        s.replace("{ repo }", "https://github.com/sigsmith/sigsmith")
            .replace("{ version }", env!("CARGO_PKG_VERSION"))
            .replace("{ name }", "sigsmith")
            .replace("{ target }", target)
            .replace("{ archive-suffix }", ".tar.gz")
            .replace("{ bin }", "sigsmith")
            .replace("{ binary-ext }", "")
    };
    let target = "x86_64-unknown-linux-gnu";
    let tag = version_tag();
    assert_eq!(
        render(binstall["pkg-url"].as_str().expect("pkg-url"), target),
        format!(
            "https://github.com/sigsmith/sigsmith/releases/download/{tag}/sigsmith-{tag}-{target}.tar.gz"
        )
    );
    assert_eq!(
        render(binstall["bin-dir"].as_str().expect("bin-dir"), target),
        format!("sigsmith-{tag}-{target}/sigsmith")
    );
    assert_eq!(
        cargo["package"]["repository"].as_str(),
        Some("https://github.com/sigsmith/sigsmith")
    );
    // The installer computes the same URL (dry run on this machine, when it is Linux x86_64).
    let dry = Command::new("bash")
        .arg(common::repo_root().join(".ci/install-sigsmith.sh"))
        .env("SIGSMITH_VERSION", &tag)
        .env("SIGSMITH_DRY_RUN", "1")
        .output()
        .expect("bash");
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    let dry = String::from_utf8_lossy(&dry.stdout);
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert!(
            dry.contains(&format!(
                "url=https://github.com/sigsmith/sigsmith/releases/download/{tag}/sigsmith-{tag}-{target}.tar.gz"
            )),
            "{dry}"
        );
    }
    // The Dockerfile builds with a Rust at least as new as rust-version and runs sigsmith.
    let docker = read("Dockerfile");
    let rust_version = cargo["package"]["rust-version"]
        .as_str()
        .expect("rust-version");
    let from = regex::Regex::new(r"FROM rust:(\d+)\.(\d+)").expect("re");
    let c = from.captures(&docker).expect("FROM rust:X.Y");
    let (major, minor): (u32, u32) = (c[1].parse().expect("n"), c[2].parse().expect("n"));
    let mut want = rust_version
        .split('.')
        .map(|n| n.parse::<u32>().expect("n"));
    assert!((major, minor) >= (want.next().expect("major"), want.next().expect("minor")));
    assert!(docker.contains(r#"ENTRYPOINT ["sigsmith"]"#));
}
