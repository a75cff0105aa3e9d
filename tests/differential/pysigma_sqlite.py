#!/usr/bin/env python3
"""Differential test: `sigsmith eval` against pySigma's SQLite backend (a reference nobody here
wrote).

Every rule is converted to SQL by pysigma-backend-sqlite; the events are flattened into one
SQLite table `logs` (nested objects as dotted column names, as Zircolite does: TEXT COLLATE
NOCASE columns, booleans as 'true'/'false', lists as their JSON text) with Python's `REGEXP`;
each query's rows are the reference's matches. `sigsmith eval --all-rules --format ndjson` runs
on the same rules and events. Both sides are compared over every (rule, event) pair of the
rules both could evaluate.

A difference listed in the known-differences file (`rule-id<TAB>events-file<TAB>indices<TAB>why`,
indices comma-separated, `*` as a wildcard for the file or index) is explained and does not fail; any other difference
fails. Prints the agreement as a percentage of (rule, event) pairs.

usage: pysigma_sqlite.py --sigsmith BIN --known FILE --rules DIR... --events PATH...
"""

import argparse
import fnmatch
import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore")

from sigma.backends.sqlite import sqliteBackend  # noqa: E402
from sigma.collection import SigmaCollection  # noqa: E402
from sigma.rule import SigmaRule  # noqa: E402


def event_files(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                for f in files:
                    base = f[:-3] if f.endswith(".gz") else f
                    if base.endswith((".json", ".jsonl", ".ndjson")):
                        out.append(os.path.join(root, f))
        else:
            out.append(p)
    return sorted(out)


def read_events(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    base = path[:-3] if path.endswith(".gz") else path
    if base.endswith((".ndjson", ".jsonl")):
        i = 0
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                yield i, json.loads(line)
            except ValueError:
                pass
            i += 1
        return
    doc = json.loads(text)
    if isinstance(doc, list):
        yield from enumerate(doc)
    elif isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        yield from enumerate(doc["Records"])
    else:
        yield 0, doc


def flatten(value, prefix, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    else:
        out[prefix] = value


def regexp(pattern, value):
    if value is None:
        return None
    try:
        return re.search(pattern, str(value)) is not None
    except re.error:
        return False


def build_db(files):
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, regexp, deterministic=True)
    rows = []
    columns = {}
    for f in files:
        for idx, ev in read_events(f):
            flat = {}
            if isinstance(ev, dict):
                flatten(ev, "", flat)
            flat["_file"] = f
            flat["_index"] = idx
            for k in flat:
                columns.setdefault(k.lower(), k)
            rows.append(flat)
    cols = list(columns.values())
    q = lambda c: "`" + c.replace("`", "``") + "`"  # noqa: E731
    db.execute(
        "CREATE TABLE logs (" + ", ".join(f"{q(c)} TEXT COLLATE NOCASE" for c in cols) + ")"
    )
    for r in rows:
        lowered = {k.lower(): v for k, v in r.items()}
        keys = [c for c in cols if c.lower() in lowered]
        db.execute(
            f"INSERT INTO logs ({', '.join(q(k) for k in keys)}) VALUES ({', '.join('?' * len(keys))})",
            [lowered[k.lower()] for k in keys],
        )
    return db, len(rows), {c.lower() for c in cols}


def rule_files(dirs):
    out = []
    for d in dirs:
        for root, _dirs, files in os.walk(d):
            out.extend(os.path.join(root, f) for f in files if f.endswith((".yml", ".yaml")))
    return sorted(out)


def convert(files):
    """Converts every rule once: {rule id: [sql]}, {rule id or path: why skipped}."""
    backend = sqliteBackend()
    queries = {}
    skipped = {}
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                coll = SigmaCollection.from_yaml(f.read())
        except Exception as e:  # noqa: BLE001
            skipped[path] = f"pySigma cannot load: {e}"
            continue
        for rule in coll.rules:
            if not isinstance(rule, SigmaRule) or rule.id is None:
                continue
            rid = str(rule.id)
            try:
                queries[rid] = [
                    q.replace("SELECT * FROM logs", "SELECT `_file`, `_index` FROM logs", 1)
                    for q in backend.convert_rule(rule)
                ]
            except Exception as e:  # noqa: BLE001
                skipped[rid] = f"SQLite backend: {type(e).__name__}: {e}"
    return queries, skipped


def reference(queries, efiles, skipped):
    """Runs every query on each events file (one table per file: SQLite caps columns)."""
    matches = set()
    failed = set()
    n_events = 0
    for ef in efiles:
        db, n, columns = build_db([ef])
        n_events += n
        for rid, sqls in queries.items():
            if rid in failed:
                continue
            todo = list(sqls)
            while todo:
                sql = todo.pop()
                try:
                    for f, i in db.execute(sql):
                        matches.add((rid, f, int(i)))
                except sqlite3.OperationalError as e:
                    # A column no event of this file has: the field is absent. Add it as NULL.
                    m = re.search(r"no such column: (.+)$", str(e))
                    if m:
                        missing = m.group(1).strip("`")
                        if missing.lower() not in columns:
                            db.execute(
                                f"ALTER TABLE logs ADD COLUMN `{missing}` TEXT COLLATE NOCASE"
                            )
                            columns.add(missing.lower())
                            todo.append(sql)
                            continue
                    skipped[rid] = f"SQLite error: {e}"
                    failed.add(rid)
                    break
        db.close()
    evaluated = set(queries) - failed
    return evaluated, matches, n_events


def ours(sigsmith, rule_dirs, event_paths):
    proc = subprocess.run(
        [sigsmith, "eval", *rule_dirs, "--events", *event_paths, "--all-rules", "--format", "ndjson", "--quiet"],
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"sigsmith eval failed ({proc.returncode}): {proc.stderr}")
    failed_paths = set()
    for line in proc.stderr.splitlines():
        m = re.match(r"error: (.+?):(\d+): ", line)
        if m:
            failed_paths.add(os.path.normpath(m.group(1)))
    matches = set()
    for line in proc.stdout.splitlines():
        o = json.loads(line)
        if o.get("correlation"):
            continue
        matches.add((o["rule"], os.path.normpath(o["events"]), int(o["index"])))
    return matches, failed_paths, proc.stderr


def load_known(path):
    known = []
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.split("\t")
                if len(parts) < 4:
                    sys.exit(f"{path}: bad line (need 4 tab-separated fields): {line}")
                known.append(parts[:4])
    return known


def is_known(known, rid, f, idx):
    for k_rule, k_file, k_idx, _why in known:
        if (
            (k_rule == "*" or k_rule == rid)
            and (k_file == "*" or fnmatch.fnmatch(f, "*" + k_file))
            and (k_idx == "*" or str(idx) in k_idx.split(","))
        ):
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigsmith", required=True)
    ap.add_argument("--known")
    ap.add_argument("--rules", nargs="+", required=True)
    ap.add_argument("--events", nargs="+", required=True)
    ap.add_argument("--label", default="differential")
    args = ap.parse_args()

    efiles = [os.path.normpath(f) for f in event_files(args.events)]
    rfiles = rule_files(args.rules)
    queries, skipped = convert(rfiles)
    evaluated, ref, n_events = reference(queries, efiles, skipped)
    mine, failed_paths, _stderr = ours(args.sigsmith, args.rules, args.events)

    # Rules sigsmith could not compile are excluded too (reported on stderr with their path).
    ids_by_path = {}
    for path in rfiles:
        with open(path, encoding="utf-8") as f:
            for m in re.finditer(r"(?m)^id:\s*['\"]?([0-9a-fA-F-]{36})", f.read()):
                ids_by_path.setdefault(os.path.normpath(path), []).append(m.group(1))
    ours_failed = {i for p in failed_paths for i in ids_by_path.get(p, [])}
    compared = evaluated - ours_failed
    ref = {m for m in ref if m[0] in compared}
    mine = {m for m in mine if m[0] in compared}
    pairs = len(compared) * n_events
    diff = sorted(ref ^ mine)
    known = load_known(args.known)
    unexplained = [d for d in diff if not is_known(known, *d)]
    agreement = 100.0 * (1 - len(diff) / pairs) if pairs else 100.0
    print(
        f"{args.label}: {len(compared)} rules x {n_events} events = {pairs} pairs; "
        f"reference matches {len(ref)}, sigsmith {len(mine)}, both {len(ref & mine)}; "
        f"{len(diff)} differences ({len(diff) - len(unexplained)} known); agreement {agreement:.4f}%"
    )
    print(
        f"{args.label}: not compared: {len(skipped)} rules the SQLite backend cannot convert or run "
        f"(e.g. keywords), {len(ours_failed & evaluated)} rules sigsmith rejected"
    )
    for rid in sorted(ours_failed & evaluated):
        print(f"  sigsmith rejected {rid}")
    for rid, f, idx in unexplained:
        side = "reference only" if (rid, f, idx) in ref else "sigsmith only"
        print(f"  UNEXPLAINED {side}: {rid}\t{f}\t{idx}")
    if unexplained:
        sys.exit(1)


if __name__ == "__main__":
    main()
