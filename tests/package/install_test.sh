#!/usr/bin/env bash
# The hcbridge .deb on a real machine, as IT staff would use it: install
# (dependencies via apt), files, user and modes, the service started as its
# user without systemd (setpriv, $NOTIFY_SOCKET as Type=notify), /v1/status,
# `hcbridge doctor` healthy and broken (bad config, port taken, pcscd
# stopped), SIGHUP with a bad config, the browsers' Local Network Access
# policies (written at install and upgrade, merged into an existing Firefox
# policies.json, removed with the package), upgrade, remove, purge: nothing left.
#
# Usage (root, pcscd running, hcbridge not installed):
#   tests/package/install_test.sh PACKAGE.deb [FIGURES_FILE]
# FIGURES_FILE receives the measurements of docs/performance.md.
# Leaves the machine as it found it: package purged, pcscd running again.
set -euo pipefail

deb=$(realpath "$1")
figures=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/hcbridge-package-test.XXXXXX)
chmod 755 "$work"  # the service user writes its log through our fd, reads nothing here
config=/etc/hcbridge/config.json
log=$work/hcbridged.log
service_pid=
ready_ms=
listener_pid=
card_pids=()
pcscd_command=
# Browser policies: the package's files, and a Firefox policies.json of
# another product that must survive install, remove and purge.
chromium_policy=/etc/chromium/policies/managed/hcbridge.json
chrome_policy=/etc/opt/chrome/policies/managed/hcbridge.json
edge_policy=/etc/opt/edge/policies/managed/hcbridge.json
firefox_policy=/etc/firefox/policies/policies.json
firefox_backup=
firefox_folder_made=

fail() {
  echo "FAIL: $*" >&2
  if [ -s "$log" ]; then echo "--- hcbridged log (last 20 lines) ---" >&2; tail -20 "$log" >&2; fi
  exit 1
}
pass() { echo "ok: $*"; }
expect_eq() {  # WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  pass "$1"
}
expect_contains() {  # WHAT NEEDLE TEXT
  case "$3" in
    *"$2"*) pass "$1" ;;
    *) fail "$1: expected to contain '$2', got:
$3" ;;
  esac
}
mode_owner() { stat -c '%a %U %G' "$1"; }

# --- the service, started as systemd would (without systemd) ---------------
start_service() {  # sets service_pid and ready_ms (start to READY=1)
  local started
  started=$(/usr/bin/python3 "$here/start_until_ready.py" "$work/notify" "$log" \
    setpriv --reuid=hcbridge --regid=hcbridge --init-groups --inh-caps=-all --no-new-privs \
    -- /usr/sbin/hcbridged --config "$config") || fail "hcbridged did not become ready"
  service_pid=${started% *}
  ready_ms=${started#* }
}
stop_service() {
  [ -n "$service_pid" ] || return 0
  kill -TERM "$service_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$service_pid" 2>/dev/null && fail "hcbridged (pid $service_pid) did not stop on SIGTERM"
  service_pid=
}
status_code() {  # [KEY] -> HTTP status of /v1/status
  local auth=()
  [ -n "${1:-}" ] && auth=(-H "Authorization: Bearer $1")
  curl -s -o "$work/status.json" -w '%{http_code}' "${auth[@]}" "http://127.0.0.1:$port/v1/status" || true
}

# --- pcscd: stopped for one test, started again exactly as it ran ----------
stop_pcscd() {
  local pid
  pid=$(pgrep -x -o pcscd) || fail "pcscd is not running; start it first (scripts/pcscd-lib.sh)"
  pcscd_command=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  fail "pcscd (pid $pid) did not stop"
}
start_pcscd_again() {
  [ -n "$pcscd_command" ] || return 0
  $pcscd_command
  pcscd_command=
  for _ in $(seq 1 50); do [ -S /run/pcscd/pcscd.comm ] && return 0; sleep 0.1; done
  echo "pcscd did not come back" >&2
}

# --- the doctor's verdicts ------------------------------------------------
doctor() {  # runs hcbridge doctor --json into $work/doctor.json; prints its exit code
  local code=0
  hcbridge doctor --json >"$work/doctor.json" 2>"$work/doctor.err" || code=$?
  echo "$code"
}
verdict() {  # CHECK -> "STATUS message" of each of its results, one a line
  /usr/bin/python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
lines = [c["status"] + " " + c["message"] for c in report["checks"] if c["check"] == sys.argv[2]]
print("\n".join(lines) or "missing")
' "$work/doctor.json" "$1"
}

# --- a Firefox policies.json of another product, put back as it was -----
plant_foreign_firefox_policy() {
  if [ -e "$firefox_policy" ]; then
    firefox_backup=$work/policies.json.orig
    cp -p "$firefox_policy" "$firefox_backup"
  elif [ ! -d "$(dirname "$firefox_policy")" ]; then
    firefox_folder_made=$(dirname "$firefox_policy")
    [ -d /etc/firefox ] || firefox_folder_made=/etc/firefox
    mkdir -p "$(dirname "$firefox_policy")"
  fi
  printf '{\n  "policies": {\n    "DisableAppUpdate": true\n  }\n}\n' >"$firefox_policy"
}
restore_firefox_policy() {
  if [ -n "$firefox_backup" ]; then
    cp -p "$firefox_backup" "$firefox_policy"
  else
    rm -f "$firefox_policy"
    [ -n "$firefox_folder_made" ] && rm -rf "$firefox_folder_made"
  fi
  firefox_backup=
  firefox_folder_made=
}
firefox_json() {  # the Firefox policies, keys sorted, on one line
  /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' \
    "$firefox_policy"
}

cleanup() {
  set +e
  stop_service 2>/dev/null
  [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
  for pid in "${card_pids[@]}"; do kill "$pid" 2>/dev/null; done
  start_pcscd_again
  if dpkg-query -W -f='${Status}' hcbridge 2>/dev/null | grep -q installed; then
    dpkg --purge hcbridge >/dev/null 2>&1
  fi
  restore_firefox_policy
  rm -rf "$work"
}
trap cleanup EXIT

# --- install ------------------------------------------------------------
if dpkg-query -W -f='${Status}' hcbridge 2>/dev/null | grep -q "ok installed"; then
  fail "hcbridge is already installed here; this test installs and purges it: dpkg --purge hcbridge first"
fi
getent passwd hcbridge >/dev/null && fail "a user 'hcbridge' exists already; this test creates and removes it"
for file in "$chromium_policy" "$chrome_policy" "$edge_policy"; do
  [ -e "$file" ] && fail "$file exists already; this test installs and removes it"
done
plant_foreign_firefox_policy
foreign_firefox=$(firefox_json)
pgrep -x pcscd >/dev/null || fail "pcscd is not running; start it first (scripts/pcscd-lib.sh)"

export DEBIAN_FRONTEND=noninteractive
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || apt-get install -f -y -q --no-install-recommends >>"$work/dpkg.log" 2>&1 \
  || { cat "$work/dpkg.log" >&2; fail "installing $deb"; }
expect_eq "package installed" "install ok installed" "$(dpkg-query -W -f='${Status}' hcbridge)"

for file in /usr/bin/hcbridge /usr/sbin/hcbridged /lib/systemd/system/hcbridged.service \
  /usr/share/polkit-1/rules.d/50-hcbridge-pcscd.rules /etc/hcbridge/config.json \
  /etc/hcbridge/config.example.jsonc /usr/share/man/man1/hcbridge.1.gz \
  /usr/share/man/man8/hcbridged.8.gz /usr/share/doc/hcbridge/install.md \
  /usr/share/doc/hcbridge/copyright /usr/share/doc/hcbridge/changelog.gz; do
  [ -f "$file" ] || fail "$file is not installed"
done
pass "every file installed"
expect_eq "hcbridged mode" "755 root root" "$(mode_owner /usr/sbin/hcbridged)"
expect_eq "config mode" "644 root root" "$(mode_owner $config)"
expect_contains "config is a conffile" "$config" "$(dpkg-query -W -f='${Conffiles}' hcbridge)"
expect_eq "state folder" "700 hcbridge hcbridge" "$(mode_owner /var/lib/hcbridge)"
expect_eq "audit folder" "700 hcbridge hcbridge" "$(mode_owner /var/log/hcbridge)"
expect_eq "serial key" "600 hcbridge hcbridge" "$(mode_owner /var/lib/hcbridge/serial.key)"
expect_eq "serial key size" "32" "$(stat -c %s /var/lib/hcbridge/serial.key)"
expect_eq "audit key" "600 hcbridge hcbridge" "$(mode_owner /var/lib/hcbridge/audit.key)"
expect_eq "audit key size" "32" "$(stat -c %s /var/lib/hcbridge/audit.key)"
IFS=: read -r _ _ uid _ _ home shell <<<"$(getent passwd hcbridge)"
[ "$uid" -lt 1000 ] || fail "hcbridge is not a system user (uid $uid)"
expect_eq "service user's home" "/var/lib/hcbridge" "$home"
expect_eq "service user's shell" "/usr/sbin/nologin" "$shell"
getent group hcbridge >/dev/null || fail "no group hcbridge"
if command -v deb-systemd-helper >/dev/null; then
  expect_eq "service enabled at boot" "/lib/systemd/system/hcbridged.service" \
    "$(readlink /etc/systemd/system/multi-user.target.wants/hcbridged.service)"
fi
if command -v deb-systemd-helper >/dev/null; then
  expect_eq "browser-policy path unit enabled" "/lib/systemd/system/hcbridge-browser-policy.path" \
    "$(readlink /etc/systemd/system/paths.target.wants/hcbridge-browser-policy.path)"
  expect_eq "browser-policy service enabled at boot" "/lib/systemd/system/hcbridge-browser-policy.service" \
    "$(readlink /etc/systemd/system/multi-user.target.wants/hcbridge-browser-policy.service)"
fi
for unit in hcbridged.service hcbridge-browser-policy.service hcbridge-browser-policy.path; do
  verify=$(systemd-analyze verify "/lib/systemd/system/$unit" 2>&1) \
    || fail "systemd-analyze verify $unit: $verify"
  pass "systemd-analyze verify $unit"
done
# The shipped config allows no origin: the install wrote no policy and left
# Firefox's file as it was.
[ -e "$chromium_policy" ] && fail "install wrote $chromium_policy although no https origin is allowed"
expect_eq "install keeps a foreign Firefox policies.json" "$foreign_firefox" "$(firefox_json)"
serial_sum=$(sha256sum /var/lib/hcbridge/serial.key)

# --- start as the service user, call /v1/status -------------------------
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 - "$config" "$port" <<'PY'
import json, sys
path, port = sys.argv[1], int(sys.argv[2])
config = json.load(open(path))
config["listen_port"] = port
config["allowed_origins"] = ["https://dmp.example.fr", "http://localhost:8733"]
json.dump(config, open(path, "w"), indent=2)
PY
cp "$config" "$work/good-config.json"

# --- browser policies for the https origin (the path unit's command) ------
hcbridge browser-policy --write >"$work/policy.out" 2>"$work/policy.err" \
  || fail "hcbridge browser-policy --write: $(cat "$work/policy.err")"
expected_chromium='{
  "LoopbackNetworkAllowedForUrls": [
    "https://dmp.example.fr"
  ],
  "LocalNetworkAccessAllowedForUrls": [
    "https://dmp.example.fr"
  ]
}'
for file in "$chromium_policy" "$chrome_policy" "$edge_policy"; do
  expect_eq "policy $file" "$expected_chromium" "$(cat "$file")"
  expect_eq "policy $file mode" "644 root root" "$(mode_owner "$file")"
done
expect_eq "Firefox policies merged, the foreign one kept" \
  '{"policies": {"DisableAppUpdate": true, "LocalNetworkAccess": {"SkipDomains": ["dmp.example.fr"]}}}' \
  "$(firefox_json)"
expect_contains "browser-policy names the loopback origin it skips" \
  "http://localhost:8733 needs no policy" "$(cat "$work/policy.err")"
# Root trusts its record of what it added: it must not be in the service
# user's folder, where a compromised hcbridged could steer root's --remove.
expect_eq "browser-policy record is root's" "755 root root" "$(mode_owner /var/lib/hcbridge-browser-policy)"
expect_eq "browser-policy record file is root's" "644 root root" \
  "$(mode_owner /var/lib/hcbridge-browser-policy/record.json)"
start_service
pass "hcbridged ready in $ready_ms ms (pid $service_pid, port $port)"
expect_eq "runs as" "hcbridge" "$(ps -o user= -p "$service_pid")"
expect_eq "/v1/status without a key" "401" "$(status_code)"
key=$(hcbridge apps add package-test | grep -oE 'hcb_[A-Za-z0-9_-]+' | head -1)
[ -n "$key" ] || fail "hcbridge apps add printed no key"
expect_eq "key file stays the service's" "600 hcbridge hcbridge" "$(mode_owner /var/lib/hcbridge/app-keys.json)"
kill -HUP "$service_pid"
for _ in $(seq 1 50); do [ "$(status_code "$key")" = 200 ] && break; sleep 0.1; done
expect_eq "/v1/status with the key after SIGHUP" "200" "$(status_code "$key")"
expect_contains "status says pcsc" '"transport":"pcsc"' "$(tr -d ' \n' <"$work/status.json")"
expect_eq "audit log" "600 hcbridge hcbridge" "$(mode_owner /var/log/hcbridge/audit.log)"

# --- doctor: healthy ----------------------------------------------------
expect_eq "doctor exit code, healthy" "0" "$(doctor)"
expect_contains "doctor: pcscd" "OK pcscd answers" "$(verdict pcscd)"
expect_contains "doctor: polkit" "OK pcscd accepts user 'hcbridge'" "$(verdict polkit)"
expect_contains "doctor: config" "OK $config is valid (port $port)" "$(verdict config)"
expect_contains "doctor: port" "OK port $port is held by hcbridged (pid $service_pid)" "$(verdict port)"
expect_contains "doctor: audit" "OK /var/log/hcbridge/audit.log" "$(verdict audit)"
expect_contains "doctor: service" "OK hcbridged answers /v1/status" "$(verdict service)"
expect_contains "doctor: Chromium's policy" "OK chromium: $chromium_policy is current" "$(verdict browser-policy)"
expect_contains "doctor: Firefox's policy" "OK firefox: $firefox_policy is current" "$(verdict browser-policy)"

# --- doctor: a known and an unknown card (simulated, behind vpcd) --------
hcbridge sim --card vitale-family --slot 0 >"$work/sim0.log" 2>&1 &
card_pids+=($!)
hcbridge sim --card generic --slot 1 >"$work/sim1.log" 2>&1 &
card_pids+=($!)
# pcscd notices vpcd cards at its next presence poll (~0.5 s).
for _ in $(seq 1 50); do
  [ "$(hcbridge readers --json | grep -c '"cardPresent": true')" -ge 2 ] && break
  sleep 0.2
done
expect_eq "doctor exit code, with cards" "0" "$(doctor)"
cards=$(verdict card)
expect_contains "doctor: a Carte Vitale is recognised" "OK reader 'Virtual PCD 00 00': Carte Vitale 2 (ATR " "$cards"
expect_contains "doctor: an unknown card gives its ATR" "WARN reader 'Virtual PCD 00 01': card not recognised, ATR " "$cards"
kill "${card_pids[@]}"
wait "${card_pids[@]}" 2>/dev/null || true
card_pids=()

# --- SIGHUP with a bad config: the running one stays --------------------
printf '{\n  "listen_port": %s,\n  "allowed_origins": ["records.example.org/"]\n}\n' "$port" >"$config"
kill -HUP "$service_pid"
for _ in $(seq 1 50); do grep -q "config refused" "$log" && break; sleep 0.1; done
expect_contains "SIGHUP with a bad config is refused, naming file and line" \
  "sighup: config refused, the running config stays in force: config $config line 3: 'allowed_origins'" \
  "$(cat "$log")"
expect_eq "still serving after the refused reload" "200" "$(status_code "$key")"

# --- doctor and service: bad config -------------------------------------
expect_eq "doctor exit code, bad config" "1" "$(doctor)"
expect_contains "doctor: bad config" "FAIL config $config line 3: 'allowed_origins'" "$(verdict config)"
stop_service
code=0
setpriv --reuid=hcbridge --regid=hcbridge --init-groups -- /usr/sbin/hcbridged --config "$config" \
  >"$work/refused.out" 2>"$work/refused.err" || code=$?
expect_eq "hcbridged refuses a bad config: exit code" "2" "$code"
expect_contains "hcbridged names file, line and reason" \
  "config $config line 3: 'allowed_origins': The origin 'records.example.org/'" "$(cat "$work/refused.err")"
cp "$work/good-config.json" "$config"

# --- doctor and service: the port taken by another program --------------
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(120)' "$port" &
listener_pid=$!
for _ in $(seq 1 50); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
kill -0 "$listener_pid" 2>/dev/null || fail "the test's listener on port $port did not start"
expect_eq "doctor exit code, port taken" "1" "$(doctor)"
expect_contains "doctor: port taken" "FAIL port $port is held by python3 (pid $listener_pid), not hcbridged" "$(verdict port)"
expect_contains "doctor: service behind the taken port" "FAIL" "$(verdict service)"
code=0
setpriv --reuid=hcbridge --regid=hcbridge --init-groups -- /usr/sbin/hcbridged --config "$config" \
  >"$work/taken.out" 2>"$work/taken.err" || code=$?
[ "$code" -ne 0 ] || fail "hcbridged started although port $port is taken"
expect_contains "hcbridged says the port is taken" "$port" "$(cat "$work/taken.err")"
kill "$listener_pid"
wait "$listener_pid" 2>/dev/null || true
listener_pid=

# --- doctor: pcscd stopped (the service keeps answering) -----------------
start_service
stop_pcscd
expect_eq "doctor exit code, pcscd stopped" "1" "$(doctor)"
expect_contains "doctor: pcscd stopped" "FAIL pcscd does not answer" "$(verdict pcscd)"
expect_contains "doctor: polkit not checked without pcscd" "WARN not checked: pcscd does not answer" "$(verdict polkit)"
expect_contains "doctor: service still answers" "OK hcbridged answers" "$(verdict service)"
start_pcscd_again
expect_eq "doctor exit code, pcscd back" "0" "$(doctor)"

# --- figures for docs/performance.md ------------------------------------
sleep 5
rss_kib=$(ps -o rss= -p "$service_pid" | tr -d ' ')
stop_service
times=()
for _ in $(seq 1 10); do
  start_service
  times+=("$ready_ms")
  stop_service
done
median_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (v[5] + v[6]) / 2 }')
package_kib=$(( $(stat -c %s "$deb") / 1024 ))
installed_kib=$(dpkg-query -W -f='${Installed-Size}' hcbridge)
exposure=$(systemd-analyze security --offline=true /lib/systemd/system/hcbridged.service 2>/dev/null |
  grep -oE 'exposure level for hcbridged.service: [0-9.]+ [A-Z]+' | awk '{ print $5, $6 }')
{
  echo "package size:            $package_kib KiB ($(basename "$deb"))"
  echo "installed size:          $installed_kib KiB (dpkg Installed-Size)"
  echo "start to ready (median): $median_ms ms of 10 starts: ${times[*]}"
  echo "RSS at idle:             $rss_kib KiB (5 s after ready, no client)"
  echo "systemd-analyze security --offline=true: $exposure"
} | tee "${figures:-/dev/null}"

# --- upgrade keeps the secret and the config, writes the policies again ---
rm "$chromium_policy"
expect_contains "doctor: a missing policy" "WARN chromium: $chromium_policy is missing" "$(doctor >/dev/null; verdict browser-policy)"
dpkg -i "$deb" >>"$work/dpkg.log" 2>&1 || fail "reinstalling (upgrade path)"
expect_eq "upgrade writes the missing policy again" "$expected_chromium" "$(cat "$chromium_policy")"
expect_eq "upgrade keeps the serial key" "$serial_sum" "$(sha256sum /var/lib/hcbridge/serial.key)"
expect_contains "upgrade keeps the edited config" "\"listen_port\": $port" "$(cat $config)"

# --- remove keeps config and audit; purge removes everything ------------
dpkg -r hcbridge >>"$work/dpkg.log" 2>&1 || fail "dpkg -r"
[ ! -e /usr/sbin/hcbridged ] || fail "remove left /usr/sbin/hcbridged"
for kept in $config /var/log/hcbridge/audit.log /var/lib/hcbridge/serial.key; do
  [ -e "$kept" ] || fail "remove deleted $kept (it keeps config, audit and state)"
done
pass "remove keeps config, audit log and state"
for file in "$chromium_policy" "$chrome_policy" "$edge_policy"; do
  [ ! -e "$file" ] || fail "remove left the browser policy $file"
done
[ ! -e /etc/opt/edge ] || fail "remove left /etc/opt/edge, which it created"
expect_eq "remove takes out only our Firefox entries" "$foreign_firefox" "$(firefox_json)"
dpkg --purge hcbridge >>"$work/dpkg.log" 2>&1 || fail "dpkg --purge"
getent passwd hcbridge >/dev/null && fail "purge left the user hcbridge"
getent group hcbridge >/dev/null && fail "purge left the group hcbridge"
# /var/cache/man is man-db's cache of formatted pages (lintian's man check
# and `man` fill it); man-db owns and expires it, not the package.
left=$(find /etc /var /usr /lib /opt /run -xdev -path /var/cache/man -prune -o -name '*hcbridge*' -print \
  2>/dev/null || true)
[ -z "$left" ] || fail "purge left behind:
$left"
pass "purge left nothing behind"
expect_eq "purge keeps the foreign Firefox policies.json" "$foreign_firefox" "$(firefox_json)"
echo "package test passed"
