/**
 * The transition hook the SIP dialog machines share: every state change logged once at debug
 * (docs/style.md), then `onEnter` for the owner (a finished INVITE session leaves its table).
 */
import type { Logger } from 'winston';
import type { TransitionHook } from '../../fsm';

export function logTransitions<S extends string, E extends string>(
  logger: Logger,
  onEnter?: (state: S) => void,
): TransitionHook<S, E> {
  return (machine, from, event, to) => {
    logger.debug(`${machine}: ${from} --${event}--> ${to}`);
    onEnter?.(to);
  };
}
