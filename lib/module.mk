# SPDX-License-Identifier: GPL-2.0-only
# lib/: sdnotify.c speaks systemd's notify protocol through libsystemd.
DEPS_PKGS += libsystemd-dev
PKGS      += libsystemd
