/**
 * Our IQ requests waiting for their answers (RFC 6120 §8.2.3): each gets a timeout on the
 * injected clock, and is matched to its answer by id and by the address the request went to
 * (an answer from anyone else is a forgery and is dropped). Pure bookkeeping: the connection
 * sends, this decides what an answer means.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock';
import { normalJid } from '../../translate/jid';
import { IqError, IqTimeoutError, NotConnectedError, parseErrorElement, type XmlElement } from '../stanza';

interface Pending {
  to: string;
  resolve: (el: XmlElement) => void;
  reject: (e: Error) => void;
  timer: TimerHandle;
}

export class IqCaller {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    /** Where an IQ without `to` goes (the server's domain answers for it). */
    private readonly domain: string,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * `send` puts `iq` on the wire; the promise resolves with the result `<iq>` or rejects with
   * IqError (an error answer), IqTimeoutError, or NotConnectedError (`send` failed, or
   * {@link failAll} was called first).
   */
  request(iq: XmlElement, timeoutMs: number, send: (iq: XmlElement) => Promise<void>): Promise<XmlElement> {
    if (iq.attrs.id === undefined) iq.attrs.id = randomUUID();
    const id = iq.attrs.id;
    const to = iq.attrs.to ?? this.domain;
    return new Promise<XmlElement>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new IqTimeoutError(to, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { to: normalJid(to), resolve, reject, timer });
      send(iq).catch((e: Error) => {
        timer.cancel();
        this.pending.delete(id);
        reject(new NotConnectedError(e.message));
      });
    });
  }

  /**
   * An IQ result or error from the network. Returns the address it should have come from when
   * it is dropped as a forgery, else undefined (taken, or not one of ours).
   */
  answer(stanza: XmlElement): { dropped: string } | undefined {
    const id = stanza.attrs.id;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p === undefined || id === undefined) return undefined;
    // RFC 6120 §8.2.3: the answer comes from whom the request went to (the server may answer
    // for a bare JID or its own domain).
    const from = normalJid(stanza.attrs.from ?? this.domain);
    if (from !== p.to) return { dropped: p.to };
    p.timer.cancel();
    this.pending.delete(id);
    if (stanza.attrs.type === 'result') {
      p.resolve(stanza);
      return undefined;
    }
    const err = parseErrorElement(stanza.getChild('error'));
    p.reject(new IqError(p.to, err.condition, err.type, err.jingleCondition, err.text));
    return undefined;
  }

  /** The connection went away: every request fails now instead of at its timeout. */
  failAll(why: string): void {
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.reject(new NotConnectedError(`${why} before ${p.to} answered`));
      this.pending.delete(id);
    }
  }
}
