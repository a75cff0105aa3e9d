//! Build script: lays out the release binary's hot code together.
//!
//! `bench/symbol-order.txt` lists the functions that `sigsmith lint` runs on a rule repository
//! (written by `bench/symbol-order.py` from a callgrind profile). Given to the linker, it puts
//! them next to each other at the start of the text segment, so the pages the kernel maps for
//! them (64 KiB at a time) hold little else: at 1x SigmaHQ the resident code falls by several
//! MiB (see `bench/PROFILE.md`). The output does not change.
//!
//! Symbol names carry hashes that depend on the compiler version, so the list applies only to
//! a release build for the target and with the compiler it was made for (its first line names
//! both), linked by that compiler's default linker (rust-lld) and not by one configured in
//! its place. Any other build ignores it. `SIGSMITH_SYMBOL_ORDER=0` turns it off.

use std::env;
use std::fs;
use std::process::Command;

/// The symbol order file, relative to the package root.
const ORDER: &str = "bench/symbol-order.txt";

fn main() {
    println!("cargo:rerun-if-changed={ORDER}");
    println!("cargo:rerun-if-env-changed=SIGSMITH_SYMBOL_ORDER");
    if let Some(path) = order_file() {
        println!("cargo:rustc-link-arg-bin=sigsmith=-Wl,--symbol-ordering-file={path}");
        // Symbols the list names but this build does not have (code changed since the list
        // was made) are skipped without a warning each; `bench/run.sh` reports how many match.
        println!("cargo:rustc-link-arg-bin=sigsmith=-Wl,--no-warn-symbol-ordering");
    }
}

/// The order file's absolute path, when this build can use it.
fn order_file() -> Option<String> {
    let var = |name: &str| env::var(name).unwrap_or_default();
    if var("SIGSMITH_SYMBOL_ORDER") == "0" || var("PROFILE") != "release" {
        return None;
    }
    // A linker configured instead of rustc's default may not read the list.
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if env::var_os("RUSTC_LINKER").is_some()
        || ["linker", "link-self-contained", "fuse-ld"]
            .iter()
            .any(|f| flags.contains(f))
    {
        return None;
    }
    let path = format!("{}/{ORDER}", var("CARGO_MANIFEST_DIR"));
    let text = fs::read_to_string(&path).ok()?;
    // First line: `# <rustc -V> <target>`.
    let header = text.lines().next()?.strip_prefix("# ")?;
    let (made_with, target) = header.rsplit_once(' ')?;
    let rustc = Command::new(var("RUSTC")).arg("-V").output().ok()?;
    let version = String::from_utf8(rustc.stdout).ok()?;
    (target == var("TARGET") && made_with == version.trim()).then_some(path)
}
