#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Time `ballast plan` and `ballast apply` on the fake dataplane with a state
file at the size of a real table (default 1,000 services x 100 reals).

Each run starts from an empty state: apply the generated config, plan it (in
sync), plan a copy with 1 % of the weights changed, apply that copy. Reports
the median, min and max wall time of each step and its peak RSS (the process's
own, from wait4). Locks go to a temporary BALLAST_RUN_DIR.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, want):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if p.returncode != want:
        sys.exit("%s: exit %d, wanted %d: %s" % (" ".join(cmd), p.returncode, want, err[:400]))
    return dt, ru.ru_maxrss / 1024.0  # KiB -> MiB


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ballast", default="./ballast")
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--backends", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="ballast-bench-fake-")
    try:
        os.environ["BALLAST_RUN_DIR"] = os.path.join(work, "run")
        big = os.path.join(work, "big.yaml")
        changed = os.path.join(work, "changed.yaml")
        state = os.path.join(work, "state.json")
        with open(big, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_config.py"), "--driver", "fake",
                            "--services", str(a.services), "--backends", str(a.backends)],
                           stdout=f, check=True)
        # The first backend of every pool has weight 50: 1 % of the reals.
        with open(big) as f, open(changed, "w") as g:
            g.write(f.read().replace("weight: 50}", "weight: 49}"))
        fake = ["--dataplane", "fake", "--state", state]
        steps = [
            ("apply to an empty dataplane", ["apply", "-c", big], 0),
            ("plan, in sync", ["plan", "-c", big], 0),
            ("plan, 1 % of weights changed", ["plan", "-c", changed], 2),
            ("apply, 1 % of weights changed", ["apply", "-c", changed], 0),
        ]
        res = {name: [] for name, _, _ in steps}
        for _ in range(a.runs):
            if os.path.exists(state):
                os.unlink(state)
            for name, args, want in steps:
                res[name].append(timed([a.ballast] + args + fake, want))
        reals = a.services * a.backends
        print("fake dataplane, %d services x %d reals (%d reals), state file %.1f MB, %d runs"
              % (a.services, a.backends, reals, os.path.getsize(state) / 1e6, a.runs))
        print("%-32s %8s %8s %8s %10s" % ("step", "median", "min", "max", "peak RSS"))
        for name, _, _ in steps:
            ts = [t for t, _ in res[name]]
            rss = max(r for _, r in res[name])
            print("%-32s %7.2fs %7.2fs %7.2fs %7.0f MiB"
                  % (name, statistics.median(ts), min(ts), max(ts), rss))
    finally:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
