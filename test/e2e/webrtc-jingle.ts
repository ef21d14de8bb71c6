/**
 * A web client's glue between Chromium's SDP and Jingle (the way a client library does it, with
 * our translator), and rtpengine's per-leg packet counters: for the real-media e2e tests.
 */
import { randomUUID } from 'node:crypto';
import { jingleFromElement, jingleIqToElement } from '../../src/jingle';
import { parseSdp, writeSdp } from '../../src/sdp';
import { jingleToSdpObject, sdpToJingle } from '../../src/translate/description';
import type { Rtpengine } from '../support/rtpengine';
import { sleep } from '../support/processes';
import { jingleOf, type Element } from './harness';
import { tables } from '../support/tables';

/** A session-initiate from Chromium's offer. */
export function initiateFrom(sdp: string, o: { from: string; to: string; sid: string }): Element {
  const jingle = sdpToJingle(sdp, tables, { action: 'session-initiate', sid: o.sid, initiator: o.from });
  return jingleIqToElement({ type: 'set', id: randomUUID(), from: o.from, to: o.to, jingle });
}

/** A session-accept from Chromium's answer to `initiate`. */
export function acceptFrom(sdp: string, initiate: Element, from: string): Element {
  const j = jingleOf(initiate) as Element;
  const jingle = sdpToJingle(sdp, tables, {
    action: 'session-accept',
    sid: j.attrs.sid as string,
    responder: from,
    contentNames: j.getChildren('content').map((c) => c.attrs.name as string),
  });
  return jingleIqToElement({
    type: 'set',
    id: randomUUID(),
    from,
    to: initiate.attrs.from as string,
    jingle,
  });
}

/** The SDP of a Jingle IQ (an answer when `offer` is given). */
export function sdpOf(jingleIq: Element, offer?: string): string {
  const j = jingleFromElement(jingleOf(jingleIq) as Element, tables.hashes);
  return writeSdp(
    jingleToSdpObject(j, tables, offer === undefined ? {} : { offer: parseSdp(offer, tables.hashes) }),
  );
}

/** Packets rtpengine received from each leg of its one session, by tag (`jingle`, `sip`). */
export async function anchorPackets(rtp: Rtpengine): Promise<Record<string, number>> {
  const [id] = await rtp.control.list();
  if (id === undefined) return {};
  const q = await rtp.control.query(id);
  const out: Record<string, number> = {};
  const tags = q.tags as Record<
    string,
    { medias?: Array<{ streams?: Array<{ stats?: { packets?: number } }> }> }
  >;
  for (const [tag, t] of Object.entries(tags ?? {})) {
    out[tag] = (t.medias ?? [])
      .flatMap((m) => m.streams ?? [])
      .reduce((n, s) => n + (s.stats?.packets ?? 0), 0);
  }
  return out;
}

/** Polls an async condition every 100 ms. */
export async function until(
  cond: () => Promise<boolean> | boolean,
  ms: number,
  what: () => string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await sleep(100);
  }
}

/** The ICE ufrag of the first transport of a Jingle IQ (undefined without one). */
export function ufragOf(jingleIq: Element): string | undefined {
  const j = jingleFromElement(jingleOf(jingleIq) as Element, tables.hashes);
  const t = j.contents[0]?.transport;
  return t?.kind === 'ice-udp' ? t.ufrag : undefined;
}

/**
 * A web client's ICE restart offer from the peer's transport-info (XEP-0176 §2.2, RFC 8839
 * §4.4.1.1.1: new ufrag/pwd): the session's remote description as Jingle (`remote`, the IQ the
 * peer's description came in), each content's transport replaced by the transport-info's, as an
 * SDP offer for Chromium's setRemoteDescription.
 */
export function restartOfferFrom(remote: Element, transportInfo: Element): string {
  const j = jingleFromElement(jingleOf(remote) as Element, tables.hashes);
  const info = jingleFromElement(jingleOf(transportInfo) as Element, tables.hashes);
  for (const c of j.contents) {
    const t = info.contents.find((n) => n.name === c.name)?.transport;
    if (t) c.transport = t;
  }
  return writeSdp(jingleToSdpObject(j, tables, {}));
}

/** The client's transport-info from its (restart) answer: the transports only (XEP-0176 §2.2). */
export function transportInfoFrom(
  sdp: string,
  o: { from: string; to: string; sid: string; contents: Element },
): Element {
  const known = jingleFromElement(jingleOf(o.contents) as Element, tables.hashes).contents;
  const jingle = sdpToJingle(sdp, tables, {
    action: 'session-accept',
    sid: o.sid,
    contentNames: known.map((c) => c.name),
  });
  jingle.action = 'transport-info';
  delete jingle.responder;
  jingle.contents = jingle.contents.map((c, i) => ({
    creator: known[i]?.creator ?? c.creator,
    name: c.name,
    ...(c.transport ? { transport: c.transport } : {}),
  }));
  jingle.groups = [];
  return jingleIqToElement({ type: 'set', id: randomUUID(), from: o.from, to: o.to, jingle });
}
