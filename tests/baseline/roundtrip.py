#!/usr/bin/env python3
"""Round trip of `sigsmith baseline --emit sigma` / `--from-results` through pySigma's SQLite
backend: the emitted correlation rules are converted to SQL by pysigma-backend-sqlite and run
with Python's sqlite3 on the events (flattened into a table as tests/differential does); the
grouped rows go back through `sigsmith baseline --from-results`, and the report must agree with
`sigsmith baseline --events` on the same events: every baseline's values with their counts,
distinct days, first and last seen, share and verdict. Exits 1 on any difference.
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "differential"))
from pysigma_sqlite import build_db, event_files  # noqa: E402

from sigma.backends.sqlite import sqliteBackend  # noqa: E402
from sigma.collection import SigmaCollection  # noqa: E402


def sigsmith(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode == 2:
        sys.exit(f"sigsmith {' '.join(args)} failed:\n{p.stderr}")
    return p.stdout


def rows_from_sqlite(emitted, files, time_field):
    docs = emitted.split("\n---\n")
    base, correlations = docs[0], docs[1:]
    backend = sqliteBackend(timestamp_field=time_field)
    rows = []
    for ef in files:
        db, _, columns = build_db([ef])
        for corr in correlations:
            coll = SigmaCollection.from_yaml(base + "\n---\n" + corr)
            sql = backend.convert(coll)[-1]
            while True:
                try:
                    cur = db.execute(sql)
                    break
                except Exception as e:  # a field no event of this file has: add it as NULL
                    msg = str(e)
                    if "no such column: " not in msg:
                        raise
                    col = msg.split("no such column: ", 1)[1].strip("`")
                    db.execute(f"ALTER TABLE logs ADD COLUMN `{col}` TEXT COLLATE NOCASE")
                    columns.add(col.lower())
            names = [d[0] for d in cur.description]
            for r in cur.fetchall():
                row = dict(zip(names, r))
                # Event ids are per table; make them unique across files.
                ids = json.loads(row.get("event_ids") or "[]")
                row["event_ids"] = [f"{ef}#{i}" for i in ids]
                rows.append(row)
        db.close()
    return rows


def comparable(report):
    out = {}
    for rule in report["rules"]:
        for b in rule["baselines"]:
            out[(rule["line"], b["name"])] = sorted(
                (v["value"].lower(), v["count"], v["days"], v["first"], v["last"], v["share"], v["qualifies"])
                for v in b["values"]
            )
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigsmith", required=True)
    ap.add_argument("--draft", required=True)
    ap.add_argument("--events", nargs="+", required=True)
    ap.add_argument("--time-field", default="eventTime")
    ap.add_argument("--work", required=True)
    ap.add_argument("--label", default="events")
    args = ap.parse_args()
    files = event_files(args.events)
    emitted = sigsmith(args.sigsmith, "baseline", args.draft, "--emit", "sigma")
    rows = rows_from_sqlite(emitted, files, args.time_field)
    results = os.path.join(args.work, f"{args.label}-results.ndjson")
    with open(results, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    ours = json.loads(sigsmith(args.sigsmith, "baseline", args.draft, "--events", *files, "--format", "json"))
    theirs = json.loads(sigsmith(args.sigsmith, "baseline", args.draft, "--from-results", results, "--format", "json"))
    a, b = comparable(ours), comparable(theirs)
    values = sum(len(v) for v in a.values())
    if a != b:
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                print(f"{args.label}: baseline {k[1]} (line {k[0]}) differs", file=sys.stderr)
                print(f"  from events:  {a.get(k)}", file=sys.stderr)
                print(f"  from results: {b.get(k)}", file=sys.stderr)
        sys.exit(1)
    qualifying = sum(1 for v in a.values() for x in v if x[-1])
    print(f"baseline round trip ({args.label}): {len(rows)} SQLite rows, {values} values, "
          f"{qualifying} qualifying: identical to the report from the events")


if __name__ == "__main__":
    main()
