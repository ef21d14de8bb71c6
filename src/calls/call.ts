/**
 * A call (docs/design.md §Call flows; pure: `handle(event)` returns effects): the layers below
 * give it its lifecycle (./call-core.ts), our offers (./sip-offers.ts) and the peer's re-offers
 * (./plain-reoffer.ts, ./anchored-reoffer.ts). This file owns the answers to the SIP peer's
 * in-dialog requests, the same for both kinds of call: each comes from the SIP leg through the
 * seam (src/gateway/sip-seam.ts) and is answered here — re-INVITE/UPDATE by the re-offer layers,
 * INFO by what it carries (RFC 6086), REFER and NOTIFY by the transfer layer (./transfers.ts) —
 * and the INFO we send (DTMF).
 */
import type { Content } from '../jingle/types';
import { parseSdpFrag } from '../sdp';
import type { SipHeader } from '../sip/message/types';
import { dtmfRelayBody, DTMF_RELAY } from '../translate/dtmf';
import { INFO_BODY_TYPES } from '../translate/info';
import { sdpFragToContents } from '../translate/trickle';
import { Transfers } from './transfers';
import type { CallEvent, Effect, SipInfo } from './events';

export { jingleEventOf, type CallContext } from './call-core';
export { RESTART_WAIT_MS } from './plain-reoffer';

export abstract class Call extends Transfers {
  /** The SIP peer's in-dialog requests and the re-offers' events; false for any other. */
  protected onInDialog(event: CallEvent, out: Effect[]): boolean {
    if (this.onTransfer(event, out)) return true;
    switch (event.kind) {
      case 'sip-reoffer':
        // A new or disabled stream (RFC 3264 §8.1, §8.2) is a content change (./content-reoffer.ts).
        if (this.peerContentReoffer(out, event.id, event.body)) return true;
        if (this.anchored) this.onPeerReoffer(out, event.id, event.body);
        else this.onPlainReoffer(out, event.id, event.body);
        return true;
      case 'sip-info':
        this.onSipInfo(out, event.id, event.info);
        return true;
      case 'timer':
        // Our stream change's retry (./content-reoffer.ts), else a hold's or candidates'.
        if (event.name === 'glare') {
          if (!this.contentGlareOver(out)) this.glareOver(out);
        } else if (event.name === 'content') this.contentTimedOut(out);
        else if (event.name === 'reoffer') this.restartTimedOut(out);
        else return false;
        return true;
      case 'jingle-error':
        // The client refused our content-add: its streams are declined.
        return event.action === 'content-add' && this.contentAddFailed(out);
      case 'sip-reinvite-done':
        // Our re-INVITE's answer (RFC 3261 §14.1: 2xx, a refusal, or 491 glare): ./sip-offers.ts.
        // A stream change's answer (./content-reoffer.ts), then what waited goes.
        if (this.contentReinviteDone(out, event.response)) return true;
        else if (this.anchorReinviteBusy()) this.onAnchoredReinviteDone(out, event.response);
        else this.ourReinviteDone(out, event.response);
        return true;
      default:
        break;
    }
    if (event.kind !== 'media-done' && event.kind !== 'media-failed') return false;
    if (event.purpose === 'reinvite' || event.purpose === 'reinvite-answer') {
      this.onAnchoredReinviteMedia(out, event);
      return true;
    }
    if (event.purpose !== 'reoffer' && event.purpose !== 'reanswer') return false;
    this.onReofferMedia(out, event);
    return true;
  }

  /** The SIP peer's INFO (RFC 6086), by what it carries (src/translate/info.ts). */
  private onSipInfo(out: Effect[], id: number, info: SipInfo): void {
    const answer = (status: number, headers?: SipHeader[]): void => {
      out.push({ kind: 'sip-request-answer', id, status, ...(headers ? { headers } : {}) });
    };
    const party = this.jingleParty();
    switch (info.kind) {
      case 'empty':
        return answer(200);
      case 'invalid':
        return answer(400);
      case 'other':
        // RFC 6086 §4.2.2: a package we did not say we take → 469 with the ones we do.
        if (info.infoPackage !== undefined) return answer(469, this.recvInfoHeaders());
        return answer(415, [{ name: 'Accept', value: INFO_BODY_TYPES.join(', ') }]);
      case 'dtmf': {
        if (!party) return answer(481);
        const dtmf =
          info.durationMs === undefined
            ? { kind: 'dtmf' as const, code: info.code }
            : { kind: 'dtmf' as const, code: info.code, duration: info.durationMs };
        out.push({
          kind: 'send-jingle',
          from: party.from,
          to: party.to,
          jingle: { action: 'session-info', sid: this.sid, contents: [], groups: [], info: dtmf },
        });
        return answer(200);
      }
      case 'trickle': {
        // Anchored: the SIP side's candidates are the anchor's business, not the client's.
        if (!party || this.anchored) return answer(469, this.recvInfoHeaders());
        let contents: Content[];
        try {
          // The sdpfrag names its m-sections by the session's a=mid (RFC 8840 §9), or by position.
          const frag = parseSdpFrag(info.frag);
          const mids = this.sipRemote?.media.map((m) => m.mid) ?? [];
          for (const [i, m] of frag.media.entries()) {
            const at = m.mid === undefined ? i : mids.indexOf(m.mid);
            const known = party.contents[at >= 0 ? at : i];
            if (known) m.mid = known.name;
          }
          contents = sdpFragToContents(frag).map((c) => {
            const known = party.contents.find((k) => k.name === c.name);
            return { ...c, creator: known?.creator ?? c.creator };
          });
        } catch {
          return answer(400);
        }
        if (contents.some((c) => !party.contents.some((k) => k.name === c.name))) return answer(400);
        out.push({
          kind: 'send-jingle',
          from: party.from,
          to: party.to,
          jingle: { action: 'transport-info', sid: this.sid, contents, groups: [] },
        });
        return answer(200);
      }
    }
  }

  /**
   * The client's XEP-0181 tone → an INFO application/dtmf-relay to the SIP peer, once the
   * dialog is confirmed; false when there is no dialog to send it in.
   */
  protected dtmfToSip(out: Effect[], code: string, durationMs?: number): boolean {
    if (this.sip.dialog !== 'confirmed') return false;
    const tone = durationMs === undefined ? { code } : { code, durationMs };
    out.push({ kind: 'sip-send-info', contentType: DTMF_RELAY, body: dtmfRelayBody(tone), headers: [] });
    return true;
  }
}
