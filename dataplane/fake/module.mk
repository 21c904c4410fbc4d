# SPDX-License-Identifier: GPL-2.0-only
# dataplane/fake/ is in LIB_DIRS already; this adds its benchmark: plan and
# apply of 100,000 reals with a state file (Docs/BENCHMARKS.md).
BENCH_TARGETS += bench-fake

.PHONY: bench-fake
bench-fake: ballast
	$(Q)tests/bench/bench_fake.py --ballast ./ballast --runs $(or $(BENCH_RUNS),5)
