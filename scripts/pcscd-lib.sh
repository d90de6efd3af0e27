# Sourced by the scripts: start pcscd when it is not running, stop it on exit
# only when we started it. Debian 12 in containers has no systemd, so pcscd is
# run directly.
PCSCD_STARTED_BY_US=0

pcscd_is_running() {
  [ -S /run/pcscd/pcscd.comm ] && pgrep -x pcscd >/dev/null 2>&1
}

pcscd_ensure_running() {
  if pcscd_is_running; then
    return 0
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start pcscd.socket pcscd.service && PCSCD_STARTED_BY_US=1
  else
    # With none of our descriptors above 2: a pcscd that inherited the fd of
    # the pcscd lock (a caller's flock) would hold that lock as long as it
    # lives, and every later flock would wait forever.
    python3 -c 'import os; os.closerange(3, 65536); os.execv("/usr/sbin/pcscd", ["pcscd"])' &&
      PCSCD_STARTED_BY_US=2
  fi
  for _ in $(seq 1 50); do
    pcscd_is_running && return 0
    sleep 0.1
  done
  echo "pcscd did not start; see 'journalctl -u pcscd' or run 'pcscd -f -d'" >&2
  return 1
}

pcscd_stop_if_started() {
  case "$PCSCD_STARTED_BY_US" in
    1) systemctl stop pcscd.service pcscd.socket ;;
    2) pkill -x pcscd || true ;;
  esac
  PCSCD_STARTED_BY_US=0
}
