/**
 * What the demo needs on this machine: Prosody and baresip (required), rtpengine (optional: with
 * it the anchored path runs, as it does for WebRTC clients and plain phones). A missing required
 * peer is one line naming the `apt-get install` that brings it.
 */
import { commandAvailable } from '../peers/processes';

interface Peer {
  bin: string;
  packages: string[];
}

const REQUIRED: Peer[] = [
  { bin: 'prosody', packages: ['prosody', 'lua-unbound'] },
  { bin: 'prosodyctl', packages: ['prosody'] },
  { bin: 'baresip', packages: ['baresip-core'] },
];
const OPTIONAL: Peer = { bin: 'rtpengine', packages: ['rtpengine-daemon'] };

export interface Requirements {
  /** The line to print and exit 2 with, when a required peer is missing. */
  missing?: string;
  rtpengine: boolean;
}

export function checkRequirements(available: (bin: string) => boolean = commandAvailable): Requirements {
  const lacking = REQUIRED.filter((p) => !available(p.bin));
  const rtpengine = available(OPTIONAL.bin);
  if (lacking.length === 0) return { rtpengine };
  const bins = [...new Set(lacking.map((p) => p.bin))].join(', ');
  const pkgs = [...new Set([...lacking.flatMap((p) => p.packages), ...(rtpengine ? [] : OPTIONAL.packages)])];
  return {
    rtpengine,
    missing: `demo: ${bins} not installed; install with: apt-get install -y --no-install-recommends ${pkgs.join(' ')}`,
  };
}
