# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the doctor suites (run.sh, ha.sh): run doctor and assert on its
# JSON, and a fake daemon API. Uses $B (ballast), $tmp, $out; PRE is a
# command prefix (nsenter...) for doctor.

# doc ARGS...: run doctor --json, keep its output in $out and exit in $rc.
doc() {
	"${PRE[@]}" "$B" doctor --json "$@" >"$out" 2>"$tmp/err"
	rc=$?
}
PRE=()
# st CHECK / rem CHECK: a check's status / remedy in the last run.
st() { jq -r --arg c "$1" '.[] | select(.check == $c) | .status' "$out" 2>/dev/null; }
rem() { jq -r --arg c "$1" '.[] | select(.check == $c) | .remedy // ""' "$out" 2>/dev/null; }
# expect NAME CHECK STATUS [REMEDY_TEXT]: the check has STATUS and, when
# given, its remedy contains REMEDY_TEXT.
expect() {
	local s r
	s=$(st "$2")
	r=$(rem "$2")
	if [[ $s != "$3" ]]; then
		t_fail "$1" "$2 is '$s', not $3: $(jq -c --arg c "$2" '.[] | select(.check == $c)' "$out" 2>/dev/null) $(head -c 300 "$tmp/err")"
	elif [[ -n ${4:-} && $r != *"$4"* ]]; then
		t_fail "$1" "$2 remedy lacks '$4': '$r'"
	else
		t_pass "$1"
	fi
}
check() { if eval "$2"; then t_pass "$1"; else t_fail "$1" "${3:-$2}"; fi; }
# has CHECK REGEX: the check's found text in the last run matches REGEX (jq).
has() {
	jq -e --arg c "$1" --arg re "$2" '.[] | select(.check == $c) | .found | test($re)' "$out" >/dev/null
}
# found NAME CHECK REGEX: has, as a test result.
found() {
	if has "$2" "$3"; then
		t_pass "$1"
	else
		t_fail "$1" "$2 found does not match '$3': $(jq -c --arg c "$2" '.[] | select(.check == $c) | .found' "$out" 2>/dev/null)"
	fi
}

# A daemon answering on a unix socket, faked (python3), its config sha256
# that of $FAKE_CFG (else $F).
# fake_api MODE SOCKET [HA_JSON]: 500 = every GET an HTTP 500 error
# envelope; garbage = 200 with a body that is not JSON; noplan = status
# (with HA_JSON as its "ha") and services fine, the plan an error (the
# daemon cannot read its dataplane).
fake_api() {
	python3 -c '
import http.server, json, os, socketserver, sys
mode, path, sha, ha = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
ok = {"/api/v1/status": {"version": "fake", "config": {"sha256": sha, "generation": 1}, "ha": ha},
      "/api/v1/services": []}
class H(http.server.BaseHTTPRequestHandler):
    def address_string(self): return "unix"
    def log_message(self, *a): pass
    def do_GET(self):
        if mode == "garbage":
            code, body = 200, b"{\"success\": true, \"data\": {"
        elif mode == "500" or self.path not in ok:
            code, body = 500, json.dumps({"success": False, "error": {
                "code": "internal_error",
                "message": "cannot read the fake dataplane: boom"}}).encode()
        else:
            code, body = 200, json.dumps({"success": True, "data": ok[self.path]}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class S(socketserver.UnixStreamServer):
    pass
s = S(path, H)
s.serve_forever()
' "$1" "$2" "$(sha256sum "${FAKE_CFG:-$F}" | cut -c1-64)" "${3:-"{\"mode\": \"none\"}"}" &
	fpid=$!
	wait_for 5000 test -S "$2"
}
fake_stop() {
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	rm -f "$1"
}
