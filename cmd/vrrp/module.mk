# SPDX-License-Identifier: GPL-2.0-only
# ballast vrrp: the keepalived and FRR renderers and the frr.conf patcher, in
# libballast.a so the unit tests call them; the command is cmd/cmd_vrrp.c.
LIB_SRCS += $(wildcard cmd/vrrp/*.c)
# The render suite checks what the renderers write with the real daemons.
DEPS_PKGS += keepalived frr nftables jq util-linux

.PHONY: test-ha-render
test-ha-render: ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/ha/render.sh ./ballast

CHECK_TARGETS += test-ha-render
