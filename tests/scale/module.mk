# SPDX-License-Identifier: GPL-2.0-only
# Scale-out end to end (tests/scale/run.sh): LB nodes running FRR and
# `ballast apply --daemon` (XDP, DSR) behind a router's ECMP, announcing the
# VIP over BGP; `make bench-scale` (tests/scale/bench.sh) measures withdraw
# times and the connections broken per node change in the same lab.
DEPS_PKGS += frr nftables python3 curl jq iproute2 util-linux
CHECK_TARGETS += test-scale
BENCH_TARGETS += bench-scale

.PHONY: test-scale bench-scale
test-scale: ballast $(BUILD)/tests/xdp/poke
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/scale/run.sh ./ballast $(BUILD)/tests/xdp/poke

bench-scale: ballast $(BUILD)/tests/xdp/poke
	$(Q)tests/scale/bench.sh ./ballast $(BUILD)/tests/xdp/poke
