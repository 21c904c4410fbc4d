# SPDX-License-Identifier: GPL-2.0-only
# ballast bgp: the bgpd renderer, in libballast.a so the unit tests call it;
# the command is cmd/cmd_bgp.c, the frr.conf patcher cmd/vrrp/frr_patch.c.
LIB_SRCS += $(wildcard cmd/bgp/*.c)
DEPS_PKGS += frr iproute2 jq util-linux

# What `ballast bgp` writes, loaded into FRR 8.4's zebra and bgpd in
# throwaway namespaces, and a route announced and withdrawn end to end.
.PHONY: test-scale-render
test-scale-render: ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/scale/render.sh ./ballast

CHECK_TARGETS += test-scale-render
