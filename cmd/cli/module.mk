# SPDX-License-Identifier: GPL-2.0-only
# The table-driven option parser and every command's table (logic the unit
# tests check, so it goes into libballast.a).
LIB_SRCS += $(wildcard cmd/cli/*.c)
