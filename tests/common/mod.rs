//! Helpers shared by the integration tests: insta settings that store every snapshot in the
//! top-level `snapshots/` folder and replace machine-specific text by stable placeholders; a
//! builder for `sigsmith` command lines ([`sigsmith`], [`Cmd`]); and files and git
//! repositories in temporary folders ([`write`], [`git`], [`TempRepo`]).
#![allow(dead_code, unreachable_pub)]

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the repository, when present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("..").join("shared");
    dir.is_dir().then_some(dir)
}

/// Appends every `.yml`/`.yaml` file under `dir` (recursively, in no order) to `out`; an
/// unreadable or missing folder adds nothing.
pub fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
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

/// A finished run: exit code and output as text.
#[derive(Debug)]
pub struct Out {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Out {
    fn from(out: Output) -> Self {
        Out {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8(out.stdout).expect("utf8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf8 stderr"),
        }
    }
}

/// A `sigsmith` command line being built: arguments, folder, environment, standard input
/// (none unless [`Cmd::stdin`] gives some).
pub struct Cmd {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

/// `sigsmith ARGS`, run in the current folder unless [`Cmd::dir`] says otherwise.
pub fn sigsmith<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Cmd {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    Cmd { cmd, stdin: None }
}

impl Cmd {
    /// More arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.cmd.args(args);
        self
    }

    /// Runs in `dir`.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Removes environment variables the test's own environment might set.
    pub fn env_remove(mut self, keys: &[&str]) -> Self {
        for k in keys {
            self.cmd.env_remove(k);
        }
        self
    }

    /// Without the variables that point sigsmith at ATT&CK data from outside the test.
    pub fn no_attack_env(self) -> Self {
        self.env_remove(&["SIGSMITH_ATTACK", "SIGSMITH_ATTACK_LOGSOURCES"])
    }

    /// With `NO_COLOR=1`.
    pub fn no_color(self) -> Self {
        self.env("NO_COLOR", "1")
    }

    /// Feeds `text` on standard input.
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.as_bytes().to_vec());
        self
    }

    /// Starts the command with standard output and error piped, for a test that waits its own
    /// way (with a time limit, say); standard input is piped when [`Cmd::stdin`] gave some
    /// (then written and closed here), null otherwise.
    pub fn spawn(mut self) -> Child {
        let stdin = if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        let mut child = self
            .cmd
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sigsmith");
        if let Some(input) = self.stdin {
            // The child may exit (usage error) before reading its input: a broken pipe is fine.
            let mut pipe = child.stdin.take().expect("stdin");
            match pipe.write_all(&input) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.expect("write stdin"),
            }
        }
        child
    }

    /// Runs to the end and returns what it gave.
    pub fn output(self) -> Output {
        self.spawn().wait_with_output().expect("wait for sigsmith")
    }

    /// Runs to the end; exit code and output as text.
    pub fn out(self) -> Out {
        self.output().into()
    }

    /// Runs to the end and asserts it succeeded.
    pub fn ok(self) -> Output {
        let line = format!("{:?}", self.cmd);
        let out = self.output();
        assert!(
            out.status.success(),
            "{line} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

/// Writes `text` to `dir/rel`, creating the folders on the way; returns the path.
pub fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// Runs `git ARGS` in `dir` with a fixed identity and no user or system configuration, and
/// asserts it succeeded.
pub fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Makes `dir` (created when missing) a git repository on branch `main`.
pub fn git_init(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    git(dir, &["init", "-q", "-b", "main"]);
}

/// Commits everything in the repository at `dir` (ignored files too), even nothing.
pub fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A", "-f"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// A temporary folder (removed when dropped) to write files in and run `sigsmith` or git in.
pub struct TempRepo {
    tmp: tempfile::TempDir,
}

impl TempRepo {
    /// An empty temporary folder.
    pub fn new() -> Self {
        TempRepo {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `text` to `rel` in the folder (see [`write`]).
    pub fn file(&self, rel: &str, text: &str) -> &Self {
        write(self.path(), rel, text);
        self
    }

    /// Makes the folder a git repository (see [`git_init`]).
    pub fn git_init(&self) -> &Self {
        git_init(self.path());
        self
    }

    /// Commits everything (see [`commit_all`]).
    pub fn commit(&self, message: &str) -> &Self {
        commit_all(self.path(), message);
        self
    }

    /// `sigsmith ARGS` run in the folder.
    pub fn sigsmith<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Cmd {
        sigsmith(args).dir(self.path())
    }
}

impl Default for TempRepo {
    fn default() -> Self {
        Self::new()
    }
}
