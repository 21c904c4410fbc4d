# SPDX-License-Identifier: GPL-2.0-only
# Health checking engine, its tests and its benchmark against HAProxy.
LIB_SRCS += $(wildcard health/*.c)
PKGS += openssl
DEPS_PKGS += libssl-dev openssl haproxy
