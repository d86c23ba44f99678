#!/usr/bin/python3
"""validate-schema.py: check run folders and --json outputs against schema/vbench.schema.json.

usage: validate-schema.py [--schema FILE] [--quiet] PATH...

A PATH is a run folder (run.json, results.jsonl, invocations.jsonl), a spool
folder that VBENCH_SCHEMA_SPOOL filled (run.* folders, KIND.*.json
outputs, KIND one of KINDS below, and rows.*.jsonl: the lab's rows), or
KIND:FILE for one --json output.
Uses Debian's python3-jsonschema (Draft 2020-12 since jsonschema 4.0;
bookworm ships 4.10.3). Prints how many of each it validated; exits 1 at
the first document that does not match, naming the file and the key.
"""
import json
import os
import sys

from jsonschema import Draft202012Validator

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = {
    "run": "run_output", "compare": "compare", "history": "history", "report": "report",
    "list": "list", "list_events": "list_events", "env": "env", "baseline_list": "baseline_list",
    "target_env": "target_env",
}


def validator(schema, name):
    doc = dict(schema)
    doc["$ref"] = "#/$defs/" + name
    return Draft202012Validator(doc)


def where(err):
    return "/" + "/".join(str(p) for p in err.absolute_path)


def check(v, doc, label):
    err = next(iter(sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))), None)
    if err is not None:
        print("schema: %s: at %s: %s" % (label, where(err), err.message[:300]), file=sys.stderr)
        sys.exit(1)


def check_lines(v, path, every=False):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        # A last line without its newline is an append torn by a crash: readers skip it.
        if not line.strip() or (i == len(lines) - 1 and not every):
            continue
        check(v, json.loads(line), "%s line %d" % (path, i + 1))


def check_run_dir(vs, d):
    with open(os.path.join(d, "run.json"), encoding="utf-8") as f:
        check(vs["run_file"], json.load(f), os.path.join(d, "run.json"))
    for name, kind in (("results.jsonl", "row"), ("invocations.jsonl", "invocation_line")):
        p = os.path.join(d, name)
        if os.path.exists(p):
            check_lines(vs[kind], p)


def main(argv):
    schema_path = os.path.join(HERE, "..", "schema", "vbench.schema.json")
    quiet = False
    while argv and argv[0].startswith("--"):
        if argv[0] == "--schema":
            schema_path = argv[1]
            argv = argv[2:]
        elif argv[0] == "--quiet":
            quiet = True
            argv = argv[1:]
        else:
            print(__doc__, file=sys.stderr)
            return 2
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    names = set(KINDS.values()) | {"run_file", "row", "invocation_line"}
    vs = {n: validator(schema, n) for n in names}
    runs, outputs = 0, {}

    def output(kind, path):
        with open(path, encoding="utf-8") as f:
            check(vs[KINDS[kind]], json.load(f), "%s (%s --json)" % (path, kind))
        outputs[kind] = outputs.get(kind, 0) + 1

    for p in argv:
        if ":" in p and p.split(":", 1)[0] in KINDS:
            output(*p.split(":", 1))
        elif os.path.exists(os.path.join(p, "run.json")):
            check_run_dir(vs, p)
            runs += 1
        elif os.path.isdir(p):
            for e in sorted(os.listdir(p)):
                full = os.path.join(p, e)
                kind = e.split(".", 1)[0]
                if os.path.isdir(full) and os.path.exists(os.path.join(full, "run.json")):
                    check_run_dir(vs, full)
                    runs += 1
                elif e.endswith(".json") and kind in KINDS:
                    output(kind, full)
                elif e.startswith("rows.") and e.endswith(".jsonl"):
                    check_lines(vs["row"], full, True)
                    outputs["lab rows"] = outputs.get("lab rows", 0) + 1
    n = sum(outputs.values())
    detail = ", ".join("%d %s" % (c, k) for k, c in sorted(outputs.items()))
    if not quiet:
        print("schema: %d run folders and %d --json outputs (%s) match schema/vbench.schema.json"
              % (runs, n, detail or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
