#!/usr/bin/env bash
# Interop proof for `sigsmith coverage --format navigator`: the layers written for the SigmaHQ
# corpus with the three ATT&CK v18.1 bundles load without a complaint in MITRE's own layer
# library (mitreattack-python's navlayers), and the enterprise layer renders as a matrix against
# the bundle with every technique found. Locally SIGSMITH_SKIP_NAVIGATOR=1 skips it. The
# virtual environment is cached in target/navlayers-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SIGSMITH_SKIP_NAVIGATOR:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "navigator interop: skipped (SIGSMITH_SKIP_NAVIGATOR=1)"
  exit 0
fi
shared=../shared
if [ ! -d "$shared/corpora/sigmahq" ]; then
  echo "navigator interop: skipped (no ../shared)"
  exit 0
fi
venv=${SIGSMITH_NAVLAYERS_VENV:-target/navlayers-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import mitreattack.navlayers' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'mitreattack-python==6.3.1'
fi
cargo build --locked --quiet
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
a=$shared/attack
target/debug/sigsmith coverage "$shared/corpora/sigmahq" --quiet --format navigator --out "$work" \
  --attack "$a/enterprise-attack-18.1.json" --attack "$a/mobile-attack-18.1.json" \
  --attack "$a/ics-attack-18.1.json"
"$venv/bin/python" .ci/navlayers_check.py --excel "$a/enterprise-attack-18.1.json" \
  "$work/enterprise-attack-layer.json" "$work/mobile-attack-layer.json" "$work/ics-attack-layer.json"
echo "navigator interop: ok"
