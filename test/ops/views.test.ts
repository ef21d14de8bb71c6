/**
 * The pure views of the operations side: the ladder layout the status page runs (its own JS,
 * evaluated here in a fresh context as the browser would), /health, /calls, and the metrics
 * fed by observer events — with real call machines (src/calls) where calls are needed.
 */
import { createHash } from 'node:crypto';
import * as vm from 'node:vm';
import { CallRegistry, XmppCall } from '../../src/calls';
import type { CallInfo } from '../../src/gateway/observer';
import { callsView } from '../../src/ops/calls-view';
import { healthReport, type GatewayStatus } from '../../src/ops/health';
import { GatewayMetrics } from '../../src/ops/metrics';
import { LADDER_LAYOUT_JS, statusPage } from '../../src/ops/status-page';
import { parseSipMessage } from '../../src/sip/message/message';
import { parse } from 'ltx';
import { context, iqOf, read } from '../calls/support';

interface Layout {
  width: number;
  height: number;
  lanes: Array<{ id: string; name: string; peer: string; x: number }>;
  arrows: Array<{ seq: number; y: number; x1: number; x2: number; label: string; t: number }>;
}
const layout = (call: unknown): Layout =>
  vm.runInNewContext(`${LADDER_LAYOUT_JS}; layoutLadder(call)`, { call }) as Layout;

const msg = (seq: number, leg: string, direction: string, label: string, at: number, peer = 'p') => ({
  seq,
  leg,
  direction,
  label,
  at,
  peer,
  text: label,
});

describe('ladder layout (the page script)', () => {
  it('puts the client, the gateway and the SIP peer in lanes; arrows point the way messages went', () => {
    const call = {
      info: { at: 0 },
      messages: [
        msg(4, 'xmpp', 'in', 'session-initiate', 1000, 'romeo@montague.lit/orchard'),
        msg(9, 'sip', 'out', 'INVITE', 1250, 'UDP|127.0.0.1|5090'),
        msg(10, 'sip', 'in', '180 Ringing (INVITE)', 1300),
        msg(11, 'xmpp', 'out', 'session-info ringing', 1301),
      ],
    };
    const L = layout(call);
    expect(L.lanes.map((l) => [l.id, l.peer])).toEqual([
      ['xmpp', 'romeo@montague.lit/orchard'],
      ['gateway', ''],
      ['sip', 'UDP|127.0.0.1|5090'],
    ]);
    const [client, gw, peer] = L.lanes.map((l) => l.x) as [number, number, number];
    expect(client).toBeLessThan(gw);
    expect(gw).toBeLessThan(peer);
    expect(L.arrows.map((a) => [a.label, a.x1, a.x2, a.t])).toEqual([
      ['session-initiate', client, gw, 0],
      ['INVITE', gw, peer, 250],
      ['180 Ringing (INVITE)', peer, gw, 300],
      ['session-info ringing', gw, client, 301],
    ]);
    const ys = L.arrows.map((a) => a.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(new Set(ys).size).toBe(ys.length);
    expect(L.height).toBeGreaterThan(ys[ys.length - 1] as number);
  });

  it('adds an rtpengine lane only when the call used the anchor', () => {
    const base = { info: { at: 0 }, messages: [msg(1, 'sip', 'in', 'INVITE', 5)] };
    expect(layout(base).lanes).toHaveLength(3);
    const anchored = { ...base, messages: [...base.messages, msg(2, 'media', 'out', 'offer (propose)', 6)] };
    const L = layout(anchored);
    expect(L.lanes.map((l) => l.name)).toEqual(['XMPP client', 'gateway', 'SIP peer', 'rtpengine']);
    expect(L.arrows[1]).toMatchObject({ x1: L.lanes[1]?.x, x2: L.lanes[3]?.x });
    expect(L.width).toBeGreaterThan(L.lanes[3]?.x as number);
    expect(layout({ info: { at: 0 }, messages: [] }).arrows).toEqual([]);
  });

  it('is one document: inline script and style whose CSP hashes match, no outside URL', () => {
    const p = statusPage();
    expect(p.html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(p.html).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
    const script = /<script>([\s\S]*)<\/script>/.exec(p.html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(p.scriptHash).toBe(`'sha256-${hash}'`);
    // The script parses.
    expect(() => new vm.Script(script)).not.toThrow();
  });
});

function xmppCall(): XmppCall {
  const offer = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
    "to='juliet@capulet.lit/balcony'",
    "to='+15551230000@gw.localhost'",
  );
  return XmppCall.start(iqOf(offer), context()).call;
}

function status(over: Partial<GatewayStatus> = {}): GatewayStatus {
  return {
    xmppOnline: true,
    sipListening: ['udp://127.0.0.1:5060'],
    trunks: [],
    calls: [],
    draining: false,
    ...over,
  };
}

describe('health', () => {
  it('is 200 when online, 503 when the component is offline or the gateway drains', () => {
    const call = xmppCall();
    const ok = healthReport(status({ calls: [call] }));
    expect(ok).toEqual({
      code: 200,
      body: {
        status: 'ok',
        xmpp: 'online',
        sip: 'listening',
        listen: ['udp://127.0.0.1:5060'],
        trunks: [],
        calls: 1,
        draining: false,
      },
    });
    expect(healthReport(status({ xmppOnline: false }))).toMatchObject({
      code: 503,
      body: { status: 'offline', xmpp: 'offline' },
    });
    expect(healthReport(status({ draining: true }))).toMatchObject({
      code: 503,
      body: { status: 'draining', draining: true },
    });
  });

  it('lists every trunk with its registration, never its credentials', () => {
    const h = healthReport(
      status({
        trunks: [
          { name: 'plain' },
          {
            name: 'carrier',
            registration: {
              trunk: 'carrier',
              aor: 'sip:acct@carrier.example',
              registrar: 'sip:carrier.example',
              status: 'registered',
              expiresAt: Date.UTC(2030, 0, 1),
              failures: 0,
              registeredCount: 1,
            },
          },
        ],
      }),
    );
    expect(h.body.trunks).toEqual([
      { name: 'plain', registration: 'none' },
      { name: 'carrier', registration: 'registered', expiresAt: '2030-01-01T00:00:00.000Z' },
    ]);
  });
});

describe('calls view', () => {
  it('shows each live call with the state of its three machines and its age', () => {
    const registry = new CallRegistry();
    const call = xmppCall();
    registry.add(call);
    const info: CallInfo = {
      sid: call.sid,
      callId: call.callId,
      direction: 'xmpp-to-sip',
      from: 'romeo@montague.lit/orchard',
      to: '+15551230000@gw.localhost',
      at: 10_000,
    };
    const before = callsView(registry.all(), () => ({ info }), 12_345);
    expect(before).toEqual([
      {
        sid: 'a73sjjvkla37jfea',
        callId: call.callId,
        direction: 'xmpp-to-sip',
        from: 'romeo@montague.lit/orchard',
        to: '+15551230000@gw.localhost',
        startedAt: new Date(10_000).toISOString(),
        ageSeconds: 2.3,
        answered: false,
        states: { jingle: 'pending', sip: 'none', offerAnswer: 'stable' },
      },
    ]);
    // The gather window ends: the INVITE goes, and the views follow the machines.
    registry.handle(call, { kind: 'timer', name: 'gather' });
    expect(callsView(registry.all(), () => ({ info, answeredAt: 11_000 }), 12_345)[0]).toMatchObject({
      answered: true,
      states: { jingle: 'pending', sip: 'calling', offerAnswer: 'have-local' },
    });
  });
});

/** The value of one series in Prometheus text, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('counts calls by direction and outcome, setup time, and reads live calls from the gateway', async () => {
    const calls: XmppCall[] = [];
    const m = new GatewayMetrics(() => status({ calls }));
    const o = m.observer;
    const info = (sid: string, direction: CallInfo['direction']): CallInfo => ({
      sid,
      callId: sid,
      direction,
      from: 'a',
      to: 'b',
      at: 1000,
    });
    o.callStarted?.(info('A', 'xmpp-to-sip'));
    o.callStarted?.(info('B', 'sip-to-xmpp'));
    o.callStarted?.(info('C', 'sip-to-xmpp'));
    calls.push(xmppCall());
    let t = (await m.text()).body;
    expect(value(t, 'jingle_sip_gateway_calls_active{direction="xmpp-to-sip"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_calls_active{direction="sip-to-xmpp"}')).toBe(0);
    o.callAnswered?.('A', 1500);
    o.callAnswered?.('A', 9000); // once
    o.callEnded?.('A', 'success', 2000);
    o.callEnded?.('B', 'busy', 2000);
    o.callAnswered?.('C', 4000);
    o.callEnded?.('C', 'connectivity-error', 5000);
    o.callEnded?.('C', 'success', 5000); // once
    calls.length = 0;
    t = (await m.text()).body;
    expect(value(t, 'jingle_sip_gateway_calls_active{direction="xmpp-to-sip"}')).toBe(0);
    expect(value(t, 'jingle_sip_gateway_calls_total{direction="xmpp-to-sip",outcome="answered"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_calls_total{direction="sip-to-xmpp",outcome="busy"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_calls_total{direction="sip-to-xmpp",outcome="answered"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_call_setup_seconds_count{direction="xmpp-to-sip"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_call_setup_seconds_sum{direction="xmpp-to-sip"}')).toBe(0.5);
    expect(value(t, 'jingle_sip_gateway_call_setup_seconds_bucket{le="0.5",direction="xmpp-to-sip"}')).toBe(
      1,
    );
    expect(value(t, 'jingle_sip_gateway_call_setup_seconds_bucket{le="0.25",direction="xmpp-to-sip"}')).toBe(
      0,
    );
    expect(value(t, 'jingle_sip_gateway_call_setup_seconds_sum{direction="sip-to-xmpp"}')).toBe(3);
  });

  it('counts SIP responses by class, requests by method, stanzas, refusals, rtpengine errors, reconnects', async () => {
    const m = new GatewayMetrics(() => status({ xmppOnline: true }));
    const o = m.observer;
    const ringing = parseSipMessage(read('captured/sipp-3.6.1-uas-180-ringing.sip'));
    const invite = parseSipMessage(read('captured/baresip-1.0.0-invite-srtp.sip'));
    o.sipMessage?.('in', ringing, 'UDP|127.0.0.1|5090', 0);
    o.sipMessage?.('in', ringing, 'UDP|127.0.0.1|5090', 0);
    o.sipMessage?.('out', invite, 'UDP|127.0.0.1|5090', 0);
    o.sipMessage?.('in', { ...invite, method: 'FOO' } as typeof invite, 'x', 0);
    o.stanza?.('in', parse("<iq type='set' id='1'/>"), 0);
    o.stanza?.('out', parse("<message to='a@b'/>"), 0);
    o.stanza?.('out', parse('<handshake>x</handshake>'), 0);
    o.denied?.('source');
    o.limited?.('user', 'callsPerUser');
    o.mediaFailed?.('offer');
    m.xmppOnline();
    m.xmppOnline();
    m.xmppOnline();
    const t = (await m.text()).body;
    expect(value(t, 'jingle_sip_gateway_sip_responses_total{direction="in",class="1xx"}')).toBe(2);
    expect(value(t, 'jingle_sip_gateway_sip_responses_total{direction="out",class="1xx"}')).toBe(0);
    expect(value(t, 'jingle_sip_gateway_sip_requests_total{direction="out",method="INVITE"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_sip_requests_total{direction="in",method="other"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_xmpp_stanzas_total{direction="in",kind="iq"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_xmpp_stanzas_total{direction="out",kind="message"}')).toBe(1);
    expect(t).not.toContain('handshake');
    expect(value(t, 'jingle_sip_gateway_policy_denials_total{kind="source"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_policy_denials_total{kind="callee"}')).toBe(0);
    expect(value(t, 'jingle_sip_gateway_limit_rejections_total{from="user",limit="callsPerUser"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_rtpengine_errors_total{op="offer"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_xmpp_reconnects_total')).toBe(2);
    expect(value(t, 'jingle_sip_gateway_xmpp_connected')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_draining')).toBe(0);
    expect(t).toMatch(/^# TYPE jingle_sip_gateway_calls_active gauge$/m);
    expect(t).toMatch(/^# TYPE jingle_sip_gateway_calls_total counter$/m);
    expect(t).toMatch(/^# TYPE jingle_sip_gateway_call_setup_seconds histogram$/m);
    expect(t).toMatch(/^jingle_sip_gateway_process_resident_memory_bytes \d+/m);
  });

  it('shows each registering trunk in one state of the state set', async () => {
    const reg = {
      trunk: 'carrier',
      aor: 'sip:a@c',
      registrar: 'sip:c',
      status: 'failed' as const,
      failures: 2,
      registeredCount: 0,
    };
    const m = new GatewayMetrics(() =>
      status({ trunks: [{ name: 'carrier', registration: reg }, { name: 'x' }] }),
    );
    const t = (await m.text()).body;
    expect(value(t, 'jingle_sip_gateway_sip_registration_state{trunk="carrier",state="failed"}')).toBe(1);
    expect(value(t, 'jingle_sip_gateway_sip_registration_state{trunk="carrier",state="registered"}')).toBe(0);
    expect(t).not.toContain('trunk="x"');
  });
});
