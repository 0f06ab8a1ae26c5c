#!/usr/bin/env node
'use strict';
// Throughput benchmark (issue 7): the highest replay rate each daemon sustains with no packet
// lost, on this machine.
//
// Traffic: the flood of bench/flood.js (SYNs to the door's first port, each from a new source
// address), replayed with tcpreplay for --window seconds at a given rate. One trial = a fresh
// daemon (warmed up as in flood.js), one replay of rate x window packets, a wait until the daemon
// has caught up, then:
//   processed  the daemon's `: flood: Stage 1` log lines (both daemons log one per packet);
//   drops      knocker-agent: tcpdump's "dropped by kernel" counter (PACKET_STATISTICS),
//              from --stats-file; knockd reports no counter: sent - processed is its loss.
// A trial is lossless when processed == sent (and, for the agent, drops == 0).
// Search: first at the sender's top speed (tcpreplay --topspeed); if that is lossless, the
// daemon keeps up with the fastest this machine sends. Otherwise a geometric bisection between
// --min and the lossy rate, down to a 15% step or --trials trials.
// knockd's cost per packet grows with the sources it tracks (every packet here adds one), so
// its figure depends on --window; the agent's does not (bounded state).
// Root only (namespaces, tcpreplay). Needs: npx tsc -p server-agent.
const fs = require('fs');
const K = require('./lib/flood-lab.js');

const SPEC = {
  daemons: { default: 'agent,knockd', arg: 'LIST', help: 'which daemons, in this order' },
  window: { default: 2, arg: 'S', parse: Number, help: 'replay length of each trial, seconds' },
  min: { default: 1000, arg: 'PPS', parse: Number, help: 'lowest rate tried' },
  trials: { default: 8, arg: 'N', parse: Number, help: 'most trials per daemon' },
  json: { default: undefined, arg: 'FILE', show: 'none', help: 'also write the results as JSON' },
};

const MAX_PPS = 250000; // the pcap holds window x this many packets

async function main() {
  const opts = K.parseOptions(process.argv.slice(2), SPEC);
  if (opts.help) {
    console.log(K.usageText('throughput.js', SPEC));
    return;
  }
  const kinds = opts.daemons.split(',');
  for (const k of kinds) if (k !== 'agent' && k !== 'knockd') throw new Error(`unknown daemon ${k}`);
  const L = K.labModules();
  const session = new K.BenchSession(L);
  const work = session.work;
  const started = new Date();
  console.log(`throughput benchmark ${started.toISOString()}  window=${opts.window}s  load average: ${K.loadavg()}`);
  const results = {};
  let ceiling;
  try {
    const lab = await session.newLab('kbt');
    const pcaps = K.writeLabPcaps(lab, work, Math.round(opts.window * MAX_PPS));
    // The sender alone, nothing capturing: the machine's ceiling for this traffic.
    const alone = await K.replay(L, lab, pcaps.flood.file, { rate: 'top', limit: Math.round(opts.window * 150000) });
    ceiling = alone.pps;
    console.log(`  sender alone (tcpreplay --topspeed, nothing capturing): ${Math.round(ceiling)} packets/s`);

    for (const kind of kinds) {
      const trials = [];
      const trial = async (rate) => {
        const daemon = await K.startDaemon(L, lab, kind, work);
        await K.warmUp(L, lab, daemon, pcaps);
        const limit = Math.min(pcaps.flood.count, Math.round(opts.window * (rate === 'top' ? ceiling : rate)));
        const r = await K.measureFlood(L, lab, daemon, pcaps.flood, { rate, limit, drainTimeoutMs: 60000 });
        const lossless = r.processed >= r.sent && (r.kernelDrops === undefined || r.kernelDrops === 0);
        const t = { rate, pps: r.replay.pps, sent: r.sent, processed: r.processed, kernelDrops: r.kernelDrops, lossless, cpuUsPerPacket: r.cpu.usPerPacketNs };
        trials.push(t);
        console.log(
          `  ${kind}: ${rate === 'top' ? 'top speed' : `${rate}/s`} -> sent ${r.sent} at ${Math.round(r.replay.pps)}/s, processed ${r.processed}` +
            `${r.kernelDrops !== undefined ? `, tcpdump drops ${r.kernelDrops}` : ''}: ${lossless ? 'no loss' : `LOSS ${(100 * (1 - r.processed / r.sent)).toFixed(1)}%`}`,
        );
        return t;
      };
      const top = await trial('top');
      let best;
      let worst;
      if (top.lossless) {
        best = top;
      } else {
        worst = top;
        let lo = opts.min;
        let hi = Math.floor(top.pps);
        const first = await trial(lo);
        if (first.lossless) {
          best = first;
          while (trials.length < opts.trials && hi / lo > 1.15) {
            const mid = Math.round(Math.sqrt(lo * hi) / 100) * 100;
            if (mid <= lo || mid >= hi) break;
            const t = await trial(mid);
            if (t.lossless) {
              lo = mid;
              best = t;
            } else {
              hi = mid;
              worst = t;
            }
          }
        } else {
          worst = first;
        }
      }
      results[kind] = { best, worst, trials };
    }
  } finally {
    await session.cleanup();
  }

  console.log(`\nload average at the end: ${K.loadavg()}`);
  console.log(`sender ceiling (tcpreplay alone): ${Math.round(ceiling)} packets/s\n`);
  const rows = kinds.map((k) => {
    const { best, worst } = results[k];
    return [
      k,
      best ? `${Math.round(best.pps)}${best.rate === 'top' ? ' (top speed)' : ''}` : `< ${opts.min}`,
      worst ? `${Math.round(worst.pps)} (${(100 * (1 - worst.processed / worst.sent)).toFixed(1)}% lost)` : '-',
      best ? best.cpuUsPerPacket.toFixed(1) : '-',
      results[k].trials.length,
    ];
  });
  console.log(K.table(['daemon', 'highest lossless pps', 'lowest lossy pps tried', 'cpu us/pkt there', 'trials'], rows));
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ started: started.toISOString(), opts, ceiling, results }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exitCode = 1;
});
