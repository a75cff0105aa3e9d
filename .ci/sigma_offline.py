"""Run sigma-cli offline: pySigma's ATT&CK tag validator downloads MITRE data at run time, which
CI cannot do. This points it at a local bundle built from ../shared (enterprise techniques and
tactics from the v18.1 lookup, plus the real ICS v18.1 bundle), then runs `sigma` with the
remaining arguments. The D3FEND validator has no offline source and is excluded for `check`.

    python .ci/sigma_offline.py check DIR
    python .ci/sigma_offline.py convert -t splunk --without-pipeline FILE
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get("SIGSMITH_SHARED", os.path.join(here, "..", "..", "shared"))
out_dir = os.path.join(here, "..", "target", "pysigma")
bundle = os.path.join(out_dir, "attack-offline.json")

if not os.path.exists(bundle):
    os.makedirs(out_dir, exist_ok=True)
    lookup = json.load(open(os.path.join(shared, "attack", "enterprise-lookup-18.1",
                                         "attack-patterns-lookup-v18.1.json")))
    objects = []
    tactics = set()
    for ap in lookup["attack_patterns"]:
        if ap.get("revoked") or ap.get("deprecated"):
            continue
        tactics.update(ap.get("tactics", []))
        objects.append({
            "type": "attack-pattern", "name": ap["name"],
            "external_references": [{"source_name": "mitre-attack", "external_id": ap["external_id"]}],
            "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": t}
                                  for t in ap.get("tactics", [])],
        })
    for i, t in enumerate(sorted(tactics)):
        objects.append({"type": "x-mitre-tactic", "x_mitre_shortname": t,
                        "external_references": [{"source_name": "mitre-attack",
                                                 "external_id": f"TA9{i:03d}"}]})
    ics = json.load(open(os.path.join(shared, "attack", "ics-attack-18.1.json")))
    objects.extend(o for o in ics["objects"] if o.get("type") in ("attack-pattern", "x-mitre-tactic"))
    objects.insert(0, {"type": "x-mitre-collection", "x_mitre_version": "18.1"})
    json.dump({"type": "bundle", "objects": objects}, open(bundle, "w"))

from sigma.data import mitre_attack  # noqa: E402

mitre_attack.set_url(bundle)
from sigma.cli.main import main  # noqa: E402

args = sys.argv[1:]
if args and args[0] == "check":
    args = ["check", "-x", "d3_fendtag"] + args[1:]
sys.argv = ["sigma"] + args
main()
