//! Helpers shared by the integration tests: insta settings that store every snapshot in the
//! top-level `snapshots/` folder and replace machine-specific text by stable placeholders.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the repository, when present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("..").join("shared");
    dir.is_dir().then_some(dir)
}

/// Path of the built `sigsmith` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sigsmith"))
}

/// insta settings: snapshots in `snapshots/`, the temporary and repository paths replaced by
/// `[TMP]` and `[REPO]`, and today's date (which `new` writes by default) by `[TODAY]`.
pub fn settings(tmp: Option<&Path>) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(repo_root().join("snapshots"));
    s.set_prepend_module_to_snapshot(true);
    if let Some(tmp) = tmp {
        let t = regex::escape(&tmp.display().to_string());
        s.add_filter(&t, "[TMP]");
    }
    s.add_filter(&regex::escape(&repo_root().display().to_string()), "[REPO]");
    s
}
