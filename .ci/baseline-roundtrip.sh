#!/usr/bin/env bash
# Round trip of `sigsmith baseline --emit sigma` and `--from-results` through a real engine:
# pySigma's SQLite backend converts the emitted correlation rules, Python's sqlite3 runs them on
# the events, and the report read back from the grouped rows must equal the report built from
# the events themselves (values, counts, days, first/last seen, shares, verdicts). Runs on the
# shared CloudTrail events and on a generated 14-day history. Always on in CI; locally
# SIGSMITH_SKIP_PYSIGMA=1 skips it. Shares the cached pySigma venv of .ci/differential.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/pysigma-env.sh "baseline round trip"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$bin" new DET0078 --target aws-cloudtrail --out "$work/drafts" --quiet
draft="$work/drafts/cloud-api-audit/det0078_aws_cloudtrail.yml"
"$venv/bin/python" tests/baseline/gen_history.py "$work/history.ndjson"
"$venv/bin/python" tests/baseline/roundtrip.py --sigsmith "$bin" --draft "$draft" \
  --work "$work" --label history --events "$work/history.ndjson"
"$venv/bin/python" tests/baseline/roundtrip.py --sigsmith "$bin" --draft "$draft" \
  --work "$work" --label shared --events ../shared/events/stratus-red-team \
  ../shared/events/panther-analysis/aws-cloudtrail.ndjson
echo "baseline round trip: ok"
