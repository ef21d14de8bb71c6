/**
 * The string-level translation API: Jingle XML ⇄ SDP text.
 */
import { parseJingleXml } from '../jingle';
import type { Jingle, JingleAction } from '../jingle/types';
import { parseSdp, writeSdp, writeSdpFrag } from '../sdp';
import { transportInfoToSdpFrag } from './trickle';
import type { Sdp } from '../sdp/types';
import { InputError } from '../errors';
import { perspectiveOf, type Perspective } from './roles';
import { jingleToSdpModel, sdpToJingleModel, type JingleToSdpOptions } from './session';
import { stableId } from './ice';
import type { Tables } from './tables';

/** Actions whose contents describe media: the ones an SDP can be made of. */
const DESCRIBING: ReadonlySet<JingleAction> = new Set([
  'session-initiate',
  'session-accept',
  'content-add',
  'content-accept',
  'transport-replace',
  'transport-accept',
  'content-modify',
]);

/**
 * Jingle (`<iq>` holding `<jingle>`, a bare `<jingle>`, or the model) → SDP text. The
 * perspective comes from the action unless given: session-initiate is the initiator's offer,
 * session-accept the responder's answer.
 */
export function jingleToSdp(input: string | Jingle, tables: Tables, opts: JingleToSdpOptions = {}): string {
  const j = typeof input === 'string' ? parseJingleXml(input, tables.hashes).jingle : input;
  // A transport-info carries trickled candidates: its SDP form is an RFC 8840 sdpfrag.
  if (j.action === 'transport-info') return writeSdpFrag(transportInfoToSdpFrag(j));
  return writeSdp(jingleToSdpObject(j, tables, opts));
}

export function jingleToSdpObject(
  input: string | Jingle,
  tables: Tables,
  opts: JingleToSdpOptions = {},
): Sdp {
  const j = typeof input === 'string' ? parseJingleXml(input, tables.hashes).jingle : input;
  if (!DESCRIBING.has(j.action)) {
    throw new InputError(
      'translate',
      `<jingle action='${j.action}'>`,
      'carries no session description to translate',
    );
  }
  if (j.contents.length === 0) {
    throw new InputError('translate', `<jingle action='${j.action}'>`, 'has no <content>');
  }
  const implied = perspectiveOf(j.action);
  const p: Perspective = { author: opts.author ?? implied.author, type: opts.type ?? implied.type };
  return jingleToSdpModel(j, p, tables, opts);
}

export interface SdpToJingleOptions {
  /** session-initiate (the default: the SDP is an offer) or session-accept (an answer). */
  action?: 'session-initiate' | 'session-accept';
  sid?: string;
  initiator?: string;
  responder?: string;
  /** Content names by m-section index: an answer names its contents after the offer's. */
  contentNames?: readonly string[];
}

/** SDP text (or model) → the `<jingle>` model that carries it. */
export function sdpToJingle(input: string | Sdp, tables: Tables, opts: SdpToJingleOptions = {}): Jingle {
  const sdp = typeof input === 'string' ? parseSdp(input, tables.hashes) : input;
  const action = opts.action ?? 'session-initiate';
  const p = perspectiveOf(action);
  if (sdp.media.length === 0) throw new InputError('sdp', 'session', 'has no m= line to translate');
  const { contents, groups } = sdpToJingleModel(sdp, p, tables, opts.contentNames);
  const j: Jingle = {
    action,
    // XEP-0166 §7.1: an opaque sid; derived from o= so a repeated translation agrees.
    sid: opts.sid ?? stableId(`${sdp.origin.username} ${sdp.origin.sessionId} ${sdp.origin.address}`),
    contents,
    groups,
  };
  if (opts.initiator !== undefined) j.initiator = opts.initiator;
  if (opts.responder !== undefined) j.responder = opts.responder;
  return j;
}
