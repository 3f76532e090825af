#!/usr/bin/env bash
# End-to-end check of the local HAPI FHIR server, offline, in about two minutes:
# builds if needed, starts a server on a free loopback port with an on-disk H2 database in a
# temporary directory, exercises the behaviours casefhir relies on, restarts it on the same
# database, stops it and checks the port is free. Needs bash, curl, python3, java 17, maven.
#
#   fhir-server/smoke-test.sh            # prints PASS/FAIL lines, then "N passed, N failed"
#
# Optional: SHARED=/path/to/shared (default: ../../shared next to the repo, or /work/shared)
# for the US Core package and the mCODE StructureDefinitions; those checks are skipped without it.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HAPI="$HERE/hapi"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/casefhir-smoke.XXXXXX")"
PIDFILE="$WORK/hapi.pid"
NDJ_PID=""
PASSED=0
FAILED=0
SKIPPED=0

if [ -z "${SHARED:-}" ]; then
  for c in "$HERE/../../shared" "/work/shared"; do
    [ -d "$c/fhir-packages" ] && SHARED="$(cd "$c" && pwd)" && break
  done
fi
PKG_DIR="${SHARED:+$SHARED/fhir-packages}"

cleanup() {
  [ -n "$NDJ_PID" ] && kill "$NDJ_PID" 2>/dev/null
  "$HAPI" stop --pidfile "$PIDFILE" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIP: $*"; SKIPPED=$((SKIPPED + 1)); }
check() { # check "description" command...
  local d="$1"; shift
  if "$@"; then pass "$d"; else fail "$d"; fi
}
# jq-like helper: py 'expression over d' < json
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
CT='Content-Type: application/fhir+json'

start_server() {
  BASE="$("$HAPI" start --db "$WORK/db" --log "$WORK/server.log" --pidfile "$PIDFILE" | tail -n 1)"
  [ -n "$BASE" ] || { echo "server did not start; see above"; exit 1; }
  PORT="${BASE#http://127.0.0.1:}"; PORT="${PORT%%/*}"
}

t0=$SECONDS
start_server
echo "server: $BASE (started in $((SECONDS - t0)) s)"

# --- metadata
check "GET /metadata is a CapabilityStatement" \
  test "$(curl -s "$BASE/metadata" | py "d['resourceType']")" = CapabilityStatement
check "CapabilityStatement lists \$import" \
  bash -c "curl -s '$BASE/metadata' | grep -q '\"import\"'"

# --- client ids, identical PUT
PAT='{"resourceType":"Patient","id":"smoke-1-patient","name":[{"family":"Smoke"}],"gender":"female"}'
v1="$(curl -s -X PUT -H "$CT" --data "$PAT" "$BASE/Patient/smoke-1-patient" | py "d['meta']['versionId']")"
v2="$(curl -s -X PUT -H "$CT" --data "$PAT" "$BASE/Patient/smoke-1-patient" | py "d['meta']['versionId']")"
check "PUT with client id smoke-1-patient" test "$v1" = 1
check "identical PUT keeps versionId ($v1 -> $v2)" test "$v1" = "$v2"
msg="$(curl -s -X PUT -H "$CT" --data '{"resourceType":"Patient","id":"123"}' "$BASE/Patient/123" | py "d['issue'][0]['diagnostics']")"
check "purely numeric client id refused (HAPI-0960)" grep -q "HAPI-0960" <<<"$msg"

# --- transaction with PUT entries
TX='{"resourceType":"Bundle","type":"transaction","entry":[
 {"resource":{"resourceType":"Patient","id":"smoke-2-patient","name":[{"family":"Tx"}]},"request":{"method":"PUT","url":"Patient/smoke-2-patient"}},
 {"resource":{"resourceType":"Condition","id":"smoke-2-condition","subject":{"reference":"Patient/smoke-2-patient"},"code":{"text":"x"}},"request":{"method":"PUT","url":"Condition/smoke-2-condition"}}]}'
st="$(curl -s -X POST -H "$CT" --data "$TX" "$BASE" | py "' '.join(e['response']['status'].split()[0] for e in d['entry'])")"
check "transaction of PUTs (Patient + Condition): $st" test "$st" = "201 201"
st="$(curl -s -X POST -H "$CT" --data "$TX" "$BASE" | py "' '.join(e['response']['location'] for e in d['entry'])")"
check "same transaction again makes no new versions: $st" grep -q "Patient/smoke-2-patient/_history/1 Condition/smoke-2-condition/_history/1" <<<"$st"

# --- referential integrity
msg="$(curl -s -X PUT -H "$CT" --data '{"resourceType":"Condition","id":"smoke-3-condition","subject":{"reference":"Patient/smoke-missing"}}' "$BASE/Condition/smoke-3-condition" | py "d['issue'][0]['diagnostics']")"
check "reference to a missing resource refused (HAPI-1094)" grep -q "HAPI-1094" <<<"$msg"

# --- IG package install + $validate against stored profiles
if [ -n "$PKG_DIR" ] && [ -f "$PKG_DIR/hl7.fhir.us.core-6.1.0.tgz" ]; then
  out="$(python3 - "$BASE" "$PKG_DIR" <<'EOF'
import base64, glob, json, sys, urllib.request
base, pkg = sys.argv[1], sys.argv[2]
def call(method, url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)
tgz = open(f"{pkg}/hl7.fhir.us.core-6.1.0.tgz", "rb").read()
res = call("POST", f"{base}/ImplementationGuide/$install", {"resourceType": "Parameters", "parameter": [
    {"name": "npmContent", "valueBase64Binary": base64.b64encode(tgz).decode()}]})
installed = {p["part"][0]["name"]: p["part"][0]["valueInteger"] for p in res["parameter"] if p["name"] == "installed"}
for f in sorted(glob.glob(f"{pkg}/mcode-stu4/StructureDefinition-*.json")):
    sd = json.load(open(f))
    call("PUT", f"{base}/StructureDefinition/{sd['id']}", sd)
print(installed.get("StructureDefinition", 0))
EOF
)"
  check "ImplementationGuide/\$install of US Core 6.1.0 (StructureDefinitions: $out)" test "${out:-0}" -gt 50
  prof="http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-patient"
  errs="$(curl -s -X POST -H "$CT" --data '{"resourceType":"Patient","name":[{"family":"Doe"}],"gender":"female"}' \
    "$BASE/Patient/\$validate?profile=$prof" | py "' / '.join(i.get('diagnostics','') for i in d['issue'] if i['severity']=='error')")"
  check "\$validate?profile=mcode-cancer-patient finds the missing identifier" grep -q "Patient.identifier: minimum required = 1" <<<"$errs"
  errs="$(curl -s -X POST -H "$CT" --data '{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"name":[{"family":"Doe"}],"gender":"female"}' \
    "$BASE/Patient/\$validate?profile=$prof" | py "len([i for i in d['issue'] if i['severity'] in ('error','fatal')])")"
  check "\$validate?profile=mcode-cancer-patient passes a conforming Patient" test "$errs" = 0
else
  skip "IG install / profile validation (no shared/fhir-packages found)"
fi

# --- $import, files served from a loopback port
mkdir -p "$WORK/ndjson"
python3 - "$WORK/ndjson" <<'EOF'
import json, sys
d = sys.argv[1]
with open(f"{d}/Patient.ndjson", "w") as f:
    for i in range(1, 21):
        f.write(json.dumps({"resourceType": "Patient", "id": f"smoke-imp-{i}-patient"}) + "\n")
with open(f"{d}/Condition.ndjson", "w") as f:
    for i in range(1, 21):
        f.write(json.dumps({"resourceType": "Condition", "id": f"smoke-imp-{i}-condition",
                            "subject": {"reference": f"Patient/smoke-imp-{i}-patient"}}) + "\n")
EOF
NDJ_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
python3 - "$WORK/ndjson" "$NDJ_PORT" >/dev/null 2>&1 <<'EOF' &
import functools, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    extensions_map = {".ndjson": "application/fhir+ndjson"}
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])),
    functools.partial(H, directory=sys.argv[1])).serve_forever()
EOF
NDJ_PID=$!
sleep 1
IMP='{"resourceType":"Parameters","parameter":[{"name":"inputFormat","valueCode":"application/fhir+ndjson"},
 {"name":"input","part":[{"name":"type","valueCode":"Condition"},{"name":"url","valueUri":"http://127.0.0.1:'$NDJ_PORT'/Condition.ndjson"}]},
 {"name":"input","part":[{"name":"type","valueCode":"Patient"},{"name":"url","valueUri":"http://127.0.0.1:'$NDJ_PORT'/Patient.ndjson"}]}]}'
poll="$(curl -s -D - -o /dev/null -X POST -H "$CT" -H 'Prefer: respond-async' --data "$IMP" "$BASE/\$import" \
  | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ocation: //p')"
code=""
t1=$SECONDS
if [ -n "$poll" ]; then
  while [ $((SECONDS - t1)) -lt 180 ]; do
    code="$(curl -s -o "$WORK/poll.json" -w '%{http_code}' "$poll")"
    [ "$code" != 202 ] && break
    sleep 2
  done
fi
n="$(curl -s "$BASE/Condition?_id=smoke-imp-20-condition&_summary=count" | py "d['total']")"
check "\$import of 2 NDJSON files: poll status $code after $((SECONDS - t1)) s, data present" \
  test "$code" = 200 -a "$n" = 1
kill "$NDJ_PID" 2>/dev/null; NDJ_PID=""

# --- persistence across a restart on the same on-disk database
"$HAPI" stop --pidfile "$PIDFILE" >/dev/null 2>&1
check "stop frees port $PORT" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"
start_server
fam="$(curl -s "$BASE/Patient/smoke-1-patient" | py "d['name'][0]['family']")"
check "Patient survives a restart on the same --db" test "$fam" = Smoke
"$HAPI" stop --pidfile "$PIDFILE" >/dev/null 2>&1
check "pid file removed by stop" test ! -e "$PIDFILE"

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
