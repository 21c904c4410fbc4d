# SPDX-License-Identifier: GPL-2.0-only
# Health checking engine, its tests and its benchmark against HAProxy.
LIB_SRCS += $(wildcard health/*.c)
PKGS += openssl
DEPS_PKGS += libssl-dev openssl haproxy

# Test and benchmark helpers: a controllable target server and an engine driver.
HC_TOOLS := $(BUILD)/tests/health/hc_testsrv $(BUILD)/tests/health/hc_tool

$(BUILD)/tests/health/hc_testsrv: tests/health/hc_testsrv.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS_ALL)

$(BUILD)/tests/health/hc_tool: tests/health/hc_tool.c $(BUILD)/libballast.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBBALLAST) $(LDLIBS_ALL)

HC_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_health_*.c))

.PHONY: test-health bench-health
test-health: $(HC_TOOLS) $(HC_UNIT)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lib/run-unit.sh $(HC_UNIT)
	$(Q)BUILD=$(BUILD) tests/health/run.sh

bench-health: $(HC_TOOLS)
	$(Q)BUILD=$(BUILD) tests/health/bench.sh

CHECK_TARGETS += test-health
BENCH_TARGETS += bench-health
