#!/usr/bin/env python3
"""Write N copies of a Sigma rule corpus with fresh ids and titles (for bench/run.sh at 8x).

    python3 bench/replicate.py CORPUS OUT N

Copy k (1..N) goes to OUT/copy-k/ with the corpus's folder layout. In every copy each UUID is
replaced by a UUIDv5 of (k, uuid), the same mapping in every file of that copy, so `id:`,
`related:` and correlation `rules:` references still resolve inside a copy and nothing collides
across copies. Every top-level `title:` gets ` (copy k)` (inside the quotes when quoted), so
titles are fresh too. Other files (LICENSE, README) are not copied.
"""

import os
import re
import sys
import uuid

UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
TITLE = re.compile(r"^(title:[ \t]*)(.*?)([ \t]*)$", re.MULTILINE)
NS = uuid.UUID("6f1c1c3e-7a0b-4c1e-9a57-5e1d2b0c0a19")


def retitle(m, k):
    head, value, tail = m.group(1), m.group(2), m.group(3)
    suffix = f" (copy {k})"
    if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        value = value[:-1] + suffix + value[-1]
    elif value and not value.startswith(("|", ">", "#", "&", "*", "!", "[", "{")):
        value = value + suffix
    return head + value + tail


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    corpus, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = []
    for root, dirs, names in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [os.path.join(root, f) for f in sorted(names) if f.endswith((".yml", ".yaml"))]
    for k in range(1, n + 1):
        for src in files:
            with open(src, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
            text = UUID.sub(lambda m: str(uuid.uuid5(NS, f"{k}:{m.group(0).lower()}")), text)
            text = TITLE.sub(lambda m: retitle(m, k), text)
            dst = os.path.join(out, f"copy-{k}", os.path.relpath(src, corpus))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
    print(len(files) * n)


if __name__ == "__main__":
    main()
