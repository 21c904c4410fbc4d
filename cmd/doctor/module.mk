# SPDX-License-Identifier: GPL-2.0-only
# ballast doctor: the check table and its checks, in libballast.a so tests
# can call them; the command itself is cmd/cmd_doctor.c.
LIB_SRCS += $(wildcard cmd/doctor/*.c)

.PHONY: test-doctor
test-doctor: ballast $(BUILD)/tests/xdp/poke
	$(Q)mkdir -p $(RESULTS)
	$(Q)BUILD=$(BUILD) tests/doctor/run.sh ./ballast

CHECK_TARGETS += test-doctor
