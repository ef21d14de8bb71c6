#!/usr/bin/env node
// Captures what rtpengine (Debian rtpengine-daemon) writes when video is added to an anchored
// call (docs/midcall.md §Streams), XMPP → SIP and SIP → XMPP: the pure call (dist/) is driven
// with the inputs of test/calls/anchored-content.test.ts (and, for the call the SIP peer placed,
// of test/calls/anchored-content-sip.test.ts) and every `media` effect it asks for is sent to
// the real rtpengine; its answers are saved and fed back to the call. Needs `npm run build` and
// rtpengine listening on 127.0.0.1:$NG_PORT (capture-rtpengine.sh starts it in a private
// network namespace and runs this script after rtpengine-sdp.js). `node rtpengine-video-sdp.js
// sip` captures only the SIP-placed calls (the others' files are left as they are).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { RtpengineAnchor } = require('../../dist/src/media/anchor');
const { CallRegistry, SipCall, XmppCall } = require('../../dist/src/calls');
const { addressContext } = require('../../dist/src/config/address-context');
const { defaultConfig } = require('../../dist/src/config/config');
const { loadMappings } = require('../../dist/src/config/mappings');
const { sdpToJingle } = require('../../dist/src/translate/description');
const { parseSipMessage } = require('../../dist/src/sip/message');

const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'captured');
const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
const body = (f) => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const save = (f, sdp) => fs.writeFileSync(path.join(dir, f), sdp);
const CH = 'chromium-156.0.8078.79-';
const CLIENT = 'romeo@montague.lit/orchard';
const GW = '+15551230000@gw.localhost';

(async () => {
  const a = new RtpengineAnchor({ host: '127.0.0.1', port: Number(process.env.NG_PORT || 22222) });
  await sipPlaced(a);
  if (process.argv[2] === 'sip') return a.close();
  const P = 'rtpengine-10.5.3-video-add-';
  await videoAdd(a, 'video-add', false, [
    `${P}1-invite-for-sip.sdp`,
    `${P}2-accept-for-xmpp.sdp`,
    `${P}3-reinvite-for-sip.sdp`,
    `${P}4-reinvite-answer-for-xmpp.sdp`,
    `${P}5-remove-for-sip.sdp`,
    `${P}6-remove-answer-for-xmpp.sdp`,
  ]);
  // Another call: after the add, the client only sends video (content-modify).
  const none = [undefined, undefined, undefined, undefined, undefined, undefined];
  await videoAdd(a, 'video-modify', false, [
    ...none,
    `${P}7-modify-for-sip.sdp`,
    `${P}8-modify-answer-for-xmpp.sdp`,
  ]);
  // The same, the peer answering the video with port 0 (RFC 3264 §6): only the last is saved.
  await videoAdd(a, 'video-add-port0', true, [
    undefined,
    undefined,
    undefined,
    `${P}4-port0-answer-for-xmpp.sdp`,
  ]);
  // The SIP peer adds video: its re-offer through rtpengine, the client's content-accept back.
  const Q = 'rtpengine-10.5.3-peer-video-';
  await peerAdd(a, 'peer-video', true, [
    `${Q}1-reoffer-for-xmpp.sdp`,
    `${Q}2-reanswer-for-sip.sdp`,
    `${Q}3-remove-for-xmpp.sdp`,
    `${Q}4-remove-answer-for-sip.sdp`,
  ]);
  await peerAdd(a, 'peer-video-rejected', false, [undefined, `${Q}2-port0-for-sip.sdp`]);
  a.close();
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});

/** The anchored call of test/calls/anchored-content.test.ts, up to the ACK; `run` talks to rtpengine. */
async function established(a, id, files) {
  const tables = loadMappings();
  const config = defaultConfig();
  config.media = { ...config.media, rtpengine: 'udp://127.0.0.1:22222', offer: ['rtp'] };
  const ctx = { config, tables, address: addressContext(config, tables) };
  const client = 'romeo@montague.lit/orchard';
  const gw = '+15551230000@gw.localhost';
  const iq = (jingle, id) => ({ id, type: 'set', from: client, to: gw, jingle });
  const initiate = sdpToJingle(read(`${CH}audio-rawip-offer.sdp`), tables, {
    action: 'session-initiate',
    sid: 'vsid1',
    initiator: client,
  });
  const registry = new CallRegistry();
  const { call } = XmppCall.start(iq(initiate, 'init'), ctx);
  registry.add(call);
  // Every media effect of `effects` (and of what their results lead to) to rtpengine, in turn;
  // its SDP back to the call, the i-th saved as `names[i]`. Returns the call's other effects.
  const run = async (effects, names) => {
    const queue = [...effects];
    const out = [];
    let i = 0;
    while (queue.length > 0) {
      const m = queue.shift();
      if (m.kind !== 'media') {
        out.push(m);
        continue;
      }
      const r = { id, fromTag: m.fromTag, toTag: m.toTag, sdp: m.sdp, flags: m.flags };
      const sdp = m.op === 'offer' ? await a.offer(r) : await a.answer(r);
      if (names[i]) save(names[i], sdp);
      i += 1;
      queue.push(...registry.handle(call, { kind: 'media-done', purpose: m.purpose, sdp }));
    }
    return out;
  };
  await run(registry.handle(call, { kind: 'timer', name: 'gather' }), [files[0]]);
  const plain = body('baresip-1.0.0-200ok-plain.sip');
  await run(registry.handle(call, { kind: 'sip-answered', response: ok200(plain) }), [files[1]]);
  registry.handle(call, { kind: 'sip-ack' });
  return { call, registry, run, iq, initiate, plain, tables };
}

/** One anchored call and the client's content-add; `files`: where each rtpengine answer goes. */
async function videoAdd(a, id, port0, files) {
  const { registry, call, run, iq, initiate, plain, tables } = await established(a, id, files);
  const av = sdpToJingle(read(`${CH}av-bundle-offer.sdp`), tables, { action: 'session-initiate' });
  const add = {
    action: 'content-add',
    sid: 'vsid1',
    // Bundled with the audio (RFC 8843 §4): the video content on the audio's transport.
    contents: av.contents
      .filter((c) => c.name === '1')
      .map((c) => ({ ...c, creator: 'initiator', transport: initiate.contents[0].transport })),
    groups: [{ semantics: 'BUNDLE', contents: ['0', '1'] }],
  };
  const reinvite = await run(registry.handle(call, { kind: 'jingle', iq: iq(add, 'c1') }), [files[2]]);
  const offer = reinvite.find((e) => e.kind === 'sip-reinvite');
  if (!offer) throw new Error('no re-INVITE');
  // The SIP peer's answer: baresip's plain audio answer, o= +1, with the video section of
  // baresip's video 200 OK on the port rtpengine offered video on (RFC 3264 §6).
  const answer = peerVideoAnswer(plain, body('baresip-1.0.0-200ok-video.sip'), port0);
  const done = await run(registry.handle(call, { kind: 'sip-reinvite-done', response: ok200(answer) }), [
    files[3],
  ]);
  const want = port0 ? 'content-reject' : 'content-accept';
  if (!done.some((e) => e.kind === 'send-jingle' && e.jingle.action === want)) throw new Error(`no ${want}`);
  let last = answer;
  if (files[6]) {
    // The client only sends video from now on (content-modify senders='initiator'); the peer's
    // answer says a=recvonly for it (RFC 3264 §6.1).
    const modify = {
      action: 'content-modify',
      sid: 'vsid1',
      groups: [],
      contents: [{ creator: 'initiator', name: '1', senders: 'initiator' }],
    };
    const modified = await run(registry.handle(call, { kind: 'jingle', iq: iq(modify, 'm1') }), [files[6]]);
    if (!modified.some((e) => e.kind === 'sip-reinvite')) throw new Error('no re-INVITE for the modify');
    last = bump(answer).replace(/(m=video[^]*?)a=sendrecv/, '$1a=recvonly');
    const ok = await run(registry.handle(call, { kind: 'sip-reinvite-done', response: ok200(last) }), [
      files[7],
    ]);
    if (!ok.some((e) => e.kind === 'send-jingle' && e.jingle.action === 'content-accept'))
      throw new Error('no content-accept for the modify');
  }
  if (files[4]) {
    // The client removes the video again; the peer answers it with port 0 (RFC 3264 §8.2).
    const remove = {
      action: 'content-remove',
      sid: 'vsid1',
      groups: [],
      contents: [{ creator: 'initiator', name: '1' }],
    };
    const removed = await run(registry.handle(call, { kind: 'jingle', iq: iq(remove, 'c2') }), [files[4]]);
    if (!removed.some((e) => e.kind === 'sip-reinvite')) throw new Error('no re-INVITE for the removal');
    const again = portZero(bump(last));
    await run(registry.handle(call, { kind: 'sip-reinvite-done', response: ok200(again) }), [files[5]]);
  }
  await a.delete(id);
}

/** One anchored call, then the SIP peer's re-INVITE adding video; the client accepts or rejects it. */
async function peerAdd(a, id, accept, files) {
  const { registry, call, run, plain, tables } = await established(a, id, []);
  // baresip's plain audio SDP, o= +1, with the video section of baresip's video INVITE.
  const bumped = plain.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p, v) => `${p}${Number(v) + 1}`);
  const video = body('baresip-1.0.0-invite-video.sip');
  const offer = bumped + video.slice(video.indexOf('m=video'));
  const added = await run(registry.handle(call, { kind: 'sip-reoffer', id: 5, body: offer }), [files[0]]);
  const add = added.find((e) => e.kind === 'send-jingle' && e.jingle.action === 'content-add');
  if (!add) throw new Error('no content-add');
  const name = add.jingle.contents[0].name;
  const iq = (jingle, i) => ({ id: i, type: 'set', from: CLIENT, to: GW, jingle });
  let reply;
  if (accept) {
    // Chromium's video answer cut to the offered VP8 (96), on the audio's transport, DTLS active.
    const av = sdpToJingle(read(`${CH}av-bundle-answer.sdp`), tables, { action: 'session-accept' });
    const c = av.contents.find((k) => k.description && k.description.media === 'video');
    const description = {
      ...c.description,
      payloadTypes: c.description.payloadTypes.filter((p) => p.id === 96),
    };
    const t = sdpToJingle(read(`${CH}audio-rawip-answer.sdp`), tables, { action: 'session-accept' })
      .contents[0].transport;
    reply = {
      action: 'content-accept',
      sid: 'vsid1',
      groups: [],
      contents: [{ creator: 'responder', name, description, transport: t }],
    };
  } else
    reply = {
      action: 'content-reject',
      sid: 'vsid1',
      groups: [],
      contents: [{ creator: 'responder', name }],
    };
  const done = await run(registry.handle(call, { kind: 'jingle', iq: iq(reply, 'r1') }), [files[1]]);
  if (!done.some((e) => e.kind === 'sip-reoffer-answer' && e.status === 200)) throw new Error('no 200');
  if (files[2]) {
    // The peer disables its video again (RFC 3264 §8.2): o= +1, m=video 0.
    const again = portZero(bump(offer));
    const gone = await run(registry.handle(call, { kind: 'sip-reoffer', id: 6, body: again }), [
      files[2],
      files[3],
    ]);
    if (!gone.some((e) => e.kind === 'sip-reoffer-answer' && e.status === 200))
      throw new Error('no 200 to the removal');
  }
  await a.delete(id);
}

/**
 * The calls baresip places (SIP → XMPP, anchored) and the client's device answers (Chromium's
 * audio answer's transport, DTLS active, PCMU as offered): video added by the device
 * (content-add, then content-modify or content-remove) and by baresip (its re-INVITE).
 */
async function sipPlaced(a) {
  const S = 'rtpengine-10.5.3-sip-video-';
  const none = [undefined, undefined];
  await sipClientAdd(a, 'sip-video-add', false, [
    `${S}1-propose-for-xmpp.sdp`,
    `${S}2-answer-for-sip.sdp`,
    `${S}3-add-for-sip.sdp`,
    `${S}4-add-answer-for-xmpp.sdp`,
    `${S}5-remove-for-sip.sdp`,
    `${S}6-remove-answer-for-xmpp.sdp`,
  ]);
  await sipClientAdd(a, 'sip-video-modify', false, [
    ...none,
    undefined,
    undefined,
    undefined,
    undefined,
    `${S}7-modify-for-sip.sdp`,
    `${S}8-modify-answer-for-xmpp.sdp`,
  ]);
  await sipClientAdd(a, 'sip-video-add-port0', true, [...none, undefined, `${S}4-port0-answer-for-xmpp.sdp`]);
  const T = 'rtpengine-10.5.3-sip-peer-video-';
  await sipPeerAdd(a, 'sip-peer-video', true, [
    `${T}1-reoffer-for-xmpp.sdp`,
    `${T}2-reanswer-for-sip.sdp`,
    `${T}3-remove-for-xmpp.sdp`,
    `${T}4-remove-answer-for-sip.sdp`,
  ]);
  await sipPeerAdd(a, 'sip-peer-video-rejected', false, [undefined, `${T}2-port0-for-sip.sdp`]);
}

/** The device's session-accept of test/calls/anchored-content-sip.test.ts `deviceAccept`. */
function deviceAccept(tables, initiate, device) {
  const chromium = sdpToJingle(read(`${CH}audio-rawip-answer.sdp`), tables, { action: 'session-accept' });
  const offered = initiate.contents[0];
  const description = {
    ...offered.description,
    payloadTypes: offered.description.payloadTypes.filter((p) => p.id === 0),
  };
  return {
    action: 'session-accept',
    sid: 'ssid1',
    responder: device,
    groups: [],
    contents: [
      {
        creator: 'initiator',
        name: offered.name,
        senders: 'both',
        description,
        transport: chromium.contents[0].transport,
      },
    ],
  };
}

/** baresip's anchored call to the client's device, up to the ACK; `run` as in `established`. */
async function sipEstablished(a, id, files) {
  const tables = loadMappings();
  const config = defaultConfig();
  config.media = { ...config.media, rtpengine: 'udp://127.0.0.1:22222' };
  config.calls = { ...config.calls, gatherWindowMs: 0 };
  const ctx = { config, tables, address: addressContext(config, tables) };
  const device = 'bob@localhost/phone';
  const invite = parseSipMessage(read('baresip-1.0.0-invite-plain.sip'));
  const registry = new CallRegistry();
  const started = SipCall.start(invite, 'ssid1', ctx);
  const call = started.call;
  registry.add(call);
  const run = async (effects, names) => {
    const queue = [...effects];
    const out = [];
    let i = 0;
    while (queue.length > 0) {
      const m = queue.shift();
      if (m.kind !== 'media') {
        out.push(m);
        continue;
      }
      const r = { id, fromTag: m.fromTag, toTag: m.toTag, sdp: m.sdp, flags: m.flags };
      const sdp = m.op === 'offer' ? await a.offer(r) : await a.answer(r);
      if (names[i]) save(names[i], sdp);
      i += 1;
      queue.push(...registry.handle(call, { kind: 'media-done', purpose: m.purpose, sdp }));
    }
    return out;
  };
  const proposed = await run(started.effects, [files[0]]);
  const from = proposed.find((e) => e.kind === 'send-jmi').from;
  const initiate = registry
    .handle(call, { kind: 'jmi', jmi: 'proceed', from: device })
    .find((e) => e.kind === 'send-jingle').jingle;
  const iq = (jingle, i) => ({ id: i, type: 'set', from: device, to: from, jingle });
  const accept = deviceAccept(tables, initiate, device);
  const ok = await run(registry.handle(call, { kind: 'jingle', iq: iq(accept, 'acc') }), [files[1]]);
  if (!ok.some((e) => e.kind === 'sip-accept')) throw new Error('no 200 OK');
  registry.handle(call, { kind: 'sip-ack' });
  return { call, registry, run, iq, accept, tables };
}

/** The device adds video to baresip's anchored call; `files`: where each rtpengine answer goes. */
async function sipClientAdd(a, id, port0, files) {
  const { registry, call, run, iq, accept, tables } = await sipEstablished(a, id, files);
  const audio = accept.contents[0];
  const av = sdpToJingle(read(`${CH}av-bundle-offer.sdp`), tables, { action: 'session-initiate' });
  const add = {
    action: 'content-add',
    sid: 'ssid1',
    // Bundled with the audio (RFC 8843 §4): the video content on the audio's transport.
    contents: av.contents
      .filter((c) => c.name === '1')
      .map((c) => ({ ...c, creator: 'responder', transport: audio.transport })),
    groups: [{ semantics: 'BUNDLE', contents: [audio.name, '1'] }],
  };
  const reinvite = await run(registry.handle(call, { kind: 'jingle', iq: iq(add, 'c1') }), [files[2]]);
  if (!reinvite.some((e) => e.kind === 'sip-reinvite')) throw new Error('no re-INVITE');
  // baresip's answer: its INVITE's plain audio SDP, o= +1, with the video section of its video
  // 200 OK (RFC 3264 §6).
  const invite = body('baresip-1.0.0-invite-plain.sip');
  const answer = peerVideoAnswer(invite, body('baresip-1.0.0-200ok-video.sip'), port0);
  const done = await run(registry.handle(call, { kind: 'sip-reinvite-done', response: ok200(answer) }), [
    files[3],
  ]);
  const want = port0 ? 'content-reject' : 'content-accept';
  if (!done.some((e) => e.kind === 'send-jingle' && e.jingle.action === want)) throw new Error(`no ${want}`);
  let last = answer;
  if (files[6]) {
    // The device only sends video from now on (content-modify senders='responder'); baresip's
    // answer says a=recvonly for it (RFC 3264 §6.1).
    const modify = {
      action: 'content-modify',
      sid: 'ssid1',
      groups: [],
      contents: [{ creator: 'responder', name: '1', senders: 'responder' }],
    };
    const modified = await run(registry.handle(call, { kind: 'jingle', iq: iq(modify, 'm1') }), [files[6]]);
    if (!modified.some((e) => e.kind === 'sip-reinvite')) throw new Error('no re-INVITE for the modify');
    last = bump(answer).replace(/(m=video[^]*?)a=sendrecv/, '$1a=recvonly');
    const ok = await run(registry.handle(call, { kind: 'sip-reinvite-done', response: ok200(last) }), [
      files[7],
    ]);
    if (!ok.some((e) => e.kind === 'send-jingle' && e.jingle.action === 'content-accept'))
      throw new Error('no content-accept for the modify');
  }
  if (files[4]) {
    const remove = {
      action: 'content-remove',
      sid: 'ssid1',
      groups: [],
      contents: [{ creator: 'responder', name: '1' }],
    };
    const removed = await run(registry.handle(call, { kind: 'jingle', iq: iq(remove, 'c2') }), [files[4]]);
    if (!removed.some((e) => e.kind === 'sip-reinvite')) throw new Error('no re-INVITE for the removal');
    await run(registry.handle(call, { kind: 'sip-reinvite-done', response: ok200(portZero(bump(last))) }), [
      files[5],
    ]);
  }
  await a.delete(id);
}

/** baresip re-INVITEs adding video to its anchored call; the device accepts or rejects it. */
async function sipPeerAdd(a, id, accept, files) {
  const { registry, call, run, iq, tables } = await sipEstablished(a, id, []);
  const invite = body('baresip-1.0.0-invite-plain.sip');
  const video = body('baresip-1.0.0-invite-video.sip');
  const offer = bump(invite) + video.slice(video.indexOf('m=video'));
  const added = await run(registry.handle(call, { kind: 'sip-reoffer', id: 5, body: offer }), [files[0]]);
  const add = added.find((e) => e.kind === 'send-jingle' && e.jingle.action === 'content-add');
  if (!add) throw new Error('no content-add');
  const name = add.jingle.contents[0].name;
  let reply;
  if (accept) {
    // Chromium's video answer cut to the offered VP8 (96), on the audio's transport, DTLS active.
    const av = sdpToJingle(read(`${CH}av-bundle-answer.sdp`), tables, { action: 'session-accept' });
    const c = av.contents.find((k) => k.description && k.description.media === 'video');
    const description = {
      ...c.description,
      payloadTypes: c.description.payloadTypes.filter((p) => p.id === 96),
    };
    const t = sdpToJingle(read(`${CH}audio-rawip-answer.sdp`), tables, { action: 'session-accept' })
      .contents[0].transport;
    reply = {
      action: 'content-accept',
      sid: 'ssid1',
      groups: [],
      contents: [{ creator: 'initiator', name, description, transport: t }],
    };
  } else
    reply = {
      action: 'content-reject',
      sid: 'ssid1',
      groups: [],
      contents: [{ creator: 'initiator', name }],
    };
  const done = await run(registry.handle(call, { kind: 'jingle', iq: iq(reply, 'r1') }), [files[1]]);
  if (!done.some((e) => e.kind === 'sip-reoffer-answer' && e.status === 200)) throw new Error('no 200');
  if (files[2]) {
    const gone = await run(
      registry.handle(call, { kind: 'sip-reoffer', id: 6, body: portZero(bump(offer)) }),
      [files[2], files[3]],
    );
    if (!gone.some((e) => e.kind === 'sip-reoffer-answer' && e.status === 200))
      throw new Error('no 200 to the removal');
  }
  await a.delete(id);
}

/** SIPp's captured 200 OK with `sdp` as its body (test/calls/support.ts `okWith`). */
function ok200(sdp) {
  const head = read('sipp-3.6.1-uas-200ok-invite.sip')
    .split('\r\n\r\n')[0]
    .replace(/Content-Length: *\d+/, `Content-Length: ${Buffer.byteLength(sdp)}`);
  return parseSipMessage(`${head}\r\n\r\n${sdp}`);
}

/** `sdp` with its o= version one up (RFC 3264 §8). */
function bump(sdp) {
  return sdp.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p, v) => `${p}${Number(v) + 1}`);
}

/** The video m-line at port 0. */
function portZero(sdp) {
  return sdp.replace(/^m=video \d+/m, 'm=video 0');
}

/** Also in test/calls/anchored-content.test.ts. */
function peerVideoAnswer(audio, video, port0) {
  const bumped = audio.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p, v) => `${p}${Number(v) + 1}`);
  const v = video.slice(video.indexOf('m=video'));
  return bumped + (port0 ? v.replace(/^m=video \d+/, 'm=video 0') : v);
}
