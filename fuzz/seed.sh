#!/usr/bin/env bash
# Seeds the fuzz corpora from the SigmaHQ snapshot (../shared/corpora/sigmahq by default)
# and sigsmith's own test fixtures. Safe to re-run: it only adds files.
#
#   fuzz/seed.sh [SIGMA_DIR]
#
# corpus/lint_document/  one file per rule, byte for byte
# corpus/condition/      per rule: its condition on the first line, then one detection
#                        identifier per line (the input format of the `condition` target)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
sigma="${1:-$repo/../shared/corpora/sigmahq}"
if [[ ! -d "$sigma" ]]; then
    echo "seed.sh: no Sigma corpus at $sigma (pass its path as the first argument)" >&2
    exit 2
fi

docs="$here/corpus/lint_document"
conds="$here/corpus/condition"
mkdir -p "$docs" "$conds"

n=0
while IFS= read -r -d '' f; do
    name="$(basename "$(dirname "$f")")_$(basename "$f" .yml)"
    cp "$f" "$docs/$name.yml"
    # Detection identifiers are the 4-space-indented keys under `detection:`; the condition
    # is `    condition: ...`, possibly continued on deeper-indented lines.
    awk '
        /^detection:/ { det = 1; next }
        /^[^ #]/      { det = 0; incond = 0 }
        !det          { next }
        incond && /^      / { sub(/^ +/, ""); cond = cond " " $0; next }
        { incond = 0 }
        /^    condition:/ {
            sub(/^    condition: */, ""); cond = $0; incond = 1; next
        }
        /^    [^ #-][^:]*:/ {
            key = $0; sub(/^    /, "", key); sub(/:.*/, "", key); names = names "\n" key
        }
        END { if (cond != "") printf "%s%s\n", cond, names }
    ' "$f" >"$conds/$name.txt"
    [[ -s "$conds/$name.txt" ]] || rm -f "$conds/$name.txt"
    n=$((n + 1))
done < <(find "$sigma" "$repo/tests/fixtures" -name '*.yml' -print0 | sort -z)

echo "seeded $n documents: $(ls "$docs" | wc -l) in $docs, $(ls "$conds" | wc -l) in $conds"
