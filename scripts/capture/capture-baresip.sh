#!/usr/bin/env bash
# Capture the INVITE baresip sends when it dials and the 200 OK baresip sends
# when it auto-answers, once per media-encryption mode.
#
#   baresip A (dialer, 127.0.0.1:5070)
#     -> sip-tap.js relay (127.0.0.1:5090, writes every datagram to a file)
#       -> baresip B (answermode=auto, 127.0.0.1:5080)
# B answers to the tap because A's Via carries ;rport, so the tap sees both the
# INVITE and the 200 OK. ACK and BYE go to the Contact directly and are not taped.
# Needs: baresip-core, node, iproute2. Runs in its own network namespace.
# Usage: scripts/capture/capture-baresip.sh [mode...]
#   modes: plain dtls_srtp srtp srtp-mand srtp-mandf video (default: all)
source "$(dirname "$0")/common.sh"
in_netns "$@"

VER="$(dpkg-query -W -f '${Version}' baresip-core | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')"
WORK="$(mktemp -d /tmp/capture-baresip.XXXXXX)"
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$FIXTURES"

# write_config DIR PORT VIDEO(0|1)
write_config() {
  mkdir -p "$1"
  cat >"$1/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:$2
net_interface		127.0.0.1
audio_player		aubridge,nil
audio_source		ausine,440
audio_alert		aubridge,nil
ausrc_srate		48000
ausrc_channels		2
module_path		/usr/lib/baresip/modules
module			g711.so
module			opus.so
module			ausine.so
module			aubridge.so
module			srtp.so
module			dtls_srtp.so
module_app		account.so
module_app		menu.so
CFG
  if [ "$3" = 1 ]; then
    cat >>"$1/config" <<CFG
module			vp8.so
module			fakevideo.so
video_source		fakevideo,nil
video_display		fakevideo,nil
CFG
  fi
}

# capture MODE : one call A -> tap -> B with account mediaenc=MODE
capture() {
  local mode="$1" enc="$1" video=0 params
  if [ "$mode" = plain ]; then enc=""; fi
  if [ "$mode" = video ]; then enc=""; video=1; fi
  params="answermode=auto;regint=0"
  if [ -n "$enc" ]; then params="$params;mediaenc=$enc"; fi
  local d="$WORK/$mode"
  write_config "$d/A" 5070 "$video"
  write_config "$d/B" 5080 "$video"
  echo "<sip:alice@127.0.0.1>;$params" >"$d/A/accounts"
  echo "<sip:bob@127.0.0.1>;$params" >"$d/B/accounts"

  node "$TAP" --listen 5090 --target 127.0.0.1:5080 --out "$d/tap" >"$d/tap.log" 2>&1 &
  PIDS+=($!)
  baresip -f "$d/B" >"$d/B.log" 2>&1 </dev/null &
  PIDS+=($!)
  wait_for udp_listening 5090
  wait_for udp_listening 5080
  baresip -f "$d/A" -e "/dial sip:bob@127.0.0.1:5090" >"$d/A.log" 2>&1 </dev/null &
  PIDS+=($!)
  if ! wait_for has_file "$d/tap" 'from-target-.*-200_'; then
    echo "== $mode: no 200 OK; logs:" >&2
    tail -n 20 "$d/A.log" "$d/B.log" "$d/tap.log" >&2
    stop_all
    return 1
  fi
  sleep 1 # let the ACK and the media start before hanging up
  stop_all
  local inv ok
  inv="$(first_file "$d/tap" 'from-client-.*-INVITE_')"
  ok="$(first_file "$d/tap" 'from-target-.*-200_')"
  cp "$d/tap/$inv" "$FIXTURES/baresip-$VER-invite-$mode.sip"
  cp "$d/tap/$ok" "$FIXTURES/baresip-$VER-200ok-$mode.sip"
  echo "baresip $mode: baresip-$VER-invite-$mode.sip baresip-$VER-200ok-$mode.sip"
  echo "  taped: $(ls "$d/tap" | tr '\n' ' ')"
}

MODES=("$@")
if [ ${#MODES[@]} -eq 0 ]; then MODES=(plain dtls_srtp srtp srtp-mand srtp-mandf video); fi
for m in "${MODES[@]}"; do capture "$m"; done
