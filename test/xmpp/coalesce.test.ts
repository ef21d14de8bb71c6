import { coalesceWrites } from '../../src/xmpp/connection/coalesce';

type Cb = (err?: Error | null) => void;

/** A fake socket recording each write that reaches the "wire" and the calls to end/destroy. */
function fakeSocket() {
  const wire: string[] = [];
  const pending: Cb[] = [];
  const socket = {
    write(s: string, cb?: Cb): boolean {
      wire.push(s);
      if (cb) pending.push(cb);
      return true;
    },
    end(): void {
      wire.push('END');
    },
    destroy(): void {
      wire.push('DESTROY');
    },
  };
  return { socket, wire, pending };
}

describe('coalesceWrites', () => {
  it('joins the writes of one turn into one write, in order; the next turn starts afresh', () => {
    const { socket, wire } = fakeSocket();
    const deferred: Array<() => void> = [];
    coalesceWrites(socket, (fn) => deferred.push(fn));
    socket.write('<a/>');
    socket.write('<b/>');
    socket.write('<c/>');
    expect(wire).toEqual([]);
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(wire).toEqual(['<a/><b/><c/>']);
    socket.write('<d/>');
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(wire).toEqual(['<a/><b/><c/>', '<d/>']);
  });

  it("tells every write's callback the combined write's outcome (an error rejects each send)", () => {
    const { socket, pending } = fakeSocket();
    const deferred: Array<() => void> = [];
    coalesceWrites(socket, (fn) => deferred.push(fn));
    const seen: unknown[] = [];
    socket.write('<a/>', (e) => seen.push(['a', e]));
    socket.write('<b/>', (e) => seen.push(['b', e]));
    deferred.shift()!();
    expect(pending).toHaveLength(1);
    const err = new Error('EPIPE');
    pending[0]!(err);
    expect(seen).toEqual([
      ['a', err],
      ['b', err],
    ]);
  });

  it('flushes what is pending before end() and destroy()', () => {
    const { socket, wire } = fakeSocket();
    const deferred: Array<() => void> = [];
    coalesceWrites(socket, (fn) => deferred.push(fn));
    socket.write('</stream:stream>');
    socket.end();
    socket.write('<late/>');
    socket.destroy();
    expect(wire).toEqual(['</stream:stream>', 'END', '<late/>', 'DESTROY']);
    for (const fn of deferred) fn();
    expect(wire).toHaveLength(4);
  });
});
