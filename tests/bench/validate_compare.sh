#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# validate_compare.sh REF_BALLAST NEW_BALLAST DIR [RUNS]
# `ballast validate` of two builds side by side on every input shape that
# matters for the loader's cost: for each, the median wall and CPU time and
# the peak RSS of both (wait4's rusage of the child, tests/bench/runstat.c),
# the ratios, and the new build's RSS per input byte; then the new build at
# half and twice the size. Inputs are generated into DIR once.
set -u
ref=$1 new=$2 dir=$3 runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
runstat=${RUNSTAT:-$(dirname "$here")/../build/bench/runstat}
[[ -x $runstat ]] || { echo "validate_compare: build $runstat first (make bench-validate)" >&2; exit 1; }
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

# One binary on one file: "wall_s cpu_s peak_kib", the medians of the times
# and the highest RSS over $2 runs.
measure() {
	local bin=$1 file=$2 n=$3
	for ((i = 0; i < n; i++)); do
		"$runstat" "$bin" validate -c "$file"
	done | awk -v n="$n" '
		{ w[NR] = $1; c[NR] = $2; if ($3 > m) m = $3 }
		function med(a,   i, j, t) {
			for (i = 1; i <= n; i++)
				for (j = i + 1; j <= n; j++)
					if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((n + 1) / 2)]
		}
		END { printf "%s %s %d\n", med(w), med(c), m }'
}

printf '%-18s %6s | %7s %7s %5s | %7s %7s %5s | %7s %7s %5s | %6s\n' shape "MB" \
	"ref s" "new s" ratio "ref cpu" "new cpu" ratio "ref MiB" "new MiB" ratio "RSS/B"
for f in $files; do
	size=$(stat -c %s "$f")
	n=$runs
	# Today's loader takes minutes on `deep`: one run each there.
	[[ $(basename "$f") == deep.yaml ]] && n=1
	read -r rw rc rm < <(measure "$ref" "$f" "$n")
	read -r nw nc nm < <(measure "$new" "$f" "$n")
	awk -v f="$(basename "$f" .yaml)" -v s="$size" -v rw="$rw" -v nw="$nw" \
		-v rc="$rc" -v nc="$nc" -v rm="$rm" -v nm="$nm" 'BEGIN {
		printf "%-18s %6.2f | %7.3f %7.3f %5.2f | %7.3f %7.3f %5.2f | %7.1f %7.1f %5.3f | %6.1f\n",
			f, s / 1e6, rw, nw, (rw > 0 ? nw / rw : 0), rc, nc,
			(rc > 0 ? nc / rc : 0), rm / 1024, nm / 1024,
			(rm > 0 ? nm / rm : 0), nm * 1024 / s }'
done

# Linear in the file: the new build on half and twice the size.
echo
printf '%-18s %6s | %7s %7s %9s | %6s\n' "new, scaling" "MB" "s" "cpu" "cpu/MB" "RSS/B"
for s in scalars nested keys; do
	for bytes in 3000000 12000000; do
		f=$dir/$s-$bytes.yaml
		[[ -s $f ]] || python3 "$here/gen_shapes.py" "$s" "$bytes" >"$f"
		read -r nw nc nm < <(measure "$new" "$f" "$runs")
		awk -v f="$s" -v s="$(stat -c %s "$f")" -v w="$nw" -v c="$nc" -v m="$nm" 'BEGIN {
			printf "%-18s %6.2f | %7.3f %7.3f %9.3f | %6.1f\n", f, s / 1e6, w, c,
				c / (s / 1e6), m * 1024 / s }'
	done
done
