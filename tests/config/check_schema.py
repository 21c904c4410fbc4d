#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check Docs/ballast.schema.json against the loader, over the whole corpus.

Usage: check_schema.py [BALLAST]

Prints one line per case, "PASS name" / "FAIL name: why" / "SKIP name: why",
for tests/config/test_schema.sh to count. Every shipped example and every
file under tests/configs/ goes through `BALLAST validate` and through the
schema; the two must agree on accept or reject. The only exception is a
file the loader rejects for a rule JSON Schema cannot express: such a file
ends with the line

    # schema: semantic-only CATEGORY

where CATEGORY is one of SEMANTIC_ONLY below, and the schema must then
accept it (a stale mark fails too). Without BALLAST, only the schema side
is checked against the files' `# expect-exit:` headers.
"""
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Rules `ballast validate` enforces and JSON Schema cannot express. Keep this
# list small; Docs/CONFIG.md names the same categories.
SEMANTIC_ONLY = {
    "yaml": "how the YAML reads: duplicate keys; YAML 1.1 spellings "
            "(yes, 0200) that PyYAML turns into booleans and octal numbers",
    "reference": "a value checked against another part of the file: the "
                 "pools a service names, a service against its backends, "
                 "service addresses against the vrrp groups' VIPs",
    "unique": "uniqueness across list items: names, addresses, fwmarks, "
              "backends of a pool, vrrp nodes, groups, VRIDs and VIPs, "
              "bgp nodes, router ids and neighbours",
    "inherit": "health settings resolved across top level, pool and backend",
    "arithmetic": "values compared or computed: durations in range and in "
                  "order, thresholds, prime ring sizes, capacity totals",
    "regex": "body_regex compiles as a POSIX ERE within the cost limits",
}

MARK = re.compile(r"^# schema: semantic-only (\S+)\s*$", re.M)
EXIT = re.compile(r"^# expect-exit: (\d+)", re.M)
LOADER_SECONDS = 10


def loader_accepts(ballast, path):
    """True/False, or a string saying why there is no verdict."""
    try:
        r = subprocess.run([ballast, "validate", "-c", path],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL,
                           timeout=LOADER_SECONDS)
    except subprocess.TimeoutExpired:
        return "ballast validate ran past %ds" % LOADER_SECONDS
    if r.returncode not in (0, 1, 2):
        return "ballast validate exited %d" % r.returncode
    return r.returncode == 0


def schema_accepts(validator, yaml, text):
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return False, "not YAML to PyYAML"
    errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if not errs:
        return True, ""
    e = errs[0]
    return False, "%s at /%s" % (e.message[:120], "/".join(map(str, e.path)))


def main():
    try:
        import jsonschema
        import yaml
    except ImportError as e:
        print("SKIP schema: %s (install python3-jsonschema python3-yaml)" % e)
        return 0
    ballast = sys.argv[1] if len(sys.argv) > 1 else None
    with open(os.path.join(ROOT, "Docs", "ballast.schema.json")) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    try:
        cls.check_schema(schema)
        print("PASS schema is valid JSON Schema 2020-12")
    except jsonschema.SchemaError as e:
        print("FAIL schema is valid JSON Schema 2020-12: %s" % e.message)
        return 0
    v = cls(schema)
    files = sorted(glob.glob(os.path.join(ROOT, "dist", "examples", "*.yaml")) +
                   glob.glob(os.path.join(ROOT, "tests", "configs", "*", "*.yaml")))
    for path in files:
        name = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        marks = MARK.findall(text)
        s_ok, why = schema_accepts(v, yaml, text)
        if ballast:
            l_ok = loader_accepts(ballast, path)
        else:
            m = EXIT.search(text)
            l_ok = not m or m.group(1) == "0"
        if isinstance(l_ok, str):
            print("FAIL %s: %s" % (name, l_ok))
        elif len(marks) > 1 or (marks and marks[0] not in SEMANTIC_ONLY):
            print("FAIL %s: the mark names %s; known: %s" %
                  (name, ", ".join(marks), ", ".join(SEMANTIC_ONLY)))
        elif l_ok and not s_ok:
            print("FAIL %s: the loader accepts it, the schema rejects "
                  "it: %s" % (name, why))
        elif not l_ok and s_ok and not marks:
            print("FAIL %s: the loader rejects it, the schema accepts it; "
                  "make the schema reject it, or end the file with "
                  "'# schema: semantic-only CATEGORY'" % name)
        elif marks and (l_ok or not s_ok):
            print("FAIL %s: marked semantic-only %s, but the %s" %
                  (name, marks[0], "loader accepts it" if l_ok
                   else "schema rejects it too; remove the mark"))
        elif marks:
            print("PASS %s rejected by the loader only (%s)" %
                  (name, marks[0]))
        else:
            print("PASS %s %s by both" % (name, "accepted" if l_ok
                                          else "rejected"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
