#!/usr/bin/env node
'use strict';
// Flood benchmark (issue 7): knockd 0.8 and knocker-agent side by side under the same spoofed
// SYN flood to a door's first port, from N distinct source addresses.
//
// For each N: a fresh lab (two namespaces), one pcap of N SYNs (source 100.64.0.1 + i), then
// for each daemon, one at a time: start it, warm it up, replay the pcap with tcpreplay at
// --pps (default 20,000/s), send a legitimate `knock` half way through the flood, wait until the
// daemon has worked through its capture backlog, stop it. Measured per daemon and N:
//   CPU us/packet  utime+stime (/proc/PID/stat) of the daemon, plus, for the agent, of its
//                  tcpdump child, over the flood and drain, divided by the packets processed;
//                  also at ns resolution (schedstat) and over the last 20% of the run ("tail").
//   processed      flood packets the daemon acted on = its `: flood: Stage 1` log lines.
//   lost           sent - processed (kernel capture-buffer drops; the agent also reports
//                  tcpdump's own drop counter through --stats-file).
//   peak RSS       VmHWM of the daemon (node for the agent; its tcpdump shown apart).
//   knock          whether the legitimate knock opened the door (its Start_Command wrote the
//                  time) and how long after the knock started.
// Root only (namespaces, tcpreplay). Needs: npx tsc -p server-agent.
const fs = require('fs');
const K = require('./lib/flood-lab.js');

const SPEC = {
  sizes: { default: '1k,10k,100k,1m', arg: 'LIST', help: 'numbers of distinct sources' },
  daemons: { default: 'agent,knockd', arg: 'LIST', help: 'which daemons, in this order' },
  pps: { default: 20000, arg: 'N', parse: Number, help: 'replay rate, packets/s' },
  'drain-timeout': { default: 120, arg: 'S', parse: Number, help: 'longest wait for a daemon to catch up after the replay, s' },
  json: { default: undefined, arg: 'FILE', show: 'none', help: 'also write the results as JSON' },
};

function f1(x) {
  return x === undefined || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

async function main() {
  const opts = K.parseOptions(process.argv.slice(2), SPEC);
  if (opts.help) {
    console.log(K.usageText('flood.js', SPEC));
    return;
  }
  const sizes = opts.sizes.split(',').map(K.parseCount);
  const kinds = opts.daemons.split(',');
  for (const k of kinds) if (k !== 'agent' && k !== 'knockd') throw new Error(`unknown daemon ${k}`);
  const L = K.labModules();
  const work = new K.Workdir();
  const results = [];
  const started = new Date();
  console.log(`flood benchmark ${started.toISOString()}  pps=${opts.pps}  sizes=${sizes.map(K.fmtCount).join(',')}  load average: ${K.loadavg()}`);
  let lab;
  const cleanup = async () => {
    if (lab) await lab.destroy().catch(() => undefined);
    lab = undefined;
    work.cleanup();
  };
  process.on('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    for (const n of sizes) {
      lab = await L.netns.NetnsLab.create('kbf');
      const pcaps = K.writeLabPcaps(lab, work, n);
      for (const kind of kinds) {
        const daemon = await K.startDaemon(L, lab, kind, work);
        await K.warmUp(L, lab, daemon, pcaps);
        const durationMs = (n / opts.pps) * 1000;
        const r = await K.measureFlood(L, lab, daemon, pcaps.flood, {
          rate: opts.pps,
          knockAtMs: Math.round(durationMs / 2),
          drainTimeoutMs: opts['drain-timeout'] * 1000,
        });
        r.n = n;
        results.push(r);
        const k = r.knock;
        console.log(
          `  N=${K.fmtCount(n)} ${kind}: processed ${r.processed}/${r.sent}, cpu ${f1(r.cpu.usPerPacket)} us/pkt ` +
            `(ns-res ${f1(r.cpu.usPerPacketNs)}: main ${f1(r.cpu.mainUsPerPacketNs)} + tcpdump ${f1(r.cpu.helperUsPerPacketNs)}; ` +
            `net of the knock ${f1(r.cpu.netUsPerPacketNs)}, knock alone ${r.cpu.knockCost ? r.cpu.knockCost.ms.toFixed(1) : '-'} ms cpu), ` +
            `tail ${f1(r.cpu.tail && r.cpu.tail.usPerPacketTicks)}, hwm ${(r.memory.hwmKiB / 1024).toFixed(1)} MB, ` +
            `knock ${k.opened ? `opened ${f1(k.openLatencyMs)} ms` : 'NOT opened'}${k.duringFlood ? ' (during flood)' : ' (after flood)'}, ` +
            `replay ${f1(r.replay.pps)} pps, drain ${r.drainMs} ms${r.kernelDrops !== undefined ? `, tcpdump drops ${r.kernelDrops}` : ''}`,
        );
      }
      await lab.destroy();
      lab = undefined;
    }
  } finally {
    await cleanup();
  }

  console.log(`\nload average at the end: ${K.loadavg()}`);
  console.log('\nCPU us/packet: utime+stime of the daemon (agent: node + its tcpdump) over flood and drain / packets processed;');
  console.log('ns-res: the same from /proc/PID/task/*/schedstat; tail: ticks over the last 20% of processed packets.\n');
  const rows = results.map((r) => [
    K.fmtCount(r.n),
    r.kind,
    r.sent,
    r.processed,
    r.lost,
    r.kernelDrops ?? '-',
    r.trackedAtEnd,
    f1(r.cpu.usPerPacket),
    f1(r.cpu.usPerPacketNs),
    r.cpu.tail ? `${f1(r.cpu.tail.usPerPacketTicks)} @${K.fmtCount(Math.round(r.cpu.tail.from / 1000) * 1000)}+` : '-',
    (r.memory.hwmKiB / 1024).toFixed(1),
    r.memory.helperHwmKiB ? (r.memory.helperHwmKiB / 1024).toFixed(1) : '-',
    r.knock.opened ? `${f1(r.knock.openLatencyMs)} ms` : 'no',
    r.knock.duringFlood ? 'yes' : 'after',
  ]);
  console.log(
    K.table(['N', 'daemon', 'sent', 'processed', 'lost', 'pcap drops', 'tracked', 'cpu us/pkt', 'ns-res', 'tail us/pkt', 'RSS MB', 'tcpdump MB', 'knock opens', 'in flood'], rows),
  );
  const ratioRows = [];
  for (const n of sizes) {
    const a = results.find((r) => r.n === n && r.kind === 'agent');
    const k = results.find((r) => r.n === n && r.kind === 'knockd');
    if (!a || !k) continue;
    ratioRows.push([
      K.fmtCount(n),
      f1(k.cpu.usPerPacket / a.cpu.usPerPacket),
      f1(k.cpu.usPerPacketNs / a.cpu.usPerPacketNs),
      k.cpu.tail && a.cpu.tail ? f1(k.cpu.tail.usPerPacketTicks / a.cpu.tail.usPerPacketTicks) : '-',
      `${((100 * a.processed) / a.sent).toFixed(1)}% / ${((100 * k.processed) / k.sent).toFixed(1)}%`,
      f1(a.memory.hwmKiB / k.memory.hwmKiB),
    ]);
  }
  if (ratioRows.length > 0) {
    console.log('\nratios (knockd / agent):\n');
    console.log(K.table(['N', 'cpu/pkt', 'ns-res', 'tail', 'processed agent / knockd', 'RSS agent/knockd'], ratioRows));
  }
  const agentRows = results.filter((r) => r.kind === 'agent');
  if (agentRows.length > 1) {
    const lo = agentRows[0];
    const hi = agentRows[agentRows.length - 1];
    console.log(
      `\nagent flatness: ${f1(hi.cpu.usPerPacketNs)} us/pkt at ${K.fmtCount(hi.n)} vs ${f1(lo.cpu.usPerPacketNs)} at ${K.fmtCount(lo.n)} ` +
        `(${(100 * (hi.cpu.usPerPacketNs / lo.cpu.usPerPacketNs - 1)).toFixed(0)}%, ns-res figures)`,
    );
  }
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ started: started.toISOString(), opts, results }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exitCode = 1;
});
