//! Writing drafts, all or nothing: the overwrite check comes first, then every draft goes to a
//! synced temporary file beside its destination, and only when all of them are written are
//! they renamed into place. Any failure (a read-only or full disk, a file where a folder
//! should be) removes the temporary files and the folders this run created, so no partial
//! file, temporary file or half-written set of drafts is left behind.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

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
    /// A file is where an output folder must be; nothing was written.
    #[error("cannot write drafts into {}: it is a file, not a folder; nothing was written", .0.display())]
    NotAFolder(PathBuf),
    /// An I/O error on a path; nothing was written. (The reason is the error's source, which
    /// `{:#}` prints after the message.)
    #[error("cannot write {} (nothing was written)", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A rename failed after other drafts had replaced existing files (only with `--force`);
    /// the drafts this run created were removed, the replaced files keep the new text.
    #[error(
        "cannot write {} (these existing files were already replaced: {})",
        path.display(),
        replaced.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    Partial {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
        /// Existing files already replaced by this run.
        replaced: Vec<PathBuf>,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source: without_temp_path(source),
    }
}

/// `tempfile` wraps I/O errors with the temporary file's path (`... at path
/// "out/.sigsmith-x1y2.tmp"`), a file that no longer exists when the error is shown: keep the
/// operating system's error only.
fn without_temp_path(e: std::io::Error) -> std::io::Error {
    if e.get_ref().is_none() {
        return e;
    }
    match e.to_string().split_once(" at path ") {
        Some((reason, _)) => std::io::Error::new(e.kind(), reason.to_owned()),
        None => e,
    }
}

/// The destination of each draft under `out`.
pub fn destinations(out: &Path, drafts: &[Draft]) -> Vec<PathBuf> {
    drafts.iter().map(|d| out.join(&d.rel_path)).collect()
}

/// Writes every draft under `out` (`out/<family>/<name>.yml`) and returns the paths written.
///
/// Without `force`, every destination is checked first: if any exists, nothing is written and
/// [`WriteError::Exists`] lists them. Then the drafts are staged in temporary files and renamed
/// into place only once all are written: on failure nothing is left behind (see the module
/// docs).
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
    let mut batch = Batch::default();
    for (draft, path) in drafts.iter().zip(&paths) {
        if let Err(e) = batch.stage(path, draft.text.as_bytes()) {
            batch.rollback();
            return Err(e);
        }
    }
    batch.commit(force)?;
    Ok(paths)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
/// Without `overwrite`, an existing `path` is left alone and reported.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WriteError> {
    let mut batch = Batch::default();
    if let Err(e) = batch.stage(path, bytes) {
        batch.rollback();
        return Err(e);
    }
    batch.commit(overwrite)
}

/// A file written to a temporary name, waiting for its rename.
struct Staged {
    tmp: NamedTempFile,
    dest: PathBuf,
    existed: bool,
}

/// Files staged by one write, the folders it created and the files it renamed into place.
#[derive(Default)]
struct Batch {
    staged: Vec<Staged>,
    created_dirs: Vec<PathBuf>,
    committed: Vec<(PathBuf, bool)>,
}

impl Batch {
    /// Creates the destination folder if needed and writes `bytes` to a synced temporary file
    /// in it. The temporary file is removed when it is dropped without being committed.
    fn stage(&mut self, dest: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        self.create_dirs(dir, dest)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".sigsmith-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let mut tmp = builder.tempfile_in(dir).map_err(io_error(dest))?;
        tmp.write_all(bytes).map_err(io_error(dest))?;
        tmp.as_file().sync_all().map_err(io_error(dest))?;
        self.staged.push(Staged {
            tmp,
            dest: dest.to_path_buf(),
            existed: dest.symlink_metadata().is_ok(),
        });
        Ok(())
    }

    /// `create_dir_all`, remembering which folders it created; a file in the way is
    /// [`WriteError::NotAFolder`].
    fn create_dirs(&mut self, dir: &Path, dest: &Path) -> Result<(), WriteError> {
        let mut missing = Vec::new();
        let mut d = dir;
        loop {
            match std::fs::metadata(d) {
                Ok(m) if m.is_dir() => break,
                Ok(_) => return Err(WriteError::NotAFolder(d.to_path_buf())),
                // ENOTDIR: a file further up; keep walking up to name it.
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        || e.kind() == std::io::ErrorKind::NotADirectory =>
                {
                    missing.push(d.to_path_buf());
                    match d.parent() {
                        Some(p) if !p.as_os_str().is_empty() => d = p,
                        _ => break,
                    }
                }
                Err(e) => return Err(io_error(dest)(e)),
            }
        }
        std::fs::create_dir_all(dir).map_err(io_error(dest))?;
        // Outermost first, so `rollback` removes them innermost first.
        self.created_dirs.extend(missing.into_iter().rev());
        Ok(())
    }

    /// Renames every staged file into place; on failure undoes what it can.
    fn commit(mut self, overwrite: bool) -> Result<(), WriteError> {
        for s in std::mem::take(&mut self.staged) {
            let result = if overwrite {
                s.tmp.persist(&s.dest)
            } else {
                s.tmp.persist_noclobber(&s.dest)
            };
            match result {
                Ok(_) => self.committed.push((s.dest, s.existed)),
                Err(e) => {
                    // `e.file` is dropped here, which removes the temporary file.
                    let replaced: Vec<PathBuf> = self
                        .committed
                        .iter()
                        .filter(|(_, existed)| *existed)
                        .map(|(p, _)| p.clone())
                        .collect();
                    self.rollback();
                    return Err(if replaced.is_empty() {
                        io_error(&s.dest)(e.error)
                    } else {
                        WriteError::Partial {
                            path: s.dest,
                            source: e.error,
                            replaced,
                        }
                    });
                }
            }
        }
        Ok(())
    }

    /// Removes the staged temporary files, the files this batch created (not the existing
    /// ones it replaced) and the folders it created, innermost first (only when empty).
    fn rollback(&mut self) {
        self.staged.clear();
        for (path, existed) in self.committed.drain(..).rev() {
            if !existed {
                let _ = std::fs::remove_file(path);
            }
        }
        for dir in self.created_dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
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

    fn listing(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).expect("read dir") {
                let p = e.expect("entry").path();
                let rel = p.strip_prefix(dir).expect("prefix");
                out.push(rel.display().to_string());
                if p.is_dir() && !p.is_symlink() {
                    todo.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn file_in_the_way_is_named_and_nothing_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A file where the second family's folder should be: the first family's folder and
        // file, written before it, must be rolled back.
        std::fs::write(dir.path().join("f"), "not a dir").expect("write");
        let drafts = [draft("a/x.yml", "a"), draft("f/sub/y.yml", "b")];
        let err = write_drafts(dir.path(), &drafts, false).expect_err("not a folder");
        assert!(
            matches!(err, WriteError::NotAFolder(ref p) if *p == dir.path().join("f")),
            "{err}"
        );
        assert!(err.to_string().contains("not a folder"), "{err}");
        assert_eq!(listing(dir.path()), ["f"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f")).expect("read"),
            "not a dir"
        );
    }

    #[test]
    fn out_itself_a_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out.yml");
        std::fs::write(&out, "mine").expect("write");
        let err = write_drafts(&out, &[draft("a/x.yml", "a")], true).expect_err("file");
        assert!(
            matches!(err, WriteError::NotAFolder(ref p) if *p == out),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "mine");
        assert_eq!(listing(dir.path()), ["out.yml"]);
    }

    #[test]
    fn failed_rename_removes_the_drafts_already_renamed() {
        let dir = tempfile::tempdir().expect("tempdir");
        // With --force the overwrite check is skipped; a non-empty folder at the second
        // destination makes its rename fail after the first draft was renamed into place.
        std::fs::create_dir_all(dir.path().join("f/b.yml/keep")).expect("mkdir");
        let drafts = [draft("f/a.yml", "a"), draft("f/b.yml", "b")];
        let err = write_drafts(dir.path(), &drafts, true).expect_err("rename");
        assert!(
            matches!(err, WriteError::Io { ref path, .. } if *path == dir.path().join("f/b.yml")),
            "{err}"
        );
        assert_eq!(listing(dir.path()), ["f", "f/b.yml", "f/b.yml/keep"]);
    }

    #[test]
    fn failed_rename_after_replacing_files_says_which() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("f/c.yml/keep")).expect("mkdir");
        std::fs::write(dir.path().join("f/a.yml"), "old").expect("write");
        let drafts = [
            draft("f/a.yml", "a"),
            draft("f/b.yml", "b"),
            draft("f/c.yml", "c"),
        ];
        let err = write_drafts(dir.path(), &drafts, true).expect_err("rename");
        let WriteError::Partial { replaced, .. } = &err else {
            panic!("expected Partial, got {err}");
        };
        assert_eq!(replaced, &[dir.path().join("f/a.yml")]);
        // The new file b.yml was removed again; a.yml holds the new text; no temp files.
        assert_eq!(
            listing(dir.path()),
            ["f", "f/a.yml", "f/c.yml", "f/c.yml/keep"]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f/a.yml")).expect("read"),
            "a"
        );
    }

    #[test]
    fn write_atomic_keeps_existing_without_overwrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.yml");
        std::fs::write(&p, "edited by hand").expect("write");
        let err = write_atomic(&p, b"new", false).expect_err("exists");
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "edited by hand");
        assert_eq!(listing(dir.path()), ["x.yml"]);
        write_atomic(&p, b"new", true).expect("overwrite");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        assert_eq!(listing(dir.path()), ["x.yml"]);
    }
}
