/**
 * Preload for a sampling allocation profile of a process under load (issue 12: what the GC has
 * to collect). Unlike `node --heap-prof`, which keeps only what is still alive at exit, this
 * counts what was allocated and collected since, which is what drives the GC's cost:
 *
 *   BENCH_GATEWAY_NODE_ARGS='-r ./dist/bench/alloc-sampler.js' ALLOC_PROFILE_DIR=prof \
 *     ALLOC_PROFILE_AT_MS=45000 node dist/bench/e2e.js --only sip-xmpp,xmpp-sip --rates 150,150
 *   node dist/bench/alloc-profile.js prof/alloc.*.heapprofile
 *
 * The profile is written `ALLOC_PROFILE_AT_MS` after the start (the bench stops the gateway
 * with SIGTERM and then SIGKILL after 2 s, too soon for a large profile), else on SIGTERM.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';

const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: 2048,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});

let written = false;
function write(): void {
  if (written) return;
  written = true;
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) return;
    const dir = process.env.ALLOC_PROFILE_DIR ?? '.';
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `alloc.${process.pid}.heapprofile`), JSON.stringify(result.profile));
  });
}

const at = Number(process.env.ALLOC_PROFILE_AT_MS ?? '');
if (Number.isFinite(at) && at > 0) setTimeout(write, at).unref();
process.prependListener('SIGTERM', write);
