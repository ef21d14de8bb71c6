/**
 * Coalesced socket writes: the stanzas written in one event-loop turn (a call's session-initiate,
 * its IQ result, presence…) leave in one writev instead of one write syscall each, which was the
 * largest share of the gateway's CPU on the component path (issue 12). The socket is corked at the
 * turn's first write and uncorked in a setImmediate, so the wire order is the order of the writes,
 * and each write's callback still gets the error of the (combined) write.
 */

/** The part of a net.Socket this uses. */
export interface Corkable {
  write(...args: never[]): boolean;
  cork(): void;
  uncork(): void;
}

export function coalesceWrites(socket: Corkable, defer: (fn: () => void) => unknown = setImmediate): void {
  let corked = false;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      defer(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  };
}
