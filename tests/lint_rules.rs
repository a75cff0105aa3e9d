//! Fixture tests for every lint check: `tests/fixtures/rules/<CODE>-<name>/` holds `bad_*.yml`
//! files that must yield the folder's code and `ok_*.yml` files that must not. All files of a
//! folder are linted together (so repository-wide checks see each other), and the folder's
//! findings for its code are snapshotted as `path:line:col CODE message` lines.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};
use sigsmith::lint::registry;

fn fixture_root() -> PathBuf {
    common::repo_root().join("tests/fixtures/rules")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture folder is readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

fn lint_folder(dir: &Path) -> (Vec<PathBuf>, sigsmith::lint::engine::LintOutput) {
    let files = yaml_files(dir);
    let root = common::repo_root();
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|p| SourceFile {
            path: p.strip_prefix(&root).expect("under repo").to_path_buf(),
            text: std::fs::read_to_string(p).expect("fixture is UTF-8"),
        })
        .collect();
    let out = lint_sources(&sources, &LintOptions::default());
    (files, out)
}

#[test]
fn every_fixture_folder_behaves() {
    let root = fixture_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let mut failures = Vec::new();
    for dir in &dirs {
        let folder = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let code = folder.split('-').next().expect("code").to_owned();
        let meta = registry::lookup(&code)
            .unwrap_or_else(|| panic!("fixture folder {folder} names no registered check"));
        assert_eq!(
            folder,
            format!("{}-{}", meta.code, meta.name),
            "fixture folder name must be CODE-name"
        );
        let (files, out) = lint_folder(dir);
        let repo = common::repo_root();
        for file in &files {
            let rel = file.strip_prefix(&repo).expect("under repo");
            let stem = file.file_name().expect("name").to_string_lossy();
            let hits = out
                .findings
                .iter()
                .filter(|f| f.path == rel && f.code == meta.code)
                .count();
            if stem.starts_with("bad_") && hits == 0 {
                failures.push(format!(
                    "{}: expected {} but got none",
                    rel.display(),
                    meta.code
                ));
            }
            if stem.starts_with("ok_") && hits > 0 {
                failures.push(format!(
                    "{}: expected no {} but got {hits}",
                    rel.display(),
                    meta.code
                ));
            }
            assert!(
                stem.starts_with("bad_") || stem.starts_with("ok_"),
                "{}: fixture names start with bad_ or ok_",
                rel.display()
            );
        }
        let mut text = String::new();
        for f in out.findings.iter().filter(|f| f.code == meta.code) {
            writeln!(
                text,
                "{}:{}:{} {} {}",
                f.path.display(),
                f.pos.line,
                f.pos.col,
                f.code,
                f.message
            )
            .expect("write to string");
            for r in &f.related {
                writeln!(
                    text,
                    "    related {}:{}:{} {}",
                    r.path.display(),
                    r.pos.line,
                    r.pos.col,
                    r.message
                )
                .expect("write to string");
            }
        }
        common::settings(None).bind(|| {
            insta::assert_snapshot!(folder.clone(), text);
        });
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn snapshot_of_the_check_list() {
    let mut text = String::new();
    for m in registry::all() {
        writeln!(text, "{} {} {} {}", m.code, m.name, m.severity, m.summary).expect("write");
    }
    common::settings(None).bind(|| insta::assert_snapshot!("check_list", text));
}
