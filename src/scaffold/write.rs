//! Writing drafts: all-or-nothing overwrite check, then one atomic write per file (temporary
//! file in the destination directory, then rename).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::Draft;

/// Why drafts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Output files exist and `--force` was not given; nothing was written.
    #[error(
        "refusing to overwrite {} existing file(s) (use --force to overwrite); nothing was written:\n{}",
        .0.len(),
        .0.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n")
    )]
    Exists(Vec<PathBuf>),
    /// An I/O error on a path.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The destination of each draft under `out`.
pub fn destinations(out: &Path, drafts: &[Draft]) -> Vec<PathBuf> {
    drafts.iter().map(|d| out.join(&d.rel_path)).collect()
}

/// Writes every draft under `out` (`out/<family>/<name>.yml`) and returns the paths written.
///
/// Without `force`, every destination is checked first: if any exists, nothing is written and
/// [`WriteError::Exists`] lists them. Each file is written to a temporary file in its
/// destination directory and renamed into place, so a failed write leaves no partial file.
pub fn write_drafts(out: &Path, drafts: &[Draft], force: bool) -> Result<Vec<PathBuf>, WriteError> {
    let paths = destinations(out, drafts);
    if !force {
        let existing: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.symlink_metadata().is_ok())
            .cloned()
            .collect();
        if !existing.is_empty() {
            return Err(WriteError::Exists(existing));
        }
    }
    for (draft, path) in drafts.iter().zip(&paths) {
        write_atomic(path, draft.text.as_bytes(), force)?;
    }
    Ok(paths)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
/// Without `overwrite`, an existing `path` is left alone and reported.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".sigsmith-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    if overwrite {
        tmp.persist(path).map_err(|e| io(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| io(e.error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(rel: &str, text: &str) -> Draft {
        Draft {
            strategy: "DET0001".into(),
            target: "t".into(),
            family: "generic".into(),
            template: "generic.yml.j2".into(),
            rel_path: PathBuf::from(rel),
            text: text.into(),
        }
    }

    #[test]
    fn refuses_all_when_one_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("f")).expect("mkdir");
        std::fs::write(dir.path().join("f/b.yml"), "old").expect("write");
        let drafts = [draft("f/a.yml", "a"), draft("f/b.yml", "b")];
        let err = write_drafts(dir.path(), &drafts, false).expect_err("exists");
        assert!(
            matches!(err, WriteError::Exists(ref v) if v.len() == 1),
            "{err}"
        );
        assert!(!dir.path().join("f/a.yml").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f/b.yml")).expect("read"),
            "old"
        );
        write_drafts(dir.path(), &drafts, true).expect("force");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f/b.yml")).expect("read"),
            "b"
        );
    }

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A file where the family directory should be: create_dir_all fails.
        std::fs::write(dir.path().join("f"), "not a dir").expect("write");
        let err = write_drafts(dir.path(), &[draft("f/a.yml", "a")], false).expect_err("io");
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["f"]);
    }
}
