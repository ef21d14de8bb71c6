/**
 * A V8 heap snapshot (`v8.writeHeapSnapshot`, the .heapsnapshot JSON) summed by constructor, the
 * way Chrome DevTools' Summary view groups it, and the difference of two such summaries: what a
 * number of live calls keep, by constructor (bench/memory.ts --snapshots).
 */

export interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

export interface Group {
  count: number;
  /** Sum of the nodes' self sizes, bytes. */
  size: number;
}

/** Objects by constructor name; other nodes by their type in parentheses: `(string)`, `(closure)`. */
export function summarize(snap: HeapSnapshotJson): Map<string, Group> {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, Group>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] as number] ?? '?';
    const key =
      type === 'object' || type === 'native'
        ? (snap.strings[snap.nodes[i + iName] as number] ?? '?')
        : `(${type})`;
    const g = out.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += snap.nodes[i + iSize] as number;
    out.set(key, g);
  }
  return out;
}

/** `after − before` per group, largest growth first; groups that did not grow are left out. */
export function diff(before: Map<string, Group>, after: Map<string, Group>): Array<[string, Group]> {
  const rows: Array<[string, Group]> = [];
  for (const [k, a] of after) {
    const b = before.get(k) ?? { count: 0, size: 0 };
    if (a.size > b.size) rows.push([k, { count: a.count - b.count, size: a.size - b.size }]);
  }
  return rows.sort((x, y) => y[1].size - x[1].size);
}
