# Sourced by the bench scripts: starts `hcbridged --simulate` on a free
# loopback port with a config and state files under a temporary folder.
#   start_simulated_hcbridged TMP AUDIT_LOG EXTRA_CONFIG_JSON
# TMP must exist; EXTRA_CONFIG_JSON is '' or e.g. '"require_practitioner_session": false,'.
# Sets hcb_pid, hcb_port and hcb_key (the demo app key it prints); its
# stdout and stderr go to TMP/hcbridged.out and TMP/hcbridged.err.
start_simulated_hcbridged() {
  local tmp=$1 audit_log=$2 extra=$3
  mkdir -m 700 "$tmp/state"
  cat >"$tmp/config.json" <<JSON
{
  $extra
  "app_keys_file": "$tmp/state/app-keys.json",
  "audit_log": "$audit_log",
  "serial_key_file": "$tmp/state/serial.key"
}
JSON
  XDG_STATE_HOME=$tmp/state "$hcbridged" --simulate --listen 0 --config "$tmp/config.json" \
    >"$tmp/hcbridged.out" 2>"$tmp/hcbridged.err" &
  hcb_pid=$!
  for _ in $(seq 100); do
    grep -q "Bearer hcb_" "$tmp/hcbridged.out" 2>/dev/null && break
    kill -0 "$hcb_pid" 2>/dev/null || { cat "$tmp/hcbridged.err" >&2; return 1; }
    sleep 0.1
  done
  hcb_port=$(sed -n 's|^hcbridged listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/hcbridged.out")
  hcb_key=$(grep -o -m1 "Bearer hcb_[A-Za-z0-9_-]*" "$tmp/hcbridged.out" | cut -d' ' -f2)
  [ -n "$hcb_port" ] && [ -n "$hcb_key" ] || { echo "$(basename "$0"): no port/key from hcbridged" >&2; return 1; }
}
