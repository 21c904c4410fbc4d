# SPDX-License-Identifier: GPL-2.0-only
# tests/lib/deps.sh, the installer `make deps` runs, and a fresh machine's
# first `make demo`.
.PHONY: test-deps test-fresh
test-deps:
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/deps/test_lock.sh

CHECK_TARGETS += test-deps

# Not in CHECK_TARGETS: it downloads Debian and takes minutes (Docs/TESTING.md).
test-fresh:
	$(Q)tests/lib/deps.sh debootstrap git
	$(Q)mkdir -p $(RESULTS)
	$(Q)BUILD=$(BUILD) tests/fresh/run.sh
