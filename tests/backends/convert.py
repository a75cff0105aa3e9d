"""Converts every draft under a folder with the pySigma backends detection teams use.

Usage: convert.py DRAFTS_DIR

The drafts are written with `sigsmith new --all --example-values --companion separate`, so each
rule is a file and its companion correlation (if any) a second file naming it. Each rule file is
converted alone; each correlation is converted together with its rule (the collection resolves
the reference). A conversion fails the run unless the backend itself declares the feature
missing, read from the backend's own capabilities, never from a list of drafts:
- a correlation rule for a backend without correlation methods (`correlation_methods` unset),
- a time-part modifier (`|hour`, `|minute`...) for a backend without a timestamp-part expression
  (`field_timestamp_part_expression` unset and the conversion method not overridden). pySigma raises NotImplementedError for one value,
  but a list of values (`timestamp|hour: [2, 3, 4]`) goes through the backends' IN-list shortcut
  and comes out as `timestamp IN (2, 3, 4)` (pySigma 1.5.1): a query that converts and is wrong.
  Such rules are therefore reported as unsupported and never counted as converted.
Both are printed, with counts, so nothing is skipped silently. Exit 1 on any other failure.
"""

import sys
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.conversion.base import TextQueryBackend
from sigma.backends.splunk import SplunkBackend
from sigma.backends.elasticsearch import LuceneBackend, ESQLBackend
from sigma.backends.kusto import KustoBackend
from sigma.backends.loki import LogQLBackend
from sigma.rule import SigmaRule
from sigma.correlations import SigmaCorrelationRule
from sigma.modifiers import SigmaTimestampModifier

BACKENDS = [
    ("splunk", SplunkBackend),
    ("elasticsearch-lucene", LuceneBackend),
    ("elasticsearch-esql", ESQLBackend),
    ("kusto-sentinel", KustoBackend),
    ("loki", LogQLBackend),
]

def uses_time_part(rule):
    if not isinstance(rule, SigmaRule):
        return False
    for det in rule.detection.detections.values():
        stack = [det]
        while stack:
            d = stack.pop()
            for item in getattr(d, "detection_items", []):
                if hasattr(item, "detection_items"):
                    stack.append(item)
                    continue
                if any(issubclass(m, SigmaTimestampModifier) for m in item.modifiers):
                    return True
    return False


def main():
    root = Path(sys.argv[1])
    files = sorted(p for p in root.rglob("*.yml"))
    if not files:
        print(f"backends: no drafts under {root}", file=sys.stderr)
        return 1
    texts = {p: p.read_text() for p in files}
    failures = []
    unsupported = {}
    converted = {}
    for name, cls in BACKENDS:
        backend_has_corr = bool(getattr(cls, "correlation_methods", None))
        backend_has_time = isinstance(
            getattr(cls, "field_timestamp_part_expression", None), str
        ) or (
            cls.convert_condition_field_eq_val_timestamp_part
            is not TextQueryBackend.convert_condition_field_eq_val_timestamp_part
        )
        for p in files:
            rel = p.relative_to(root)
            text = texts[p]
            if p.stem.endswith("_correlation"):
                rule_file = p.with_name(p.stem[: -len("_correlation")] + ".yml")
                text = texts[rule_file] + "---\n" + text
            try:
                coll = SigmaCollection.from_yaml(text, collect_errors=False)
            except Exception as e:  # noqa: BLE001 - every load error is a failure
                failures.append(f"{name}: {rel}: pySigma cannot load it: {e}")
                continue
            rules = list(coll.rules)
            is_corr = any(isinstance(r, SigmaCorrelationRule) for r in rules)
            if is_corr and not backend_has_corr:
                unsupported.setdefault((name, "correlation rules"), []).append(str(rel))
                continue
            if not backend_has_time and any(uses_time_part(r) for r in rules):
                unsupported.setdefault((name, "time-part modifiers"), []).append(str(rel))
                continue
            try:
                out = cls().convert(coll)
            except Exception as e:  # noqa: BLE001
                failures.append(f"{name}: {rel}: {type(e).__name__}: {e}")
                continue
            queries = [q for q in (out if isinstance(out, list) else [out]) if str(q).strip()]
            if not queries:
                failures.append(f"{name}: {rel}: converted to no query")
                continue
            converted[name] = converted.get(name, 0) + 1
    for (name, what), rels in sorted(unsupported.items()):
        print(f"backends: {name} does not support {what} (the backend says so): {len(rels)} file(s): {', '.join(rels)}")
    for name, _ in BACKENDS:
        print(f"backends: {name}: converted {converted.get(name, 0)} of {len(files)} file(s)")
    for f in failures:
        print(f"backends: FAIL {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
