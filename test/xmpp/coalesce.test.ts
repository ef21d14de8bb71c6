import { coalesceWrites } from '../../src/xmpp/connection/coalesce';

/** A fake socket that records what reaches the "wire": corked writes are held until uncork. */
function fakeSocket() {
  const wire: string[][] = [];
  let held: string[] = [];
  let corked = 0;
  const socket = {
    corks: 0,
    write(s: string): boolean {
      if (corked > 0) held.push(s);
      else wire.push([s]);
      return true;
    },
    cork() {
      corked++;
      socket.corks++;
    },
    uncork() {
      corked--;
      if (corked === 0 && held.length > 0) {
        wire.push(held);
        held = [];
      }
    },
  };
  return { socket, wire };
}

describe('coalesceWrites', () => {
  it('sends the writes of one turn in one flush, in order, and corks again next turn', () => {
    const { socket, wire } = fakeSocket();
    const deferred: Array<() => void> = [];
    coalesceWrites(socket, (fn) => deferred.push(fn));
    socket.write('<a/>');
    socket.write('<b/>');
    socket.write('<c/>');
    expect(wire).toEqual([]);
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(wire).toEqual([['<a/>', '<b/>', '<c/>']]);
    socket.write('<d/>');
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(wire).toEqual([['<a/>', '<b/>', '<c/>'], ['<d/>']]);
    expect(socket.corks).toBe(2);
  });

  it('passes the write callback through (errors still reach the sender)', () => {
    const calls: unknown[][] = [];
    const socket = {
      write: (...args: unknown[]) => (calls.push(args), true),
      cork: () => undefined,
      uncork: () => undefined,
    };
    coalesceWrites(socket, () => undefined);
    const cb = (): void => undefined;
    socket.write('<x/>', cb);
    expect(calls).toEqual([['<x/>', cb]]);
  });
});
