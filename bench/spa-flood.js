#!/usr/bin/env node
'use strict';
// SPA flood cost (issue 17): CPU per packet of an SPA door's checks when a flood of bad packets
// reaches it, measured in-process on the agent's own code path after capture: decodeFrame()
// of a real Ethernet/IPv4/UDP frame, then SpaDoors.handle() with a real journal and log
// (refusal lines rate-limited, written to a file). Kinds, each --count packets from
// --sources distinct addresses:
//   junk       random bytes of 100-1400 bytes        (refused at the size/charset check)
//   b64junk    base64 text of SPA size, no valid MAC (refused at the HMAC check)
//   badhmac    real SPA packets made with another HMAC key (HMAC check)
//   badsource  real packets from a source outside SPA_Source (before any cryptography)
//   replay     one valid packet sent again and again (replay lookup: SHA-256 of the payload)
//   valid      distinct valid packets (full decrypt + journal write): the cost of a real one
// Prints microseconds of CPU (user+system, process.cpuUsage) per packet and packets/s on one
// core. Not included: tcpdump's own cost of capturing (see bench/flood.js for that).
// Run: npm run build (or npx tsc -p server-agent), then node bench/spa-flood.js [--count N] [--sources N]
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const D = '../server-agent/dist/src/';
const { decodeFrame } = require(D + 'decode/packet-decoder.js');
const { SpaDoors } = require(D + 'spa-doors/spa-door-handler.js');
const { AgentLog } = require(D + 'log/agent-log.js');
const { ExpiryJournal } = require(D + 'state/expiry-journal.js');
const { parseKnockdConfig } = require(D + 'config/knockd-config.js');
const { generateSpaKeys, spaKeysFrom } = require(D + 'spa/spa-keys.js');
const { encodeSpaPacket } = require(D + 'spa/spa-encode.js');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const COUNT = arg('count', 20000);
const SOURCES = arg('sources', 1000);

const pair = generateSpaKeys();
const keys = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: pair.hmacKeyBase64 });
const otherKeys = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: generateSpaKeys().hmacKeyBase64 });
const conf = `[spa]\n SPA_Key_Base64 = ${pair.keyBase64}\n SPA_HMAC_Key_Base64 = ${pair.hmacKeyBase64}\n SPA_Source = 10.0.0.0/8\n Open = 22/tcp\n Firewall = none\n Start_Command = true\n`;
const { config } = parseKnockdConfig(conf, '/bench/knockd.conf');

/** Ethernet + IPv4 + UDP frame to 192.0.2.1:62201 from 10.x.y.z. */
function frame(payload, srcIndex) {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ip.writeUInt32BE((10 << 24) + 1 + srcIndex, 12);
  ip.writeUInt32BE(0xc0000201, 16);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(62201, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, udp, payload]);
}

const spa = (k, o = {}) => Buffer.from(encodeSpaPacket({ allowIp: '192.0.2.44', access: 'tcp/22', username: 'bench', ...o }, k), 'latin1');
const b64junk = () => Buffer.from(crypto.randomBytes(170 + crypto.randomInt(60)).toString('base64').replace(/=+$/, ''), 'latin1');

const KINDS = {
  junk: (i) => frame(crypto.randomBytes(100 + (i % 1300)), i % SOURCES),
  b64junk: (i) => frame(b64junk(), i % SOURCES),
  badhmac: (i) => frame(spa(otherKeys), i % SOURCES),
  badsource: (i) => {
    const f = frame(spa(keys), 0);
    f.writeUInt32BE(0xc6336400 + (i % 250), 14 + 12); // 198.51.100.x: outside SPA_Source
    return f;
  },
  replay: (() => {
    let one;
    return (i) => frame((one ??= spa(keys)), i % SOURCES);
  })(),
  valid: (i) => frame(spa(keys), i % SOURCES),
};

function measure(kind) {
  const frames = Array.from({ length: kind === 'valid' ? Math.min(COUNT, 2000) : COUNT }, (_, i) => KINDS[kind](i));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-bench-'));
  const journal = new ExpiryJournal(dir);
  journal.load();
  const log = new AgentLog({ logFile: path.join(dir, 'log'), useSyslog: false, verbose: false, debug: false });
  let grants = 0;
  const h = new SpaDoors(config.doors, { log, journal, grant: () => grants++ });
  if (kind === 'replay') h.handle(decodeFrame(1, frames[0], Date.now())); // seen once
  const t0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (const f of frames) h.handle(decodeFrame(1, f, Date.now()));
  const cpu = process.cpuUsage(t0);
  const wall = Number(process.hrtime.bigint() - w0) / 1e6;
  log.close();
  const logLines = fs.readFileSync(path.join(dir, 'log'), 'utf8').split('\n').length - 1;
  fs.rmSync(dir, { recursive: true, force: true });
  const us = (cpu.user + cpu.system) / frames.length;
  return { kind, packets: frames.length, usPerPacket: us.toFixed(2), perSecondOneCore: Math.round(1e6 / us), wallMs: Math.round(wall), logLines, opened: grants };
}

console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${COUNT} packets per kind, ${SOURCES} sources`);
const rows = Object.keys(KINDS).map(measure);
console.table(rows);
