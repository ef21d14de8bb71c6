/**
 * A state machine as data (docs/style.md "State machines as tables"): a string state, a transition
 * table `Record<State, Partial<Record<Event, State>>>`, and one guarded `apply` that either
 * moves or reports the event as illegal — it never throws, so a peer's out-of-order message
 * is answered with the protocol's error instead of crashing the call.
 */
export type TransitionTable<S extends string, E extends string> = Record<S, Partial<Record<E, S>>>;

export type Step<S extends string> = { ok: true; from: S; next: S } | { ok: false; from: S };

export class Machine<S extends string, E extends string> {
  private current: S;

  constructor(
    readonly name: string,
    private readonly table: TransitionTable<S, E>,
    initial: S,
    /** Called once per transition, for the debug log (docs/style.md: every transition logged once). */
    private readonly onTransition?: (machine: string, from: S, event: E, to: S) => void,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  can(event: E): boolean {
    return this.table[this.current][event] !== undefined;
  }

  apply(event: E): Step<S> {
    const from = this.current;
    const next = this.table[from][event];
    if (next === undefined) return { ok: false, from };
    this.current = next;
    if (next !== from) this.onTransition?.(this.name, from, event, next);
    return { ok: true, from, next };
  }
}
