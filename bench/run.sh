#!/usr/bin/env bash
# Benchmark: lint a Sigma rule corpus with sigsmith side by side with RSigma and pySigma, at 1x
# and 8x the corpus, and print every ratio and both peak-memory figures from one run.
#
#   bash bench/run.sh [CORPUS_DIR]          (default: ../shared/corpora/sigmahq)
#
# For each scale (1x, then 8x: eight copies with fresh ids and titles, written by
# bench/replicate.py under a temporary folder that is removed afterwards) it measures wall time,
# CPU time (user + system) and peak RSS (GNU time) of:
#   1. sigsmith lint --format json (every check, all cores)
#   2. sigsmith lint --parse-only (read + parse only: the floor)
#   3. RSigma `rule lint` when installed (single-threaded): $RSIGMA, else `rsigma` on PATH, else
#      /work/tools/rsigma/bin/rsigma. Install: `cargo +nightly install rsigma --no-default-features`
#      (RSigma 0.26 needs rustc 1.96).
#   4. pySigma `sigma check` (sigma-cli) when SIGSMITH_BENCH_PYSIGMA=1 or its venv exists (runs once
#      per scale, offline: .ci/sigma_offline.py points the ATT&CK tag validator at local data)
#   5. sigsmith lint and RSigma pinned to one core (taskset -c 0), when taskset exists
# Each figure except sigma check is the best wall time of $RUNS runs (default 5) with the peak
# RSS of that run. SCALES="1 8" by default; SIGSMITH_BIN=path measures that binary instead of
# building target/release/sigsmith. Wall time needs a quiet machine; CPU time and peak
# RSS do not depend much on load.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpora/sigmahq}
runs=${RUNS:-5}
scales=${SCALES:-1 8}
[ -d "$corpus" ] || { echo "bench: no corpus at $corpus (clone SigmaHQ/sigma and pass its path)" >&2; exit 2; }
bin=${SIGSMITH_BIN:-}  # a prebuilt binary to measure instead of building target/release
if [ -z "$bin" ]; then cargo build --release --locked --quiet; bin=target/release/sigsmith; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The code layout build.rs asks the linker for (bench/symbol-order.txt): how many of the listed
# functions this binary still has, and how many of them lead its text (laid out first).
if command -v nm > /dev/null && [ -f bench/symbol-order.txt ]; then
  grep -v '^#' bench/symbol-order.txt | sort -u > "$tmp/listed"
  nm -n --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' > "$tmp/text" || true
  sort -u "$tmp/text" | comm -12 - "$tmp/listed" > "$tmp/present"
  present=$(wc -l < "$tmp/present")
  leading=$(head -n "$present" "$tmp/text" | sort -u | comm -12 - "$tmp/present" | wc -l)
  echo "symbol order: $present of $(wc -l < "$tmp/listed") listed functions in the binary," \
    "$leading of them first in its text (re-run bench/symbol-order.py when few remain)"
fi

rsigma=${RSIGMA:-$(command -v rsigma || echo /work/tools/rsigma/bin/rsigma)}
[ -x "$rsigma" ] || rsigma=
venv=${SIGSMITH_BENCH_VENV:-target/pysigma-venv}  # the venv .ci/pysigma.sh caches
if [ "${SIGSMITH_BENCH_PYSIGMA:-0}" = 1 ] && [ ! -x "$venv/bin/sigma" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet -r .ci/pysigma-requirements.txt
fi
pin=; command -v taskset > /dev/null && [ "$(nproc)" -gt 1 ] && pin="taskset -c 0"

# measure NAME N CMD...: best wall time over N runs with that run's CPU time, and the median
# peak RSS of the N runs (one run's peak moves by about 1 MiB with the malloc arenas and with
# how much of the binary the page cache holds, so the fastest run's would be a random sample).
# Wall time is read from the nanosecond clock around the run (GNU time's has 10 ms steps, too
# coarse for a 0.1 s run); CPU time and peak RSS from GNU time.
measure() {
  local name=$1 n=$2; shift 2
  local best_wall=999999 best_cpu=0 best_rss=0 wall usr sys rss start end
  : > "$tmp/rss"
  for _ in $(seq "$n"); do
    start=$(date +%s%N)
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err" || true
    end=$(date +%s%N)
    read -r wall usr sys rss < <(tail -n 1 "$tmp/time")
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.4f", (b-a)/1e9}')
    echo "$rss" >> "$tmp/rss"
    if awk -v a="$wall" -v b="$best_wall" 'BEGIN{exit !(a<b)}'; then
      best_wall=$wall; best_cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN{print u+s}')
    fi
  done
  best_rss=$(sort -n "$tmp/rss" | awk '{v[NR]=$1} END {print (NR%2)? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
  eval "${name}_wall=$best_wall; ${name}_cpu=$best_cpu; ${name}_rss=$best_rss"
}
row() {  # row LABEL NAME
  local w c r
  eval "w=\${$2_wall}; c=\${$2_cpu}; r=\${$2_rss}"
  printf '%-40s %8.3f %8.2f %10.0f %9.1f\n' "$1" "$w" "$c" \
    "$(awk -v d="$docs" -v w="$w" 'BEGIN{print (w>0)? d/w : 0}')" "$(awk -v r="$r" 'BEGIN{print r/1024}')"
}
ratio() { awk -v a="$2" -v b="$3" -v l="$1" 'BEGIN{ if (b>0) printf "  %-52s %7.2fx\n", l, a/b }'; }

for scale in $scales; do
  dir=$corpus
  if [ "$scale" != 1 ]; then
    dir=$tmp/corpus-${scale}x
    python3 bench/replicate.py "$corpus" "$dir" "$scale" > /dev/null
  fi
  files=$(find "$dir" -name '*.yml' -o -name '*.yaml' | wc -l)
  docs=$({ "$bin" lint --no-config --format json --quiet "$dir" || true; } |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["documents"])')
  echo
  echo "== ${scale}x: $files files, $docs documents, $(nproc) cores =="
  printf '%-40s %8s %8s %10s %9s\n' "run" "wall s" "cpu s" "docs/s" "peak MiB"
  measure lint "$runs" "$bin" lint --no-config --quiet --format json "$dir"
  measure parse "$runs" "$bin" lint --no-config --quiet --parse-only "$dir"
  row "sigsmith lint" lint
  row "sigsmith lint --parse-only" parse
  if [ -n "$rsigma" ]; then
    measure rs "$runs" "$rsigma" rule lint --color never "$dir"
    row "rsigma rule lint ($("$rsigma" --version | head -n 1 | cut -d' ' -f2))" rs
  fi
  if [ -x "$venv/bin/sigma" ]; then
    measure py 1 "$venv/bin/python" .ci/sigma_offline.py check "$dir"
    row "sigma check (pySigma, 1 run)" py
  fi
  if [ -n "$pin" ]; then
    measure lint1 "$runs" $pin "$bin" lint --no-config --quiet --format json "$dir"
    row "sigsmith lint, 1 core" lint1
    if [ -n "$rsigma" ]; then
      measure rs1 "$runs" $pin "$rsigma" rule lint --color never "$dir"
      row "rsigma rule lint, 1 core" rs1
    fi
  fi
  echo "ratios at ${scale}x (wall time; higher is better for sigsmith unless noted):"
  ratio "lint / parse-only (target <= 1.3)" "$lint_wall" "$parse_wall"
  if [ -n "$rsigma" ]; then
    ratio "rsigma / sigsmith lint (target >= 3)" "$rs_wall" "$lint_wall"
    ratio "rsigma / sigsmith lint, CPU time" "$rs_cpu" "$lint_cpu"
    ratio "sigsmith / rsigma peak RSS (target <= 1)" "$lint_rss" "$rs_rss"
    printf '  %-52s %7.1f / %.1f MiB\n' "peak RSS sigsmith lint / rsigma" \
      "$(awk -v r="$lint_rss" 'BEGIN{print r/1024}')" "$(awk -v r="$rs_rss" 'BEGIN{print r/1024}')"
    [ -n "$pin" ] && ratio "rsigma / sigsmith lint, 1 core" "$rs1_wall" "$lint1_wall"
  else
    echo "  rsigma: not installed (cargo +nightly install rsigma --no-default-features; or set RSIGMA)"
  fi
  if [ -x "$venv/bin/sigma" ]; then
    ratio "sigma check / sigsmith lint (target >= 100)" "$py_wall" "$lint_wall"
  else
    echo "  sigma check: skipped (SIGSMITH_BENCH_PYSIGMA=1 installs sigma-cli into $venv)"
  fi
  [ "$dir" != "$corpus" ] && rm -rf "$dir"
done
