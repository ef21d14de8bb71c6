/**
 * The live calls, found by Jingle sid or SIP Call-ID. A call leaves the registry in the same
 * step that ends it, so `size` is the number of live calls at every moment (tests check it is
 * back to zero).
 */
import type { Call } from './call';
import type { CallEvent, Effect } from './events';

export class CallRegistry {
  private readonly bySid = new Map<string, Call>();
  private readonly byCallId = new Map<string, Call>();

  get size(): number {
    return this.bySid.size;
  }

  add(call: Call): void {
    if (call.ended) return;
    this.bySid.set(call.sid, call);
    this.byCallId.set(call.callId, call);
  }

  sid(sid: string): Call | undefined {
    return this.bySid.get(sid);
  }

  callId(callId: string): Call | undefined {
    return this.byCallId.get(callId);
  }

  all(): Call[] {
    return [...this.bySid.values()];
  }

  /** Hands one event to a call and forgets the call if that ended it. */
  handle(call: Call, event: CallEvent): Effect[] {
    const effects = call.handle(event);
    if (call.ended) this.remove(call);
    return effects;
  }

  private remove(call: Call): void {
    if (this.bySid.get(call.sid) === call) this.bySid.delete(call.sid);
    if (this.byCallId.get(call.callId) === call) this.byCallId.delete(call.callId);
  }
}
