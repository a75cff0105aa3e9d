#!/usr/bin/env bash
# Backend conversion: every built-in draft, its placeholders filled (`--example-values`) and its
# companion correlation in its own file (`--companion separate`), converted with the pySigma
# backends detection teams use: Splunk SPL, Elasticsearch Lucene and ES|QL, Kusto (Microsoft
# Sentinel / Defender KQL) and Grafana Loki LogQL (tests/backends/convert.py). A feature a
# backend declares missing (correlations on Lucene and Kusto, time-part modifiers) is printed with
# its files; any other failure fails CI. The backends are pinned to versions that resolve
# against one pySigma (`pip check` must pass). Always on in CI; locally SIGSMITH_SKIP_PYSIGMA=1
# skips it. The virtual environment is cached in target/pysigma-backends-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SIGSMITH_SKIP_PYSIGMA:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "backends: skipped (SIGSMITH_SKIP_PYSIGMA=1)"
  exit 0
fi
venv=${SIGSMITH_BACKENDS_VENV:-target/pysigma-backends-venv}
pins=(
  'pysigma==1.5.1'
  'pysigma-backend-splunk==2.1.0'
  'pysigma-backend-elasticsearch==2.1.1'
  'pysigma-backend-kusto==1.0.1'
  'pysigma-backend-loki==0.15.1'
)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" - "${pins[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    if version(name) != want:
        sys.exit(1)
PY
then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
fi
"$venv/bin/pip" check --disable-pip-version-check
cargo build --locked --quiet
bin=target/debug/sigsmith
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$bin" new --all --example-values --companion separate --date 2026-01-01 --out "$work/drafts" --quiet
echo "== converting $(find "$work/drafts" -name '*.yml' | wc -l) draft files ($(printf '%s ' "${pins[@]}"))"
"$venv/bin/python" tests/backends/convert.py "$work/drafts"
echo "backends: ok"
