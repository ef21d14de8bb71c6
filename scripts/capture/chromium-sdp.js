#!/usr/bin/env node
// chromium-sdp.js: load webrtc-sdp.html in headless Chromium and print the SDP it
// produced as JSON {userAgent, version, offer, answer}. Chromium is driven over
// the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out),
// so no port is opened. Chromium is stopped (by its PID) before this exits.
//   node chromium-sdp.js MODE [extra chromium flags...]     MODE = audio | av
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const mode = process.argv[2] || 'audio';
const extra = process.argv.slice(3);
const page = `file://${path.join(__dirname, 'webrtc-sdp.html')}?mode=${mode}`;
// one temp folder for the profile and for everything Chromium puts in TMPDIR
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-sdp-'));
const profile = path.join(work, 'profile');
const tmp = path.join(work, 'tmp');
fs.mkdirSync(tmp);
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  `--user-data-dir=${profile}`,
  '--remote-debugging-pipe',
  ...extra,
  'about:blank',
];
const chrome = spawn(process.env.CHROMIUM || 'chromium', args, {
  stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
  env: { ...process.env, TMPDIR: tmp },
  detached: true, // its own process group, so its helper processes stop with it
});
const toChrome = chrome.stdio[3];
const fromChrome = chrome.stdio[4];

let nextId = 1;
const pending = new Map();
let buf = Buffer.alloc(0);
fromChrome.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  let i;
  while ((i = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, i).toString('utf8'));
    buf = buf.subarray(i + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  toChrome.write(JSON.stringify(msg) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function groupAlive() {
  try {
    process.kill(-chrome.pid, 0);
    return true;
  } catch {
    return false;
  }
}
function finish(code) {
  clearTimeout(timer);
  try {
    process.kill(-chrome.pid, 'SIGTERM'); // the group Chromium leads: its own helpers only
  } catch {
    // already gone
  }
  const started = Date.now();
  const wait = setInterval(() => {
    if (groupAlive() && Date.now() - started < 5000) return;
    if (groupAlive()) process.kill(-chrome.pid, 'SIGKILL');
    clearInterval(wait);
    try {
      fs.rmSync(work, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch (e) {
      process.stderr.write(`chromium-sdp: could not remove ${work}: ${e.message}\n`);
    }
    process.exit(code);
  }, 100);
}
const timer = setTimeout(() => {
  process.stderr.write('chromium-sdp: timed out after 60 s\n');
  finish(2);
}, 60000);

(async () => {
  const version = await send('Browser.getVersion');
  const { targetId } = await send('Target.createTarget', { url: page });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const expr = `new Promise((resolve) => {
    const poll = () => {
      const s = document.getElementById('status');
      if (s && s.textContent !== 'running') {
        const get = (id) => { const t = document.getElementById(id).textContent; return t ? JSON.parse(t) : null; };
        resolve(JSON.stringify({ status: s.textContent, offer: get('offer'), answer: get('answer'), userAgent: navigator.userAgent }));
      } else setTimeout(poll, 100);
    };
    poll();
  })`;
  // the page may still be loading: retry until the document has our elements
  let result;
  for (let i = 0; i < 100 && !result; i++) {
    let r = null;
    try {
      r = await send('Runtime.evaluate', { expression: expr, awaitPromise: true, returnByValue: true }, sessionId);
    } catch {
      // "Execution context was destroyed": the navigation was still going on
    }
    if (r && r.result && typeof r.result.value === 'string') result = JSON.parse(r.result.value);
    else await new Promise((res) => setTimeout(res, 100));
  }
  if (!result) throw new Error('the page never reported');
  result.version = version.product;
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  finish(result.status === 'done' ? 0 : 1);
})().catch((e) => {
  process.stderr.write(`chromium-sdp: ${e.stack || e}\n`);
  finish(1);
});
