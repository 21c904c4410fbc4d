# SPDX-License-Identifier: GPL-2.0-only
# make bench-ha-lvs: keepalived failovers inside the test VM (tests/vm/run.sh
# ha, tests/vm/halvs.sh), keepalived's own LVS against Ballast's IPVS
# dataplane under the same VRRP gate. Not part of make check.
DEPS_PKGS += keepalived
BENCH_TARGETS += bench-ha-lvs

HAFLOW := $(BUILD)/tests/vm/haflow

$(HAFLOW): $(BUILD)/tests/vm/haflow.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^

.PHONY: bench-ha-lvs
bench-ha-lvs: ballast $(IPVS_PROBE) $(HAFLOW)
	$(Q)tests/vm/run.sh ha ballast $(IPVS_PROBE) $(HAFLOW) $$(command -v keepalived)
	$(Q)tests/vm/halvs_table.sh $(BUILD)/vm/console-ha.log.txt

-include $(BUILD)/tests/vm/haflow.d
