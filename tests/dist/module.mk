# SPDX-License-Identifier: GPL-2.0-only
# What ships under dist/: the systemd units pass systemd-analyze (offline).
DEPS_PKGS += systemd

.PHONY: test-dist
test-dist: ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/dist/test_units.sh ./ballast

CHECK_TARGETS += test-dist
