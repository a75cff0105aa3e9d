"""Compare sigsmith's verdict on the SIG* fixtures with pySigma's (the reference implementation).

For every file under tests/fixtures/rules/SIG*/, pySigma's verdict is "invalid" when loading the
file (SigmaCollection.from_yaml, which parses the YAML safely, builds every detection item and
applies its modifiers, and resolves correlation references) or parsing a condition raises an
error; sigsmith's is "invalid" when `sigsmith lint` reports a SIG error for the file (its folder
is linted together, as the fixture test does). Every file where the two differ must be listed in
tests/fixtures/pysigma-differences.md with the reason; the run fails on a difference that is not
listed and on a listed one that no longer differs.

    python .ci/pysigma_fixtures.py BIN

Then the output of sigsmith's fixes: every fixture (all folders) is fixed, one fixable check at
a time, with `sigsmith lint --fix --select CODE` on a copy; each changed file must load in
pySigma with no error it did not have before (a fixture may be broken in other ways too), and
every fixable check must have fixed files that pySigma loads without any error. And `sigsmith harden` on a
copy of the SigmaHQ cloud, application and identity rules (../shared/corpora/sigmahq): every
hardened file must load in pySigma without an error.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)
fixtures = os.path.join(repo, "tests", "fixtures", "rules")
listed_file = os.path.join(repo, "tests", "fixtures", "pysigma-differences.md")
binary = sys.argv[1]


def pysigma_errors(path):
    # Some messages name a Python object by its address (`<... object at 0x7f...>`), which
    # differs from run to run: they are compared without it.
    return [re.sub(r" at 0x[0-9a-f]+", "", e) for e in raw_pysigma_errors(path)]


def raw_pysigma_errors(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        coll = SigmaCollection.from_yaml(text, collect_errors=True)
    except Exception as e:  # noqa: BLE001 - any refusal is a verdict
        return [f"{type(e).__name__}: {e}"]
    errors = []
    for rule in coll.rules:
        errors.extend(str(e) for e in getattr(rule, "errors", []))
        if isinstance(rule, SigmaRule) and rule.detection is not None:
            try:
                for cond in rule.detection.parsed_condition:
                    cond.parsed
            except Exception as e:  # noqa: BLE001
                errors.append(f"condition: {e}")
    return errors


def sigsmith_errors(folder):
    run = subprocess.run(
        [binary, "lint", "--format", "json", "--no-config", folder],
        capture_output=True, text=True, cwd=repo,
    )
    if run.returncode not in (0, 1):
        sys.exit(f"sigsmith failed on {folder}: {run.stderr}")
    report = json.loads(run.stdout)
    by_file = {}
    for f in report["findings"]:
        if f["code"].startswith("SIG") and f["severity"] == "error":
            by_file.setdefault(os.path.basename(f["path"]), []).append(f"{f['code']} {f['message']}")
    return by_file


def listed():
    out = {}
    if os.path.exists(listed_file):
        for line in open(listed_file, encoding="utf-8"):
            m = re.match(r"^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|", line)
            if m:
                out[m.group(1)] = (m.group(2), m.group(3))
    return out


def main():
    known = listed()
    seen = set()
    new, agree, total = [], 0, 0
    for folder in sorted(os.listdir(fixtures)):
        if not folder.startswith("SIG"):
            continue
        rel_folder = os.path.join("tests", "fixtures", "rules", folder)
        ours = sigsmith_errors(rel_folder)
        for name in sorted(os.listdir(os.path.join(fixtures, folder))):
            if not name.endswith((".yml", ".yaml")):
                continue
            total += 1
            rel = f"{folder}/{name}"
            theirs = pysigma_errors(os.path.join(fixtures, folder, name))
            s = "invalid" if ours.get(name) else "valid"
            p = "invalid" if theirs else "valid"
            if s == p:
                agree += 1
                continue
            seen.add(rel)
            if known.get(rel) != (s, p):
                detail = (theirs or ours.get(name) or [""])[0][:160]
                new.append(f"| `{rel}` | {s} | {p} | {detail} |")
    stale = sorted(set(known) - seen)
    print(f"pySigma comparison: {agree}/{total} fixtures agree, {len(seen)} documented differences")
    if new:
        print("new differences (add them with the reason to tests/fixtures/pysigma-differences.md):")
        print("\n".join(new))
    if stale:
        print("listed differences that no longer differ (remove them):")
        print("\n".join(stale))
    return not (new or stale)


def fixable_codes():
    run = subprocess.run([binary, "rules", "--format", "json"], capture_output=True, text=True, check=True)
    return [r["code"] for r in json.loads(run.stdout) if r.get("fix")]


def fix_output():
    """Every fix's output is accepted by pySigma (fewer load errors; none if there were none)."""
    codes = fixable_codes()
    if not codes:
        print("pySigma on fix output: no check has a fix")
        return False
    work = tempfile.mkdtemp(prefix="sigsmith-fix-")
    try:
        fixed, bad, clean = 0, [], {code: 0 for code in codes}
        for folder in sorted(os.listdir(fixtures)):
            for name in sorted(os.listdir(os.path.join(fixtures, folder))):
                if not name.endswith((".yml", ".yaml")):
                    continue
                src = os.path.join(fixtures, folder, name)
                before = None
                for code in codes:
                    dst = os.path.join(work, f"{folder}__{code}__{name}")
                    with open(src, encoding="utf-8") as a:
                        start = a.read()
                    select = code
                    if code == "SIG000":
                        # No fixture carries a suppression comment: each gets one for SIG001
                        # (which fires on none of them) for the fix to remove; SIG001 is
                        # selected so that the comment counts as unused, not as not run.
                        start = start.rstrip("\n") + "\n# sigsmith: ignore[SIG001] no longer needed\n"
                        select = "SIG000,SIG001"
                    with open(dst, "w", encoding="utf-8") as b:
                        b.write(start)
                    run = subprocess.run(
                        [binary, "lint", "--no-config", "--quiet", "--fix", "--select", select, dst],
                        capture_output=True, text=True,
                    )
                    if run.returncode not in (0, 1):
                        bad.append(f"{folder}/{name} {code}: sigsmith failed: {run.stderr.strip()}")
                        continue
                    with open(dst, encoding="utf-8") as b:
                        if b.read() == start:
                            continue
                    fixed += 1
                    if before is None:
                        before = pysigma_errors(src)
                    after = pysigma_errors(dst)
                    new = [e for e in after if e not in before]
                    if new:
                        bad.append(f"{folder}/{name} {code}: {new[0][:160]}")
                    elif not after:
                        clean[code] += 1
        accepted = ", ".join(f"{c} {n}" for c, n in clean.items())
        print(f"pySigma on fix output: {fixed} fixed fixture files, {len(bad)} with a new error; loaded without error: {accepted}")
        for b in bad:
            print(f"  {b}")
        missing = [c for c, n in clean.items() if n == 0]
        if missing:
            print(f"  no fixed file of {', '.join(missing)} loads without error")
        return fixed > 0 and not bad and not missing
    finally:
        shutil.rmtree(work, ignore_errors=True)


def harden_output():
    """`sigsmith harden` output on real SigmaHQ rules loads in pySigma without an error."""
    corpus = os.path.join(repo, "..", "shared", "corpora", "sigmahq", "rules")
    if not os.path.isdir(corpus):
        print(f"pySigma on harden output: the SigmaHQ corpus is missing ({corpus})")
        return False
    work = tempfile.mkdtemp(prefix="sigsmith-harden-")
    try:
        for folder in ("cloud", "application", "identity"):
            shutil.copytree(os.path.join(corpus, folder), os.path.join(work, folder))
        original = {}
        for root, _, files in os.walk(work):
            for f in files:
                p = os.path.join(root, f)
                with open(p, encoding="utf-8") as h:
                    original[p] = h.read()
        run = subprocess.run([binary, "harden", "--no-config", "--quiet", work], capture_output=True, text=True)
        if run.returncode not in (0, 1):
            print(f"pySigma on harden output: sigsmith failed: {run.stderr.strip()}")
            return False
        hardened, bad = 0, []
        for p, text in sorted(original.items()):
            with open(p, encoding="utf-8") as h:
                if h.read() == text:
                    continue
            hardened += 1
            errors = pysigma_errors(p)
            if errors:
                bad.append(f"{os.path.relpath(p, work)}: {errors[0][:160]}")
        print(f"pySigma on harden output: {hardened} hardened SigmaHQ rules, {len(bad)} refused")
        for b in bad:
            print(f"  {b}")
        return hardened > 0 and not bad
    finally:
        shutil.rmtree(work, ignore_errors=True)


ok = main()
ok = fix_output() and ok
ok = harden_output() and ok
sys.exit(0 if ok else 1)
