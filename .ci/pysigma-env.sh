# Sourced by the .ci scripts that run pySigma (`source .ci/pysigma-env.sh LABEL`): the one place
# that installs pySigma (the versions pinned in .ci/pysigma-requirements.txt, which bench/run.sh
# installs too) into the cached venv they share, so the scripts cannot drift apart. Honours
# SIGSMITH_SKIP_PYSIGMA=1 locally (never in CI) by exiting the caller with "LABEL: skipped".
# Sets `venv` (the venv folder) and `bin` (the debug sigsmith, built here).
if [ "${SIGSMITH_SKIP_PYSIGMA:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "$1: skipped (SIGSMITH_SKIP_PYSIGMA=1)"
  exit 0
fi
venv=${SIGSMITH_PYSIGMA_VENV:-target/pysigma-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c 'import sigma.backends.splunk, sigma.backends.sqlite' 2>/dev/null \
  || [ ! -x "$venv/bin/sigma" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/pysigma-requirements.txt
fi
cargo build --locked --quiet
bin=target/debug/sigsmith
