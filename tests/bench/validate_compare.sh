#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# validate_compare.sh REF_BALLAST NEW_BALLAST DIR [RUNS]
# `ballast validate` of two builds side by side on every input shape that
# matters for the loader's cost: for each, the median wall time and the peak
# RSS of both (measured by /usr/bin/time for the child), the ratios, and the
# new build's RSS per input byte. Inputs are generated into DIR once.
set -u
ref=$1 new=$2 dir=$3 runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
timer=/usr/bin/time
[[ -x $timer ]] || { echo "validate_compare: needs $timer (Debian package 'time')" >&2; exit 1; }
mkdir -p "$dir"

# shape:bytes; `deep` is small because today's loader is quadratic in it.
shapes="scalars:6000000 mapping:6000000 long:6000000 nested:6000000 keys:6000000 deep:100000"
for s in $shapes; do
	f=$dir/${s%%:*}.yaml
	[[ -s $f ]] || python3 "$here/gen_shapes.py" "${s%%:*}" "${s##*:}" >"$f"
done
files=""
for s in $shapes; do files+=" $dir/${s%%:*}.yaml"; done
[[ -n ${BENCH_VALIDATE_CFG:-} ]] && files+=" $BENCH_VALIDATE_CFG"

# One binary on one file: "median_seconds peak_kib" over $runs runs.
measure() {
	local bin=$1 file=$2 out
	for ((i = 0; i < runs; i++)); do
		out=$("$timer" -f '%e %M' "$bin" validate -c "$file" 2>&1 >/dev/null | tail -1)
		echo "$out"
	done | sort -n | awk -v n="$runs" '
		{ t[NR] = $1; if ($2 > m) m = $2 }
		END { printf "%s %d\n", t[int((n + 1) / 2)], m }'
}

printf '%-22s %8s | %8s %8s %6s | %9s %9s %6s | %9s\n' shape "size MB" "ref s" \
	"new s" ratio "ref MiB" "new MiB" ratio "new RSS/B"
for f in $files; do
	size=$(stat -c %s "$f")
	read -r rt rm < <(measure "$ref" "$f")
	read -r nt nm < <(measure "$new" "$f")
	awk -v n="$(basename "$f" .yaml)" -v s="$size" -v rt="$rt" -v nt="$nt" \
		-v rm="$rm" -v nm="$nm" 'BEGIN {
		printf "%-22s %8.2f | %8.2f %8.2f %6.2f | %9.1f %9.1f %6.3f | %9.1f\n",
			n, s / 1e6, rt, nt, (rt > 0 ? nt / rt : 0), rm / 1024, nm / 1024,
			(rm > 0 ? nm / rm : 0), nm * 1024 / s }'
done

# Linear in the file: the new build on half and twice the size.
echo
printf '%-22s %8s %8s %10s %11s\n' "new build, scaling" "size MB" "s" "s per MB" "RSS/B"
for s in scalars nested keys; do
	for bytes in 3000000 12000000; do
		f=$dir/$s-$bytes.yaml
		[[ -s $f ]] || python3 "$here/gen_shapes.py" "$s" "$bytes" >"$f"
		read -r nt nm < <(measure "$new" "$f")
		awk -v n="$s" -v s="$(stat -c %s "$f")" -v t="$nt" -v m="$nm" 'BEGIN {
			printf "%-22s %8.2f %8.2f %10.3f %11.1f\n", n, s / 1e6, t, t / (s / 1e6), m * 1024 / s }'
	done
done
