#!/usr/bin/env bash
# rtpengine's rewrites of captured SDPs (test/fixtures/captured/rtpengine-*.sdp), in a private
# network namespace: rtpengine userspace-only on 127.0.0.1, the gateway's ng flags.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE/../.."
[ -f dist/src/media/anchor.js ] || npm run build >/dev/null
exec unshare -n bash -c '
  set -euo pipefail
  ip link set lo up
  tmp=$(mktemp -d)
  rtpengine --config-file=none --foreground --log-stderr --table=-1 --interface=127.0.0.1 \
    --listen-ng=127.0.0.1:22222 --pidfile="$tmp/pid" --port-min=30000 --port-max=30100 2>"$tmp/log" &
  pid=$!
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf $tmp" EXIT
  sleep 0.3
  NG_PORT=22222 node scripts/capture/rtpengine-sdp.js
  NG_PORT=22222 node scripts/capture/rtpengine-video-sdp.js
'
