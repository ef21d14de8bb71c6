/**
 * XEP-0353 §"Tie Breaking", "No existing session" (version 0.6+): two parties propose to each
 * other at the same time. "The lower of the two session IDs MUST overrule the other action,
 * where by 'lower' is meant the session ID that is sorted first using 'i;octet' collation"
 * (RFC 4790 §9.3: the UTF-8 bytes compared one by one, a prefix sorting first); "in the unlikely
 * event that the random session IDs are the same, the action sent by the lower of the
 * JabberIDs MUST overrule the other action".
 *
 * The JIDs compared are the two bare JIDs in their normal form (RFC 7622, src/translate/jid.ts):
 * both parties know both of them, whatever resource each proposal was sent from, so both reach
 * the same verdict.
 */
import { normalBareJid } from '../../translate/jid';

/** One side's proposal: its id and the JID that sent it. */
export interface CrossingProposal {
  id: string;
  jid: string;
}

/** RFC 4790 §9.3 i;octet: negative when `a` sorts first, 0 when equal. */
export function octetCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether proposal `a` overrules the crossing proposal `b` (its id is lower, or the ids are equal and its JID is). */
export function overrules(a: CrossingProposal, b: CrossingProposal): boolean {
  const byId = octetCompare(a.id, b.id);
  if (byId !== 0) return byId < 0;
  return octetCompare(normalBareJid(a.jid), normalBareJid(b.jid)) < 0;
}
