/**
 * `GET /`: the status page (docs/operations.md §Status page) — the gateway's health, the live
 * calls with the state of each machine, the recent calls, and for each a ladder diagram of both
 * legs (XMPP client ⇄ gateway ⇄ SIP peer, and rtpengine when the call used it), every message in
 * order with its time; a click on an arrow shows the message (masked, src/ops/mask.ts).
 *
 * Everything is in this one document: the CSS, the script, and the SVG the script draws. Nothing
 * is fetched from anywhere but the gateway's own JSON endpoints, which the Content-Security-Policy
 * (./http-server) enforces. Every text from the wire goes into the page as text (textContent,
 * SVG text nodes), never as markup: a peer's message cannot script the operator's browser.
 *
 * The layout of a ladder ({@link LADDER_LAYOUT_JS}) is a pure function, tested on its own.
 */
import { createHash } from 'node:crypto';

/**
 * `layoutLadder(call, options)`: lanes and arrows of one call's ladder, in SVG coordinates.
 * `call` is what `GET /ladders/<sid>` returns. Plain JS (it runs in the browser).
 */
export const LADDER_LAYOUT_JS = String.raw`
function layoutLadder(call, options) {
  var o = { laneWidth: 250, left: 96, top: 64, row: 30 };
  for (var k in options || {}) o[k] = options[k];
  var messages = call.messages || [];
  var firstPeer = function (leg) {
    for (var i = 0; i < messages.length; i++) if (messages[i].leg === leg) return messages[i].peer;
    return '';
  };
  var lanes = [
    { id: 'xmpp', name: 'XMPP client', peer: firstPeer('xmpp') },
    { id: 'gateway', name: 'gateway', peer: '' },
    { id: 'sip', name: 'SIP peer', peer: firstPeer('sip') },
  ];
  if (messages.some(function (m) { return m.leg === 'media'; }))
    lanes.push({ id: 'media', name: 'rtpengine', peer: firstPeer('media') });
  lanes.forEach(function (l, i) { l.x = o.left + i * o.laneWidth + o.laneWidth / 2; });
  var x = {};
  lanes.forEach(function (l) { x[l.id] = l.x; });
  var t0 = messages.length > 0 ? messages[0].at : call.info.at;
  var arrows = messages.map(function (m, i) {
    var far = x[m.leg];
    var gw = x.gateway;
    return {
      seq: m.seq,
      index: i,
      y: o.top + (i + 1) * o.row,
      x1: m.direction === 'in' ? far : gw,
      x2: m.direction === 'in' ? gw : far,
      label: m.label,
      leg: m.leg,
      direction: m.direction,
      t: m.at - t0,
      at: m.at,
    };
  });
  return {
    width: o.left + lanes.length * o.laneWidth,
    height: o.top + (arrows.length + 1) * o.row + 16,
    top: o.top,
    lanes: lanes,
    arrows: arrows,
  };
}
`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5em 2em; color: #1d2330; background: #fafbfc; }
h1 { font-size: 1.3em; margin: .8em 0 .2em; }
h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
#health span { display: inline-block; margin-right: 1.2em; }
.ok { color: #1a7f37; } .bad { color: #cf222e; } .muted { color: #6e7781; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #e4e7eb; white-space: nowrap; }
td.wrap { white-space: normal; word-break: break-all; }
tbody tr { cursor: pointer; } tbody tr:hover, tbody tr.selected { background: #eef4ff; }
#ladder-box { display: flex; gap: 1em; align-items: flex-start; }
#ladder { overflow: auto; background: #fff; border: 1px solid #e4e7eb; flex: 0 1 auto; max-height: 80vh; }
#message { flex: 1 1 30em; min-width: 20em; }
#message pre { background: #fff; border: 1px solid #e4e7eb; padding: .6em; overflow: auto; max-height: 70vh;
  white-space: pre-wrap; word-break: break-all; font-size: 12px; }
svg text { font: 12px system-ui, sans-serif; }
svg .lane { stroke: #c9ced6; stroke-dasharray: 4 4; }
svg .lane-name { font-weight: 600; }
svg .arrow { cursor: pointer; }
svg .arrow:hover text.label, svg .arrow.selected text.label { font-weight: 700; }
svg .time { fill: #6e7781; font-size: 11px; }
svg .xmpp line { stroke: #0969da; } svg .xmpp text.label { fill: #0550ae; }
svg .sip line { stroke: #1a7f37; } svg .sip text.label { fill: #116329; }
svg .media line { stroke: #bc4c00; } svg .media text.label { fill: #953800; }
svg rect.hit { fill: transparent; }
`;

const SCRIPT = `
'use strict';
${LADDER_LAYOUT_JS}
var SVG = 'http://www.w3.org/2000/svg';
var state = { sid: null, seq: null, live: {}, settled: false };
function $(id) { return document.getElementById(id); }
function el(name, attrs, text) {
  var e = document.createElement(name);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(name, attrs, text) {
  var e = document.createElementNS(SVG, name);
  for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}
function getJson(path) {
  return fetch(path, { cache: 'no-store' }).then(function (r) { return r.json(); });
}
function clock(ms) {
  var d = new Date(ms);
  var p = function (n, w) { return String(n).padStart(w || 2, '0'); };
  return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
}
function row(cells, sid) {
  var tr = el('tr', { 'data-sid': sid });
  cells.forEach(function (c) { tr.appendChild(el('td', c[1] ? { class: c[1] } : {}, c[0])); });
  tr.addEventListener('click', function () { openLadder(sid); });
  if (sid === state.sid) tr.classList.add('selected');
  return tr;
}
function fill(id, rows, empty, columns) {
  var body = $(id).querySelector('tbody');
  body.textContent = '';
  if (rows.length === 0) {
    var tr = el('tr');
    tr.appendChild(el('td', { colspan: String(columns), class: 'muted' }, empty));
    body.appendChild(tr);
  }
  rows.forEach(function (r) { body.appendChild(r); });
}
function showHealth(h) {
  var box = $('health');
  box.textContent = '';
  var item = function (text, good) { box.appendChild(el('span', { class: good ? 'ok' : 'bad' }, text)); };
  item('status: ' + h.status, h.status === 'ok');
  item('XMPP ' + h.xmpp, h.xmpp === 'online');
  item('SIP ' + h.sip + ' ' + h.listen.join(' '), h.sip === 'listening');
  h.trunks.forEach(function (t) { item('trunk ' + t.name + ': ' + t.registration, t.registration !== 'failed'); });
  item(h.calls + ' live call(s)', true);
}
function showLive(calls) {
  state.live = {};
  calls.forEach(function (c) { state.live[c.sid] = c; });
  fill('live', calls.map(function (c) {
    return row([
      [clock(Date.parse(c.startedAt))], [c.direction], [c.from, 'wrap'], [c.to, 'wrap'],
      [c.states.jingle], [c.states.sip], [c.states.offerAnswer], [c.ageSeconds.toFixed(1) + ' s'],
    ], c.sid);
  }), 'no live call', 8);
}
function showRecent(calls) {
  fill('recent', calls.map(function (c) {
    var outcome = c.endedAt === undefined ? 'live' : (c.answeredAt !== undefined ? 'answered, ' : '') + c.condition;
    var length = ((c.endedAt === undefined ? Date.now() : c.endedAt) - c.info.at) / 1000;
    return row([
      [clock(c.info.at)], [c.info.direction], [c.info.from, 'wrap'], [c.info.to, 'wrap'],
      [outcome], [length.toFixed(1) + ' s'], [String(c.messages)],
    ], c.info.sid);
  }), 'no call yet', 7);
}
function drawLadder(call) {
  var L = layoutLadder(call);
  var s = svg('svg', { width: L.width, height: L.height, viewBox: '0 0 ' + L.width + ' ' + L.height });
  var defs = svg('defs');
  [['xmpp', '#0969da'], ['sip', '#1a7f37'], ['media', '#bc4c00']].forEach(function (m) {
    var mk = svg('marker', { id: 'head-' + m[0], viewBox: '0 0 10 10', refX: 10, refY: 5,
      markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
    mk.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: m[1] }));
    defs.appendChild(mk);
  });
  s.appendChild(defs);
  L.lanes.forEach(function (l) {
    s.appendChild(svg('text', { x: l.x, y: 20, 'text-anchor': 'middle', class: 'lane-name' }, l.name));
    if (l.peer) s.appendChild(svg('text', { x: l.x, y: 38, 'text-anchor': 'middle', class: 'time' }, l.peer));
    s.appendChild(svg('line', { x1: l.x, y1: L.top - 14, x2: l.x, y2: L.height - 8, class: 'lane' }));
  });
  L.arrows.forEach(function (a) {
    var g = svg('g', { class: 'arrow ' + a.leg, 'data-seq': a.seq, 'data-label': a.label,
      'data-leg': a.leg, 'data-direction': a.direction });
    g.appendChild(svg('title', {}, a.label + ' at ' + new Date(a.at).toISOString()));
    g.appendChild(svg('text', { x: 6, y: a.y + 4, class: 'time' }, '+' + a.t + ' ms'));
    g.appendChild(svg('line', { x1: a.x1, y1: a.y, x2: a.x2, y2: a.y, 'stroke-width': 1.5,
      'marker-end': 'url(#head-' + a.leg + ')' }));
    g.appendChild(svg('text', { x: (a.x1 + a.x2) / 2, y: a.y - 5, 'text-anchor': 'middle', class: 'label' }, a.label));
    // On top, what takes the click: the arrow and its label (a line alone has no height to hit).
    g.appendChild(svg('rect', { x: Math.min(a.x1, a.x2), y: a.y - 18, width: Math.abs(a.x2 - a.x1), height: 24,
      class: 'hit' }));
    g.addEventListener('click', function () { showMessage(call, a.index); });
    if (a.seq === state.seq) g.classList.add('selected');
    s.appendChild(g);
  });
  return s;
}
function showMessage(call, index) {
  var m = call.messages[index];
  state.seq = m.seq;
  document.querySelectorAll('#ladder .arrow').forEach(function (g) {
    g.classList.toggle('selected', Number(g.getAttribute('data-seq')) === m.seq);
  });
  $('message-title').textContent = m.label + ' — ' + (m.direction === 'in' ? 'from ' : 'to ') + m.peer +
    ' — ' + clock(m.at);
  $('message-text').textContent = m.text + (m.cut ? '\\n… ' + m.cut + ' more characters not kept' : '');
}
function openLadder(sid) {
  state.sid = sid;
  document.querySelectorAll('tbody tr').forEach(function (tr) {
    tr.classList.toggle('selected', tr.getAttribute('data-sid') === sid);
  });
  return getJson('ladders/' + encodeURIComponent(sid)).then(function (call) {
    if (state.sid !== sid) return;
    var box = $('ladder');
    // Drawn again only when it changed, so a selection (and a click under way) stays.
    var version = sid + ' ' + (call.messages ? call.messages.length + ' ' + call.dropped + ' ' + call.endedAt : 'none');
    if (box.getAttribute('data-version') === version) return;
    box.setAttribute('data-version', version);
    box.textContent = '';
    if (call.error) { box.appendChild(el('p', { class: 'muted' }, call.error)); return; }
    var title = call.info.direction + ': ' + call.info.from + ' → ' + call.info.to + ' (sid ' + call.info.sid +
      ', Call-ID ' + call.info.callId + ')';
    $('ladder-title').textContent = title;
    if (call.dropped > 0)
      box.appendChild(el('p', { class: 'muted' }, call.dropped + ' messages in the middle were not kept'));
    box.appendChild(drawLadder(call));
    box.setAttribute('data-sid', sid);
    // An ended call's last answers (200 to the BYE, IQ results) come just after its end.
    state.settled = call.info && call.endedAt !== undefined && Date.now() - call.endedAt > 10000;
    box.setAttribute('data-messages', String(call.messages.length));
  });
}
function refresh() {
  return Promise.all([getJson('health'), getJson('calls'), getJson('ladders')]).then(function (r) {
    showHealth(r[0]);
    showLive(r[1]);
    showRecent(r[2]);
    $('updated').textContent = 'updated ' + clock(Date.now());
    document.body.setAttribute('data-ready', 'true');
    if (state.sid && !state.settled) return openLadder(state.sid);
  }).catch(function (e) { $('updated').textContent = 'update failed: ' + e; });
}
refresh();
setInterval(function () { if ($('auto').checked) refresh(); }, 2000);
`;

const BODY = `
<h1>jingle-sip-gateway</h1>
<div id="health" class="muted">loading…</div>
<p class="muted"><label><input type="checkbox" id="auto" checked> refresh every 2 s</label> <span id="updated"></span></p>
<h2>Live calls</h2>
<table id="live"><thead><tr><th>started</th><th>direction</th><th>from</th><th>to</th><th>Jingle</th><th>SIP dialog</th>
<th>offer/answer</th><th>age</th></tr></thead><tbody></tbody></table>
<h2>Recent calls</h2>
<table id="recent"><thead><tr><th>started</th><th>direction</th><th>from</th><th>to</th><th>outcome</th><th>length</th>
<th>messages</th></tr></thead><tbody></tbody></table>
<h2 id="ladder-title">Ladder: pick a call</h2>
<div id="ladder-box"><div id="ladder"></div><div id="message"><h2 id="message-title">Message: pick an arrow</h2>
<pre id="message-text"></pre></div></div>
`;

export interface StatusPage {
  html: string;
  /** CSP source expressions for the page's one script and one style element. */
  scriptHash: string;
  styleHash: string;
}

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The page, built once. */
export function statusPage(): StatusPage {
  const html =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>jingle-sip-gateway status</title><style>${STYLE}</style></head>` +
    `<body>${BODY}<script>${SCRIPT}</script></body></html>\n`;
  return { html, scriptHash: sha256(SCRIPT), styleHash: sha256(STYLE) };
}
