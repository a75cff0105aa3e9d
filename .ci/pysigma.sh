#!/usr/bin/env bash
# Interop proof: the drafts `sigsmith new --all` writes are accepted by the reference Sigma
# implementation (pySigma's `sigma check`: zero errors), and once their placeholders are filled
# (`--example-values`) one draft per family converts to a Splunk query with a pySigma backend.
# Always on in CI; locally SIGSMITH_SKIP_PYSIGMA=1 skips it. The virtual environment is cached
# in target/pysigma-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/pysigma-env.sh "pysigma interop"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

"$bin" new --all --date 2026-01-01 --out "$work/drafts" --quiet
echo "== sigma check on $(find "$work/drafts" -name '*.yml' | wc -l) drafts (sigma-cli 3.1.0)"
"$venv/bin/python" .ci/sigma_offline.py check "$work/drafts" > "$work/check.log" 2>&1 || {
  cat "$work/check.log"; echo "pysigma interop: sigma check failed" >&2; exit 1; }
grep -E '^Found [0-9]+ errors' "$work/check.log"
grep -qE '^Found 0 errors, 0 condition errors' "$work/check.log" || {
  cat "$work/check.log"; echo "pysigma interop: sigma check reported errors" >&2; exit 1; }

"$bin" new --all --example-values --date 2026-01-01 --out "$work/filled" --quiet
for family in cloud-api-audit ics-api-execution mobile-api-calls; do
  draft=$(find "$work/filled/$family" -name '*.yml' | sort | head -n 1)
  [ -n "$draft" ] || { echo "pysigma interop: no $family draft" >&2; exit 1; }
  echo "== sigma convert -t splunk $family/$(basename "$draft")"
  "$venv/bin/python" .ci/sigma_offline.py convert -t splunk --without-pipeline "$draft"
done
echo "pysigma interop: ok"
