//! Finding and reading the files `sigsmith lint` checks.
//!
//! Paths on the command line may be files (linted whatever their extension), folders (walked
//! recursively for `.yml`/`.yaml` files) or `-` (one YAML stream read from standard input,
//! shown as `-`). In a folder walk, hidden files and folders are linted (`.git` itself is
//! skipped); `.gitignore`, `.ignore` and `.git/info/exclude` prune untracked files only: in a
//! git repository every tracked YAML file under the folder is linted whatever the ignore files
//! say (git is asked with `git ls-files`). Exclude globs from the
//! command line and the configuration prune the walk and also apply to files named explicitly,
//! so a pre-commit hook that passes every changed file still respects them.
//!
//! Every file is read exactly once, in parallel (by `lint` while it lints, see [`Found`]), and the result is in a deterministic order
//! (sorted by the path as shown). A file that cannot be read as UTF-8 text (permissions, binary
//! content, invalid UTF-8, larger than [`MAX_FILE_SIZE`], a symbolic-link loop, ...) becomes an
//! [`UnreadableFile`] finding and the other files are still linted. Only a path given on the
//! command line that does not exist is an error of the whole run (exit code 2).
//!
//! Symbolic links to files are read; symbolic links to folders are not followed (this rules
//! out loops and double reads).

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;

use crate::diagnostic::Finding;
use crate::lint::engine::SourceFile;
use crate::lint::rules::unreadable_file::UnreadableFile;
use crate::yaml::Pos;

/// Largest file `sigsmith lint` reads: 16 MiB. Larger files are reported as unreadable; no
/// Sigma rule comes anywhere near this size.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Exclude globs, each set anchored at its own folder (gitignore syntax: `deprecated/`,
/// `*.draft.yml`, `rules/old/**`).
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    sets: Vec<Gitignore>,
}

/// A glob that does not parse.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid exclude glob `{glob}`: {message}")]
pub struct GlobError {
    /// Index of the glob in the list given to [`Excludes::add`].
    pub index: usize,
    /// The glob.
    pub glob: String,
    /// What is wrong with it.
    pub message: String,
}

impl Excludes {
    /// No exclusions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `globs`, interpreted relative to `root` (an absolute folder).
    pub fn add(&mut self, root: &Path, globs: &[String]) -> Result<(), GlobError> {
        if globs.is_empty() {
            return Ok(());
        }
        let mut b = GitignoreBuilder::new(root);
        for (index, glob) in globs.iter().enumerate() {
            b.add_line(None, glob).map_err(|e| GlobError {
                index,
                glob: glob.clone(),
                message: e.to_string(),
            })?;
        }
        let set = b.build().map_err(|e| GlobError {
            index: 0,
            glob: globs.join(", "),
            message: e.to_string(),
        })?;
        self.sets.push(set);
        Ok(())
    }

    /// Whether the absolute path `abs` (or one of its parents) is excluded.
    pub fn is_excluded(&self, abs: &Path, is_dir: bool) -> bool {
        self.sets.iter().any(|set| {
            match abs.strip_prefix(set.path()) {
                Ok(rel) if rel.as_os_str().is_empty() => false,
                Ok(rel) => set.matched_path_or_any_parents(rel, is_dir).is_ignore(),
                // Outside the set's folder: only unanchored globs (`*.bak.yml`) can match.
                Err(_) => abs
                    .file_name()
                    .is_some_and(|name| set.matched(Path::new(name), is_dir).is_ignore()),
            }
        })
    }
}

/// What was found and read.
#[derive(Default)]
pub struct Discovery {
    /// Files read successfully, sorted by path.
    pub sources: Vec<SourceFile>,
    /// [`UnreadableFile`] findings for files that could not be read.
    pub problems: Vec<Finding>,
}

/// What was found, not yet read: the files to read in path order, the problems met while
/// finding them, and standard input (read already, since it can be read only once). `lint`
/// reads each file when it lints it and drops the text afterwards, so peak memory does not grow
/// with the size of the repository.
#[derive(Debug, Default)]
pub struct Found {
    /// The files to read, sorted by the path as shown, each once.
    pub files: Vec<FileRef>,
    /// [`UnreadableFile`] findings for what could not be listed or opened, sorted.
    pub problems: Vec<Finding>,
    stdin: Option<Result<Vec<u8>, (Pos, String)>>,
    /// The folder the shown paths are relative to: a file's absolute path is this joined with
    /// its shown path, normalised (kept once here rather than once per file).
    cwd: PathBuf,
}

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// The path as shown to the user (`-` for standard input).
    pub display: PathBuf,
    stdin: bool,
}

/// A file found, with its absolute path for de-duplication.
struct Candidate {
    file: FileRef,
    abs: PathBuf,
}

impl Found {
    /// Reads one of [`Found::files`] as text, or the [`UnreadableFile`] finding saying why it
    /// cannot be read.
    pub fn read(&self, file: &FileRef) -> Result<SourceFile, Box<Finding>> {
        let text = if file.stdin {
            match &self.stdin {
                Some(bytes) => bytes.clone().and_then(decode),
                None => Ok(String::new()),
            }
        } else {
            read_path(&normalize(&self.cwd.join(&file.display)))
        };
        match text {
            Ok(text) => Ok(SourceFile {
                path: file.display.clone(),
                text,
            }),
            Err((pos, message)) => Err(Box::new(unreadable(&file.display, pos, message))),
        }
    }

    /// Reads every file (in parallel): the [`Discovery`] of [`discover_in`].
    pub fn read_all(self) -> Discovery {
        let results: Vec<Result<SourceFile, Box<Finding>>> =
            self.files.par_iter().map(|f| self.read(f)).collect();
        let mut out = Discovery {
            sources: Vec::with_capacity(results.len()),
            problems: self.problems,
        };
        for r in results {
            match r {
                Ok(source) => out.sources.push(source),
                Err(problem) => out.problems.push(*problem),
            }
        }
        out.problems.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        out
    }
}

/// An error that stops the whole run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A path named on the command line does not exist.
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    /// `-` was given more than once.
    #[error("`-` (standard input) may be given only once")]
    StdinTwice,
    /// The current folder is unknown.
    #[error("cannot determine the current folder: {0}")]
    Cwd(io::Error),
}

/// Finds the files under `paths` (relative to the current folder) and reads them.
pub fn discover(paths: &[PathBuf], excludes: &Excludes) -> Result<Discovery, DiscoverError> {
    let cwd = std::env::current_dir().map_err(DiscoverError::Cwd)?;
    discover_in(&cwd, paths, excludes, &mut io::stdin().lock())
}

/// [`discover`] with an explicit current folder and standard input (for tests).
pub fn discover_in(
    cwd: &Path,
    paths: &[PathBuf],
    excludes: &Excludes,
    stdin: &mut dyn Read,
) -> Result<Discovery, DiscoverError> {
    Ok(find_in(cwd, paths, excludes, stdin)?.read_all())
}

/// Finds the files under `paths` (relative to `cwd`) without reading them, except standard
/// input when `-` is among the paths.
pub fn find_in(
    cwd: &Path,
    paths: &[PathBuf],
    excludes: &Excludes,
    stdin: &mut dyn Read,
) -> Result<Found, DiscoverError> {
    let mut candidates = Vec::new();
    let mut problems = Vec::new();
    let mut saw_stdin = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if saw_stdin {
                return Err(DiscoverError::StdinTwice);
            }
            saw_stdin = true;
            candidates.push(Candidate {
                file: FileRef {
                    display: PathBuf::from("-"),
                    stdin: true,
                },
                abs: PathBuf::from("-"),
            });
            continue;
        }
        let display = clean_display(path);
        let abs = normalize(&cwd.join(path));
        match std::fs::metadata(&abs) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A dangling symbolic link exists but its target does not.
                if std::fs::symlink_metadata(&abs).is_ok() {
                    problems.push(unreadable(&display, Pos::new(1, 1), link_message(&e)));
                    continue;
                }
                return Err(DiscoverError::NotFound(path.clone()));
            }
            Err(e) => problems.push(unreadable(&display, Pos::new(1, 1), link_message(&e))),
            Ok(meta) if meta.is_dir() => {
                if !excludes.is_excluded(&abs, true) {
                    walk(&display, &abs, excludes, &mut candidates, &mut problems);
                }
            }
            Ok(_) => {
                if !excludes.is_excluded(&abs, false) {
                    candidates.push(Candidate {
                        file: FileRef {
                            display,
                            stdin: false,
                        },
                        abs,
                    });
                }
            }
        }
    }
    candidates.sort_by_cached_key(|c| path_key(&c.file.display));
    // The same file listed twice under one path (by git and by the walk) has the same shown
    // path, so the copies are neighbours after the (stable) sort; only several paths on the
    // command line (`rules rules/aws`, `. /abs/path`) can list it under two shown paths.
    // Absolute paths here are normalised, so comparing their bytes compares the paths.
    candidates.dedup_by(|later, first| later.abs.as_os_str() == first.abs.as_os_str());
    if paths.len() > 1 {
        let mut seen = HashSet::with_capacity(candidates.len());
        candidates.retain(|c| seen.insert(c.abs.clone()));
    }
    problems.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // Every shown path is the absolute one relative to `cwd` (`normalize(cwd/shown)`), so the
    // absolute paths need not be kept.
    Ok(Found {
        files: candidates.into_iter().map(|c| c.file).collect(),
        cwd: cwd.to_path_buf(),
        problems,
        stdin: saw_stdin.then(|| read_limited(stdin)),
    })
}

/// Reads a regular file as text (refusing one over [`MAX_FILE_SIZE`] without reading it).
fn read_path(path: &Path) -> Result<String, (Pos, String)> {
    std::fs::File::open(path)
        .map_err(|e| (Pos::new(1, 1), format!("cannot read file: {e}")))
        .and_then(|mut f| match f.metadata() {
            Ok(m) if m.is_file() && m.len() > MAX_FILE_SIZE => Err(too_large()),
            Ok(m) if m.is_file() => read_sized(&mut f, m.len()),
            _ => read_limited(&mut f),
        })
        .and_then(decode)
}

/// Reads a regular file of `len` bytes (as `stat` said; it may have changed since) into a
/// buffer of that size, so the text does not carry the slack of a growing buffer.
fn read_sized(f: &mut std::fs::File, len: u64) -> Result<Vec<u8>, (Pos, String)> {
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    f.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| (Pos::new(1, 1), format!("cannot read file: {e}")))?;
    if buf.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(buf)
}

fn walk(
    display_root: &Path,
    abs_root: &Path,
    excludes: &Excludes,
    candidates: &mut Vec<Candidate>,
    problems: &mut Vec<Finding>,
) {
    // `display_root` is clean already (no `.` components) and so is the part of a walked path
    // below `abs_root`, so joining them needs no second cleaning.
    let at_cwd = display_root == Path::new(".");
    let shown = |p: &Path| -> PathBuf {
        match p.strip_prefix(abs_root) {
            Ok(rel) if rel.as_os_str().is_empty() => display_root.to_path_buf(),
            Ok(rel) if at_cwd => rel.to_path_buf(),
            Ok(rel) => display_root.join(rel),
            Err(_) => clean_display(p),
        }
    };
    let filter = excludes.clone();
    let walker = ignore::WalkBuilder::new(abs_root)
        .standard_filters(true)
        .hidden(false)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            if e.depth() > 0 && e.file_name() == ".git" {
                return false;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !filter.is_excluded(e.path(), is_dir)
        })
        .build();
    // Tracked files are linted whatever the ignore files say.
    for rel in tracked_files(abs_root) {
        let path = abs_root.join(&rel);
        if !has_yaml_extension(&path)
            || excludes.is_excluded(&path, false)
            || rel.components().any(|c| c.as_os_str() == ".git")
        {
            continue;
        }
        // Deleted from the work tree, or a link to a folder: nothing to read.
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            candidates.push(Candidate {
                file: FileRef {
                    display: shown(&path),
                    stdin: false,
                },
                abs: path,
            });
        }
    }
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = error_path(&err).unwrap_or_else(|| abs_root.to_path_buf());
                problems.push(unreadable(
                    &shown(&path),
                    Pos::new(1, 1),
                    format!("cannot read: {}", strip_path_prefix(&err.to_string())),
                ));
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if ft.is_dir() || !has_yaml_extension(path) {
            continue;
        }
        if ft.is_symlink() {
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => continue, // links to folders are not followed
                Err(e) => {
                    problems.push(unreadable(&shown(path), Pos::new(1, 1), link_message(&e)));
                    continue;
                }
            }
        } else if !ft.is_file() {
            continue;
        }
        candidates.push(Candidate {
            file: FileRef {
                display: shown(path),
                stdin: false,
            },
            abs: path.to_path_buf(),
        });
    }
}

/// The files git tracks under `dir` (relative to it), or nothing when `dir` is not in a git
/// repository or git cannot be run.
fn tracked_files(dir: &Path) -> Vec<PathBuf> {
    if repo_root(dir).is_none() {
        return Vec::new();
    }
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "core.quotepath=off",
            "ls-files",
            "-z",
            "--cached",
            "--",
        ])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// The root of the git work tree holding the absolute path `path` (the nearest ancestor,
/// `path` included, with a `.git` folder or file: submodules and linked work trees have a
/// `.git` file), if any.
pub fn repo_root(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// `path` (as given, relative to the current folder) relative to `workspace` when it is under
/// it (GitHub Actions sets `GITHUB_WORKSPACE`, the checkout annotations are resolved from), else
/// relative to the root of its git repository, for formats read by a forge. Paths outside
/// both, and standard input, are returned as given.
pub fn repo_relative(path: &Path, workspace: Option<&Path>) -> PathBuf {
    if path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    // Resolve the folder, not the file: a linked rule is reported where the link is.
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return path.to_path_buf();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(dir) = std::fs::canonicalize(parent) else {
        return path.to_path_buf();
    };
    let workspace = workspace
        .and_then(|w| std::fs::canonicalize(w).ok())
        .filter(|w| dir.starts_with(w));
    match workspace.or_else(|| repo_root(&dir)) {
        Some(root) => dir
            .strip_prefix(&root)
            .map_or_else(|_| path.to_path_buf(), |rel| rel.join(name)),
        None => path.to_path_buf(),
    }
}

/// Why `path` cannot be read as a regular file (following symbolic links), or `None` when it
/// can: `is a FIFO (named pipe)`, `is a symbolic link loop`, `is a dangling symbolic link`, ...
/// Checked before opening, so a FIFO never blocks a run.
pub fn not_regular_file(path: &Path) -> Option<String> {
    let link = std::fs::symlink_metadata(path)
        .ok()?
        .file_type()
        .is_symlink();
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => None,
        Ok(m) if m.is_dir() => Some("is a folder, not a file".to_owned()),
        Ok(m) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileTypeExt as _;
                let t = m.file_type();
                if t.is_fifo() {
                    return Some("is a FIFO (named pipe), not a regular file".to_owned());
                }
                if t.is_socket() {
                    return Some("is a socket, not a regular file".to_owned());
                }
                if t.is_block_device() || t.is_char_device() {
                    return Some("is a device, not a regular file".to_owned());
                }
            }
            let _ = m;
            Some("is not a regular file".to_owned())
        }
        Err(e) if e.raw_os_error() == Some(40) => Some("is a symbolic link loop".to_owned()),
        Err(e) if link && e.kind() == io::ErrorKind::NotFound => {
            Some("is a dangling symbolic link".to_owned())
        }
        Err(e) => Some(format!("cannot be read: {e}")),
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn strip_path_prefix(message: &str) -> &str {
    message.rsplit_once(": ").map_or(message, |(_, m)| m)
}

fn link_message(e: &io::Error) -> String {
    if e.raw_os_error() == Some(40) {
        // ELOOP on Linux
        "cannot read file: symbolic link loop".to_owned()
    } else if e.kind() == io::ErrorKind::NotFound {
        "cannot read file: dangling symbolic link".to_owned()
    } else {
        format!("cannot read file: {e}")
    }
}

/// Whether the file name ends in `.yml` or `.yaml` (any case).
pub fn has_yaml_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Reads at most [`MAX_FILE_SIZE`] + 1 bytes.
fn read_limited(r: &mut dyn Read) -> Result<Vec<u8>, (Pos, String)> {
    let mut buf = Vec::new();
    r.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| (Pos::new(1, 1), format!("cannot read file: {e}")))?;
    if buf.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(buf)
}

fn too_large() -> (Pos, String) {
    (
        Pos::new(1, 1),
        format!(
            "file is larger than the {} MiB limit",
            MAX_FILE_SIZE / (1024 * 1024)
        ),
    )
}

/// Turns file bytes into text: rejects UTF-16, binary content and invalid UTF-8 (with the
/// position of the first bad byte) and drops a UTF-8 byte-order mark.
fn decode(bytes: Vec<u8>) -> Result<String, (Pos, String)> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err((
            Pos::new(1, 1),
            "file is UTF-16 encoded; save it as UTF-8".to_owned(),
        ));
    }
    if bytes.contains(&0)
        && let Some(i) = bytes.iter().position(|&b| b == 0)
    {
        return Err((
            pos_of(&bytes, i),
            "binary file (contains NUL bytes), not YAML text".to_owned(),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..'\u{feff}'.len_utf8());
            }
            Ok(s)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            Err((
                pos_of(bytes, at),
                format!("file is not valid UTF-8 (byte 0x{:02X})", bytes[at]),
            ))
        }
    }
}

/// 1-based line and character column of byte `at` (the bytes before `at` are valid UTF-8 or
/// at least counted leniently).
fn pos_of(bytes: &[u8], at: usize) -> Pos {
    let before = &bytes[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Pos::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

fn unreadable(path: &Path, pos: Pos, message: String) -> Finding {
    let m = UnreadableFile::META;
    Finding {
        code: m.code,
        name: m.name,
        severity: m.severity,
        message,
        path: path.to_path_buf(),
        pos,
        end: None,
        doc_index: None,
        doc_id: None,
        doc_title: None,
        help: Some(
            "save the file as UTF-8 YAML, fix its permissions, or exclude it with --exclude"
                .to_owned(),
        ),
        related: Vec::new(),
        fix: None,
    }
}

/// [`Path::cmp`] (component by component) for clean paths, the shown paths: no `.`
/// components, no repeated or trailing separators. For those, comparing components is
/// comparing the bytes with the separator ranked below every other byte, without splitting
/// each path into components on every comparison (which made sorting a large repository's file
/// list a tenth of a lint run). The one difference: a `..` component against a name that
/// starts with `.` and a byte below `.` (`.-x`); this order is total all the same, and the
/// file list needs only a deterministic order (findings are sorted on their own).
pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (x, y) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    let common = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    match (x.get(common), y.get(common)) {
        (Some(&p), Some(&q)) => separator_first(p).cmp(&separator_first(q)),
        _ => x.len().cmp(&y.len()),
    }
}

/// The byte with the path separator ranked below every other byte.
fn separator_first(c: u8) -> u8 {
    if std::path::is_separator(char::from(c)) {
        0
    } else {
        c
    }
}

/// A sort key whose byte order is [`path_order`] (for sorting many paths: each comparison is
/// then one `memcmp`).
fn path_key(p: &Path) -> Vec<u8> {
    p.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|&c| separator_first(c))
        .collect()
}

/// The path as shown to the user: leading `./` components removed.
fn clean_display(path: &Path) -> PathBuf {
    let mut comps = path.components().peekable();
    while comps.peek() == Some(&Component::CurDir) {
        comps.next();
    }
    let p: PathBuf = comps.collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}

/// Lexically normalises an absolute path (`.` removed, `..` applied).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Files changed since a git revision, for `--changed-since`.
#[derive(Debug, Clone, Default)]
pub struct ChangedFiles {
    /// Absolute paths of files added, copied, modified, renamed or type-changed since the
    /// revision (committed, staged or not), and of untracked files not ignored by git.
    pub changed: HashSet<PathBuf>,
    /// Whether a `.yml`/`.yaml` file was deleted or renamed away since the revision (a
    /// correlation rule or filter may now reference a rule that is gone).
    pub yaml_deleted: bool,
}

/// Why `--changed-since` could not ask git.
#[derive(Debug, thiserror::Error)]
#[error("--changed-since {rev}: {message}")]
pub struct ChangedSinceError {
    /// The revision given.
    pub rev: String,
    /// What went wrong.
    pub message: String,
}

fn git(cwd: &Path, args: &[&str], rev: &str) -> Result<String, ChangedSinceError> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| ChangedSinceError {
            rev: rev.to_owned(),
            message: format!("cannot run git: {e}"),
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(ChangedSinceError {
            rev: rev.to_owned(),
            message: stderr
                .lines()
                .next()
                .unwrap_or("git failed")
                .trim()
                .to_owned(),
        });
    }
    String::from_utf8(out.stdout).map_err(|_| ChangedSinceError {
        rev: rev.to_owned(),
        message: "git printed a path that is not UTF-8".to_owned(),
    })
}

/// [`changed_since`] over the repository of each of `paths` (relative to `cwd`; `-` is
/// skipped): a path in a submodule, in a sibling repository (`lint ../other`) or given as an
/// absolute path outside the current folder's repository is asked about in its own
/// repository. A path outside any repository is an error naming it.
pub fn changed_since_paths(
    cwd: &Path,
    paths: &[PathBuf],
    rev: &str,
) -> Result<ChangedFiles, ChangedSinceError> {
    let mut tops: Vec<PathBuf> = Vec::new();
    for p in paths.iter().filter(|p| p.as_os_str() != "-") {
        let abs = normalize(&cwd.join(p));
        let start = if abs.is_dir() {
            abs.as_path()
        } else {
            abs.parent().unwrap_or(&abs)
        };
        let top =
            git(start, &["rev-parse", "--show-toplevel"], rev).map_err(|e| ChangedSinceError {
                rev: rev.to_owned(),
                message: format!(
                    "{} is not inside a git repository ({})",
                    p.display(),
                    e.message
                ),
            })?;
        let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
        if !tops.contains(&top) {
            tops.push(top);
        }
    }
    let mut out = ChangedFiles::default();
    for top in &tops {
        let one = changed_since(top, rev)?;
        out.changed.extend(one.changed);
        out.yaml_deleted |= one.yaml_deleted;
    }
    Ok(out)
}

/// Asks git which files changed between `rev` and the working tree, in the repository holding
/// `cwd` (every command runs at the repository's top, so a subfolder sees the whole
/// repository's changes, untracked files included).
pub fn changed_since(cwd: &Path, rev: &str) -> Result<ChangedFiles, ChangedSinceError> {
    if rev.starts_with('-') {
        return Err(ChangedSinceError {
            rev: rev.to_owned(),
            message: "a revision cannot start with `-`".to_owned(),
        });
    }
    let top = git(cwd, &["rev-parse", "--show-toplevel"], rev)?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let cwd = top.as_path();
    let verify = format!("{rev}^{{commit}}");
    git(cwd, &["rev-parse", "--verify", "--quiet", &verify], rev).map_err(|_| {
        ChangedSinceError {
            rev: rev.to_owned(),
            message: "unknown revision".to_owned(),
        }
    })?;
    let diff = git(
        cwd,
        &[
            "-c",
            "diff.relative=false",
            "diff",
            "--name-status",
            "-z",
            "--no-renames",
            rev,
            "--",
        ],
        rev,
    )?;
    let untracked = git(
        cwd,
        &["ls-files", "-z", "--others", "--exclude-standard"],
        rev,
    )?;
    let mut out = ChangedFiles::default();
    let mut fields = diff.split('\0').filter(|f| !f.is_empty());
    while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
        if status.starts_with('D') {
            out.yaml_deleted |= has_yaml_extension(Path::new(path));
        } else {
            out.changed.insert(normalize(&top.join(path)));
        }
    }
    for path in untracked.split('\0').filter(|f| !f.is_empty()) {
        out.changed.insert(normalize(&top.join(path)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &[u8]) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn run(dir: &Path, paths: &[&str], excludes: &Excludes) -> Discovery {
        let paths: Vec<PathBuf> = paths.iter().map(|p| dir.join(p)).collect();
        discover_in(dir, &paths, excludes, &mut io::empty()).expect("discover")
    }

    fn names(d: &Discovery, dir: &Path) -> Vec<String> {
        d.sources
            .iter()
            .map(|s| {
                s.path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn walks_yaml_files_sorted_and_honours_gitignore() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        write(d, "b.yml", b"a: 1\n");
        write(d, "a/z.yaml", b"a: 1\n");
        write(d, "a/y.YML", b"a: 1\n");
        write(d, "notes.txt", b"x");
        write(d, "ignored/x.yml", b"a: 1\n");
        write(d, ".hidden/x.yml", b"a: 1\n");
        write(d, ".gitignore", b"ignored/\n");
        let got = run(d, &["."], &Excludes::new());
        assert_eq!(
            names(&got, d),
            [".hidden/x.yml", "a/y.YML", "a/z.yaml", "b.yml"]
        );
        assert!(got.problems.is_empty());
    }

    #[test]
    fn excludes_prune_walks_and_explicit_files() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        write(d, "keep.yml", b"a: 1\n");
        write(d, "old/x.yml", b"a: 1\n");
        write(d, "y.draft.yml", b"a: 1\n");
        let mut ex = Excludes::new();
        ex.add(d, &["old/".to_owned(), "*.draft.yml".to_owned()])
            .expect("globs");
        assert_eq!(names(&run(d, &["."], &ex), d), ["keep.yml"]);
        assert!(run(d, &["y.draft.yml"], &ex).sources.is_empty());
    }

    #[test]
    fn explicit_files_of_any_extension_are_read_once() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        write(d, "rule.txt", b"a: 1\n");
        write(d, "r.yml", b"a: 1\n");
        let got = run(d, &["rule.txt", "r.yml", ".", "r.yml"], &Excludes::new());
        assert_eq!(names(&got, d), ["r.yml", "rule.txt"]);
    }

    #[test]
    fn missing_path_is_an_error() {
        let t = tempfile::tempdir().expect("tmp");
        let err = discover_in(
            t.path(),
            &[t.path().join("nope")],
            &Excludes::new(),
            &mut io::empty(),
        );
        assert!(matches!(err, Err(DiscoverError::NotFound(_))));
    }

    #[test]
    fn unreadable_content_becomes_findings() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        write(d, "bin.yml", b"title: x\n\x00\x01\x02");
        write(d, "latin1.yml", b"title: x\ndescription: caf\xE9\n");
        write(d, "utf16.yml", b"\xFF\xFEt\x00");
        write(d, "bom.yml", "\u{feff}title: x\n".as_bytes());
        write(d, "ok.yml", b"title: x\n");
        let got = run(d, &["."], &Excludes::new());
        assert_eq!(names(&got, d), ["bom.yml", "ok.yml"]);
        assert_eq!(got.sources[0].text, "title: x\n");
        let probs: Vec<(String, Pos, &str)> = got
            .problems
            .iter()
            .map(|f| {
                (
                    f.path.file_name().expect("name").to_string_lossy().into(),
                    f.pos,
                    f.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            probs,
            [
                (
                    "bin.yml".to_owned(),
                    Pos::new(2, 1),
                    "binary file (contains NUL bytes), not YAML text"
                ),
                (
                    "latin1.yml".to_owned(),
                    Pos::new(2, 17),
                    "file is not valid UTF-8 (byte 0xE9)"
                ),
                (
                    "utf16.yml".to_owned(),
                    Pos::new(1, 1),
                    "file is UTF-16 encoded; save it as UTF-8"
                ),
            ]
        );
        assert!(got.problems.iter().all(|f| f.code == "SIG019"));
    }

    #[test]
    fn too_large_is_reported() {
        let mut r = io::repeat(b'a').take(MAX_FILE_SIZE + 10);
        let err = read_limited(&mut r).expect_err("too large");
        assert!(err.1.contains("16 MiB"), "{}", err.1);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_dangling_links_are_findings() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        write(d, "ok.yml", b"a: 1\n");
        std::os::unix::fs::symlink(d.join("loop.yml"), d.join("loop.yml")).expect("link");
        std::os::unix::fs::symlink(d.join("gone.yml"), d.join("dangling.yml")).expect("link");
        std::os::unix::fs::symlink(d.join("ok.yml"), d.join("alias.yml")).expect("link");
        std::os::unix::fs::symlink(d, d.join("sub")).expect("dir link");
        let got = run(d, &["."], &Excludes::new());
        assert_eq!(names(&got, d), ["alias.yml", "ok.yml"]);
        let msgs: Vec<&str> = got.problems.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "cannot read file: dangling symbolic link",
                "cannot read file: symbolic link loop"
            ]
        );
    }

    #[test]
    fn folder_named_like_yaml_is_walked() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        write(d, "x.yml/inner.yml", b"a: 1\n");
        let got = run(d, &["."], &Excludes::new());
        assert_eq!(names(&got, d), ["x.yml/inner.yml"]);
        assert!(got.problems.is_empty());
    }

    #[test]
    fn stdin_is_read_once_as_dash() {
        let t = tempfile::tempdir().expect("tmp");
        let mut input: &[u8] = b"title: from stdin\n";
        let got = discover_in(
            t.path(),
            &[PathBuf::from("-")],
            &Excludes::new(),
            &mut input,
        )
        .expect("discover");
        assert_eq!(got.sources.len(), 1);
        assert_eq!(got.sources[0].path, Path::new("-"));
        assert_eq!(got.sources[0].text, "title: from stdin\n");
        let twice = discover_in(
            t.path(),
            &[PathBuf::from("-"), PathBuf::from("-")],
            &Excludes::new(),
            &mut io::empty(),
        );
        assert!(matches!(twice, Err(DiscoverError::StdinTwice)));
    }

    #[test]
    fn changed_since_lists_modified_untracked_and_deleted() {
        let t = tempfile::tempdir().expect("tmp");
        let d = t.path();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(d)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
                .output()
                .expect("git runs")
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        write(d, "a.yml", b"a: 1\n");
        write(d, "b.yml", b"b: 1\n");
        write(d, "gone.yml", b"c: 1\n");
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "base"]);
        write(d, "a.yml", b"a: 2\n");
        write(d, "new/c.yml", b"c: 1\n");
        std::fs::remove_file(d.join("gone.yml")).expect("rm");
        let got = changed_since(d, "HEAD").expect("git works");
        let top = normalize(&std::fs::canonicalize(d).expect("canonical"));
        let mut names: Vec<String> = got
            .changed
            .iter()
            .map(|p| {
                p.strip_prefix(&top)
                    .expect("under top")
                    .display()
                    .to_string()
            })
            .collect();
        names.sort();
        assert_eq!(names, ["a.yml", "new/c.yml"]);
        assert!(got.yaml_deleted);
        let err = changed_since(d, "no-such-rev").expect_err("bad rev");
        assert_eq!(
            err.to_string(),
            "--changed-since no-such-rev: unknown revision"
        );
        assert!(changed_since(d, "--output=x").is_err());
    }

    #[test]
    fn path_order_is_component_order_for_shown_paths() {
        // Every clean path of up to three components over an alphabet that has the bytes
        // around the separator, a multi-byte character and `..`.
        let parts = ["a", "a.b", "a-b", "ab", "a0", "é", "..", "b"];
        let mut paths = vec![PathBuf::from("/"), PathBuf::from("/a")];
        for x in parts {
            paths.push(PathBuf::from(x));
            for y in parts {
                paths.push(Path::new(x).join(y));
                paths.push(Path::new("/").join(x).join(y));
                for z in ["a", "b.yml"] {
                    paths.push(Path::new(x).join(y).join(z));
                }
            }
        }
        for p in &paths {
            for q in &paths {
                assert_eq!(
                    path_order(p, q),
                    p.cmp(q),
                    "{} vs {}",
                    p.display(),
                    q.display()
                );
                assert_eq!(path_key(p).cmp(&path_key(q)), p.cmp(q));
            }
        }
    }

    #[test]
    fn display_paths_drop_leading_dot() {
        assert_eq!(clean_display(Path::new("./a/b.yml")), Path::new("a/b.yml"));
        assert_eq!(clean_display(Path::new(".")), Path::new("."));
        assert_eq!(normalize(Path::new("/a/./b/../c")), Path::new("/a/c"));
    }
}
