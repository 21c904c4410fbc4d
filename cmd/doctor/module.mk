# SPDX-License-Identifier: GPL-2.0-only
# ballast doctor: the check table and its checks, in libballast.a so tests
# can call them; the command itself is cmd/cmd_doctor.c.
LIB_SRCS += $(wildcard cmd/doctor/*.c)

.PHONY: test-doctor
test-doctor: ballast $(BUILD)/tests/xdp/poke $(BUILD)/tests/unit/test_doctor
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lib/run-unit.sh $(BUILD)/tests/unit/test_doctor
	$(Q)BUILD=$(BUILD) tests/doctor/run.sh ./ballast; r=$$?; \
		tests/doctor/ha.sh ./ballast && exit $$r

CHECK_TARGETS += test-doctor
