#!/usr/bin/env bash
# Capture what SIPp's built-in scenarios send:
#   sipp -sn uac (127.0.0.1:5061) -> sip-tap.js relay (127.0.0.1:5090) -> sipp -sn uas (127.0.0.1:5080)
# The tap writes every datagram both ways (INVITE, 180, 200, ACK, BYE, 200).
# Both SIPp instances also write -trace_msg logs, kept beside the tap files in the work folder.
# Needs: sip-tester, node, iproute2. Runs in its own network namespace.
source "$(dirname "$0")/common.sh"
in_netns "$@"

VER="$(dpkg-query -W -f '${Version}' sip-tester | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')"
WORK="$(mktemp -d /tmp/capture-sipp.XXXXXX)"
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$FIXTURES"
cd "$WORK"

node "$TAP" --listen 5090 --target 127.0.0.1:5080 --out "$WORK/tap" >"$WORK/tap.log" 2>&1 &
PIDS+=($!)
timeout 30 sipp -sn uas -i 127.0.0.1 -p 5080 -m 1 -nostdin -cp 8888 -trace_msg -message_file uas-msg.log \
  >"$WORK/uas.out" 2>&1 </dev/null &
UAS=$!
PIDS+=($UAS)
wait_for udp_listening 5090
wait_for udp_listening 5080
set +e
timeout 30 sipp -sn uac 127.0.0.1:5090 -i 127.0.0.1 -p 5061 -m 1 -nostdin -cp 8889 -trace_msg -message_file uac-msg.log \
  >"$WORK/uac.out" 2>&1 </dev/null
UAC_RC=$?
set -e
echo "sipp uac exit code: $UAC_RC"
ls "$WORK/tap"
[ "$UAC_RC" = 0 ]

pick() { # pick GLOB NAME
  local f
  f="$(first_file "$WORK/tap" "$1")"
  [ -n "$f" ] || { echo "missing $1" >&2; return 1; }
  cp "$WORK/tap/$f" "$FIXTURES/sipp-$VER-$2.sip"
  echo "  $f -> sipp-$VER-$2.sip"
}
pick 'from-client-.*-INVITE_' uac-invite
pick 'from-client-.*-ACK_' uac-ack
pick 'from-client-.*-BYE_' uac-bye
pick 'from-target-.*-180_' uas-180-ringing
pick 'from-target-.*-200_OK' uas-200ok-invite
# the uas's 200 to BYE is the last 200 the tap saw from the target
f="$(ls "$WORK/tap" | grep -E 'from-target-.*-200_' | tail -n 1)"
cp "$WORK/tap/$f" "$FIXTURES/sipp-$VER-uas-200ok-bye.sip"
echo "  $f -> sipp-$VER-uas-200ok-bye.sip"
if [ -n "${KEEP_TRACES:-}" ]; then cp "$WORK"/*-msg.log "$KEEP_TRACES"/; fi
