# SPDX-License-Identifier: GPL-2.0-only
# The daemon (`ballast apply --daemon`): wiring, reload, overrides, the API's
# routes and metrics. Logic, so it goes into libballast.a where the unit
# tests call it; cmd/cmd_apply.c is the only caller outside the tests.
LIB_SRCS += $(wildcard cmd/daemon/*.c)
