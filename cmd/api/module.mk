# SPDX-License-Identifier: GPL-2.0-only
# The control API's HTTP framework (libmicrohttpd in the daemon's loop). It is
# logic, so it goes into libballast.a where the unit tests can call it.
LIB_SRCS += $(wildcard cmd/api/*.c)
PKGS += libmicrohttpd
DEPS_PKGS += libmicrohttpd-dev

# The integration suite: a test server with fake handlers, driven by curl.
# promtool (Debian's prometheus package) checks /metrics; the suite skips
# that check when it is missing.
DEPS_PKGS += curl jq prometheus

$(BUILD)/tests/api/api_testsrv: tests/api/api_testsrv.c $(BUILD)/libballast.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBBALLAST) $(LDLIBS_ALL)

API_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_api_*.c))

.PHONY: test-api
test-api: $(BUILD)/tests/api/api_testsrv $(API_UNIT)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lib/run-unit.sh $(API_UNIT)
	$(Q)BUILD=$(BUILD) tests/api/test_api.sh

CHECK_TARGETS += test-api

.PHONY: bench-api
bench-api: $(BUILD)/tests/api/api_testsrv
	$(Q)BUILD=$(BUILD) tests/api/bench.sh

BENCH_TARGETS += bench-api
