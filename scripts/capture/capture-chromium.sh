#!/usr/bin/env bash
# Capture the SDP that headless Chromium's RTCPeerConnection writes:
#   chromium-<ver>-audio-offer.sdp / -audio-answer.sdp        one audio transceiver
#   chromium-<ver>-av-bundle-offer.sdp / -av-bundle-answer.sdp audio + video, bundlePolicy max-bundle
#   chromium-<ver>-audio-offer-rawip.sdp / -audio-answer-rawip.sdp
#       same as audio, with --disable-features=WebRtcHideLocalIpsWithMdns (plain
#       host IPs instead of the default mDNS *.local names)
# No STUN/TURN servers: host candidates only. Chromium ignores loopback
# interfaces, so inside its private network namespace this script adds a veth
# pair with documentation addresses (198.51.100.10/24, 2001:db8::10/64): every
# candidate address in the fixtures is one of these. No packet leaves the namespace.
# Needs: chromium, node, iproute2.
source "$(dirname "$0")/common.sh"
in_netns "$@"

ip link add veth0 type veth peer name veth1
ip addr add 198.51.100.10/24 dev veth0
ip -6 addr add 2001:db8::10/64 dev veth0 nodad
ip link set veth1 up
ip link set veth0 up
# Chromium enumerates only networks it could route through: give it a default route
# (into veth0, whose peer is in this same namespace).
ip route add default dev veth0
ip -6 route add default dev veth0

VER="$(dpkg-query -W -f '${Version}' chromium | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')"
WORK="$(mktemp -d /tmp/capture-chromium.XXXXXX)"
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$FIXTURES"
HERE="$(cd "$(dirname "$0")" && pwd)"

# run NAME MODE [flags...]
run() {
  local name="$1" mode="$2"
  shift 2
  node "$HERE/chromium-sdp.js" "$mode" "$@" >"$WORK/$name.json"
  node -e '
    const fs = require("fs");
    const [file, offerOut, answerOut] = process.argv.slice(1);
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(offerOut, r.offer);
    fs.writeFileSync(answerOut, r.answer);
    console.log(`${r.version} (${r.userAgent})`);
  ' "$WORK/$name.json" "$FIXTURES/chromium-$VER-$name-offer.sdp" "$FIXTURES/chromium-$VER-$name-answer.sdp"
  echo "  -> chromium-$VER-$name-offer.sdp chromium-$VER-$name-answer.sdp"
}
run audio audio
run av-bundle av
run audio-rawip audio --disable-features=WebRtcHideLocalIpsWithMdns
