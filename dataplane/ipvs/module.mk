# SPDX-License-Identifier: GPL-2.0-only
# IPVS dataplane over generic netlink, and its VM test harness.
LIB_SRCS += $(wildcard dataplane/ipvs/*.c)
DEPS_PKGS += qemu-system-x86 linux-image-amd64 busybox-static ipvsadm cpio curl jq
CHECK_TARGETS += test-vm
BENCH_TARGETS += bench-ipvs

IPVS_PROBE := $(BUILD)/tests/vm/ipvs_probe

# (LIBBALLAST is defined after module.mk files are read: name the file.)
$(IPVS_PROBE): $(BUILD)/tests/vm/ipvs_probe.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# IPVS needs a real kernel: boot Debian's under qemu (tests/vm/run.sh).
.PHONY: test-vm bench-ipvs
# The same boot runs the XDP forwarder's suites (VM_XDP_FILES, in
# dataplane/xdp/module.mk) on that kernel.
test-vm: ballast $(IPVS_PROBE)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/vm/run.sh test ballast $(IPVS_PROBE) $(VM_XDP_FILES)

bench-ipvs: ballast $(IPVS_PROBE)
	$(Q)tests/vm/run.sh bench ballast $(IPVS_PROBE)
