/**
 * The lookup behind an attended transfer (XEP-0251 §3; docs/midcall.md §Transfer): the client
 * names its other session by sid, and the gateway finds that live call's SIP dialog for the
 * REFER's Replaces (RFC 3891 §3). Only a call of the same user qualifies — the session's client
 * and the asking client have the same bare JID (src/calls/transfers.ts `replaceableBy`) — so a
 * sid guessed or learnt from someone else's call names nothing; and only an answered one whose
 * dialog is not being moved by a transfer of its own. Anything else: none (item-not-found).
 */
import type { OtherCall } from '../transfer';
import type { CallRunner } from './call-runner';

export function otherCallLookup(
  runner: (sid: string) => CallRunner | undefined,
): (sid: string, client: string) => OtherCall | undefined {
  return (sid, client) => {
    const r = runner(sid);
    if (!r || !r.call.replaceableBy(client)) return undefined;
    return r.replaceable();
  };
}
