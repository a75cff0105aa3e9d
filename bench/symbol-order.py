#!/usr/bin/env python3
"""Writes bench/symbol-order.txt: the functions `sigsmith lint` runs, for the linker's layout.

    python3 bench/symbol-order.py [CORPUS_DIR]     (default: ../shared/corpora/sigmahq)

Builds the release binary, runs it under callgrind (valgrind) on the corpus with each output
format and with --parse-only, and lists every function of the binary that ran, by symbol name,
sorted. build.rs hands the list to the linker (see there for when it applies). Run it again
after a compiler update, and when `bench/run.sh` reports that few of the listed symbols are
left in the binary (a symbol's name changes with its signature, its crate's version and the
compiler).
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER = os.path.join(ROOT, "bench", "symbol-order.txt")
WORKLOADS = [
    ["--format", "json"],
    ["--format", "sarif"],
    ["--format", "text"],
    ["--parse-only"],
]


def executed(profile):
    """Names of the functions a callgrind profile saw run (`fn=` and `cfn=` entries)."""
    names = set()
    with open(profile, errors="replace") as f:
        for line in f:
            m = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if m:
                names.add(m.group(1))
    return names


def text_symbols(binary):
    """The binary's defined function symbols."""
    out = subprocess.run(
        ["nm", "--defined-only", binary], capture_output=True, text=True, check=True
    ).stdout
    rows = (line.split() for line in out.splitlines())
    return {p[2] for p in rows if len(p) == 3 and p[1] in "tTwW"}


def compiler():
    """`rustc -V` and the host target of the compiler cargo builds with (what build.rs checks)."""
    rustc = os.environ.get("RUSTC", "rustc")
    out = subprocess.run([rustc, "-vV"], capture_output=True, text=True, check=True).stdout
    # The first line of `rustc -vV` is `rustc -V`.
    return out.splitlines()[0].strip(), re.search(r"^host: (\S+)$", out, re.M).group(1)


def main():
    default = os.path.join(ROOT, "..", "shared", "corpora", "sigmahq")
    corpus = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default)
    if not os.path.isdir(corpus):
        sys.exit(f"symbol-order: no corpus at {corpus}")
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "sigsmith")
    version, host = compiler()
    ran = set()
    with tempfile.TemporaryDirectory() as tmp:
        for i, args in enumerate(WORKLOADS):
            profile = os.path.join(tmp, f"callgrind.{i}")
            subprocess.run(
                [
                    "valgrind", "--tool=callgrind", "--demangle=no",
                    f"--callgrind-out-file={profile}",
                    binary, "lint", "--quiet", "--no-config", *args, corpus,
                ],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
            )
            ran |= executed(profile)
    listed = sorted(ran & text_symbols(binary))
    with open(ORDER, "w") as f:
        f.write(f"# {version} {host}\n")
        f.write(
            "# The functions `sigsmith lint` runs (bench/symbol-order.py);"
            " build.rs links them first.\n"
        )
        f.writelines(name + "\n" for name in listed)
    print(f"symbol-order: {len(listed)} functions written to {os.path.relpath(ORDER, ROOT)}")


if __name__ == "__main__":
    main()
