#!/usr/bin/env python3
"""Writes events that exercise every modifier of rules.yml: values chosen around each rule's
boundary (case variants, wildcards, numbers as text, nulls, missing fields, encodings at every
offset, dash variants), combined pseudo-randomly from a fixed seed so the set is reproducible."""
import base64
import json
import random
import sys

rng = random.Random(13)
A = ["Admin", "admin", "ADMIN", "adXmin", "root", "aamin", "x*y", "xzy", "", "admins", "Root", None]
B = ["red and blue", "Red Blue", "blue", "redblue ", "green", "BLUE", "reds", None]
N = [42, "42", 41, 43, 10, 9, 7, 100, "x", None, 42.0]
S = ["42", 42, "042", "x", None]
FLAG = [True, False, "true", "false", None]
IP = ["10.1.2.3", "11.0.0.1", "fd00::1", "fe80::1", "not-an-ip", None]
def wide(s):
    return s.encode("utf-16-le")
ENC = [base64.b64encode(b"secret").decode(), base64.b64encode(b"xsecretx").decode(),
       base64.b64encode(b"xxsecret").decode(), base64.b64encode(b"no").decode(),
       base64.b64encode(wide("cmd ping x")).decode(), base64.b64encode(wide("x ping")).decode(), None]
CMD = ["run -enc abc", "run /enc abc", "run \u2013enc abc", "run enc abc", "run --enc abc", None]
OWNER = ["admin", "Admin", "someone", None]
USER = ["deploy-bot", "alice", "BOT", None]

def pick(xs):
    return rng.choice(xs)

out = []
for i in range(400):
    ev = {}
    for k, vals in [("a", A), ("b", B), ("n", N), ("s", S), ("flag", FLAG), ("ip", IP), ("enc", ENC), ("cmd", CMD), ("owner", OWNER)]:
        v = pick(vals)
        r = rng.random()
        if r < 0.15:
            continue  # field missing
        if v is None and r < 0.3:
            ev[k] = None
        elif v is not None:
            ev[k] = v
    if rng.random() < 0.5:
        ev["c"] = pick(["x", "", None, 0])
    u = pick(USER)
    if u is not None:
        ev["user"] = {"name": u}
    if rng.random() < 0.2:
        ev["dotted.key"] = pick(["yes", "no"])
    out.append(ev)
with open(sys.argv[1], "w") as f:
    for ev in out:
        f.write(json.dumps(ev) + "\n")
