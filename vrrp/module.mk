# SPDX-License-Identifier: GPL-2.0-only
# vrrp/: the HA gate (rtnetlink watcher over libmnl, VRRP advert watcher).
LIB_SRCS += $(wildcard vrrp/*.c)
