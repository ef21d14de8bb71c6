#!/usr/bin/env bash
# Capture the INVITE baresip sends after a digest challenge (Authorization after a 401,
# Proxy-Authorization after a 407), with SDES (mediaenc=srtp):
#
#   baresip A (127.0.0.1:5070, account trunkuser / s3cret)
#     -> sip-tap.js relay (127.0.0.1:5090)
#       -> sipp -sf test/scenarios/sipp/uas-auth.xml | uas-auth-407.xml (127.0.0.1:5080)
# The tap writes both INVITEs; the second one, with the credentials, is kept.
# Needs: baresip-core, sip-tester, node, iproute2. Runs in its own network namespace.
source "$(dirname "$0")/common.sh"
in_netns "$@"

VER="$(dpkg-query -W -f '${Version}' baresip-core | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')"
WORK="$(mktemp -d /tmp/capture-auth.XXXXXX)"
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$FIXTURES"

# capture SCENARIO NAME
capture() {
  local d="$WORK/$2"
  mkdir -p "$d/A"
  cat >"$d/A/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:5070
net_interface		127.0.0.1
audio_player		aubridge,nil
audio_source		ausine,440
audio_alert		aubridge,nil
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aubridge.so
module			srtp.so
module_app		account.so
module_app		menu.so
CFG
  echo "<sip:trunkuser@127.0.0.1>;auth_pass=s3cret;answermode=auto;regint=0;mediaenc=srtp" >"$d/A/accounts"

  node "$TAP" --listen 5090 --target 127.0.0.1:5080 --out "$d/tap" >"$d/tap.log" 2>&1 &
  PIDS+=($!)
  (cd "$d" && exec timeout 30 sipp -sf "$REPO_ROOT/test/scenarios/sipp/$1" -set alg MD5 \
    -i 127.0.0.1 -p 5080 -m 1 -nostdin -cp 8888 >"$d/uas.out" 2>&1 </dev/null) &
  PIDS+=($!)
  wait_for udp_listening 5090
  wait_for udp_listening 5080
  baresip -f "$d/A" -e "/dial sip:bob@127.0.0.1:5090" >"$d/A.log" 2>&1 </dev/null &
  PIDS+=($!)
  if ! wait_for has_file "$d/tap" 'from-target-.*-200_'; then
    echo "== $2: no 200 OK; logs:" >&2
    tail -n 20 "$d/A.log" "$d/uas.out" "$d/tap.log" >&2
    ls "$d/tap" >&2 || true
    stop_all
    return 1
  fi
  stop_all
  local inv
  inv="$(ls "$d/tap" | grep -E 'from-client-.*-INVITE_' | sed -n 2p)"
  cp "$d/tap/$inv" "$FIXTURES/baresip-$VER-invite-$2.sip"
  echo "baresip $2: baresip-$VER-invite-$2.sip"
  echo "  taped: $(ls "$d/tap" | tr '\n' ' ')"
}

capture uas-auth.xml authorization
capture uas-auth-407.xml proxy-authorization
