#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check Docs/ballast.schema.json against the corpus.

Prints one line per case, "PASS name" / "FAIL name: why" / "SKIP name: why",
for tests/config/test_schema.sh to count. Every shipped example and valid
corpus file must satisfy the schema; invalid files whose fault is one of
shape (listed below) must not.
"""
import glob
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Invalid corpus files the schema alone must reject (shape errors).
SHAPE_ERRORS = [
    "missing-version", "bad-version", "missing-dataplane", "bad-driver",
    "unknown-key-top", "unknown-key-health", "duration-bare-number",
    "duration-bad-unit", "port-out-of-range", "port-negative",
    "services-not-list", "missing-pool-key", "missing-port",
    "fwmark-with-address", "fwmark-no-family", "family-without-fwmark",
    "bad-protocol", "bad-service-name", "bad-http-path", "bad-expect-code",
    "weight-out-of-range", "bad-metrics-listen", "bad-interface", "quoted-number",
    "pool-without-backends", "exec-command-not-list", "rise-zero",
    "wrong-type-mapping", "schema-multiple", "ring-size-out-of-range",
]


def main():
    try:
        import jsonschema
        import yaml
    except ImportError as e:
        print("SKIP schema: %s (install python3-jsonschema python3-yaml)" % e)
        return 0
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
    valid = sorted(glob.glob(os.path.join(ROOT, "dist", "examples", "*.yaml")) +
                   glob.glob(os.path.join(ROOT, "tests", "configs", "valid", "*.yaml")))
    for path in valid:
        name = os.path.relpath(path, ROOT)
        with open(path) as f:
            doc = yaml.safe_load(f)
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            print("FAIL %s accepted: %s at %s" % (name, e.message,
                                                  "/".join(map(str, e.path))))
        else:
            print("PASS %s accepted" % name)
    for base in SHAPE_ERRORS:
        path = os.path.join(ROOT, "tests", "configs", "invalid", base + ".yaml")
        name = os.path.relpath(path, ROOT)
        with open(path) as f:
            doc = yaml.safe_load(f)
        if v.is_valid(doc):
            print("FAIL %s rejected: the schema accepts it" % name)
        else:
            print("PASS %s rejected" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
