#!/usr/bin/env node
'use strict';
// Scans, strict doors and slow knocks under a flood (issue 13): knockd 0.8 and knocker-agent
// measured in the same run, on the same replayed packets. Three parts (--parts):
//   sweeps  knockd (classic door), the agent with the same door classic, and the agent with it
//           strict (Strict_Sequence = yes) capture side by side while --sweeps random full TCP
//           sweeps (every port once, random order, one source per sweep, seeded) are replayed at
//           --sweep-pps. Reported: how many sweeps hold the door's ports in order (a classic door
//           opens on those), how many times each daemon opened, capture drops.
//   flood   one daemon at a time (knockd, then the agent with its default cap): a spoofed SYN
//           flood on the door's first port from --flood distinct sources at --flood-pps, and a
//           real `knock -d 2000` (3 knocks over 4 s) started 5 s into it: opened or not.
//   cpu     unrelated new connections (SYNs from 1,000 sources to random ports in no sequence)
//           at --cpu-pps for --cpu-seconds, with knockd, the classic agent and the strict agent
//           capturing side by side: CPU per packet (utime+stime, the agent's tcpdump included)
//           and peak RSS. A classic door's filter drops them in the kernel; a strict door's
//           lets each SYN through to the agent.
// Root only (namespaces, tcpreplay). Needs: npx tsc -p server-agent.
const fs = require('fs');
const path = require('path');
const K = require('./lib/flood-lab.js');
const ps = require('./lib/procstat.js');
const { writeSynFlood } = require('./lib/pcap-gen.js');

const SPEC = {
  parts: { default: 'sweeps,flood,cpu', arg: 'LIST', help: 'which parts, in this order' },
  sweeps: { default: 12, arg: 'N', parse: Number, help: 'random full sweeps' },
  seed: { default: 5, arg: 'N', parse: Number, help: 'seed of the sweeps' },
  'sweep-pps': { default: 100000, arg: 'N', parse: Number, help: 'replay rate of the sweeps' },
  flood: { default: 400000, arg: 'N', parse: K.parseCount, show: '400k', help: 'spoofed sources of the flood' },
  'flood-pps': { default: 20000, arg: 'N', parse: Number, help: 'replay rate of the flood' },
  'cpu-pps': { default: 1000, arg: 'N', parse: Number, help: 'rate of unrelated new connections' },
  'cpu-seconds': { default: 30, arg: 'S', parse: Number, help: 'how long they arrive' },
};

const SWEEP = require(path.resolve(__dirname, '../server-agent/dist/test/sweep-pcap.js'));
const SEQ = [7000, 8000, 9000];
const MARKER = '[done]\n  Sequence = 6001:udp\n  Start_Command = echo done >> {{DIR}}/done\n';
const door = (strict, agent) =>
  `[options]\n  LogFile = {{DIR}}/daemon.log\n${agent ? '  StateDir = {{DIR}}/state\n' : ''}[door]\n  Sequence = ${SEQ.join(',')}\n  Seq_Timeout = 25\n  TCPFlags = syn,!ack\n` +
  (strict ? '  Strict_Sequence = yes\n' : '') +
  '  Start_Command = echo open %IP% >> {{DIR}}/out\n' +
  MARKER;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lines = (d, name) => d.commandOutput(name);

async function start(L, lab, kind, strict, work, extra = []) {
  const args = [...extra];
  let statsFile;
  if (kind === 'agent') {
    statsFile = work.file(`stats-${strict ? 's' : 'c'}-${Date.now()}.json`);
    args.push('--stats-file', statsFile);
  }
  const d = kind === 'knockd' ? await L.startKnockd(lab, door(false, false), { args }) : await L.startAgent(lab, door(strict, true), { args });
  if (!d.ready) throw new Error(`${kind} did not start: ${d.startError}`);
  return { d, kind, strict, statsFile, label: kind === 'knockd' ? 'knockd 0.8 (classic)' : `agent ${strict ? 'strict' : 'classic'}` };
}

/** Knock the marker door and wait until each daemon ran it (all earlier packets processed). */
async function drain(L, lab, ds, timeoutMs) {
  const before = ds.map((x) => lines(x.d, 'done').length);
  await L.knock(lab, ['-u', lab.srv4, '6001']);
  const end = Date.now() + timeoutMs;
  const done = ds.map(() => false);
  while (Date.now() < end && done.some((x) => !x)) {
    ds.forEach((x, i) => (done[i] = done[i] || lines(x.d, 'done').length > before[i]));
    await sleep(100);
  }
  return done;
}

async function stopAll(L, ds) {
  for (const x of ds) {
    await x.d.stop();
    x.stats = x.statsFile && fs.existsSync(x.statsFile) ? JSON.parse(fs.readFileSync(x.statsFile, 'utf8')) : undefined;
    L.removeDir(x.d);
  }
}

const drops = (x) => (x.stats ? Object.values(x.stats.captures).reduce((n, c) => n + c.droppedByKernel, 0) : '-');

async function partSweeps(L, session, o) {
  const lab = await session.newLab('kbs');
  const ds = [await start(L, lab, 'knockd', false, session.work), await start(L, lab, 'agent', false, session.work), await start(L, lab, 'agent', true, session.work)];
  const rand = SWEEP.prng(o.seed);
  const sweeps = Array.from({ length: o.sweeps }, () => SWEEP.sweepOrder(rand));
  const inOrder = sweeps.filter((s) => SWEEP.inOrder(s, SEQ)).length;
  function* frames() {
    for (const [i, s] of sweeps.entries()) for (const port of s) yield { src: `198.18.${i >> 8}.${(i & 255) + 1}`, dst: lab.srv4, dport: port, proto: 'tcp' };
  }
  const file = session.work.file('sweeps.pcap');
  const count = SWEEP.writePcap(file, frames(), { srcMac: lab.cliMac, dstMac: lab.srvMac });
  const r = await K.replay(L, lab, file, { rate: o['sweep-pps'] });
  const drained = await drain(L, lab, ds, 120000);
  const opened = ds.map((x) => lines(x.d, 'out').length); // before stopAll removes the daemons' folders
  await stopAll(L, ds);
  console.log(`\nsweeps: ${o.sweeps} random full TCP sweeps (seed ${o.seed}), ${count} SYNs replayed at ${Math.round(r.pps)} pps; ${inOrder} of them hold ${SEQ.join(', ')} in order`);
  console.log('| daemon | door | opened | sweeps holding the ports in order | drained | tcpdump drops |');
  console.log('|---|---|---:|---:|---|---:|');
  for (const [i, x] of ds.entries()) {
    console.log(`| ${x.label} | ${x.strict ? 'strict' : 'classic'} | ${opened[i]} / ${o.sweeps} | ${inOrder} | ${drained[i] ? 'yes' : 'NO'} | ${drops(x)} |`);
  }
}

async function partFlood(L, session, o) {
  console.log(`\nflood: ${K.fmtCount(o.flood)} spoofed sources on port ${SEQ[0]} at ${o['flood-pps']} pps; knock -d 2000 ${SEQ.join(' ')} from ${'the client'} 5 s in`);
  console.log('| daemon | knock opened | seen (s after the knock started; the knock takes ~6 s) | attempts started (Stage 1 lines) | capture |');
  console.log('|---|---|---:|---:|---|');
  for (const kind of ['knockd', 'agent']) {
    const lab = await session.newLab('kbl');
    const file = session.work.file(`flood-${lab.id}.pcap`);
    writeSynFlood(file, { count: o.flood, srcBase: '100.64.0.1', dport: SEQ[0], dst: lab.srv4, srcMac: lab.cliMac, dstMac: lab.srvMac, pps: o['flood-pps'] });
    const x = await start(L, lab, kind, false, session.work);
    const replaying = K.replay(L, lab, file, { rate: o['flood-pps'] });
    await sleep(5000);
    const t0 = Date.now();
    await L.knock(lab, ['-d', '2000', lab.srv4, ...SEQ.map(String)]);
    let openedAt;
    const end = Date.now() + 15000;
    while (Date.now() < end && openedAt === undefined) {
      if (lines(x.d, 'out').some((l) => l === `open ${lab.cli4}`)) openedAt = Date.now();
      else await sleep(50);
    }
    await replaying;
    const started = x.d.messages().filter((m) => m.endsWith(': door: Stage 1')).length;
    await stopAll(L, [x]);
    const counters = kind === 'agent' ? `${drops(x)} dropped by the kernel, ${x.stats ? x.stats.attempts : '-'} tracked at exit` : 'knockd has no counters';
    console.log(`| ${x.label} | ${openedAt ? 'opened' : '**not opened**'} | ${openedAt ? ((openedAt - t0) / 1000).toFixed(1) : '-'} | ${started} | ${counters} |`);
  }
}

/** CPU ns of the daemon and of its children (the agent's tcpdump), and its peak RSS. */
function usage(pid) {
  const helper = ps.childrenOf(pid).reduce((n, c) => n + ps.cpuNs(c.pid), 0);
  const main = ps.cpuNs(pid);
  return { ns: main + helper, mainNs: main, helperNs: helper, hwmKiB: ps.memory(pid).hwmKiB };
}

async function partCpu(L, session, o) {
  const lab = await session.newLab('kbc');
  const ds = [await start(L, lab, 'knockd', false, session.work), await start(L, lab, 'agent', false, session.work), await start(L, lab, 'agent', true, session.work)];
  const n = o['cpu-pps'] * o['cpu-seconds'];
  const rand = SWEEP.prng(1);
  function* frames() {
    for (let i = 0; i < n; i++) {
      let port;
      do port = 1024 + Math.floor(rand() * 64000);
      while (SEQ.includes(port) || port === 6001);
      yield { src: `198.19.${(i % 1000) >> 8}.${(i % 1000) & 255}`, dst: lab.srv4, dport: port, proto: 'tcp' };
    }
  }
  const file = session.work.file('unrelated.pcap');
  SWEEP.writePcap(file, frames(), { srcMac: lab.cliMac, dstMac: lab.srvMac });
  await sleep(1000);
  const before = ds.map((x) => usage(x.d.pid));
  const t0 = Date.now();
  const r = await K.replay(L, lab, file, { rate: o['cpu-pps'] });
  const after = ds.map((x) => usage(x.d.pid));
  const secs = (Date.now() - t0) / 1000;
  await drain(L, lab, ds, 30000);
  await stopAll(L, ds);
  console.log(`\ncpu: ${n} unrelated SYNs (1,000 sources, random ports in no sequence) at ${Math.round(r.pps)} pps over ${secs.toFixed(1)} s`);
  console.log('| daemon | CPU ms over the run (main + tcpdump) | us per unrelated packet | share of one core | packets decoded | peak RSS MB (node/knockd) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [i, x] of ds.entries()) {
    const ms = (after[i].ns - before[i].ns) / 1e6;
    const split = `${((after[i].mainNs - before[i].mainNs) / 1e6).toFixed(0)} + ${((after[i].helperNs - before[i].helperNs) / 1e6).toFixed(0)}`;
    console.log(`| ${x.label} | ${ms.toFixed(0)} (${split}) | ${((ms * 1000) / n).toFixed(2)} | ${((ms / 10) / secs).toFixed(2)}% | ${x.stats ? x.stats.packets : '-'} | ${(after[i].hwmKiB / 1024).toFixed(1)} |`);
  }
}

async function main() {
  const o = K.parseOptions(process.argv.slice(2), SPEC);
  if (o.help) return console.log(K.usageText('scan.js', SPEC));
  const L = K.labModules();
  const session = new K.BenchSession(L);
  console.log(`scan benchmark ${new Date().toISOString()}  load average: ${K.loadavg()}`);
  const parts = { sweeps: partSweeps, flood: partFlood, cpu: partCpu };
  try {
    for (const p of o.parts.split(',')) {
      if (!parts[p]) throw new Error(`unknown part ${p}`);
      await parts[p](L, session, o);
    }
  } finally {
    await session.cleanup();
    console.log(`\nload average at the end: ${K.loadavg()}`);
  }
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
