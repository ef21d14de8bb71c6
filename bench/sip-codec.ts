/**
 * CPU per SIP message of the codec steps on the SIP path (issue 12): parse, serialise, and the
 * top-Via parse the transaction bridge used to repeat. Runs over every captured message in
 * test/fixtures/captured/ in turn, so the code stays polymorphic as under load, and prints µs of
 * CPU (process.cpuUsage, user + system) per message after a warm-up.
 *
 *     node dist/bench/sip-codec.js [rounds]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSipMessage, serializeSipMessage } from '../src/sip/message';
import { topViaOf } from '../src/sip/message/checked';
import { parseTopVia, parseVia } from '../src/sip/message/via';

const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'captured');
const wire = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.sip'))
  .map((f) => fs.readFileSync(path.join(dir, f)));
const parsed = wire.map((b) => parseSipMessage(b));
const rounds = Number(process.argv[2] ?? 2000);

function measure(name: string, step: (i: number) => unknown): void {
  let sink = 0;
  const run = (n: number): void => {
    for (let r = 0; r < n; r++) for (let i = 0; i < wire.length; i++) if (step(i)) sink++;
  };
  run(Math.max(1, rounds / 4)); // warm-up: let the JIT settle
  const t0 = process.cpuUsage();
  run(rounds);
  const d = process.cpuUsage(t0);
  const us = (d.user + d.system) / (rounds * wire.length);
  console.log(
    `${name.padEnd(22)} ${us.toFixed(2)} µs/message  (${wire.length} messages × ${rounds}; ${sink > 0})`,
  );
}

measure('parseSipMessage', (i) => parseSipMessage(wire[i]));
measure('serializeSipMessage', (i) => serializeSipMessage(parsed[i]));
measure('parseVia(top Via)', (i) => parseVia(topViaOf(parsed[i])));
// A received request as the bridge and the UA see it: parsed, then its top Via read by
// markReceived and inviteKey; before issue 12 each of those parsed it again (compare the sum of the
// rows above with this one).
measure('parse + 2 top-Via reads', (i) => {
  const msg = parseSipMessage(wire[i]);
  return parseTopVia(topViaOf(msg)) && parseTopVia(topViaOf(msg));
});
