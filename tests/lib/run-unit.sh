#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run Check test binaries; each records its counts in $BALLAST_RESULTS.
set -u
status=0
for t in "$@"; do
	"$t" || status=1
done
exit $status
