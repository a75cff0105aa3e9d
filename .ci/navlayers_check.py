"""Loads ATT&CK Navigator layers with MITRE's own layer library (mitreattack-python's
navlayers) and fails on any complaint; with --excel BUNDLE, also renders the first layer as an
Excel matrix against the STIX bundle (every technique id must resolve in the matrix)."""
import contextlib
import io
import sys

from mitreattack.navlayers import Layer, ToExcel


def main(argv):
    bundle = None
    if argv[:1] == ["--excel"]:
        bundle, argv = argv[1], argv[2:]
    failed = False
    for path in argv:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            layer = Layer()
            layer.from_file(path)
            d = layer.to_dict()
        complaints = [l for l in out.getvalue().splitlines() if l.strip()]
        print(f"{path}: {d['domain']} {d['versions']} {len(d.get('techniques', []))} techniques")
        if complaints or d["versions"].get("layer") != "4.5":
            failed = True
            print("\n".join(complaints[:20]), file=sys.stderr)
    if bundle and argv:
        layer = Layer()
        layer.from_file(argv[0])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ToExcel(domain=layer.layer.domain, source="local", resource=bundle).to_xlsx(
                layerInit=layer, filepath=argv[0] + ".xlsx"
            )
        missing = [l for l in out.getvalue().splitlines() if "does not appear to exist" in l]
        print(f"{argv[0]}: rendered as Excel; {len(missing)} technique(s) not in the matrix")
        if missing:
            failed = True
            print("\n".join(missing[:20]), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
