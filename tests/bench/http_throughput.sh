#!/usr/bin/env bash
# http_throughput.sh — hcbridged's HTTP throughput beside nginx (issue 4).
#
# Usage: tests/bench/http_throughput.sh [--duration 10s] [--connections 32] [--threads 2]
#                                      [--audit-dir DIR] [HCBRIDGED]
#
#   HCBRIDGED        the hcbridged binary (default build-rel/src/daemon/hcbridged;
#                    this script builds nothing: build a Release one first)
#   --duration D     wrk's -d for each run (default 10s)
#   --connections N  wrk's -c (default 32): concurrent requests; with the audit
#                    log on disk, reads per second are at most N per fsync time
#   --threads N      wrk's -t (default 2)
#   --audit-dir DIR  put hcbridged's audit log in DIR (e.g. /dev/shm, a tmpfs, to
#                    take the per-read fsync off the disk); default: the temp dir
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light, or
# scripts/install-deps.sh --bench). Installs nothing, needs no pcscd: it starts
# `hcbridged --simulate` (simulated cards) on a free loopback port with a
# temporary config (require_practitioner_session false, state files in a temp
# dir), fetches GET /v1/readers and GET /v1/patient-card once (the second read
# is then cached: 0 APDUs), lets nginx (one worker, no access log, keep-alive)
# serve those exact bytes as application/json on another loopback port, and
# runs the same `wrk -t2 -c32 -d10s --latency` (or the options above) with the
# same Authorization header against each of the four. Prints requests/s, p50
# and p99 of each, the ratio hcbridged/nginx and hcbridged's RSS after the
# runs. Every patient-card read is answered only once its audit line is
# written and fsynced (by design); concurrent reads share one fsync (group
# commit): see --connections and --audit-dir.
# Everything started is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/hcbridged-simulate.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

duration=10s
connections=32
threads=2
audit_dir=
hcbridged=build-rel/src/daemon/hcbridged
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --duration) duration=${2:?--duration needs a value}; shift 2 ;;
    --connections) connections=${2:?--connections needs a number}; shift 2 ;;
    --threads) threads=${2:?--threads needs a number}; shift 2 ;;
    --audit-dir) audit_dir=${2:?--audit-dir needs a folder}; shift 2 ;;
    -*) echo "http_throughput: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) hcbridged=$1; shift ;;
  esac
done

for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || command -v "/usr/sbin/$tool" >/dev/null || {
    echo "http_throughput: $tool not found (apt-get install wrk nginx-light curl python3)" >&2
    exit 1
  }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$hcbridged" ] || { echo "http_throughput: $hcbridged is not an executable (build it first)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hcb-bench.XXXXXX")
audit_tmp=
hcb_pid=
nginx_pid=
cleanup() {
  set +e  # a killed child's status must not stop the cleanup half-way
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  [ -n "$hcb_pid" ] && kill "$hcb_pid" 2>/dev/null && wait "$hcb_pid" 2>/dev/null || true
  rm -rf "$tmp"
  [ -n "$audit_tmp" ] && rm -rf "$audit_tmp"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$audit_dir" ]; then
  audit_tmp=$(mktemp -d "$audit_dir/hcb-bench-audit.XXXXXX")
  audit_log=$audit_tmp/audit.log
else
  audit_log=$tmp/state/audit.log
fi

# A free loopback port (the kernel picks it; nginx needs a number up front).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- hcbridged --simulate ----------------------------------------------------
# wrk's connections all come from one app key: let them all in.
start_simulated_hcbridged "$tmp" "$audit_log" \
  '"require_practitioner_session": false, "limits": {"max_connections_per_caller": 256},'
key=$hcb_key
auth="Authorization: Bearer $key"
hcb=http://127.0.0.1:$hcb_port

# The simulated cards are identified in the background: wait for the Vitale card.
mkdir -p "$tmp/www/v1"
for _ in $(seq 100); do
  curl -fsS -H "$auth" "$hcb/v1/readers" -o "$tmp/www/v1/readers"
  grep -q '"cardType":"[a-z]' "$tmp/www/v1/readers" && break
  sleep 0.1
done
curl -fsS -H "$auth" "$hcb/v1/patient-card" -o "$tmp/www/v1/patient-card"
curl -fsS -H "$auth" "$hcb/v1/readers" -o "$tmp/www/v1/readers"  # settled state
audit_lines_before=$(wc -l <"$audit_log")

# --- nginx: the same bytes, static ---------------------------------------------
nginx_port=$(free_port)
mkdir -p "$tmp/nginx"
user_line=
[ "$(id -u)" -eq 0 ] && user_line="user root root;"  # the worker reads our 0700 temp dir
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  types { }
  default_type application/json;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
}
EOF
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/v1/readers" 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$tmp/nginx/error.log" >&2; exit 1; }
  sleep 0.1
done
ngx=http://127.0.0.1:$nginx_port
for f in readers patient-card; do
  cmp -s <(curl -fsS -H "$auth" "$ngx/v1/$f") "$tmp/www/v1/$f" ||
    { echo "http_throughput: nginx does not serve the same $f bytes" >&2; exit 1; }
done

# --- wrk ---------------------------------------------------------------------
# "1.23ms" / "456.00us" / "1.20s" -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'
}
declare -A rps p50 p99
run() {  # label url
  local out=$tmp/wrk-$1.txt
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -H "$auth" "$2" >"$out"
  if grep -q "Non-2xx" "$out"; then
    echo "http_throughput: $1 had error responses:" >&2; cat "$out" >&2; exit 1
  fi
  rps[$1]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50[$1]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99[$1]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
}
echo "http_throughput: wrk -t$threads -c$connections -d$duration --latency -H 'Authorization: Bearer …' (same for all)"
echo "  hcbridged $hcb (pid $hcb_pid, 1 network thread), nginx $ngx (1 worker)"
echo "  audit log: $audit_log ($(stat -f -c %T "$(dirname "$audit_log")"))"
run hcb-readers "$hcb/v1/readers"
run ngx-readers "$ngx/v1/readers"
run hcb-patient "$hcb/v1/patient-card"
run ngx-patient "$ngx/v1/patient-card"

status=/proc/$hcb_pid/status
rss=$(awk '/^VmRSS:/ {print $2, $3}' "$status")
hwm=$(awk '/^VmHWM:/ {print $2, $3}' "$status")
audit_lines=$(($(wc -l <"$audit_log") - audit_lines_before))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "| endpoint | bytes | server | requests/s | p50 | p99 | hcbridged/nginx |"
echo "|---|---|---|---|---|---|---|"
for e in readers patient; do
  path=/v1/$e; [ "$e" = patient ] && path=/v1/patient-card
  size=$(stat -c %s "$tmp/www$path")
  printf '| `GET %s` | %s | hcbridged | %s | %s ms | %s ms | **%s** |\n' "$path" "$size" \
    "${rps[hcb-$e]}" "${p50[hcb-$e]}" "${p99[hcb-$e]}" "$(ratio "${rps[hcb-$e]}" "${rps[ngx-$e]}")"
  printf '| | | nginx | %s | %s ms | %s ms | |\n' "${rps[ngx-$e]}" "${p50[ngx-$e]}" "${p99[ngx-$e]}"
done
echo
echo "hcbridged RSS after the runs: VmRSS $rss, VmHWM $hwm"
echo "patient-card reads audited during the run: $audit_lines lines, fsynced in batches (a no-op on tmpfs), in $audit_log"
