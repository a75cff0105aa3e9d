#!/usr/bin/env bash
# Conformance comparison with the reference implementation: sigsmith's verdict on every SIG*
# fixture against pySigma's; differences must be documented in
# tests/fixtures/pysigma-differences.md. Then pySigma loads the output of `lint --fix` on every
# fixture and of `harden` on the SigmaHQ cloud, application and identity rules (../shared).
# Reuses the cached venv of .ci/pysigma.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SIGSMITH_SKIP_PYSIGMA:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "pysigma fixtures: skipped (SIGSMITH_SKIP_PYSIGMA=1)"
  exit 0
fi
venv=${SIGSMITH_PYSIGMA_VENV:-target/pysigma-venv}
if [ ! -x "$venv/bin/sigma" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'sigma-cli==3.1.0' 'pysigma-backend-splunk==2.1.0'
fi
cargo build --locked --quiet
"$venv/bin/python" .ci/pysigma_fixtures.py target/debug/sigsmith
