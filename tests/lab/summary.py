# SPDX-License-Identifier: BSD-3-Clause
"""Read and check synwall's --summary-json output (used by tests/lab/lab.sh).

  summary.py check FILE      verify the counter invariants, print them, exit 1 on a violation
  summary.py get FILE PATH   print one value, PATH like ports.outside.rx or drops.no_mbuf

Invariants (the contract in README.md):
  per port P:    P.rx == P.fwd + P.answered + P.consumed + P.drops
  per direction: A.fwd == B.tx + B.tx_drops - B.generated - B.answered
                 (whatever A forwards leaves through B or is a TX drop there; B's own
                 answers and generated packets are the rest of B's TX)
  per port, when the port lists "drop_causes": they add up to P.drops
"""
import json
import sys

PORT_KEYS = ("rx", "tx", "fwd", "answered", "consumed", "drops", "tx_drops", "generated")
PORTS = ("outside", "inside")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check(summary):
    """Return a list of violations (empty when the summary is sound)."""
    errs = []
    ports = summary.get("ports")
    if not isinstance(ports, dict):
        return ["no 'ports' object"]
    for name in PORTS:
        port = ports.get(name)
        if not isinstance(port, dict):
            errs.append(f"ports.{name} missing")
            continue
        for key in PORT_KEYS:
            val = port.get(key)
            if not isinstance(val, int) or isinstance(val, bool) or val < 0:
                errs.append(f"ports.{name}.{key} = {val!r}: not a non-negative integer")
    for section in ("drops", "counters"):
        obj = summary.get(section)
        if not isinstance(obj, dict):
            errs.append(f"'{section}' missing or not an object")
            continue
        for key, val in obj.items():
            if not isinstance(val, int) or isinstance(val, bool) or val < 0:
                errs.append(f"{section}.{key} = {val!r}: not a non-negative integer")
    if errs:
        return errs
    for name in PORTS:
        p = ports[name]
        total = p["fwd"] + p["answered"] + p["consumed"] + p["drops"]
        if p["rx"] != total:
            errs.append(f"{name}: rx {p['rx']} != fwd {p['fwd']} + answered {p['answered']}"
                        f" + consumed {p['consumed']} + drops {p['drops']} (= {total})")
        causes = p.get("drop_causes")
        if isinstance(causes, dict) and sum(causes.values()) != p["drops"]:
            errs.append(f"{name}: drop_causes add up to {sum(causes.values())}, drops is "
                        f"{p['drops']} (each drop must count exactly one cause)")
    for a, b in (("outside", "inside"), ("inside", "outside")):
        pa, pb = ports[a], ports[b]
        out = pb["tx"] + pb["tx_drops"] - pb["generated"] - pb["answered"]
        if pa["fwd"] != out:
            errs.append(f"{a}.fwd {pa['fwd']} != {b}.tx {pb['tx']} + {b}.tx_drops "
                        f"{pb['tx_drops']} - {b}.generated {pb['generated']} - "
                        f"{b}.answered {pb['answered']} (= {out})")
    return errs


def get(summary, path):
    node = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "get"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        summary = load(argv[2])
    except (OSError, ValueError) as e:
        print(f"summary: cannot read {argv[2]}: {e}", file=sys.stderr)
        return 1
    if argv[1] == "get":
        if len(argv) != 4:
            print(__doc__, file=sys.stderr)
            return 2
        try:
            print(get(summary, argv[3]))
        except KeyError:
            print(f"summary: {argv[2]} has no {argv[3]}", file=sys.stderr)
            return 1
        return 0
    errs = check(summary)
    ports = summary.get("ports", {})
    for name in PORTS:
        p = ports.get(name, {})
        print(f"summary: {name:8s} " + " ".join(f"{k}={p.get(k)}" for k in PORT_KEYS))
    for e in errs:
        print(f"summary: VIOLATION: {e}", file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
