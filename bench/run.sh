#!/usr/bin/env bash
# Benchmark: lint a Sigma rule corpus with sigsmith and compare with the parse-only floor and,
# when available, pySigma's `sigma check`.
#
#   bash bench/run.sh [CORPUS_DIR]          (default: ../shared/corpora/sigmahq)
#
# Prints documents per second, wall time and peak memory (GNU time) for:
#   1. sigsmith lint (all checks, all cores)       2. sigsmith lint --parse-only (read + parse)
#   3. sigma check (pySigma, sigma-cli from PyPI) when SIGSMITH_BENCH_PYSIGMA=1 or a venv exists
# Each sigsmith figure is the best of $RUNS runs (default 5); sigma check runs once, offline
# (.ci/sigma_offline.py points pySigma's ATT&CK tag validator at local data).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpora/sigmahq}
runs=${RUNS:-5}
[ -d "$corpus" ] || { echo "bench: no corpus at $corpus (clone SigmaHQ/sigma and pass its path)" >&2; exit 2; }
cargo build --release --locked --quiet
bin=target/release/sigsmith
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD...: best wall time and its peak RSS over $runs runs
measure() {
  local name=$1; shift
  local best_wall=999999 best_rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err" || true
    read -r wall rss < <(tail -n 1 "$tmp/time")
    if awk -v a="$wall" -v b="$best_wall" 'BEGIN{exit !(a<b)}'; then best_wall=$wall; best_rss=$rss; fi
  done
  eval "${name}_wall=$best_wall; ${name}_rss=$best_rss"
}

docs=$({ "$bin" lint --format json --quiet "$corpus" || true; } | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["documents"])')
files=$(find "$corpus" -name '*.yml' -o -name '*.yaml' | wc -l)
measure lint "$bin" lint --quiet --format json "$corpus"
measure parse "$bin" lint --quiet --parse-only "$corpus"

printf '%-34s %8s %10s %12s\n' "run ($files files, $docs documents, $(nproc) cores)" "wall s" "docs/s" "peak RSS MiB"
row() { printf '%-34s %8.3f %10.0f %12.1f\n' "$1" "$2" "$(awk -v d="$docs" -v w="$2" 'BEGIN{print (w>0)? d/w : 0}')" "$(awk -v r="$3" 'BEGIN{print r/1024}')"; }
row "sigsmith lint" "$lint_wall" "$lint_rss"
row "sigsmith lint --parse-only" "$parse_wall" "$parse_rss"
awk -v a="$lint_wall" -v b="$parse_wall" 'BEGIN{ if (b>0) printf "lint / parse-only ratio: %.2fx\n", a/b }'

venv=${SIGSMITH_BENCH_VENV:-target/pysigma-venv}  # the venv .ci/pysigma.sh caches
if [ "${SIGSMITH_BENCH_PYSIGMA:-0}" = 1 ] && [ ! -x "$venv/bin/sigma" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet sigma-cli
fi
if [ -x "$venv/bin/sigma" ]; then
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$venv/bin/python" .ci/sigma_offline.py check "$corpus" > "$tmp/out" 2>&1 || true
  read -r sw srss < <(tail -n 1 "$tmp/time")
  row "sigma check (pySigma)" "$sw" "$srss"
  awk -v a="$sw" -v b="$lint_wall" 'BEGIN{ if (b>0) printf "sigsmith is %.0fx faster than sigma check\n", a/b }'
else
  echo "sigma check: skipped (set SIGSMITH_BENCH_PYSIGMA=1 to install sigma-cli into $venv, or run .ci/pysigma.sh once)"
fi
