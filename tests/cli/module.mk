# SPDX-License-Identifier: GPL-2.0-only
# Command-line behaviour end to end on the fake dataplane (no root needed).
.PHONY: test-cli
test-cli: ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/cli/test_cli.sh ./ballast

CHECK_TARGETS += test-cli
