#!/usr/bin/env bash
# Benchmark: `sigsmith eval` throughput and peak memory on a large CloudTrail stream.
#
#   bash bench/eval.sh [EVENTS]        (default: 1000000)
#
# Builds an NDJSON stream of EVENTS CloudTrail records from the Stratus Red Team samples in
# ../shared/events (event ids and times rewritten so no two records are equal; generated here,
# never committed), then evaluates the SigmaHQ CloudTrail rules on it with the release build.
# Prints events/s, wall time and peak RSS (GNU time) for the full stream and for a tenth of it
# (memory must stay flat in the input size), and the same for `rsigma engine eval` when an
# `rsigma` binary is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
samples=../shared/events/stratus-red-team
rules=../shared/corpora/sigmahq/rules/cloud/aws
[ -d "$samples" ] && [ -d "$rules" ] || { echo "bench: needs ../shared (events and SigmaHQ corpus)" >&2; exit 2; }
cargo build --release --locked --quiet
bin=target/release/sigsmith
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

python3 - "$samples" "$n" "$tmp/stream.ndjson" "$tmp/tenth.ndjson" <<'PY'
import glob, json, sys, datetime
samples, n, out, tenth = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
events = []
for f in sorted(glob.glob(samples + "/*.json")):
    with open(f) as fh:
        events += json.load(fh)
t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
with open(out, "w") as o, open(tenth, "w") as t:
    for i in range(n):
        e = dict(events[i % len(events)])
        e["eventID"] = f"{i:08d}-0000-4000-8000-000000000000"
        e["eventTime"] = (t0 + datetime.timedelta(milliseconds=50 * i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        line = json.dumps(e, separators=(",", ":")) + "\n"
        o.write(line)
        if i < n // 10:
            t.write(line)
PY
size=$(du -m "$tmp/stream.ndjson" | cut -f1)

measure() {
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err" || true
  read -r wall rss < <(tail -n 1 "$tmp/time")
  echo "$wall $rss"
}
row() {
  local name=$1 events=$2 wall=$3 rss=$4
  printf '%-36s %10d %8.2f %12.0f %10.1f\n' "$name" "$events" "$wall" \
    "$(awk -v e="$events" -v w="$wall" 'BEGIN{print (w>0)? e/w : 0}')" "$(awk -v r="$rss" 'BEGIN{print r/1024}')"
}
printf '%-36s %10s %8s %12s %10s\n' "run ($(nproc) cores, ${size} MiB stream)" "events" "wall s" "events/s" "RSS MiB"
read -r w r < <(measure "$bin" eval "$rules" --events "$tmp/tenth.ndjson" --format ndjson --quiet)
row "sigsmith eval (1/10 stream)" $((n / 10)) "$w" "$r"
read -r w r < <(measure "$bin" eval "$rules" --events "$tmp/stream.ndjson" --format ndjson --quiet)
row "sigsmith eval" "$n" "$w" "$r"
matches=$(wc -l < "$tmp/out")
echo "sigsmith: $matches matches"
if command -v rsigma > /dev/null; then
  read -r w r < <(measure rsigma engine eval --rules "$rules" --events "$tmp/stream.ndjson")
  row "rsigma engine eval" "$n" "$w" "$r"
else
  echo "rsigma: not installed (needs rustc 1.96 to build); skipped"
fi
