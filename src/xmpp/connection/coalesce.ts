/**
 * Coalesced socket writes: the stanzas written in one event-loop turn (a call's session-initiate,
 * its IQ result, presence…) leave as one string in one write instead of one write each (issue 12).
 * They are joined in write order and flushed in a setImmediate, or at once before end()/destroy(),
 * so the wire order is the order of the writes, and every write's callback gets the error of the
 * combined write.
 */

type WriteCallback = (err?: Error | null) => void;

/** The part of a net.Socket this uses. */
export interface Coalescable {
  write(chunk: string, cb?: WriteCallback): boolean;
  end(...args: never[]): unknown;
  destroy(...args: never[]): unknown;
}

export function coalesceWrites(socket: Coalescable, defer: (fn: () => void) => unknown = setImmediate): void {
  const write = socket.write.bind(socket);
  const end = socket.end.bind(socket) as (...args: unknown[]) => unknown;
  const destroy = socket.destroy.bind(socket) as (...args: unknown[]) => unknown;
  let chunks: string[] = [];
  let callbacks: WriteCallback[] = [];
  const flush = (): void => {
    if (chunks.length === 0) return;
    const data = chunks.join('');
    const cbs = callbacks;
    chunks = [];
    callbacks = [];
    write(data, (err) => {
      for (const cb of cbs) cb(err);
    });
  };
  socket.write = (chunk: string, cb?: WriteCallback): boolean => {
    if (chunks.length === 0) defer(flush);
    chunks.push(chunk);
    if (cb !== undefined) callbacks.push(cb);
    return true;
  };
  (socket as unknown as { end: (...a: unknown[]) => unknown }).end = (...args: unknown[]) => {
    flush();
    return end(...args);
  };
  (socket as unknown as { destroy: (...a: unknown[]) => unknown }).destroy = (...args: unknown[]) => {
    flush();
    return destroy(...args);
  };
}
