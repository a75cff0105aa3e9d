//! Writing drafts, all or nothing, and never outside the output folder.
//!
//! 1. Plan (nothing written): every destination's folders are resolved under the output
//!    folder one component at a time; a symbolic link among them is followed only when it
//!    resolves to a folder inside the output folder (checked on the canonical paths), any other
//!    link, a dangling link, a link loop or a file where a folder should be is an error. Two
//!    drafts with the same destination (exactly or up to letter case) are an error naming both.
//!    Without `--force`, an existing destination (a dangling link included) is an error.
//! 2. Stage: each file goes to a synced temporary file in its resolved folder (creating the
//!    missing folders).
//! 3. Commit: the temporary files are renamed into place. With `--force`, a destination that
//!    is a symbolic link is replaced by the new file; the link's target is never written.
//!
//! Any failure (a read-only or full disk, `EFBIG` from a file-size limit, a file where a
//! folder should be) removes the temporary files and the folders this run created, so no
//! partial file, temporary file, empty folder or half-written set of drafts is left behind.
//! (The checks are made just before the writes; a concurrent process that swaps a folder for
//! a link in between is outside this model.)

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use tempfile::NamedTempFile;

use super::Draft;

/// Why drafts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Output files exist and `--force` was not given; nothing was written.
    #[error(
        "refusing to overwrite {} existing file(s) (use --force to overwrite); nothing was written:\n{}",
        .0.len(),
        .0.iter().map(|p| format!("  {}{}", p.display(), link_note(p))).collect::<Vec<_>>().join("\n")
    )]
    Exists(Vec<PathBuf>),
    /// A file is where an output folder must be; nothing was written.
    #[error("cannot write drafts into {}: it is a file, not a folder; nothing was written", .0.display())]
    NotAFolder(PathBuf),
    /// A folder on the way is a symbolic link that leaves the output folder, dangles or loops.
    #[error(
        "refusing to write through {}: {reason} (writes stay inside {}); nothing was written",
        link.display(),
        out.display()
    )]
    UnsafeLink {
        /// The link.
        link: PathBuf,
        /// The output folder.
        out: PathBuf,
        /// Where it leads, or why it cannot be followed.
        reason: String,
    },
    /// A relative path that would leave the output folder (`..`, an absolute path).
    #[error("refusing to write {}: the path leaves the output folder; nothing was written", .0.display())]
    Escapes(PathBuf),
    /// Two files of one run have the same destination; nothing was written.
    #[error(
        "{first} and {second} would both be written to {}; nothing was written \
         (select one of them, e.g. with --target)",
        path.display()
    )]
    Collision {
        /// The shared destination.
        path: PathBuf,
        /// What the first file is (a draft's `strategy/target`).
        first: String,
        /// What the second file is.
        second: String,
    },
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

/// ` (a dangling symbolic link)` or ` (a symbolic link)` when `p` is one, for messages.
pub fn link_note(p: &Path) -> &'static str {
    match (p.symlink_metadata(), p.metadata()) {
        (Ok(m), Err(_)) if m.file_type().is_symlink() => " (a dangling symbolic link)",
        (Ok(m), Ok(_)) if m.file_type().is_symlink() => " (a symbolic link)",
        _ => "",
    }
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

/// Lets a file-size limit (`ulimit -f`) surface as an `EFBIG` write error, which the writers
/// here turn into a clean failure, instead of `SIGXFSZ` killing the process mid-write and
/// leaving a temporary file. Installs a handler that only sets a flag (`signal-hook`, safe
/// code); a no-op off Unix. Call once at start-up.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Failing to install the handler leaves the default action: nothing better to do.
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag);
    }
}

/// The destination of each draft under `out`.
pub fn destinations(out: &Path, drafts: &[Draft]) -> Vec<PathBuf> {
    drafts.iter().map(|d| out.join(&d.rel_path)).collect()
}

/// One file to write: its path relative to the output folder, what it is (named in errors)
/// and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec<'a> {
    /// Path relative to the output folder (normal components only).
    pub rel: &'a Path,
    /// What the file is, for collision errors (`DET0078/aws-cloudtrail`, `sigsmith.toml`).
    pub label: &'a str,
    /// The contents.
    pub bytes: &'a [u8],
}

/// Writes every draft under `out` (`out/<family>/<name>.yml`) and returns the paths written.
///
/// See the module docs: all or nothing, never outside `out`, collisions and (without `force`)
/// existing files refused before anything is written.
pub fn write_drafts(out: &Path, drafts: &[Draft], force: bool) -> Result<Vec<PathBuf>, WriteError> {
    let labels: Vec<String> = drafts
        .iter()
        .map(|d| format!("{}/{}", d.strategy, d.target))
        .collect();
    let specs: Vec<FileSpec<'_>> = drafts
        .iter()
        .zip(&labels)
        .map(|(d, label)| FileSpec {
            rel: &d.rel_path,
            label,
            bytes: d.text.as_bytes(),
        })
        .collect();
    write_files(out, &specs, force)
}

/// Writes `files` under `out`, all or nothing (see the module docs), and returns the paths
/// written (`out` joined with each relative path).
pub fn write_files(
    out: &Path,
    files: &[FileSpec<'_>],
    force: bool,
) -> Result<Vec<PathBuf>, WriteError> {
    // Plan: nothing is written until every destination is known to be safe.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        if f.rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
            || f.rel.file_name().is_none()
        {
            return Err(WriteError::Escapes(out.join(f.rel)));
        }
        let key = f.rel.to_string_lossy().to_lowercase();
        if let Some(&j) = seen.get(&key) {
            return Err(WriteError::Collision {
                path: out.join(f.rel),
                first: files[j].label.to_owned(),
                second: f.label.to_owned(),
            });
        }
        seen.insert(key, i);
    }
    let mut resolver = Resolver::new(out)?;
    let mut plans = Vec::with_capacity(files.len());
    for f in files {
        plans.push(resolver.plan(f.rel)?);
    }
    let shown: Vec<PathBuf> = files.iter().map(|f| out.join(f.rel)).collect();
    if !force {
        let existing: Vec<PathBuf> = plans
            .iter()
            .zip(&shown)
            .filter(|(p, _)| p.dest().symlink_metadata().is_ok())
            .map(|(_, s)| s.clone())
            .collect();
        if !existing.is_empty() {
            return Err(WriteError::Exists(existing));
        }
    }
    let mut batch = Batch::default();
    for ((f, plan), show) in files.iter().zip(&plans).zip(&shown) {
        if let Err(e) = batch.stage(plan, show, f.bytes) {
            batch.rollback();
            return Err(e);
        }
    }
    batch.commit(force)?;
    Ok(shown)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
/// Without `overwrite`, an existing `path` is left alone and reported. (The folder of `path`
/// is the output folder: its own components are the caller's choice.)
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WriteError> {
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(d), Some(n)) => (
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            },
            n,
        ),
        _ => return Err(WriteError::Escapes(path.to_path_buf())),
    };
    let spec = FileSpec {
        rel: Path::new(name),
        label: "",
        bytes,
    };
    match write_files(dir, &[spec], overwrite) {
        // A single file keeps the operating system's "File exists" wording.
        Err(WriteError::Exists(_)) => Err(WriteError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        }),
        other => other.map(|_| ()),
    }
}

/// Where one file goes: the existing folder it resolves to, the folders still to create
/// under it and the file name.
#[derive(Debug, Clone)]
struct Plan {
    base: PathBuf,
    missing: Vec<std::ffi::OsString>,
    name: std::ffi::OsString,
}

impl Plan {
    /// The destination (with the missing folders created).
    fn dest(&self) -> PathBuf {
        let mut p = self.base.clone();
        p.extend(&self.missing);
        p.push(&self.name);
        p
    }
}

/// Resolves destinations under the canonical output folder.
struct Resolver {
    /// The output folder as given (for messages).
    out: PathBuf,
    /// Its canonical path, or the canonical path of its nearest existing ancestor plus the
    /// components still to create.
    root: Plan,
}

impl Resolver {
    fn new(out: &Path) -> Result<Self, WriteError> {
        // The output folder itself is the user's choice (it may be a link); resolve it once.
        let mut missing = Vec::new();
        let mut d = out.to_path_buf();
        if d.as_os_str().is_empty() {
            d = PathBuf::from(".");
        }
        let base = loop {
            match std::fs::metadata(&d) {
                Ok(m) if m.is_dir() => break std::fs::canonicalize(&d).map_err(io_error(out))?,
                Ok(_) => return Err(WriteError::NotAFolder(d)),
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        || e.kind() == std::io::ErrorKind::NotADirectory =>
                {
                    if d.symlink_metadata()
                        .is_ok_and(|m| m.file_type().is_symlink())
                    {
                        return Err(WriteError::UnsafeLink {
                            link: d.clone(),
                            out: out.to_path_buf(),
                            reason: "it is a dangling symbolic link".to_owned(),
                        });
                    }
                    match (d.file_name(), d.parent()) {
                        (Some(name), Some(parent)) => {
                            missing.push(name.to_owned());
                            d = if parent.as_os_str().is_empty() {
                                PathBuf::from(".")
                            } else {
                                parent.to_path_buf()
                            };
                        }
                        _ => return Err(io_error(out)(e)),
                    }
                }
                Err(e) => return Err(io_error(out)(e)),
            }
        };
        missing.reverse();
        Ok(Resolver {
            out: out.to_path_buf(),
            root: Plan {
                base,
                missing,
                name: std::ffi::OsString::new(),
            },
        })
    }

    /// Resolves the folders of `rel` (normal components only) one at a time.
    fn plan(&mut self, rel: &Path) -> Result<Plan, WriteError> {
        let comps: Vec<&std::ffi::OsStr> = rel.iter().collect();
        let Some((name, folders)) = comps.split_last() else {
            return Err(WriteError::Escapes(self.out.join(rel)));
        };
        let mut plan = self.root.clone();
        plan.name = (*name).to_owned();
        let inside = self.root.dest_dir();
        let mut shown = self.out.clone();
        for c in folders {
            shown.push(c);
            if !plan.missing.is_empty() {
                plan.missing.push((*c).to_owned());
                continue;
            }
            let p = plan.base.join(c);
            match p.symlink_metadata() {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    plan.missing.push((*c).to_owned());
                }
                Err(e) => return Err(io_error(&shown)(e)),
                Ok(m) if m.is_dir() => plan.base = p,
                Ok(m) if m.file_type().is_symlink() => {
                    let unsafe_link = |reason: String| WriteError::UnsafeLink {
                        link: shown.clone(),
                        out: self.out.clone(),
                        reason,
                    };
                    let target = match std::fs::canonicalize(&p) {
                        Ok(t) => t,
                        Err(e) if e.raw_os_error() == Some(40) => {
                            return Err(unsafe_link("it is a symbolic link loop".to_owned()));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            return Err(unsafe_link("it is a dangling symbolic link".to_owned()));
                        }
                        Err(e) => return Err(io_error(&shown)(e)),
                    };
                    if !target.starts_with(&inside) {
                        return Err(unsafe_link(format!(
                            "it is a symbolic link to {}, outside the output folder",
                            target.display()
                        )));
                    }
                    if !target.is_dir() {
                        return Err(WriteError::NotAFolder(shown));
                    }
                    plan.base = target;
                }
                Ok(_) => return Err(WriteError::NotAFolder(shown)),
            }
        }
        Ok(plan)
    }
}

impl Plan {
    /// The folder this plan's file goes into.
    fn dest_dir(&self) -> PathBuf {
        let mut p = self.base.clone();
        p.extend(&self.missing);
        p
    }
}

/// A file written to a temporary name, waiting for its rename.
struct Staged {
    tmp: NamedTempFile,
    dest: PathBuf,
    shown: PathBuf,
    existed: bool,
}

/// Files staged by one write, the folders it created and the files it renamed into place.
#[derive(Default)]
struct Batch {
    staged: Vec<Staged>,
    created_dirs: Vec<PathBuf>,
    /// (real destination, destination as shown, whether it existed before).
    committed: Vec<(PathBuf, PathBuf, bool)>,
}

impl Batch {
    /// Creates the missing folders of `plan` (each with `create_dir`, never through a link)
    /// and writes `bytes` to a synced temporary file in its folder. The temporary file is
    /// removed when it is dropped without being committed.
    fn stage(&mut self, plan: &Plan, shown: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        let mut dir = plan.base.clone();
        for c in &plan.missing {
            dir.push(c);
            match std::fs::create_dir(&dir) {
                Ok(()) => self.created_dirs.push(dir.clone()),
                // Created by an earlier file of this batch.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let m = dir.symlink_metadata().map_err(io_error(shown))?;
                    if !m.is_dir() {
                        return Err(WriteError::NotAFolder(dir));
                    }
                }
                Err(e) => return Err(io_error(shown)(e)),
            }
        }
        let dest = dir.join(&plan.name);
        let mut builder = tempfile::Builder::new();
        builder.prefix(".sigsmith-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let mut tmp = builder.tempfile_in(&dir).map_err(io_error(shown))?;
        tmp.write_all(bytes).map_err(io_error(shown))?;
        tmp.as_file().sync_all().map_err(io_error(shown))?;
        self.staged.push(Staged {
            tmp,
            existed: dest.symlink_metadata().is_ok(),
            dest,
            shown: shown.to_path_buf(),
        });
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
                Ok(_) => self.committed.push((s.dest, s.shown, s.existed)),
                Err(e) => {
                    // `e.file` is dropped here, which removes the temporary file.
                    let replaced: Vec<PathBuf> = self
                        .committed
                        .iter()
                        .filter(|(_, _, existed)| *existed)
                        .map(|(_, shown, _)| shown.clone())
                        .collect();
                    self.rollback();
                    return Err(if replaced.is_empty() {
                        io_error(&s.shown)(e.error)
                    } else {
                        WriteError::Partial {
                            path: s.shown,
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
        for (path, _, existed) in self.committed.drain(..).rev() {
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
