#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The JSON Schema for editors and `ballast validate` agree on every shipped
# example and corpus file, but for the marked semantic-only rules
# (check_schema.py). Usage: test_schema.sh [BALLAST]. Uses Debian's python3
# so the packages `make deps` installs are the ones used.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/result.sh"

py=/usr/bin/python3
[[ -x $py ]] || py=python3
while IFS= read -r line; do
	case "$line" in
	PASS\ *) t_pass "${line#PASS }" ;;
	FAIL\ *) t_fail "${line#FAIL }" ;;
	SKIP\ *) t_skip "${line#SKIP }" "see message" ;;
	*) echo "$line" ;;
	esac
done < <("$py" "$here/check_schema.py" "$@" 2>&1)
t_done schema
