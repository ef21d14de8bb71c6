/**
 * `jingle-sip-gateway demo` (`npm run demo`): a first call in one command. Starts the demo world
 * (./world.ts), prints how to call through it, and waits: Enter makes the demo phone call the
 * demo user; Ctrl-C or SIGTERM stops every process it started and removes their folders.
 * `--headless-check` places one call each way instead, prints the results and exits 0 or 1.
 * A missing Debian package: one line with the `apt-get install` that brings it, exit 2.
 */
import * as readline from 'node:readline';
import { headlessCheck } from './headless-check';
import { checkRequirements } from './requirements';
import { DEMO_DOMAIN, DEMO_NUMBER, DEMO_USER, startDemoWorld, type DemoWorld } from './world';

export interface DemoOptions {
  headlessCheck?: boolean;
}

function instructions(w: DemoWorld): string[] {
  const lines = [
    `XMPP:  log in as ${DEMO_USER}@localhost / ${w.password} on 127.0.0.1:${w.prosody.c2sPort} (plain, local only)`,
    `       call ${DEMO_NUMBER}@${DEMO_DOMAIN} — the demo phone answers with a tone`,
    `SIP:   the demo phone can call ${DEMO_USER}@localhost: press Enter here to place that call`,
    `       the gateway listens on udp://127.0.0.1:${w.sipPort}`,
  ];
  lines.push(
    w.rtpengine
      ? `Media: anchored through rtpengine (ng on ${w.rtpengine.uri}) where the two sides cannot meet`
      : 'Media: end to end (rtpengine is not installed: apt-get install rtpengine-daemon to anchor WebRTC clients)',
  );
  lines.push('Ctrl-C stops everything.');
  return lines;
}

/** Runs the demo; resolves with the exit code. */
export async function runDemo(o: DemoOptions = {}): Promise<number> {
  const out = (l: string): void => void process.stdout.write(`${l}\n`);
  const req = checkRequirements();
  if (req.missing !== undefined) {
    process.stderr.write(`${req.missing}\n`);
    return 2;
  }
  let world: DemoWorld;
  try {
    world = await startDemoWorld({ rtpengine: req.rtpengine });
  } catch (e) {
    process.stderr.write(`demo: could not start: ${(e as Error).message.split('\n')[0]}\n`);
    return 1;
  }
  if (o.headlessCheck) {
    try {
      const ok = await headlessCheck(world, out);
      out(ok ? 'headless check passed' : 'headless check FAILED');
      return ok ? 0 : 1;
    } finally {
      await world.stop();
    }
  }
  for (const l of instructions(world)) out(l);
  return new Promise<number>((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', () => {
      out(`the demo phone calls ${DEMO_USER}@localhost…`);
      world.phone
        .command('dial', `sip:${DEMO_USER}@127.0.0.1:${world.sipPort}`)
        .catch((e: Error) => out(`the demo phone could not dial: ${e.message}`));
    });
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      rl.close();
      out('stopping…');
      void world.stop().then(() => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
