/**
 * Inbound trust (issue 3): an INVITE is let in when its source address is in a configured CIDR
 * block, or when it answers a digest challenge (401, RFC 3261 §22.1) with configured credentials;
 * otherwise it gets 403 and never reaches the call layer.
 */
import type { Logger } from 'winston';
import { ipInCidrs } from '../../config/net';
import type { ServerTransaction } from '../transaction/bridge';
import type { Clock } from '../common/clock';
import { makeResponse } from '../dialog/core';
import { DigestServer } from '../message/digest';
import { header } from '../message/headers';
import { LogThrottle } from '../transport/log-throttle';

export class InboundTrust {
  private readonly digest?: DigestServer;
  /** One line per untrusted source per 10 s, with the count: a scan must not flood the log. */
  private readonly refusals: LogThrottle;

  constructor(
    private readonly trusted: string[],
    private readonly auth: { realm: string; users: Record<string, string> } | undefined,
    clock: Clock,
    logger: Logger,
  ) {
    if (auth) this.digest = new DigestServer(auth.realm, () => clock.now());
    this.refusals = new LogThrottle({
      clock,
      log: (source, count, latest) =>
        logger.warn('INVITEs from an untrusted source refused', { source, count, ...latest }),
    });
  }

  stop(): void {
    this.refusals.stop();
  }

  /** True when the request may proceed; otherwise it has been answered (401 or 403). */
  check(tx: ServerTransaction): boolean {
    const req = tx.request;
    const addr = tx.source.address.replace(/^::ffff:/, '');
    if (ipInCidrs(addr, this.trusted)) return true;
    if (this.digest && this.auth) {
      const users = this.auth.users;
      const value = header(req, 'authorization');
      const v = value !== undefined ? this.digest.verify(value, req.method, (u) => users[u]) : undefined;
      if (v?.result === 'ok') return true;
      const challenges = this.digest.challenges(v?.result === 'stale');
      tx.respond(
        makeResponse(req, 401, {
          toTag: 'challenge',
          headers: challenges.map((c) => ({ name: 'WWW-Authenticate', value: c })),
        }),
      );
      return false;
    }
    this.refusals.hit(addr, { callId: header(req, 'call-id') });
    tx.respond(makeResponse(req, 403, { toTag: 'untrusted' }));
    return false;
  }
}
