# SPDX-License-Identifier: GPL-2.0-only
# Command-line behaviour end to end on the fake dataplane (no root needed):
# the commands, one writer at a time (test_lock.sh), and a table of 100,000
# reals (test_scale.sh).
LOCK_HOLD := $(BUILD)/tests/cli/lock_hold

# (LIBBALLAST is defined after module.mk files are read: name the file.)
$(LOCK_HOLD): $(BUILD)/tests/cli/lock_hold.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: test-cli
test-cli: ballast $(LOCK_HOLD)
	$(Q)mkdir -p $(RESULTS)
	$(Q)status=0; \
	tests/cli/test_cli.sh ./ballast || status=1; \
	tests/cli/test_lock.sh ./ballast $(LOCK_HOLD) || status=1; \
	tests/cli/test_scale.sh ./ballast || status=1; \
	exit $$status

CHECK_TARGETS += test-cli
