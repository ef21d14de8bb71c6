#!/usr/bin/env bash
# `npm test` runs jest through this script. Where it may (root, with unshare(1) and ip(8)), jest
# runs in a private network namespace whose only interface is loopback: every peer the tests
# start (Prosody, SIPp, baresip, rtpengine, Chromium) then sees 127.0.0.1 and ::1 alone.
#
# Why: ICE agents gather and check from every local address. On a machine with a second
# interface, Chromium checked from it as well as from loopback, switched pairs in mid-handshake,
# and baresip refused the DTLS from the new address ("dtls already accepted"): a call with no
# audio that only the machine's network caused (test/e2e/README.md §Loopback only).
#
# lo also gets 198.18.0.1/32 (RFC 2544's benchmarking range, routed nowhere): baresip 1.0.0's ICE
# gathers no loopback address and needs one other address for its candidates. Chromium takes one
# address per interface, 127.0.0.1, so it still checks from one address only.
#
# Elsewhere (no root, no unshare) jest runs as it is, on the machine's own network; the tests use
# loopback ports either way. JSG_TEST_NETNS=0 turns the namespace off.
set -euo pipefail

JEST="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/jest"

SETUP='ip link set lo up && ip addr add 198.18.0.1/32 dev lo'
# The probe is the setup itself: where any step is not allowed, jest runs without the namespace.
if [ "${JSG_TEST_NETNS:-1}" != 0 ] && [ -z "${JSG_IN_TEST_NETNS:-}" ] \
  && command -v unshare >/dev/null && command -v ip >/dev/null \
  && unshare -n sh -c "$SETUP" 2>/dev/null; then
  echo "jest: in a private network namespace (lo only; test/e2e/README.md §Loopback only)" >&2
  exec unshare -n env JSG_IN_TEST_NETNS=1 bash -c "$SETUP"' && exec "$0" "$@"' "$JEST" "$@"
fi
echo "jest: on this machine's network (no private namespace here)" >&2
exec "$JEST" "$@"
