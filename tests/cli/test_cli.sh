#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The command line end to end on the fake dataplane: exit codes, output
# formats, persistence across invocations, fault injection, ownership.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/result.sh

bin=${1:-./ballast}
fx=tests/cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BALLAST_RUN_DIR=$work/run # writer locks: not a real installation's
state=$work/state.json

out=$work/out
err=$work/err

# run EXPECTED_EXIT NAME -- CMD...: run, keep stdout/stderr, check the exit code.
run() {
	local want=$1 name=$2
	shift 3
	"$@" >"$out" 2>"$err"
	local rc=$?
	if [[ $rc -eq $want ]]; then
		t_pass "$name"
		return 0
	fi
	t_fail "$name" "exit $rc, wanted $want; stderr: $(head -c 400 "$err")"
	return 1
}

# expect_in FILE NAME REGEX: the file has a line matching REGEX.
expect_in() {
	if grep -Eq -- "$3" "$1"; then t_pass "$2"; else
		t_fail "$2" "no line matching /$3/ in: $(head -c 600 "$1")"
	fi
}

expect_not_in() {
	if grep -Eq -- "$3" "$1"; then
		t_fail "$2" "unexpected /$3/ in: $(head -c 600 "$1")"
	else t_pass "$2"; fi
}

json_check() { # NAME PYTHON-EXPR over `d` (the parsed stdout)
	if python3 -c "import json,sys; d=json.load(open('$out')); sys.exit(0 if ($2) else 1)" 2>"$work/pyerr"; then
		t_pass "$1"
	else
		t_fail "$1" "json check failed: $2; $(head -c 300 "$work/pyerr") $(head -c 400 "$out")"
	fi
}

# ---- general ----------------------------------------------------------------
run 0 "version" -- $bin version && expect_in "$out" "version prints name" '^ballast '
run 0 "--version" -- $bin --version
run 0 "help" -- $bin help && expect_in "$out" "help lists commands" 'validate'
for c in validate plan apply probe decap version help; do
	run 0 "$c --help" -- $bin $c --help && expect_in "$out" "$c --help shows usage" '^Usage: ballast'
	run 0 "help $c" -- $bin help $c
done
# ballast decap: its arguments are checked before anything is loaded.
run 1 "decap without arguments" -- $bin decap && expect_in "$err" "decap names what is missing" "needs a verb and an interface"
run 1 "decap attach without addresses" -- $bin decap attach eth0 &&
	expect_in "$err" "decap attach asks for the tunnel addresses" "tunnel addresses"
run 1 "decap bad address" -- $bin decap attach eth0 10.0.0.300 &&
	expect_in "$err" "decap names the bad address" "'10.0.0.300' is not an IPv4 or IPv6 address"
run 1 "decap bad mode" -- $bin decap attach eth0 10.0.0.1 --mode turbo &&
	expect_in "$err" "decap names the modes" "auto, native, generic"
run 1 "decap unknown verb" -- $bin decap frob eth0 && expect_in "$err" "decap names the verbs" "attach, detach or status"
run 1 "decap detach takes no addresses" -- $bin decap detach eth0 10.0.0.1
run 3 "decap status of nothing pinned: exit 3" -- $bin decap status eth0 --pin-path "$work/nopins" &&
	expect_in "$out" "decap status says not attached" "not attached"
run 1 "unknown command" -- $bin frobnicate && expect_in "$err" "unknown command named" "frobnicate"
run 1 "unknown option" -- $bin plan --frob && expect_in "$err" "unknown option hint" "ballast plan --help"
run 1 "no command" -- $bin

# ---- validate ---------------------------------------------------------------
run 0 "validate valid" -- $bin validate -c $fx/lb.yaml && expect_in "$out" "validate says valid" 'valid'
run 2 "validate semantic error" -- $bin validate -c $fx/bad-semantic.yaml
expect_in "$err" "semantic error as FILE:LINE:COL" "^$fx/bad-semantic.yaml:[0-9]+:[0-9]+: error: "
[[ $(grep -c ': error: ' "$err") -ge 2 ]] && t_pass "every semantic error reported" ||
	t_fail "every semantic error reported" "$(cat "$err")"
run 1 "validate syntax error" -- $bin validate -c $fx/bad-syntax.yaml
expect_in "$err" "syntax error located" "^$fx/bad-syntax.yaml:[0-9]+:[0-9]+: error: "
run 1 "validate missing file" -- $bin validate -c $work/nope.yaml
expect_in "$err" "missing file named" "nope.yaml"
run 2 "validate --json" -- $bin validate -c $fx/bad-semantic.yaml --json
json_check "json diagnostics shape" "isinstance(d, list) and len(d) >= 2 and all(set(x) >= {'file','line','column','severity','path','message'} for x in d)"
json_check "json diagnostics have lines" "all(x['line'] > 0 and x['severity'] == 'error' for x in d)"
run 0 "validate --json valid" -- $bin validate -c $fx/lb.yaml --json
json_check "json valid has no errors" "not [x for x in d if x['severity'] == 'error']"
# A value of 10 KB of multibyte characters: the message is shortened in the
# value, on a character boundary, and keeps its explanation in both formats.
python3 - "$work/long.yaml" <<'PY'
import sys
v = "\u00e9" * 3000 + "\u20ac" * 1400
open(sys.argv[1], "w", encoding="utf-8").write(
    "version: 1\ndataplane:\n  driver: fake\npools:\n  web:\n"
    "    backends: [10.0.1.1:80, 10.0.1.2:80]\nservices:\n"
    "  - name: \"%s\"\n    address: 192.0.2.10\n    port: 80\n"
    "    pool: web\n" % v)
PY
run 1 "validate 10 KB multibyte value" -- $bin validate -c "$work/long.yaml"
if iconv -f UTF-8 -t UTF-8 "$err" >/dev/null 2>&1; then t_pass "long value: text is valid UTF-8"; else
	t_fail "long value: text is valid UTF-8" "$(head -c 300 "$err")"; fi
expect_in "$err" "long value: explanation kept in text" "…' is not a valid name: use letters, digits"
[[ $(wc -c <"$err") -lt 1200 ]] && t_pass "long value: text shortened" ||
	t_fail "long value: text shortened" "$(wc -c <"$err") bytes"
run 1 "validate --json 10 KB multibyte value" -- $bin validate -c "$work/long.yaml" --json
json_check "long value: JSON parses, explanation kept" "len(d) == 1 and d[0]['line'] == 8 and d[0]['message'].endswith('at most 63 characters') and '\u2026' in d[0]['message']"
BALLAST_CONFIG=$fx/bad-semantic.yaml run 2 "BALLAST_CONFIG is used" -- $bin validate
BALLAST_CONFIG=$fx/bad-semantic.yaml run 0 "-c wins over BALLAST_CONFIG" -- $bin validate -c $fx/lb.yaml

# ---- plan / apply on the fake dataplane -------------------------------------
fake=(--dataplane fake --state "$state")
run 2 "plan on empty dataplane: changes pending" -- $bin plan -c $fx/lb.yaml "${fake[@]}"
expect_in "$out" "plan shows service creation" '^\+ service tcp 192\.0\.2\.10:80'
expect_in "$out" "plan shows real creation" '^\+ real 10\.0\.1\.1:80'
expect_in "$out" "plan summary" 'to add'
run 0 "apply --dry-run" -- $bin apply -c $fx/lb.yaml "${fake[@]}" --dry-run
[[ ! -e "$state" ]] && t_pass "dry run writes nothing" || t_fail "dry run writes nothing"
run 0 "apply converges" -- $bin apply -c $fx/lb.yaml "${fake[@]}"
expect_in "$out" "apply reports changes" '^Apply: [1-9][0-9]* applied, 0 failed'
run 0 "plan after apply: in sync" -- $bin plan -c $fx/lb.yaml "${fake[@]}"
expect_in "$out" "in sync message" 'No changes'
run 0 "second apply does nothing" -- $bin apply -c $fx/lb.yaml "${fake[@]}"
expect_not_in "$out" "second apply made no change" '^Apply:'

run 2 "plan --json with changes" -- $bin plan -c $fx/lb-drained.yaml "${fake[@]}" --json
json_check "plan json lists a weight change" "any(c['op'] == 'change' and 'weight' in c.get('changed', []) for c in d['changes'])"
run 2 "plan drain shows weight change" -- $bin plan -c $fx/lb-drained.yaml "${fake[@]}"
expect_in "$out" "weight old -> new" '^~ real 10\.0\.1\.1:80 .*weight 100 → 0'
run 0 "apply drain" -- $bin apply -c $fx/lb-drained.yaml "${fake[@]}"
run 0 "in sync after drain" -- $bin plan -c $fx/lb-drained.yaml "${fake[@]}"

# A service removed from the config is ours: plan deletes it, reals first.
run 2 "removed service is planned for deletion" -- $bin plan -c $fx/lb-removed.yaml "${fake[@]}"
expect_in "$out" "service deletion line" '^- service udp 192\.0\.2\.53:53'
run 0 "apply deletion" -- $bin apply -c $fx/lb-removed.yaml "${fake[@]}"
run 0 "in sync after deletion" -- $bin plan -c $fx/lb-removed.yaml "${fake[@]}"

# ---- fault injection: a failed operation is named, the rest lands ----------
rm -f "$state"
run 1 "apply with an injected fault fails" -- $bin apply -c $fx/lb.yaml "${fake[@]}" --fault 3:EBUSY
expect_in "$out" "failed operation named with errno" 'FAILED: .*EBUSY'
expect_in "$err" "not converged reported" 'not converged'
run 2 "plan shows only the remaining work" -- $bin plan -c $fx/lb.yaml "${fake[@]}"
[[ $(grep -cE '^ *[+~-] ' "$out") -eq 1 ]] && t_pass "exactly one op remains" ||
	t_fail "exactly one op remains" "$(cat "$out")"
run 0 "apply again converges" -- $bin apply -c $fx/lb.yaml "${fake[@]}"
run 1 "bad fault spec is an error" -- $bin apply -c $fx/lb.yaml "${fake[@]}" --fault nonsense

# ---- foreign services are left alone unless --prune -------------------------
python3 - "$state" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
svcs = d["services"]
foreign = json.loads(json.dumps(svcs[0]))
foreign["address"] = "198.51.100.7"
foreign["owned"] = False
foreign["name"] = ""
svcs.append(foreign)
json.dump(d, open(p, "w"), indent=1)
EOF
run 0 "foreign service does not make plan dirty" -- $bin plan -c $fx/lb.yaml "${fake[@]}"
expect_in "$out" "foreign service shown" '^! .*198\.51\.100\.7'
run 0 "apply leaves foreign alone" -- $bin apply -c $fx/lb.yaml "${fake[@]}"
grep -q 198.51.100.7 "$state" && t_pass "foreign survives apply" || t_fail "foreign survives apply"
run 2 "plan --prune deletes foreign" -- $bin plan -c $fx/lb.yaml "${fake[@]}" --prune
expect_in "$out" "prune plans deletion" '^- service tcp 198\.51\.100\.7'
run 0 "apply --prune" -- $bin apply -c $fx/lb.yaml "${fake[@]}" --prune
grep -q 198.51.100.7 "$state" && t_fail "foreign removed by prune" || t_pass "foreign removed by prune"

# ---- bad config never touches the dataplane ---------------------------------
cp "$state" "$work/before.json"
run 1 "apply with invalid config fails" -- $bin apply -c $fx/bad-semantic.yaml "${fake[@]}"
expect_in "$err" "apply names the config problem" "bad-semantic.yaml:[0-9]+:[0-9]+: error"
cmp -s "$state" "$work/before.json" && t_pass "invalid config changes nothing" ||
	t_fail "invalid config changes nothing"
run 1 "corrupt state file is an error" -- bash -c "echo '{broken' >'$work/corrupt.json' && $bin plan -c $fx/lb.yaml --dataplane fake --state '$work/corrupt.json'"
expect_in "$err" "corrupt state names the file" 'corrupt.json'
run 1 "unknown dataplane" -- $bin plan -c $fx/lb.yaml --dataplane nosuch
expect_in "$err" "unknown dataplane lists the available ones" 'fake'

# ---- log format ------------------------------------------------------------
# The corrupt state file makes the fake dataplane log an error.
corrupt=(plan -c $fx/lb.yaml --dataplane fake --state "$work/corrupt.json")
run 1 "--log-format json" -- $bin --log-format json "${corrupt[@]}"
if python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert any(l["level"] == "error" and "corrupt.json" in l["message"]
           for l in lines), lines
assert all(set(l) == {"time", "level", "subsystem", "message", "fields"} for l in lines)
' "$err"; then t_pass "log lines are JSON objects"; else
	t_fail "log lines are JSON objects" "$(head -c 400 "$err")"
fi
run 1 "--log-format text" -- $bin --log-format text "${corrupt[@]}"
expect_in "$err" "text log line" '^ballast: error: .*corrupt\.json'
run 1 "unknown log format" -- $bin --log-format xml validate -c $fx/lb.yaml
expect_in "$err" "unknown log format names the choices" "auto, text, json"

# ---- messages say what is wrong and what to do ------------------------------
# stderr has exactly N lines (one clear message, not a second vaguer one).
expect_lines() { # FILE NAME N
	local n
	n=$(wc -l <"$1")
	if [[ $n -eq $3 ]]; then t_pass "$2"; else
		t_fail "$2" "$n lines, wanted $3: $(head -c 600 "$1")"
	fi
}

run 1 "unknown long option" -- $bin plan --frob
expect_in "$err" "unknown long option named as unknown" "unknown option '--frob'"
run 1 "long option without its value" -- $bin plan -c $fx/lb.yaml --state
expect_in "$err" "missing value named as such" "option '--state' needs a value"
run 1 "abbreviated long option without its value" -- $bin plan -c $fx/lb.yaml --stat
expect_in "$err" "abbreviation named in full" "option '--state' needs a value"
run 1 "short option without its value" -- $bin plan -c
expect_in "$err" "short missing value named" "option '-c' needs a value"
run 1 "unknown short option" -- $bin plan -x
expect_in "$err" "unknown short option named" "unknown option '-x'"
run 1 "value given to a flag" -- $bin plan -c $fx/lb.yaml --json=yes
expect_in "$err" "flag takes no value" "option '--json' takes no value"
run 1 "ambiguous abbreviation" -- $bin apply -c $fx/lb.yaml --d
expect_in "$err" "ambiguous abbreviation said" "'--d' is ambiguous"
run 1 "probe: unknown option" -- $bin probe --frob
expect_in "$err" "probe names the unknown option" "unknown option '--frob'"
run 1 "probe: --for without a value" -- $bin probe --for
expect_in "$err" "probe --for needs a value" "option '--for' needs a value"
run 1 "global --log-level without a value" -- $bin --log-level
expect_in "$err" "--log-level needs a value" "'--log-level' needs a value"
run 1 "global --log-format without a value" -- $bin --log-format
expect_in "$err" "--log-format needs a value" "'--log-format' needs a value"

run 1 "probe --for 0s" -- $bin probe -c $fx/lb.yaml --for 0s
expect_in "$err" "--for 0s: must be positive" "must be more than zero"
expect_in "$err" "--for says its range" "1ms to 1193h"
run 1 "probe --for beyond the range" -- $bin probe -c $fx/lb.yaml --for 2000h
expect_in "$err" "--for too long: says the range" "too long.*1ms to 1193h"

run 1 "--state naming a directory" -- $bin plan -c $fx/lb.yaml --dataplane fake --state "$work"
expect_in "$err" "directory is named as a directory" "--state $work is a directory; it must name a file"
expect_not_in "$err" "no JSON parser message for a directory" "expected"

# A driver that says what it lacks is not followed by a second, vaguer line.
run 1 "--dataplane xdp without an interface" -- $bin plan -c $fx/lb.yaml --dataplane xdp
expect_in "$err" "xdp names the missing key" "dataplane.interface"
expect_lines "$err" "xdp without an interface: exactly one line on stderr" 1
run 1 "--dataplane with a typo" -- $bin plan -c $fx/lb.yaml --dataplane fak
expect_in "$err" "typo: no such dataplane" "there is no dataplane 'fak'; available: fake, ipvs, xdp"

# A dataplane that says why it cannot open is not followed by a vaguer line.
echo '{broken' >"$work/corrupt.json"
run 1 "corrupt state: one message" -- $bin plan -c $fx/lb.yaml --dataplane fake --state "$work/corrupt.json"
expect_lines "$err" "corrupt state: exactly one line on stderr" 1
$bin plan -c $fx/lb.yaml --dataplane ipvs >"$out" 2>"$err"
if grep -q 'modprobe ip_vs' "$err"; then
	expect_lines "$err" "IPVS module hint: exactly one line on stderr" 1
else
	t_skip "IPVS module hint: exactly one line on stderr" "IPVS is available here"
fi

# plan --json: errors as a JSON object on stdout, exit 1.
run 1 "plan --json, invalid config" -- $bin plan -c $fx/bad-semantic.yaml "${fake[@]}" --json
json_check "plan --json config error object" "d['error']['kind'] == 'config' and len(d['error']['diagnostics']) >= 2 and d['error']['diagnostics'][0]['line'] > 0"
run 1 "plan --json, unreadable dataplane" -- $bin plan -c $fx/lb.yaml --dataplane fake --state "$work/corrupt.json" --json
json_check "plan --json dataplane error object" "d['error']['kind'] == 'dataplane' and d['error']['dataplane'] == 'fake' and 'corrupt.json' in d['error']['message']"
run 1 "plan --json, no such dataplane" -- $bin plan -c $fx/lb.yaml --dataplane nosuch --json
json_check "plan --json unknown dataplane object" "d['error']['kind'] == 'dataplane' and 'nosuch' in d['error']['message']"
run 1 "plan --json, missing config" -- $bin plan -c "$work/nope.yaml" --json
json_check "plan --json missing config object" "d['error']['kind'] == 'config' and d['error']['file'].endswith('nope.yaml')"

# Every documented short form works: each "-X, --long" line of every --help.
for c in validate plan apply probe; do
	for x in $($bin $c --help | sed -nE 's/^  -([a-zA-Z]), --.*/\1/p'); do
		$bin $c -$x -c "$work/nope.yaml" >"$out" 2>"$err" </dev/null
		expect_not_in "$err" "$c -$x (documented) is accepted" "unknown option"
	done
done
rm -f "$work/short.json"
run 0 "apply -n (documented short --dry-run)" -- $bin apply -n -c $fx/lb.yaml --dataplane fake --state "$work/short.json"
expect_in "$out" "apply -n prints the plan only" 'Dry run: nothing was changed'
[[ ! -e "$work/short.json" ]] && t_pass "apply -n writes nothing" || t_fail "apply -n writes nothing"
run 2 "plan -j" -- $bin plan -j -c $fx/lb.yaml --dataplane fake --state "$work/short.json"
json_check "plan -j prints JSON" "'changes' in d"
run 0 "validate -j" -- $bin validate -j -c $fx/lb.yaml
json_check "validate -j prints JSON" "isinstance(d, list)"
run 0 "probe -j -f" -- $bin probe -j -f 10ms -c $fx/lb.yaml

# The fake dataplane without a state file keeps nothing: apply refuses.
run 1 "apply on the fake dataplane without --state" -- $bin apply -c $fx/lb.yaml --dataplane fake
expect_in "$err" "says the changes would be lost and what to pass" "no state file.*lost.*--state FILE"
expect_not_in "$out" "nothing claimed as applied" 'applied'
run 0 "apply --dry-run without --state is fine" -- $bin apply -c $fx/lb.yaml --dataplane fake --dry-run
run 2 "plan without --state is fine" -- $bin plan -c $fx/lb.yaml --dataplane fake

# ---- the demo's output is plain text when not on a terminal -----------------
run 0 "demo runs" -- tests/demo/demo.sh
if grep -q $'\033' "$out"; then
	t_fail "demo output to a file has no escape codes" "$(grep -c $'\033' "$out") lines with ESC"
else t_pass "demo output to a file has no escape codes"; fi
expect_in "$out" "demo says what plan's exit 2 means" '^\(exit 2: changes pending\)$'

t_done cli
