//! `sigsmith new --out` when writing goes wrong: a read-only folder, a file where the folder
//! should be, a full disk, and a draft the user has edited. Each run must end with a clear
//! error (exit 2), leave no partial draft and no temporary file behind, and never overwrite a
//! file without `--force`.
//!
//! Tests run as root in CI, where file permissions do not stop writes; the read-only case
//! falls back to an immutable folder (`chattr +i`), and the full disk is simulated with a file
//! size limit (`ulimit -f`, which makes `write` fail with EFBIG part-way through a draft, the
//! same failure path as ENOSPC).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const DATE: &str = "2025-01-01";

fn run(args: &[&str]) -> Output {
    common::sigsmith(args).no_color().output()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its content (folders as `None`).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            let rel = p.strip_prefix(dir).expect("prefix").to_path_buf();
            if p.is_dir() {
                out.insert(rel, None);
                todo.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).expect("read")));
            }
        }
    }
    out
}

fn assert_no_temp_files(dir: &Path) {
    for p in tree(dir).keys() {
        let name = p.file_name().expect("name").to_string_lossy();
        assert!(
            !name.starts_with(".sigsmith-"),
            "temporary file left behind: {}",
            p.display()
        );
    }
}

fn assert_clean_failure(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// A folder nothing can be created in, even by root; `None` (with a printed note) when this
/// machine offers no way to make one.
struct ReadOnlyDir {
    path: PathBuf,
    immutable: bool,
}

impl ReadOnlyDir {
    fn new(parent: &Path) -> Option<ReadOnlyDir> {
        let path = parent.join("locked");
        std::fs::create_dir(&path).expect("mkdir");
        std::fs::write(path.join("existing.yml"), "title: mine\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        }
        let mut dir = ReadOnlyDir {
            path,
            immutable: false,
        };
        if !dir.writable() {
            return Some(dir);
        }
        // Root ignores the mode bits; an immutable folder stops root too (ext4, xfs, btrfs).
        let chattr = Command::new("chattr").arg("+i").arg(&dir.path).output();
        if chattr.is_ok_and(|o| o.status.success()) {
            dir.immutable = true;
            if !dir.writable() {
                return Some(dir);
            }
        }
        eprintln!(
            "note: cannot make a read-only folder here (running as root without chattr +i); \
             skipping"
        );
        None
    }

    fn writable(&self) -> bool {
        let probe = self.path.join(".probe");
        let ok = std::fs::write(&probe, "x").is_ok();
        let _ = std::fs::remove_file(&probe);
        ok
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn read_only_folder_is_a_clear_error_and_nothing_is_written() {
    let t = tempfile::tempdir().expect("tmp");
    let Some(ro) = ReadOnlyDir::new(t.path()) else {
        return;
    };
    let before = tree(&ro.path);
    // Straight into the read-only folder, and into a new folder below it.
    for out in [ro.path.clone(), ro.path.join("drafts")] {
        let o = run(&[
            "new",
            "--all",
            "--out",
            out.to_str().expect("utf8"),
            "--date",
            DATE,
        ]);
        let err = assert_clean_failure(&o);
        assert!(err.contains("cannot write"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert!(
            err.contains("denied") || err.contains("not permitted") || err.contains("Read-only"),
            "{err}"
        );
        assert!(
            o.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert_eq!(tree(&ro.path), before);
    }
}

#[test]
fn out_path_that_is_a_file_is_named_and_left_alone() {
    let t = tempfile::tempdir().expect("tmp");
    let file = t.path().join("notes.txt");
    std::fs::write(&file, "my notes\n").expect("write");
    for out in [file.clone(), file.join("drafts")] {
        for force in [false, true] {
            let mut args = vec![
                "new",
                "DET0078",
                "--out",
                out.to_str().expect("utf8"),
                "--date",
                DATE,
            ];
            if force {
                args.push("--force");
            }
            let o = run(&args);
            let err = assert_clean_failure(&o);
            assert!(
                err.contains(&format!("{}: it is a file, not a folder", file.display())),
                "{err}"
            );
            assert!(err.contains("nothing was written"), "{err}");
        }
    }
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "my notes\n");
    assert_eq!(tree(t.path()).len(), 1);
}

/// Sizes of the drafts `new --all` writes, in the order it writes them.
fn draft_sizes(t: &Path) -> Vec<u64> {
    let probe = t.join("probe");
    let o = run(&[
        "new",
        "--all",
        "--out",
        probe.to_str().expect("utf8"),
        "--date",
        DATE,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("wrote "))
        .map(|p| std::fs::metadata(p).expect("draft").len())
        .collect()
}

#[cfg(unix)]
#[test]
fn full_disk_mid_write_leaves_no_draft_and_no_temp_file() {
    let t = tempfile::tempdir().expect("tmp");
    let sizes = draft_sizes(t.path());
    assert!(sizes.len() > 3, "{sizes:?}");
    // A file size limit between the smallest and the largest draft: the drafts written first
    // (when small enough) are staged, then a write fails part-way (EFBIG, like ENOSPC).
    // `ulimit -f` counts 512-byte blocks in POSIX sh; SIGXFSZ is ignored so `write` returns
    // the error instead of the signal killing the process.
    let (min, max) = (
        *sizes.iter().min().expect("min"),
        *sizes.iter().max().expect("max"),
    );
    let blocks = (min + max) / 2 / 512;
    assert!(
        blocks * 512 > min && blocks * 512 < max,
        "{sizes:?} leave no room for a limit between them"
    );
    let out = t.path().join("drafts");
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks} || exit 99; exec \"$0\" new --all --out \"$1\" --date {DATE}"
    );
    let o = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(common::bin())
        .arg(&out)
        .output()
        .expect("run sh");
    if o.status.code() == Some(99) {
        eprintln!("note: this shell cannot set a file size limit; skipping");
        return;
    }
    let err = assert_clean_failure(&o);
    assert!(err.contains("File too large"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains(".sigsmith-"), "temp path in message: {err}");
    assert!(o.stdout.is_empty());
    // The output folder did not exist: everything this run created is gone again.
    assert!(!out.exists(), "{:?}", tree(&out).keys().collect::<Vec<_>>());

    // Same into an existing folder with other content: that content is untouched.
    std::fs::create_dir_all(out.join("cloud-api-audit")).expect("mkdir");
    std::fs::write(out.join("cloud-api-audit/mine.yml"), "title: mine\n").expect("write");
    let before = tree(&out);
    let o = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(common::bin())
        .arg(&out)
        .output()
        .expect("run sh");
    assert_clean_failure(&o);
    assert_eq!(tree(&out), before);
    assert_no_temp_files(&out);
}

#[test]
fn edited_draft_is_never_overwritten_without_force() {
    let t = tempfile::tempdir().expect("tmp");
    let out = t.path().join("drafts");
    let out_s = out.to_str().expect("utf8");
    let first = run(&["new", "DET0078", "--out", out_s, "--date", DATE]);
    assert!(first.status.success(), "{}", stderr(&first));
    let edited = out.join("cloud-api-audit/det0078_aws_cloudtrail.yml");
    let mut text = std::fs::read_to_string(&edited).expect("read");
    text.push_str("# tuned by hand\n");
    std::fs::write(&edited, &text).expect("write");
    let before = tree(&out);

    // Again, and with every strategy (most drafts are new): refused as a whole, nothing
    // written, the edit intact.
    for args in [
        vec!["new", "DET0078", "--out", out_s, "--date", DATE],
        vec!["new", "--all", "--out", out_s, "--date", DATE],
    ] {
        let o = run(&args);
        let err = assert_clean_failure(&o);
        assert!(err.contains("refusing to overwrite"), "{err}");
        assert!(err.contains("--force"), "{err}");
        assert!(err.contains("det0078_aws_cloudtrail.yml"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(tree(&out), before);
    }

    // A draft replaced by a folder of the same name is "existing" too.
    let other = out.join("cloud-api-audit/det0078_gcp_audit.yml");
    std::fs::remove_file(&other).expect("rm");
    std::fs::create_dir(&other).expect("mkdir");
    let o = run(&["new", "DET0078", "--out", out_s, "--date", DATE]);
    assert_clean_failure(&o);
    std::fs::remove_dir(&other).expect("rmdir");

    // --force overwrites, atomically, with no temp file left.
    let o = run(&["new", "DET0078", "--out", out_s, "--date", DATE, "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !std::fs::read_to_string(&edited)
            .expect("read")
            .contains("# tuned by hand")
    );
    assert_no_temp_files(&out);
}
