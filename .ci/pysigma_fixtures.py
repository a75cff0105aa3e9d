"""Compare sigsmith's verdict on the SIG* fixtures with pySigma's (the reference implementation).

For every file under tests/fixtures/rules/SIG*/, pySigma's verdict is "invalid" when loading the
file (SigmaCollection.from_yaml, which parses the YAML safely, builds every detection item and
applies its modifiers, and resolves correlation references) or parsing a condition raises an
error; sigsmith's is "invalid" when `sigsmith lint` reports a SIG error for the file (its folder
is linted together, as the fixture test does). Every file where the two differ must be listed in
tests/fixtures/pysigma-differences.md with the reason; the run fails on a difference that is not
listed and on a listed one that no longer differs.

    python .ci/pysigma_fixtures.py BIN
"""
import json
import os
import re
import subprocess
import sys

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)
fixtures = os.path.join(repo, "tests", "fixtures", "rules")
listed_file = os.path.join(repo, "tests", "fixtures", "pysigma-differences.md")
binary = sys.argv[1]


def pysigma_errors(path):
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
    sys.exit(1 if new or stale else 0)


main()
