# SPDX-License-Identifier: GPL-2.0-only
# HA pairs end to end (tests/ha/run.sh): two load-balancer nodes running
# `ballast apply --daemon` on the XDP dataplane, keepalived or FRR's vrrpd
# moving the VIP between them, a client and DSR backends with real servers.
# `make bench-ha` (tests/ha/bench.sh) measures failovers in the same lab.
DEPS_PKGS += keepalived frr nftables python3 curl jq iproute2 util-linux
CHECK_TARGETS += test-ha
BENCH_TARGETS += bench-ha

HA_MAPS_BIN := $(BUILD)/tests/ha/hamaps

$(HA_MAPS_BIN): $(BUILD)/tests/ha/hamaps.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: test-ha bench-ha
test-ha: ballast $(HA_MAPS_BIN)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/ha/run.sh ./ballast $(HA_MAPS_BIN)

bench-ha: ballast $(HA_MAPS_BIN)
	$(Q)tests/ha/bench.sh ./ballast $(HA_MAPS_BIN)

-include $(BUILD)/tests/ha/hamaps.d
