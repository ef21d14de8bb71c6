/**
 * The pure helpers of the benches (bench/measure.ts, bench/latency.ts, bench/svg-chart.ts,
 * bench/heap-summary.ts). The benches themselves are scripts that print numbers, not tests.
 */
import { diff, summarize, type HeapSnapshotJson } from '../../bench/heap-summary';
import { captured, sipOriginated, stanzaSplitter, xmppOriginated, type Captured } from '../../bench/latency';
import { quantile } from '../../bench/measure';
import { area, summarizeProfile } from '../../bench/profile-summary';
import { summarizeAllocations, type AllocNode } from '../../bench/alloc-profile';
import { chart, ticks } from '../../bench/svg-chart';

describe('quantile (nearest rank)', () => {
  it('gives the smallest value with at least p·n values at or below it', () => {
    const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.99)).toBe(10);
    expect(quantile(xs, 0.1)).toBe(1);
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('stanzaSplitter', () => {
  it('emits each top-level stanza once complete, across chunks, joining an open stream', () => {
    const got: string[] = [];
    const feed = stanzaSplitter((s) => got.push(s));
    feed("ail</body></message><iq type='result' id='1'/><message to='a'><bo");
    expect(got).toEqual(["<iq type='result' id='1'/>"]);
    feed("dy>x &gt; y</body></message><stream:stream xmlns='jabber:component:accept'>");
    feed('<presence/><handshake/>');
    expect(got).toEqual([
      "<iq type='result' id='1'/>",
      "<message to='a'><body>x &gt; y</body></message>",
      '<presence/>',
      '<handshake/>',
    ]);
  });
});

/** A pcap (LINKTYPE_ETHERNET, µs) of IPv4 packets: what tcpdump -w writes on lo. */
function pcap(
  pkts: Array<{ us: number; udp?: boolean; src: number; dst: number; seq?: number; data: string }>,
): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const recs = pkts.map((p) => {
    const data = Buffer.from(p.data);
    const l4 = p.udp ? 8 : 20;
    const frame = Buffer.alloc(14 + 20 + l4 + data.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(20 + l4 + data.length, 16);
    frame[23] = p.udp ? 17 : 6;
    frame.writeUInt16BE(p.src, 34);
    frame.writeUInt16BE(p.dst, 36);
    if (!p.udp) {
      frame.writeUInt32BE(p.seq ?? 0, 38);
      frame[46] = 5 << 4;
    }
    data.copy(frame, 34 + l4);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.us / 1e6), 0);
    rec.writeUInt32LE(p.us % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    return Buffer.concat([rec, frame]);
  });
  return Buffer.concat([head, ...recs]);
}

const invite =
  'INVITE sip:alice0@localhost SIP/2.0\r\nFrom: "Bob 7" <sip:bob@127.0.0.1>;tag=1\r\nCall-ID: 7-1@h\r\nCSeq: 1 INVITE\r\n\r\n';
const ok =
  'SIP/2.0 200 OK\r\nFrom: "Bob 7" <sip:bob@127.0.0.1>;tag=1\r\nCall-ID: 7-1@h\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\n';

describe('captured + sipOriginated', () => {
  it('reads SIP datagrams and stanzas from a pcap and pairs a SIP → XMPP call', () => {
    const sip = 5060;
    const comp = 5347;
    const gw = 40000;
    const buf = pcap([
      { us: 1_000_000, udp: true, src: 6000, dst: sip, data: invite },
      {
        us: 1_000_900,
        src: gw,
        dst: comp,
        seq: 100,
        data: '<message to="a"><propose xmlns="urn:xmpp:jingle-message:0" id="S1"/>',
      },
      {
        us: 1_001_200,
        src: gw,
        dst: comp,
        seq: 168,
        data: '<nick xmlns="http://jabber.org/protocol/nick">Bob 7</nick></message>',
      },
      {
        us: 1_001_200,
        src: gw,
        dst: comp,
        seq: 168,
        data: '<nick xmlns="http://jabber.org/protocol/nick">Bob 7</nick></message>',
      },
      {
        us: 1_050_000,
        src: comp,
        dst: gw,
        seq: 9,
        data: "<iq type='set'><jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='S1'/></iq>",
      },
      { us: 1_052_500, udp: true, src: sip, dst: 6000, data: ok },
    ]);
    const msgs = captured(buf, sip, comp);
    expect(msgs.map((m) => [m.kind, m.direction, m.us])).toEqual([
      ['sip', 'in', 1_000_000],
      ['xmpp', 'out', 1_001_200], // complete with its second segment; the retransmission is skipped
      ['xmpp', 'in', 1_050_000],
      ['sip', 'out', 1_052_500],
    ]);
    expect(sipOriginated(msgs)).toEqual({ sipToXmpp: [1200], xmppToSip: [2500] });
  });

  it('pairs an XMPP → SIP call by the ICE ufrag and the Call-ID', () => {
    const m = (us: number, kind: 'sip' | 'xmpp', direction: 'in' | 'out', text: string): Captured => ({
      us,
      kind,
      direction,
      text,
    });
    const msgs = [
      m(
        10,
        'xmpp',
        'in',
        "<iq><jingle action='session-initiate' sid='X'><content><transport ufrag='uab12'/></content></jingle></iq>",
      ),
      m(
        15,
        'xmpp',
        'in',
        "<iq><jingle action='session-initiate' sid='Y'><content><transport ufrag='ucd34'/></content></jingle></iq>",
      ),
      m(
        40,
        'sip',
        'out',
        'INVITE sip:x SIP/2.0\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\n\r\na=ice-ufrag:ucd34\r\n',
      ),
      m(
        50,
        'sip',
        'out',
        'INVITE sip:x SIP/2.0\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\na=ice-ufrag:uab12\r\n',
      ),
      m(90, 'sip', 'in', 'SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n'),
      m(95, 'sip', 'in', 'SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n\r\n'),
      m(97, 'xmpp', 'out', '<iq><jingle action="session-accept" sid="X"/></iq>'),
    ];
    expect(xmppOriginated(msgs)).toEqual({ xmppToSip: [40, 25], sipToXmpp: [7] });
  });
});

describe('svg chart', () => {
  it('picks round ticks', () => {
    expect(ticks(0, 400)).toEqual([0, 100, 200, 300, 400]);
    expect(ticks(0, 7)).toEqual([0, 2, 4, 6]);
  });

  it('draws a polyline per series, escaped, and leaves out points it cannot place', () => {
    const svg = chart('a <b>', [
      {
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 's&1',
            points: [
              [0, 0],
              [10, 5],
              [20, NaN],
            ],
          },
        ],
      },
      {
        title: 'log',
        xLabel: 'x',
        yLabel: 'y',
        logY: true,
        series: [
          {
            name: 'l',
            points: [
              [1, 0],
              [2, 10],
              [3, 1000],
            ],
          },
        ],
      },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>a &lt;b&gt;</title>');
    expect(svg).toContain('s&amp;1');
    const lines = svg.match(/<polyline [^>]*points="([^"]*)"/g) ?? [];
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => (/points="([^"]*)"/.exec(l)?.[1] ?? '').split(' ').length)).toEqual([2, 2]);
  });
});

describe('heap summary', () => {
  const snap = (nodes: number[][]): HeapSnapshotJson => ({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size'],
        node_types: [['hidden', 'object', 'string', 'closure']],
      },
    },
    nodes: nodes.flat(),
    strings: ['Call', 'Object', 'hello'],
  });

  it('sums self sizes by constructor and diffs two summaries, largest growth first', () => {
    const a = summarize(
      snap([
        [1, 0, 1, 100],
        [2, 2, 2, 20],
      ]),
    );
    const b = summarize(
      snap([
        [1, 0, 1, 100],
        [1, 0, 3, 100],
        [1, 1, 4, 50],
        [2, 2, 5, 20],
        [2, 2, 6, 30],
        [3, 1, 7, 40],
      ]),
    );
    expect(a.get('Call')).toEqual({ count: 1, size: 100 });
    expect(b.get('(string)')).toEqual({ count: 2, size: 50 });
    expect(diff(a, b)).toEqual([
      ['Call', { count: 1, size: 100 }],
      ['Object', { count: 1, size: 50 }],
      ['(closure)', { count: 1, size: 40 }],
      ['(string)', { count: 1, size: 30 }],
    ]);
  });
});

describe('cpu profile summary', () => {
  it('sums self time by function and by area, leaving idle out', () => {
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
    const s = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('parseSipMessage', 'file:///x/dist/src/sip/message/message.js', 9) },
        { id: 4, callFrame: frame('Transaction', 'file:///x/node_modules/sip/sip.js', 99) },
        { id: 5, callFrame: frame('(garbage collector)', '') },
        { id: 6, callFrame: frame('emit', 'node:events', 4) },
      ],
      samples: [2, 3, 3, 4, 5, 2, 6, 3],
      timeDeltas: [500, 100, 100, 100, 50, 500, 50, 100],
    });
    expect(s.busyUs).toBe(500);
    expect(s.functions[0]).toEqual({
      name: 'parseSipMessage dist/src/sip/message/message.js:10',
      us: 300,
      share: 0.6,
    });
    expect(s.areas.map((r) => [r.name, r.us])).toEqual([
      ['src/sip/message', 300],
      ['npm sip', 100],
      ['(garbage collector)', 50],
      ['node:events', 50],
    ]);
    expect(area('file:///x/node_modules/@xmpp/xml/lib/Parser.js', 'f')).toBe('npm @xmpp/xml');
  });
});

describe('allocation profile summary', () => {
  const node = (
    functionName: string,
    url: string,
    selfSize: number,
    ...children: AllocNode[]
  ): AllocNode => ({
    callFrame: { functionName, url, lineNumber: 0 },
    selfSize,
    children,
  });
  it('sums bytes by allocating function and charges library allocations to the nearest src/ caller', () => {
    const sdp = 'file:///x/dist/src/sdp/write.js';
    const head = node(
      '(root)',
      '',
      0,
      node(
        'onStanza',
        'file:///x/dist/src/xmpp/leg/leg.js',
        100,
        node('write', 'file:///x/node_modules/ltx/lib/Element.js', 300),
        node('writeSdp', sdp, 200, node('join', '', 400)),
      ),
      node(
        'onData',
        'file:///x/node_modules/@xmpp/connection/index.js',
        0,
        node('write', 'file:///x/node_modules/ltx/lib/Element.js', 0),
      ),
    );
    const s = summarizeAllocations(head);
    expect(s.total).toBe(1000);
    expect(s.byFunction.map((r) => [r.name, r.bytes])).toEqual([
      ['join', 400],
      ['write node_modules/ltx/lib/Element.js:1', 300],
      ['writeSdp dist/src/sdp/write.js:1', 200],
      ['onStanza dist/src/xmpp/leg/leg.js:1', 100],
    ]);
    expect(s.byOwnCaller.map((r) => [r.name, r.share])).toEqual([
      ['writeSdp dist/src/sdp/write.js:1', 0.6],
      ['onStanza dist/src/xmpp/leg/leg.js:1', 0.4],
    ]);
  });
});
