# SPDX-License-Identifier: GPL-2.0-only
# vrrp/: the HA gate (rtnetlink watcher over libmnl, VRRP advert watcher)
# and the BGP announcer (kernel routes for ha.mode: bgp).
LIB_SRCS += $(wildcard vrrp/*.c)

# The gate against a real kernel, in namespaces (root): tests/vrrp/run.sh.
VRRP_KTEST := $(BUILD)/tests/vrrp/test_vrrp_kernel
ANNOUNCE_KTEST := $(BUILD)/tests/vrrp/test_announce_kernel

# (TEST_LIB_OBJS and LIBBALLAST are defined after module.mk files are read:
# name the files.)
$(VRRP_KTEST): $(BUILD)/tests/vrrp/test_vrrp_kernel.o \
		$(BUILD)/tests/lib/check_main.o $(BUILD)/tests/lib/netns.o \
		$(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(ANNOUNCE_KTEST): $(BUILD)/tests/vrrp/test_announce_kernel.o \
		$(BUILD)/tests/lib/check_main.o $(BUILD)/tests/lib/netns.o \
		$(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

.PHONY: test-vrrp
test-vrrp: $(VRRP_KTEST) $(ANNOUNCE_KTEST)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/vrrp/run.sh $(VRRP_KTEST)
	$(Q)tests/vrrp/run.sh $(ANNOUNCE_KTEST)

CHECK_TARGETS += test-vrrp
