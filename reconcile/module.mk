# SPDX-License-Identifier: GPL-2.0-only
# reconcile/ is in LIB_DIRS already; this adds its benchmarks.
# Note: included before LIBBALLAST is defined, so name the archive directly.

BENCH_TARGETS += bench-diff

$(BUILD)/tests/bench/bench_diff: $(BUILD)/tests/bench/bench_diff.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: bench-diff
bench-diff: $(BUILD)/tests/bench/bench_diff
	$(Q)$<

BENCH_TARGETS += bench-loop

$(BUILD)/tests/bench/bench_loop: $(BUILD)/tests/bench/bench_loop.o \
		$(BUILD)/tests/bench/bench_cfg.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: bench-loop
bench-loop: $(BUILD)/tests/bench/bench_loop
	$(Q)$<
