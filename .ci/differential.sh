#!/usr/bin/env bash
# Differential test of `sigsmith eval` against a reference nobody here wrote: pySigma's SQLite
# backend (rules converted to SQL, run with Python's sqlite3 on the events flattened into a
# table), over the SigmaHQ cloud and identity rules on ../shared/events and over generated events
# that exercise every modifier. Fails on any difference not explained in
# tests/differential/known-differences.tsv; prints the agreement over (rule, event) pairs.
# Always on in CI; locally SIGSMITH_SKIP_PYSIGMA=1 skips it. Shares the cached pySigma venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/pysigma-env.sh "differential eval"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
corpus=../shared/corpora/sigmahq/rules
known=tests/differential/known-differences.tsv

"$venv/bin/python" tests/differential/pysigma_sqlite.py --label sigmahq --sigsmith "$bin" \
  --known "$known" --rules "$corpus/cloud" "$corpus/identity" --events ../shared/events
"$venv/bin/python" tests/differential/modifiers/gen_events.py "$work/modifiers.ndjson"
"$venv/bin/python" tests/differential/pysigma_sqlite.py --label modifiers --sigsmith "$bin" \
  --known "$known" --rules tests/differential/modifiers --events "$work/modifiers.ndjson"
echo "differential eval: ok"
