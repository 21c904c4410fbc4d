# SPDX-License-Identifier: GPL-2.0-only
# Clients of the daemon's control API (ballast status, show, watch, drain...):
# the HTTP client, SSE parsing and the rendering, in libballast.a so the unit
# tests can call them.
LIB_SRCS += $(wildcard cmd/client/*.c)
PKGS += libcurl
DEPS_PKGS += libcurl4-openssl-dev

# The suite runs the clients against a fake daemon (python3 on a unix socket).
.PHONY: test-clients
test-clients: ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/clients/test_clients.sh ./ballast

CHECK_TARGETS += test-clients
