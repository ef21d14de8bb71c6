/**
 * The gateway process of bench/soak.ts: exactly `jingle-sip-gateway run --config F`
 * (src/cli/run.ts), forked with an IPC channel so the soak can ask it, between and after the
 * calls, for its live calls and SIP dialogs and its memory (heap after a full GC when node runs
 * with --expose-gc), or to write a heap snapshot. The soak reads the process's fds itself from
 * /proc.
 */
import * as v8 from 'node:v8';
import { runGateway } from '../src/cli/run';

export interface GatewayStats {
  liveCalls: number;
  liveDialogs: number;
  heapUsed: number;
  heapAfterGc?: number;
  rss: number;
  /** The live calls by origin and the states of their Jingle session and SIP dialog. */
  byState: Record<string, number>;
  /** Call-IDs of a few live calls (to look them up in SIPp's error log). */
  someCallIds: string[];
}

async function main(): Promise<void> {
  const file = process.argv[process.argv.indexOf('--config') + 1];
  const gateway = await runGateway(file);
  await gateway.xmpp.whenOnline(10_000);
  process.on('message', (m: { ask: 'stats' | 'snapshot'; gc?: boolean; file?: string }) => {
    if (m.ask === 'snapshot' && m.file !== undefined) {
      process.send?.({ snapshot: v8.writeHeapSnapshot(m.file) });
      return;
    }
    if (m.ask !== 'stats') return;
    const heapUsed = process.memoryUsage().heapUsed;
    const gc = (globalThis as { gc?: () => void }).gc;
    let heapAfterGc: number | undefined;
    if (m.gc && gc) {
      gc();
      gc();
      heapAfterGc = process.memoryUsage().heapUsed;
    }
    const byState: Record<string, number> = {};
    for (const c of gateway.calls.all()) {
      const k = `${c.origin}: jingle ${c.jingle.state}, sip ${c.dialog.state}`;
      byState[k] = (byState[k] ?? 0) + 1;
    }
    const stats: GatewayStats = {
      byState,
      someCallIds: gateway.calls
        .all()
        .slice(0, 5)
        .map((c) => c.callId),
      liveCalls: gateway.liveCalls(),
      liveDialogs: gateway.sip.liveDialogs(),
      heapUsed,
      heapAfterGc,
      rss: process.memoryUsage().rss,
    };
    process.send?.({ stats });
  });
  process.send?.({ ready: true });
}

main().catch((e: Error) => {
  process.stderr.write(`soak gateway: cannot start: ${e.message}\n`);
  process.exit(1);
});
