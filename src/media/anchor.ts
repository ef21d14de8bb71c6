/**
 * The media anchor a call's runner drives (docs/media.md): offer and answer rewrite one side's
 * SDP for the other, delete ends the session. `RtpengineAnchor` speaks rtpengine's ng protocol;
 * pure tests put a fake in its place. A session is named by the runner's own id (never a
 * client-chosen sid or Call-ID, which could collide), and each side by a tag, `jingle` or `sip`.
 */
import type { Logger } from '../log';
import { NgClient, NgTimeout, type NgDict, type NgFlags } from './ng-client';

export type MediaTag = 'jingle' | 'sip';

export interface AnchorRequest {
  id: string;
  /** The side whose SDP this is (the offerer, for an answer the original offerer). */
  fromTag: MediaTag;
  toTag?: MediaTag;
  sdp: string;
  flags: NgFlags;
}

export interface MediaAnchor {
  /** The offering side's SDP rewritten for the other side. */
  offer(r: AnchorRequest): Promise<string>;
  /** The answering side's SDP rewritten for the offerer. */
  answer(r: AnchorRequest & { toTag: MediaTag }): Promise<string>;
  delete(id: string): Promise<void>;
  query(id: string): Promise<NgDict>;
  /** Ids of the sessions the anchor holds. */
  list(): Promise<string[]>;
  ping(): Promise<void>;
  /** Resolves once every request sent so far has settled (shutdown waits for its deletes). */
  drain(): Promise<void>;
  close(): void;
}

export class RtpengineAnchor implements MediaAnchor {
  private readonly ng: NgClient;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Known state, so that an unreachable rtpengine is logged once, not per call. */
  private reachable: boolean | undefined;

  constructor(
    o: { host: string; port: number; timeoutMs?: number; retries?: number },
    private readonly log?: Logger,
  ) {
    this.ng = new NgClient(o);
  }

  get address(): string {
    return this.ng.address;
  }

  async offer(r: AnchorRequest): Promise<string> {
    return sdpOf(await this.send('offer', params(r)), 'offer');
  }

  async answer(r: AnchorRequest & { toTag: MediaTag }): Promise<string> {
    return sdpOf(await this.send('answer', params(r)), 'answer');
  }

  async delete(id: string): Promise<void> {
    await this.send('delete', { 'call-id': id });
  }

  query(id: string): Promise<NgDict> {
    return this.send('query', { 'call-id': id });
  }

  async list(): Promise<string[]> {
    const d = await this.send('list', { limit: 10_000 });
    return Array.isArray(d.calls) ? d.calls.filter((c): c is string => typeof c === 'string') : [];
  }

  async ping(): Promise<void> {
    await this.send('ping', {});
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.ng.close();
  }

  private send(command: string, p: NgDict): Promise<NgDict> {
    const req = this.ng.request(command, p).then(
      (d) => {
        this.mark(true);
        return d;
      },
      (e: Error) => {
        if (e instanceof NgTimeout) this.mark(false);
        else this.mark(true);
        throw e;
      },
    );
    this.inFlight.add(req);
    const forget = (): void => void this.inFlight.delete(req);
    req.then(forget, forget);
    return req;
  }

  private mark(up: boolean): void {
    if (this.reachable === up) return;
    const was = this.reachable;
    this.reachable = up;
    if (!up) this.log?.warn(`rtpengine at ${this.ng.address} is unreachable: calls that need an anchor fail`);
    else if (was === false) this.log?.info(`rtpengine at ${this.ng.address} answers again`);
  }
}

function params(r: AnchorRequest): NgDict {
  const p: NgDict = { 'call-id': r.id, 'from-tag': r.fromTag, sdp: r.sdp };
  if (r.toTag !== undefined) p['to-tag'] = r.toTag;
  for (const [k, v] of Object.entries(r.flags)) if (v !== undefined) p[k] = v as string | string[];
  return p;
}

function sdpOf(d: NgDict, command: string): string {
  if (typeof d.sdp !== 'string') throw new Error(`rtpengine ${command}: no SDP in the answer`);
  return d.sdp;
}
