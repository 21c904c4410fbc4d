#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The HA gate against the kernel: links, addresses, carrier, protodown,
# overflow and VRRP adverts, each test in a network namespace of its own.
set -u
here=$(dirname "$0")
. "$here/../lib/result.sh"

bin=${1:?usage: run.sh TEST_BINARY}
if [[ $(id -u) -ne 0 ]]; then
	t_skip_all vrrp-kernel "needs root (network namespaces, raw sockets)"
fi
if ! unshare -n true 2>/dev/null; then
	t_skip_all vrrp-kernel "cannot create a network namespace here"
fi
if ! command -v ip >/dev/null || ! command -v nsenter >/dev/null; then
	t_skip_all vrrp-kernel "needs ip (iproute2) and nsenter (util-linux)"
fi
exec "$bin"
