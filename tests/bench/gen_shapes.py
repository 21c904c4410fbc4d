#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate a YAML file of one shape and about a given size, to measure what
loading costs per input byte (make bench-validate, tests/config/).

Shapes: scalars (short ones, ten to a line), mapping (distinct keys), long (16 KiB
scalars), nested (many collections 60 levels deep: legal), keys (one key
repeated: every line a duplicate), deep (only '[': past the nesting limit).
Every file but `deep` starts as a configuration and puts its bulk under an
unknown top-level key, so the loader reads it all and reports one error.
"""
import argparse
import sys

HEAD = "version: 1\ndataplane: {driver: fake}\nbench:\n"


def line(shape, i):
    if shape == "scalars":
        return "  - [a, b, c, d, e, f, g, h, i, j]\n"
    if shape == "mapping":
        return "  k%d: v\n" % i
    if shape == "long":
        return "  - %07d%s\n" % (i, "abcdefghijklmnop" * 1024)
    if shape == "nested":
        return "  - %sx%d%s\n" % ("[" * 30 + "{k: " * 30, i, "}" * 30 + "]" * 30)
    if shape == "keys":
        return "  k: v\n"
    raise SystemExit("unknown shape %s" % shape)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("shape", choices=["scalars", "mapping", "long", "nested",
                                      "keys", "deep"])
    ap.add_argument("bytes", type=int)
    a = ap.parse_args()
    out = sys.stdout
    if a.shape == "deep":
        out.write("[" * a.bytes + "\n")
        return 0
    out.write(HEAD)
    size, i = len(HEAD), 0
    while size < a.bytes:
        s = line(a.shape, i)
        out.write(s)
        size += len(s)
        i += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
