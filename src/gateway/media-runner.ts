/**
 * One call's side of the media anchor (rtpengine, docs/media.md): its ng requests one after
 * another under the call's own anchor id, their outcomes back to the call as events, the delete
 * on the way out, and the periodic check of an established anchored call's media
 * (docs/policy.md §Dead peers).
 */
import type { CallEvent, Effect } from '../calls/events';
import type { Logger } from '../log';
import type { MediaAnchor } from '../media/anchor';
import { MediaWatch } from '../media/media-watch';
import { NgError } from '../media/ng-client';
import { randomHex } from '../sip/common/random-hex';
import type { GatewayObserver, MediaOp } from './observer';

export class MediaRunner {
  /**
   * The call's anchor session: our own id (a client's sid or a peer's Call-ID could collide),
   * and its requests one after another, so answers come back in the order they were asked.
   */
  readonly mediaId = `jsg-${randomHex(8)}`;
  private chain: Promise<void> = Promise.resolve();
  /** The call has used the anchor (its media is checked). */
  private used = false;
  private check?: NodeJS.Timeout;

  constructor(
    private readonly anchor: MediaAnchor | undefined,
    /** How often an established anchored call's media is checked, and how long a side may be silent (ms). */
    private readonly timing: { checkMs: number; silenceMs: number } | undefined,
    private readonly post: (event: CallEvent) => void,
    private readonly callEnded: () => boolean,
    private readonly sid: string,
    private readonly log: Logger,
    private readonly observer?: GatewayObserver,
  ) {}

  /** One ng offer/answer, after the ones before it; the outcome comes back as an event. */
  request(e: Extract<Effect, { kind: 'media' }>): void {
    const anchor = this.anchor;
    if (!anchor) {
      queueMicrotask(() =>
        this.post({ kind: 'media-failed', purpose: e.purpose, text: 'no media anchor is configured' }),
      );
      return;
    }
    this.used = true;
    const req = {
      id: this.mediaId,
      fromTag: e.fromTag,
      sdp: e.sdp,
      flags: e.flags,
      ...(e.toTag !== undefined ? { toTag: e.toTag } : {}),
    };
    this.log.debug(`media anchor ${e.op} (${e.purpose})`, { media: this.mediaId });
    this.chain = this.chain.then(() => {
      this.seen('out', `${e.op} (${e.purpose})`, ngText(e.op, req));
      return (e.op === 'offer' ? anchor.offer(req) : anchor.answer({ ...req, toTag: e.toTag ?? 'sip' })).then(
        (sdp) => {
          this.seen('in', `${e.op} ok`, sdp);
          this.post({ kind: 'media-done', purpose: e.purpose, sdp });
        },
        (err: Error) => {
          this.failed(e.op, err);
          this.post({ kind: 'media-failed', purpose: e.purpose, text: err.message });
        },
      );
    });
  }

  /** The call's anchor session is no longer needed. */
  delete(): void {
    this.chain = this.chain.then(() => {
      this.seen('out', 'delete', `delete call-id=${this.mediaId}`);
      return this.anchor?.delete(this.mediaId).then(
        () => {
          this.seen('in', 'deleted', `ok call-id=${this.mediaId}`);
          this.log.debug('media anchor session deleted', { media: this.mediaId });
        },
        (err: Error) => {
          this.failed('delete', err);
          this.log.warn('media anchor delete failed', { media: this.mediaId, error: err.message });
        },
      );
    });
  }

  stop(): void {
    clearInterval(this.check);
  }

  /**
   * An established anchored call: every `checkMs` one ng `query` (never two at once). rtpengine
   * forgets a call after its own `--timeout` without media ("Unknown call-id"); a side that sent
   * nothing for `silenceMs` is gone. Either ends the call on both legs. An anchor that does not
   * answer says nothing about the peers: the call goes on.
   */
  watch(): void {
    const anchor = this.anchor;
    const t = this.timing;
    if (!anchor || !this.used || !t || t.checkMs <= 0 || this.check) return;
    const watch = new MediaWatch(t.silenceMs);
    let asking = false;
    const side = (tag: string): string => (tag === 'sip' ? 'SIP' : 'XMPP');
    this.check = setInterval(() => {
      if (asking || this.callEnded()) return;
      asking = true;
      anchor
        .query(this.mediaId)
        .then(
          (answer) => {
            const v = watch.observe(Date.now(), answer);
            if (v.kind === 'silent' && !this.callEnded())
              this.post({
                kind: 'media-down',
                condition: 'connectivity-error',
                text: `no media from the ${side(v.tag)} side for ${v.seconds} s`,
              });
          },
          (err: Error) => {
            if (err instanceof NgError && /unknown call/i.test(err.reason) && !this.callEnded())
              this.post({
                kind: 'media-down',
                condition: 'media-error',
                text: 'the media anchor dropped the call: no media for its timeout',
              });
            else this.log.debug('media check failed', { media: this.mediaId, error: err.message });
          },
        )
        .finally(() => (asking = false));
    }, t.checkMs);
    this.check.unref();
  }

  /** The media leg of the call's ladder: each ng request, and its answer or failure. */
  private seen(direction: 'in' | 'out', label: string, text: string): void {
    this.observer?.media?.(this.sid, direction, label, text, Date.now());
  }

  private failed(op: MediaOp, err: Error): void {
    this.observer?.mediaFailed?.(op);
    this.seen('in', `${op} failed`, err.message);
  }
}

/** An ng request as the ladder shows it: the command, the keys, the flags, then the SDP. */
function ngText(
  op: string,
  r: { id: string; fromTag: string; toTag?: string; flags: object; sdp: string },
): string {
  const tags = `from-tag=${r.fromTag}${r.toTag !== undefined ? ` to-tag=${r.toTag}` : ''}`;
  return `${op} call-id=${r.id} ${tags}\nflags: ${JSON.stringify(r.flags)}\n\n${r.sdp}`;
}
