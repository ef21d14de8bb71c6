/**
 * The one state-machine engine of the project (docs/architecture.md §Machines; docs/style.md
 * "State machines as tables", after SIP.js's `stateTransition()` and sipgo's FSMs): a string
 * state, a transition table, and one guarded `apply` that either moves or reports the event as
 * illegal. It never throws, so a peer's out-of-order message is answered with the protocol's
 * error instead of crashing the call.
 *
 * A table cell is either the next state, or a {@link Move}: the next state **and** the effects
 * that transition asks for (sipgo's `fsmState` returns both). `apply` hands the effects back to
 * the owner, which performs them (or returns them, in the pure call layer); the engine itself
 * does no I/O.
 */

/** A transition that also says what must be done when it is taken. */
export interface Move<S extends string, X> {
  next: S;
  effects: readonly X[];
}

export type Cell<S extends string, X> = S | Move<S, X>;

export type TransitionTable<S extends string, E extends string, X = never> = Record<
  S,
  Partial<Record<E, Cell<S, X>>>
>;

/** The outcome of `apply`: taken (with the transition's effects) or refused (state unchanged). */
export type Step<S extends string, X = never> =
  | { ok: true; from: S; next: S; effects: readonly X[] }
  | { ok: false; from: S; next: S; effects: readonly X[] };

const NONE: readonly never[] = Object.freeze([]);

/** Called once per transition that changes the state: the debug log, an `onEnter` hook. */
export type TransitionHook<S extends string, E extends string> = (
  machine: string,
  from: S,
  event: E,
  to: S,
) => void;

export class Machine<S extends string, E extends string, X = never> {
  private current: S;

  constructor(
    readonly name: string,
    private readonly table: TransitionTable<S, E, X>,
    initial: S,
    private readonly onTransition?: TransitionHook<S, E>,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  can(event: E): boolean {
    return this.table[this.current][event] !== undefined;
  }

  apply(event: E): Step<S, X> {
    const from = this.current;
    const cell = this.table[from][event];
    if (cell === undefined) return { ok: false, from, next: from, effects: NONE };
    const next = nextOf(cell);
    const effects = typeof cell === 'object' ? cell.effects : NONE;
    this.current = next;
    if (next !== from) this.onTransition?.(this.name, from, event, next);
    return { ok: true, from, next, effects };
  }
}

/** The state a cell leads to, for code (and tests) that walk a table. */
export function nextOf<S extends string, X>(cell: Cell<S, X>): S {
  return typeof cell === 'object' ? cell.next : cell;
}
