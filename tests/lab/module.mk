# SPDX-License-Identifier: GPL-2.0-only
# The lab of network namespaces with real servers: `make demo` and the
# end-to-end suites `make test-lab` (tests/lab/run.sh) and `make
# test-lab-daemon` (the daemon on the XDP dataplane, tests/lab/daemon.sh).
DEPS_PKGS += python3 curl iproute2 util-linux
CHECK_TARGETS += test-lab test-lab-daemon

.PHONY: test-lab
test-lab: ballast $(BUILD)/tests/xdp/poke
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lab/run.sh ./ballast $(BUILD)/tests/xdp/poke

.PHONY: test-lab-daemon
test-lab-daemon: ballast $(BUILD)/tests/xdp/poke
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lab/daemon.sh ./ballast $(BUILD)/tests/xdp/poke
