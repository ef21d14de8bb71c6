#!/usr/bin/env node
// Captures what rtpengine (Debian rtpengine-daemon) writes when the gateway anchors a call:
// the ng offer/answer results for the captured Chromium and baresip SDPs, with the flags the
// gateway sends (src/media/flags.ts). Needs `npm run build` and rtpengine listening on
// 127.0.0.1:$NG_PORT (capture-rtpengine.sh starts it in a private network namespace).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { RtpengineAnchor } = require('../../dist/src/media/anchor');
const { towardSip, towardXmpp, forAnswer } = require('../../dist/src/media/flags');

const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'captured');
const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
const body = (f) => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const save = (f, sdp) => fs.writeFileSync(path.join(dir, f), sdp);

(async () => {
  const a = new RtpengineAnchor({ host: '127.0.0.1', port: Number(process.env.NG_PORT || 22222) });
  // XMPP → SIP: Chromium's offer toward a plain phone, baresip's plain answer back.
  const chromeOffer = read('chromium-156.0.8078.79-audio-rawip-offer.sdp');
  save('rtpengine-10.5.3-offer-rtp-for-sip.sdp',
    await a.offer({ id: 'x2s', fromTag: 'jingle', sdp: chromeOffer, flags: towardSip('rtp') }));
  save('rtpengine-10.5.3-answer-webrtc-for-xmpp.sdp',
    await a.answer({ id: 'x2s', fromTag: 'jingle', toTag: 'sip', sdp: body('baresip-1.0.0-200ok-plain.sip'), flags: forAnswer() }));
  // SIP → XMPP: baresip's plain offer toward a WebRTC client, Chromium's answer back.
  const webrtcOffer = await a.offer({ id: 's2x', fromTag: 'sip', sdp: body('baresip-1.0.0-invite-plain.sip'), flags: towardXmpp() });
  save('rtpengine-10.5.3-offer-webrtc-for-xmpp.sdp', webrtcOffer);
  save('rtpengine-10.5.3-answer-rtp-for-sip.sdp',
    await a.answer({ id: 's2x', fromTag: 'sip', toTag: 'jingle', sdp: read('chromium-156.0.8078.79-audio-rawip-answer.sdp'), flags: forAnswer() }));
  await a.delete('x2s');
  await a.delete('s2x');
  a.close();
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
