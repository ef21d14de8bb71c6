# Shared helpers for the capture scripts (sourced, not run).
# Every script re-executes itself inside a private network namespace, so all
# traffic stays on that namespace's loopback and every port is free.
set -euo pipefail

in_netns() {
  if [ -z "${CAPTURE_IN_NETNS:-}" ]; then
    exec unshare -n env CAPTURE_IN_NETNS=1 bash "$0" "$@"
  fi
  ip link set lo up
}

PIDS=()
stop_all() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_all EXIT

# wait_for CMD... : retry CMD every 0.1 s for up to 15 s.
wait_for() {
  for _ in $(seq 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $*" >&2
  return 1
}

udp_listening() { ss -Hlun "sport = :$1" | grep -q .; }

# first_file DIR GLOB : name of the first file in DIR matching GLOB (empty if none)
first_file() { ls "$1" 2>/dev/null | grep -E "$2" | head -n 1; }
has_file() { [ -n "$(first_file "$1" "$2")" ]; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIXTURES="$REPO_ROOT/test/fixtures/captured"
TAP="$REPO_ROOT/scripts/capture/sip-tap.js"
