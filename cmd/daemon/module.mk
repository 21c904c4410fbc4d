# SPDX-License-Identifier: GPL-2.0-only
# The daemon (`ballast apply --daemon`): wiring, reload, overrides, the API's
# routes and metrics. Logic, so it goes into libballast.a where the unit
# tests call it; cmd/cmd_apply.c is the only caller outside the tests.
LIB_SRCS += $(wildcard cmd/daemon/*.c)

DAEMON_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_daemon_*.c))

.PHONY: test-daemon bench-daemon
test-daemon: ballast $(BUILD)/tests/health/hc_testsrv $(DAEMON_UNIT)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lib/run-unit.sh $(DAEMON_UNIT)
	$(Q)BUILD=$(BUILD) tests/daemon/test_daemon.sh
	$(Q)BUILD=$(BUILD) tests/daemon/test_api.sh
	$(Q)BUILD=$(BUILD) tests/daemon/test_ha_gate.sh
	$(Q)BUILD=$(BUILD) tests/daemon/test_bgp_announce.sh

CHECK_TARGETS += test-daemon

bench-daemon: ballast $(BUILD)/tests/health/hc_testsrv
	$(Q)BUILD=$(BUILD) tests/daemon/bench.sh

BENCH_TARGETS += bench-daemon
