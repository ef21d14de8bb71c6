#!/usr/bin/env node
// sip-tap.js: a UDP SIP tap for capturing fixtures. It writes every datagram it
// receives, byte for byte (CRLF kept), to OUT/NNN-<from>-<first-line>.sip.
//
//   relay mode: node sip-tap.js --listen 5090 --target 127.0.0.1:5080 --out DIR
//     Datagrams from the target go to the last other peer; everything else goes
//     to the target. Both legs use this one socket, so a UA that honours rport
//     (or a SIPp that answers the packet's source) sends its responses back here.
//   sink mode:  node sip-tap.js --listen 5090 --out DIR [--reply 486]
//     No target: logs requests; with --reply CODE it answers each INVITE with
//     that final response (built from the request's Via/From/To/Call-ID/CSeq)
//     and answers BYE/CANCEL with 200.
// It prints "ready <port>" once bound and stops on SIGTERM/SIGINT.
'use strict';
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const listen = Number(arg('listen', '5090'));
const host = arg('host', '127.0.0.1');
const target = arg('target');
const out = arg('out', '.');
const reply = arg('reply');
fs.mkdirSync(out, { recursive: true });

let tHost, tPort;
if (target) {
  const i = target.lastIndexOf(':');
  tHost = target.slice(0, i);
  tPort = Number(target.slice(i + 1));
}
let client = null;
let n = 0;
const sock = dgram.createSocket('udp4');

function save(buf, rinfo, tag) {
  n += 1;
  const first = buf.toString('latin1').split('\r\n', 1)[0];
  const slug = first.replace(/^SIP\/2\.0 /, '').replace(/[^A-Za-z0-9]+/g, '_').slice(0, 40);
  const name = `${String(n).padStart(3, '0')}-${tag}-${rinfo.port}-${slug}.sip`;
  fs.writeFileSync(path.join(out, name), buf);
  process.stdout.write(`${name} (${buf.length} bytes)\n`);
}

function headers(text) {
  const head = text.split('\r\n\r\n', 1)[0].split('\r\n');
  return head.slice(1);
}

function respond(reqText, code, reason, rinfo) {
  const keep = headers(reqText).filter((h) => /^(via|v|from|f|to|t|call-id|i|cseq)\s*:/i.test(h));
  const lines = keep.map((h) => (/^(to|t)\s*:/i.test(h) && !/;tag=/i.test(h) ? `${h};tag=tap${listen}` : h));
  const msg = [`SIP/2.0 ${code} ${reason}`, ...lines, 'Content-Length: 0', '', ''].join('\r\n');
  sock.send(Buffer.from(msg, 'latin1'), rinfo.port, rinfo.address);
}

sock.on('message', (buf, rinfo) => {
  const fromTarget = target && rinfo.address === tHost && rinfo.port === tPort;
  save(buf, rinfo, fromTarget ? 'from-target' : 'from-client');
  if (target) {
    if (fromTarget) {
      if (client) sock.send(buf, client.port, client.address);
    } else {
      client = { address: rinfo.address, port: rinfo.port };
      sock.send(buf, tPort, tHost);
    }
    return;
  }
  if (!reply) return;
  const text = buf.toString('latin1');
  const method = text.split(' ', 1)[0];
  if (method === 'INVITE') respond(text, Number(reply), reply === '486' ? 'Busy Here' : 'Rejected', rinfo);
  else if (method === 'BYE' || method === 'CANCEL' || method === 'OPTIONS') respond(text, 200, 'OK', rinfo);
});

sock.bind(listen, host, () => process.stdout.write(`ready ${listen}\n`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => sock.close(() => process.exit(0)));
