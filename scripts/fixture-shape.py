#!/usr/bin/python3
"""fixture-shape.py DIR: the keys of a run folder's rows and header, one
"where: key.path type" line each, sorted; values and array lengths left out,
so two runs of one plan print the same lines. tests/e2e/schema.bats diffs a
fixture of tests/fixtures/runs against what vbench writes now."""
import json
import os
import sys


def kind(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return type(v).__name__


def walk(v, path, out):
    if isinstance(v, dict):
        out.add("%s object" % path)
        for k, x in v.items():
            walk(x, "%s.%s" % (path, k) if path else k, out)
    elif isinstance(v, list):
        out.add("%s array" % path)
        for x in v:
            walk(x, path + "[]", out)
    else:
        out.add("%s %s" % (path, kind(v)))


def main(d):
    lines = set()
    with open(os.path.join(d, "run.json"), encoding="utf-8") as f:
        run = json.load(f)
    # The header's keys; the host record's are this machine's, not the producer's.
    for k in run:
        lines.add("run: %s" % k)
    for name in ("results.jsonl", "invocations.jsonl"):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            continue
        for line in open(p, encoding="utf-8"):
            row = json.loads(line)
            r = row.get("row", row)
            where = "%s %s %s %s %s" % (name, r.get("bench"), r.get("mode"),
                                        r.get("pages", {}).get("requested"), r.get("status"))
            keys = set()
            walk(row, "", keys)
            lines.update("%s: %s" % (where, k) for k in keys)
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main(sys.argv[1])
