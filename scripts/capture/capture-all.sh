#!/usr/bin/env bash
# Redo every capture in test/fixtures/captured/ (overwrites the files).
# Installs the peers if missing. Each script runs in its own network namespace
# and stops what it starts.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
need=()
for p in baresip-core sip-tester chromium iproute2; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
"$HERE/capture-baresip.sh" 2>&1 | grep -v 'bit/s'
"$HERE/capture-sipp.sh"
"$HERE/capture-auth.sh" 2>&1 | grep -v 'bit/s'
"$HERE/capture-chromium.sh"
