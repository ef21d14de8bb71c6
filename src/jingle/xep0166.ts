/**
 * XEP-0166: Jingle (version 1.1.2).
 *
 * `<jingle xmlns='urn:xmpp:jingle:1' action initiator responder sid>` (§7.1), `<content creator
 * disposition name senders>` (§7.3) and `<reason>` (§7.4) with one condition, an optional
 * `<alternative-session><sid/></alternative-session>` and `<text>`.
 *
 * Extensibility: elements of unknown namespaces inside `<content>` (and `<jingle>`, except
 * in session-info) are ignored; an unknown element of a namespace this module implements is an
 * error, since it can only be a mistake.
 */
import { Element } from 'ltx';
import type { HashTable } from '../mapping';
import {
  CREATORS,
  SENDERS,
  append,
  build,
  fail,
  localName,
  nsOf,
  optEnum,
  optString,
  q,
  reqEnum,
  reqString,
  tag,
  textOf,
} from './attrs';
import {
  NS_DTMF,
  NS_GROUPING,
  NS_ICE_UDP,
  NS_JINGLE,
  NS_RAW_UDP,
  NS_RTP,
  NS_RTP_INFO,
  NS_TRANSFER,
  NS_XTLS,
} from './namespaces';
import { parseTransfer, transferredElement, transferToElement } from './xep0251';
import { dtmfToElement, parseDtmf } from './xep0181';
import {
  parseRtpDescription,
  parseSessionInfo,
  rtpDescriptionToElement,
  sessionInfoToElement,
} from './xep0167';
import { iceUdpTransportToElement, parseIceUdpTransport } from './xep0176';
import { parseRawUdpTransport, rawUdpTransportToElement } from './xep0177';
import { groupToElement, parseGroup } from './xep0338';
import { parseXtlsSecurity, xtlsSecurityToElement } from './xtls';
import { JINGLE_ACTIONS, REASON_CONDITIONS } from './types';
import { MAX_CONTENTS, MAX_SID, checkCount, checkValueLengths, isSid } from './limits';
import type { Content, Jingle, Reason, ReasonCondition } from './types';

export function parseReason(el: Element): Reason {
  let condition: ReasonCondition | undefined;
  let alternativeSid: string | undefined;
  let text: string | undefined;
  let transferred = false;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const childNs = nsOf(child, NS_JINGLE);
    // XEP-0251 §2: <transferred/> says the session ended because it was transferred.
    if (childNs === NS_TRANSFER) {
      if (localName(child) !== 'transferred')
        fail(`<reason> <${localName(child)}>`, `unknown element in ${NS_TRANSFER}`);
      transferred = true;
      continue;
    }
    // Application-specific conditions (e.g. XEP-0167 <invalid-crypto/>) have their own namespace.
    if (childNs !== NS_JINGLE) continue;
    const name = localName(child);
    if (name === 'text') {
      if (text !== undefined) fail('<reason> <text>', 'more than one');
      text = textOf(child);
      continue;
    }
    if (!(REASON_CONDITIONS as readonly string[]).includes(name)) {
      fail(`<reason> <${name}>`, 'unknown reason condition');
    }
    if (condition !== undefined) fail(`<reason> <${name}>`, `a second condition (after <${condition}>)`);
    condition = name as ReasonCondition;
    if (condition === 'alternative-session') {
      for (const s of child.children) {
        if (typeof s === 'string' || nsOf(s, NS_JINGLE) !== NS_JINGLE) continue;
        if (localName(s) !== 'sid') fail(`<alternative-session> <${localName(s)}>`, 'unknown element');
        alternativeSid = textOf(s).trim();
      }
      if (!alternativeSid) fail('<alternative-session> <sid>', 'missing');
    }
  }
  if (condition === undefined) fail('<reason>', 'missing condition element');
  const reason: Reason = { condition };
  if (alternativeSid !== undefined) reason.alternativeSid = alternativeSid;
  if (text !== undefined) reason.text = text;
  if (transferred) reason.transferred = true;
  return reason;
}

export function parseContent(el: Element, hashes: HashTable): Content {
  const where = tag(el, 'name');
  const content: Content = {
    creator: reqEnum(el, 'creator', CREATORS, where),
    name: reqString(el, 'name', where),
  };
  const senders = optEnum(el, 'senders', SENDERS, where);
  if (senders !== undefined) content.senders = senders;
  const disposition = optString(el, 'disposition');
  if (disposition !== undefined) content.disposition = disposition;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const ns = nsOf(child, NS_JINGLE);
    const name = localName(child);
    if (ns === NS_JINGLE) fail(`${where} <${name}>`, `unknown element in ${NS_JINGLE}`);
    if (name === 'description' && ns === NS_RTP) {
      if (content.description) fail(`${where} <description>`, 'more than one');
      content.description = parseRtpDescription(child, ns);
    } else if (name === 'transport' && (ns === NS_ICE_UDP || ns === NS_RAW_UDP)) {
      if (content.transport) fail(`${where} <transport>`, 'more than one');
      content.transport =
        ns === NS_ICE_UDP ? parseIceUdpTransport(child, ns, hashes) : parseRawUdpTransport(child, ns, hashes);
    } else if (ns === NS_XTLS) {
      if (name !== 'security') fail(`${where} <${name}>`, `unknown element in ${NS_XTLS}`);
      if (content.security) fail(`${where} <security>`, 'more than one');
      content.security = parseXtlsSecurity(child, ns, hashes);
    }
    // Other application formats, transports and extensions: ignored.
  }
  return content;
}

export { MAX_SID };

/**
 * Parses a `<jingle>` element (its namespace is checked by the caller or here); fingerprints are
 * checked against `hashes` (mappings/hashes.yaml, passed in from the edge).
 */
export function parseJingle(el: Element, hashes: HashTable): Jingle {
  if (localName(el) !== 'jingle' || el.getNS() !== NS_JINGLE) {
    fail(`<${el.name}>`, `not a <jingle xmlns='${NS_JINGLE}'> element`);
  }
  const sid = el.attrs.sid;
  // A sid is a name chosen by the initiator (§7.1); bounded, so a 200 kB one is refused here.
  if (typeof sid === 'string' && sid !== '' && !isSid(sid))
    fail('<jingle sid>', `not 1–${MAX_SID} letters, digits or . _ : - + / = (${sid.length} characters)`);
  const where = typeof sid === 'string' ? `<jingle sid=${q(sid)}>` : '<jingle>';
  checkValueLengths(el);
  const action = reqEnum(el, 'action', JINGLE_ACTIONS, where);
  const jingle: Jingle = { action, sid: reqString(el, 'sid', where), contents: [], groups: [] };
  const initiator = optString(el, 'initiator');
  if (initiator !== undefined) jingle.initiator = initiator;
  const responder = optString(el, 'responder');
  if (responder !== undefined) jingle.responder = responder;
  const names = new Set<string>();
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const ns = nsOf(child, NS_JINGLE);
    const name = localName(child);
    if (ns === NS_JINGLE) {
      if (name === 'content') {
        const content = parseContent(child, hashes);
        if (names.has(content.name))
          fail(`<content name=${q(content.name)}> name`, 'not unique in this <jingle>');
        names.add(content.name);
        jingle.contents.push(content);
        checkCount(jingle.contents.length, MAX_CONTENTS, where, '<content> elements');
      } else if (name === 'reason') {
        if (jingle.reason) fail(`${where} <reason>`, 'more than one');
        jingle.reason = parseReason(child);
      } else fail(`${where} <${name}>`, `unknown element in ${NS_JINGLE}`);
    } else if (ns === NS_GROUPING) {
      if (name !== 'group') fail(`${where} <${name}>`, `unknown element in ${NS_GROUPING}`);
      jingle.groups.push(parseGroup(child, ns));
    } else if (ns === NS_TRANSFER) {
      // XEP-0251: a session-info payload (§2, §3), or the mark of a session-initiate that
      // carries out a transfer; nowhere else.
      if (name !== 'transfer') fail(`${where} <${name}>`, `unknown element in ${NS_TRANSFER}`);
      if (action === 'session-info') {
        if (jingle.info) fail(`${where} <${name}>`, 'more than one informational payload');
        jingle.info = { kind: 'transfer', ...parseTransfer(child) };
      } else if (action === 'session-initiate') {
        if (jingle.transfer) fail(`${where} <transfer>`, 'more than one');
        jingle.transfer = parseTransfer(child);
      } else fail(`${where} <transfer>`, `in a ${action} (only in session-info or session-initiate)`);
    } else if (action === 'session-info' && ns === NS_DTMF && localName(child) === 'dtmf') {
      if (jingle.info) fail(`${where} <${name}>`, 'more than one informational payload');
      jingle.info = parseDtmf(child);
    } else if (action === 'session-info') {
      if (ns !== NS_RTP_INFO) {
        fail(`${where} <${name} xmlns=${q(ns ?? '')}>`, 'unsupported-info: unknown informational payload');
      }
      if (jingle.info) fail(`${where} <${name}>`, 'more than one informational payload');
      jingle.info = parseSessionInfo(child);
    } else if (ns === NS_RTP_INFO) {
      fail(`${where} <${name}>`, `informational payload in a ${action} (only in session-info)`);
    }
  }
  return jingle;
}

export function contentToElement(c: Content): Element {
  const el = build('content', {
    creator: c.creator,
    disposition: c.disposition,
    name: c.name,
    senders: c.senders,
  });
  if (c.description) append(el, rtpDescriptionToElement(c.description));
  if (c.transport) {
    append(
      el,
      c.transport.kind === 'ice-udp'
        ? iceUdpTransportToElement(c.transport)
        : rawUdpTransportToElement(c.transport),
    );
  }
  if (c.security) append(el, xtlsSecurityToElement(c.security));
  return el;
}

export function reasonToElement(r: Reason): Element {
  const el = build('reason');
  const cond = append(el, build(r.condition));
  if (r.alternativeSid !== undefined) append(cond, build('sid')).children.push(r.alternativeSid);
  if (r.transferred) append(el, transferredElement());
  if (r.text !== undefined) append(el, build('text')).children.push(r.text);
  return el;
}

export function jingleToElement(j: Jingle): Element {
  const el = build('jingle', {
    xmlns: NS_JINGLE,
    action: j.action,
    initiator: j.initiator,
    responder: j.responder,
    sid: j.sid,
  });
  for (const g of j.groups) append(el, groupToElement(g));
  for (const c of j.contents) append(el, contentToElement(c));
  if (j.transfer) append(el, transferToElement(j.transfer));
  if (j.reason) append(el, reasonToElement(j.reason));
  if (j.info) {
    const info = j.info;
    append(
      el,
      info.kind === 'dtmf'
        ? dtmfToElement(info)
        : info.kind === 'transfer'
          ? transferToElement(info)
          : sessionInfoToElement(info),
    );
  }
  return el;
}
