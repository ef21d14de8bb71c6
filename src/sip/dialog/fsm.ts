/**
 * A guarded state machine over a typed transition table (docs/style.md, after SIP.js's
 * `stateTransition()` and sipgo's FSMs): `apply(event)` looks the move up in the table; an
 * illegal move is logged and refused (the caller answers with the protocol's error), never thrown.
 * Every transition is logged once at debug.
 */
import type { Logger } from 'winston';

export type TransitionTable<S extends string, E extends string> = Record<S, Partial<Record<E, S>>>;

export interface Transition<S extends string> {
  ok: boolean;
  from: S;
  next: S;
}

export class StateMachine<S extends string, E extends string> {
  private current: S;

  constructor(
    private readonly name: string,
    private readonly table: TransitionTable<S, E>,
    initial: S,
    private readonly logger?: Logger,
    private readonly onEnter?: (state: S, from: S, event: E) => void,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  can(event: E): boolean {
    return this.table[this.current][event] !== undefined;
  }

  apply(event: E): Transition<S> {
    const from = this.current;
    const next = this.table[from][event];
    if (next === undefined) {
      this.logger?.debug(`${this.name}: event ${event} ignored in state ${from}`);
      return { ok: false, from, next: from };
    }
    this.current = next;
    if (next !== from) {
      this.logger?.debug(`${this.name}: ${from} --${event}--> ${next}`);
      this.onEnter?.(next, from, event);
    }
    return { ok: true, from, next };
  }
}
