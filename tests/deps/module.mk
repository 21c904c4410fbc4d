# SPDX-License-Identifier: GPL-2.0-only
# tests/lib/deps.sh, the installer `make deps` runs.
.PHONY: test-deps
test-deps:
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/deps/test_lock.sh

CHECK_TARGETS += test-deps

