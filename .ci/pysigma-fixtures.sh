#!/usr/bin/env bash
# Conformance comparison with the reference implementation: sigsmith's verdict on every SIG*
# fixture against pySigma's; differences must be documented in
# tests/fixtures/pysigma-differences.md. Then pySigma loads the output of `lint --fix` on every
# fixture and of `harden` on the SigmaHQ cloud, application and identity rules (../shared).
# Reuses the cached venv of .ci/pysigma.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/pysigma-env.sh "pysigma fixtures"
"$venv/bin/python" .ci/pysigma_fixtures.py "$bin"
