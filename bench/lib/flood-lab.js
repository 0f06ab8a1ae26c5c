'use strict';
// Shared machinery of bench/flood.js and bench/throughput.js: a lab (the project's own
// knocker-lab, test/lab), a daemon (knockd or knocker-agent) with the
// benchmark's knockd.conf, tcpreplay of generated SYN floods from the client namespace, and
// per-run measurements (CPU from /proc, log lines counted as packets processed, peak RSS).
//
// Traffic stays inside the two namespaces the lab creates; every replay is bounded in count,
// every wait in time; the lab (namespaces, processes) and temp files are removed at the end.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { writeSynFlood } = require('./pcap-gen.js');
const ps = require('./procstat.js');

/**
 * The project's lab (test/lab, package knocker-lab; built by `npm run build`).
 * @returns {typeof import('knocker-lab')}
 */
function labModules() {
  try {
    return require('knocker-lab');
  } catch (e) {
    throw new Error(`the lab (knocker-lab) is not built: run  npm run build  first (${e.message})`);
  }
}

const FLOOD_PORT = 7000;
const FLOOD_BASE = '100.64.0.1'; // 100.64.0.0/10: room for 4M distinct sources
const WARM_BASE = '100.127.0.1';
const WARM_SOURCES = 20000;

// Both daemons read this same file. The flood door's timeout is long so that every spoofed
// attempt stays tracked for the whole run (knockd: one list entry each; the agent: up to its
// cap). Its command records who opened it and when (ns since the epoch).
const CONF = `[options]
    LogFile = {{DIR}}/flood.log

[flood]
    Sequence = ${FLOOD_PORT},8000,9000
    Seq_Timeout = 3600
    TCPFlags = syn
    Start_Command = echo %IP% $(date +%s%N) >> {{DIR}}/opened
`;

const { sleep } = require('./bench-cli.js');

/** Counts `: flood: Stage 1` lines of a daemon's log as they are written (whole lines only). */
class LogCounter {
  constructor(file, legitSrc) {
    this.file = file;
    this.offset = 0;
    this.stage1 = 0;
    this.legitStage1 = false;
    this.legitOpen = false;
    this.needle = Buffer.from(': flood: Stage 1\n');
    this.legitNeedle = Buffer.from(`] ${legitSrc}: flood: Stage 1\n`);
    this.openNeedle = Buffer.from(`] ${legitSrc}: flood: OPEN SESAME\n`);
  }

  poll() {
    let fd;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return this.stage1;
    }
    try {
      const size = fs.fstatSync(fd).size;
      while (this.offset < size) {
        const len = Math.min(size - this.offset, 4 << 20);
        const buf = Buffer.allocUnsafe(len);
        const got = fs.readSync(fd, buf, 0, len, this.offset);
        const end = buf.lastIndexOf(10, got - 1) + 1; // whole lines only
        if (end <= 0) break;
        const chunk = buf.subarray(0, end);
        for (let i = chunk.indexOf(this.needle); i >= 0; i = chunk.indexOf(this.needle, i + this.needle.length)) this.stage1++;
        if (!this.legitStage1 && chunk.indexOf(this.legitNeedle) >= 0) this.legitStage1 = true;
        if (!this.legitOpen && chunk.indexOf(this.openNeedle) >= 0) this.legitOpen = true;
        this.offset += end;
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.stage1;
  }

  /** Spoofed first-port packets the daemon acted on (the legitimate knock's Stage 1 excluded). */
  get flood() {
    return this.stage1 - (this.legitStage1 ? 1 : 0);
  }
}

/** Run tcpreplay in the client namespace. `rate`: packets/s, or 'top' for --topspeed. */
async function replay(L, lab, file, { rate, limit, timeoutMs }) {
  const argv = ['tcpreplay', '-i', lab.cliIf, '--preload-pcap', '--no-flow-stats'];
  argv.push(rate === 'top' ? '--topspeed' : `--pps=${rate}`);
  if (limit) argv.push(`--limit=${limit}`);
  argv.push(file);
  const startedAt = Date.now();
  const r = await lab.exec('cli', argv, { timeoutMs: timeoutMs ?? 600000, allowFail: true });
  const endedAt = Date.now();
  const out = r.stdout + r.stderr;
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const res = {
    startedAt,
    endedAt,
    attempted: num(/Actual: (\d+) packets/),
    seconds: num(/sent in ([\d.]+) seconds/),
    pps: num(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/),
    sent: num(/Successful packets:\s+(\d+)/),
    failed: num(/Failed packets:\s+(\d+)/),
  };
  if (r.code !== 0 || res.sent === undefined) throw new Error(`tcpreplay failed (${r.code}): ${argv.join(' ')}\n${out}`);
  return res;
}

/** A private temp dir for the pcap files of one run; removed by cleanup(). */
/**
 * A benchmark run's scratch folder and its current lab, both removed at the end, on an error
 * and on Ctrl-C.
 */
class BenchSession {
  constructor(L) {
    this.L = L;
    this.work = new Workdir();
    this.lab = undefined;
    process.on('SIGINT', () => {
      void this.cleanup().then(() => process.exit(130));
    });
  }
  /** A fresh lab (the previous one, if any, is removed first). */
  async newLab(prefix) {
    await this.endLab();
    this.lab = await this.L.NetnsLab.create(prefix);
    return this.lab;
  }
  async endLab() {
    const lab = this.lab;
    this.lab = undefined;
    if (lab) await lab.destroy().catch(() => undefined);
  }
  async cleanup() {
    await this.endLab();
    this.work.cleanup();
  }
}

class Workdir {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-bench-'));
    fs.chmodSync(this.dir, 0o755);
  }
  file(name) {
    return path.join(this.dir, name);
  }
  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The pcap files one lab needs: the flood (count packets) and the warm-up pair. */
function writeLabPcaps(lab, work, count) {
  const common = { dst: lab.srv4, srcMac: lab.cliMac, dstMac: lab.srvMac };
  const flood = writeSynFlood(work.file(`flood-${lab.id}.pcap`), { ...common, count, srcBase: FLOOD_BASE, dport: FLOOD_PORT });
  const warm = writeSynFlood(work.file(`warm-${lab.id}.pcap`), { ...common, count: 2 * WARM_SOURCES, srcBase: WARM_BASE, dports: [FLOOD_PORT, 9000] });
  return { flood, warm };
}

/** Start one daemon with the benchmark config and wait until it captures. */
async function startDaemon(L, lab, kind, work) {
  const args = [];
  let statsFile;
  if (kind === 'agent') {
    statsFile = work.file(`agent-stats-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
    args.push('--stats-file', statsFile);
  }
  const d = L.spawnDaemon(kind, lab, CONF, { args });
  const log = d.file('flood.log');
  const end = Date.now() + 15000;
  for (;;) {
    let text = '';
    try {
      text = fs.readFileSync(log, 'utf8');
    } catch {
      /* not yet */
    }
    if (/\] starting up, listening on /.test(text)) break;
    if (d.exitedAt !== null || Date.now() > end) {
      await d.stop('SIGKILL', 2000);
      L.removeDir(d);
      throw new Error(`${kind} did not start: ${d.argv.join(' ')}\n--- stderr ---\n${d.stderr.slice(-3000)}\n--- log ---\n${text.slice(-3000)}`);
    }
    await sleep(25);
  }
  await sleep(300); // knockd's pcap is live a moment after its start-up line
  return { d, log, statsFile, kind };
}

/**
 * Bring the daemon to its steady state before measuring (the agent's JIT keeps compiling the
 * packet path for tens of thousands of packets): 20,000 other sources each send a first-port SYN
 * and then a wrong one (9000), which starts and then ends an attempt, so nothing stays tracked;
 * and one complete knock from the second client address runs the door's command once. Then the
 * peak-RSS marks (VmHWM) of the daemon and its children are reset (clear_refs 5), so the peak
 * reported is the flood's. (Not SIGHUP: it would clear the attempts too, but the agent's reload
 * makes V8 throw away much of the compiled packet path.)
 */
async function warmUp(L, lab, daemon, pcaps) {
  const counter = new LogCounter(daemon.log, lab.cli4b);
  await replay(L, lab, pcaps.warm.file, { rate: 20000 });
  await L.knock(lab, [lab.srv4, String(FLOOD_PORT), '8000', '9000'], { fromAddr: lab.cli4b });
  const end = Date.now() + 20000;
  while ((counter.poll() < WARM_SOURCES || !counter.legitOpen) && Date.now() < end) await sleep(100);
  await sleep(300);
  for (const pid of [daemon.d.pid, ...ps.childrenOf(daemon.d.pid).map((c) => c.pid)]) {
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      /* gone, or an old kernel: the peak then includes the warm-up */
    }
  }
}

/** CPU of the daemon and of its tcpdump child(ren), in ticks and ns. */
function cpuOf(pid, helpers) {
  const one = (p) => ({ ticks: ps.cpuTicks(p) ?? 0, ns: ps.cpuNs(p) ?? 0 });
  const main = one(pid);
  const h = helpers.map((p) => one(p));
  return {
    mainTicks: main.ticks,
    mainNs: main.ns,
    helperTicks: h.reduce((s, x) => s + x.ticks, 0),
    helperNs: h.reduce((s, x) => s + x.ns, 0),
  };
}

/**
 * One measured flood against a started daemon: replay `pcap` (count packets) at `rate`,
 * optionally run the legitimate `knock` at `knockAtMs` after the replay starts, sample
 * CPU/processed every 250 ms, wait for the daemon to drain its backlog, then stop it.
 */
async function measureFlood(L, lab, daemon, pcap, { rate, limit, knockAtMs, drainTimeoutMs = 120000 }) {
  const { d } = daemon;
  const sent0 = limit ?? pcap.count;
  const helpers = ps.childrenOf(d.pid).filter((c) => c.comm === 'tcpdump').map((c) => c.pid);
  const counter = new LogCounter(daemon.log, lab.cli4);
  counter.poll();
  const floodBefore = counter.flood;
  const samples = [];
  const sample = () => {
    const c = cpuOf(d.pid, helpers);
    counter.poll();
    const s = { t: Date.now(), processed: counter.flood - floodBefore, ...c };
    samples.push(s);
    return s;
  };
  const base = sample();
  let replayDone = false;
  let replayErr;
  const replayP = replay(L, lab, pcap.file, { rate, limit, timeoutMs: Math.ceil(sent0 / (rate === 'top' ? 50000 : rate)) * 1000 + 60000 })
    .then((r) => r, (e) => {
      replayErr = e;
      return undefined;
    })
    .finally(() => (replayDone = true));
  let knock;
  if (knockAtMs !== undefined) {
    knock = (async () => {
      await sleep(knockAtMs);
      const start = Date.now();
      await L.knock(lab, [lab.srv4, String(FLOOD_PORT), '8000', '9000']);
      return { start, end: Date.now() };
    })();
  }
  while (!replayDone) {
    await sleep(250);
    sample();
  }
  const rep = await replayP;
  if (replayErr) throw replayErr;
  // Drain: the daemon works through what its capture buffer holds.
  const drainStart = Date.now();
  let stableSince = Date.now();
  let last = samples[samples.length - 1];
  for (;;) {
    await sleep(250);
    const s = sample();
    const busy = s.processed !== last.processed || s.mainTicks + s.helperTicks - (last.mainTicks + last.helperTicks) > 1;
    if (busy) stableSince = Date.now();
    last = s;
    const quiet = Date.now() - stableSince;
    if (quiet >= 1000 && (s.processed >= rep.sent || quiet >= 2000)) break;
    if (Date.now() - drainStart > drainTimeoutMs) break;
  }
  const knockTimes = knock ? await knock : undefined;
  let againStart = Infinity;
  await sleep(200);
  const final = sample();
  const mem = ps.memory(d.pid) ?? { hwmKiB: 0, rssKiB: 0 };
  const helperMem = helpers.map((p) => ps.memory(p) ?? { hwmKiB: 0, rssKiB: 0 });
  // What the legitimate knock itself cost (3 packets and its command): the same knock again,
  // now on the idle daemon, measured alone; subtracted for the "net" per-packet figures.
  let again;
  if (knockTimes) {
    const c0 = cpuOf(d.pid, helpers);
    const start = Date.now();
    againStart = start;
    await L.knock(lab, [lab.srv4, String(FLOOD_PORT), '8000', '9000']);
    const end = Date.now() + 10000;
    let at;
    while (at === undefined && Date.now() < end) {
      await sleep(20);
      at = openedTimes(d, lab.cli4).find((t) => t >= start);
    }
    await sleep(300);
    const c1 = cpuOf(d.pid, helpers);
    again = {
      ticks: c1.mainTicks + c1.helperTicks - (c0.mainTicks + c0.helperTicks),
      ns: c1.mainNs + c1.helperNs - (c0.mainNs + c0.helperNs),
      openLatencyMs: at !== undefined ? at - start : undefined,
    };
  }
  await d.stop('SIGTERM', 15000);
  let stats;
  if (daemon.statsFile) {
    try {
      stats = JSON.parse(fs.readFileSync(daemon.statsFile, 'utf8'));
    } catch {
      stats = undefined;
    }
  }
  // Opened by the knock sent during the flood: before the second (idle) knock started (the
  // daemon had caught up with its whole backlog by then).
  const opened = openedTimes(d, lab.cli4).find((t) => t < againStart);
  L.removeDir(d); // its config, log (tens of MB at 1M) and command output
  const processed = final.processed;
  const dTicks = final.mainTicks + final.helperTicks - (base.mainTicks + base.helperTicks);
  const dNs = final.mainNs + final.helperNs - (base.mainNs + base.helperNs);
  const netTicks = again ? Math.max(0, dTicks - again.ticks) : dTicks;
  const netNs = again ? Math.max(0, dNs - again.ns) : dNs;
  // "Tail" cost: the last stretch of the run holding >= 20% of the processed packets.
  let tail;
  for (let i = samples.length - 1; i >= 0; i--) {
    if (processed - samples[i].processed >= 0.2 * processed) {
      const a = samples[i];
      const n = processed - a.processed;
      const ticks = final.mainTicks + final.helperTicks - (a.mainTicks + a.helperTicks);
      const ns = final.mainNs + final.helperNs - (a.mainNs + a.helperNs);
      tail = { from: a.processed, packets: n, usPerPacketTicks: (ticks * 1e6) / ps.CLK_TCK / n, usPerPacketNs: ns / 1e3 / n };
      break;
    }
  }
  return {
    kind: daemon.kind,
    sent: rep.sent,
    replay: rep,
    processed,
    lost: rep.sent - processed,
    kernelDrops: stats ? Object.values(stats.captures).reduce((s, c) => s + c.droppedByKernel, 0) : undefined,
    captured: stats ? Object.values(stats.captures).reduce((s, c) => s + c.captured, 0) : undefined,
    trackedAtEnd: stats ? stats.attempts : processed,
    cpu: {
      ticks: dTicks,
      mainTicks: final.mainTicks - base.mainTicks,
      helperTicks: final.helperTicks - base.helperTicks,
      usPerPacket: processed > 0 ? (dTicks * 1e6) / ps.CLK_TCK / processed : undefined,
      usPerPacketNs: processed > 0 ? dNs / 1e3 / processed : undefined,
      netUsPerPacket: processed > 0 ? (netTicks * 1e6) / ps.CLK_TCK / processed : undefined,
      netUsPerPacketNs: processed > 0 ? netNs / 1e3 / processed : undefined,
      knockCost: again ? { ticks: again.ticks, ms: again.ns / 1e6 } : undefined,
      mainUsPerPacketNs: processed > 0 ? (final.mainNs - base.mainNs) / 1e3 / processed : undefined,
      helperUsPerPacketNs: processed > 0 ? (final.helperNs - base.helperNs) / 1e3 / processed : undefined,
      tail,
    },
    memory: { hwmKiB: mem.hwmKiB, helperHwmKiB: helperMem.reduce((s, m) => s + m.hwmKiB, 0) },
    knock: knockTimes
      ? {
          ...knockTimes,
          duringFlood: knockTimes.end <= rep.endedAt,
          opened: opened !== undefined,
          openLatencyMs: opened !== undefined ? opened - knockTimes.start : undefined,
          stage1Seen: counter.legitStage1,
          idleOpenLatencyMs: again ? again.openLatencyMs : undefined,
        }
      : undefined,
    drainMs: final.t - rep.endedAt,
    exit: { code: d.exitCode, signal: d.exitSignal },
  };
}

/** Chunk pcaps for measureTracked: `count` sources in files of `chunk` packets. */
function writeChunkPcaps(lab, work, count, chunk) {
  const common = { dst: lab.srv4, srcMac: lab.cliMac, dstMac: lab.srvMac, dport: FLOOD_PORT };
  const files = [];
  const base = require('./pcap-gen.js').ipv4ToInt(FLOOD_BASE);
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    const src = require('./pcap-gen.js').intToIpv4(base + done);
    files.push(writeSynFlood(work.file(`chunk-${lab.id}-${done}.pcap`), { ...common, count: n, srcBase: src }));
  }
  return files;
}

/**
 * CPU per packet as a function of the sources tracked, without loss: the chunks (distinct
 * sources, first port) are sent one after the other at `rate`, each only once the daemon has
 * acted on every packet before it (closed loop), so the daemon sees all of them however slow
 * it gets. Returns per chunk: tracked sources before it and its CPU per packet (ns resolution).
 */
async function measureTracked(L, lab, daemon, chunks, { rate = 20000, chunkTimeoutMs = 60000 } = {}) {
  const { d } = daemon;
  const helpers = ps.childrenOf(d.pid).filter((c) => c.comm === 'tcpdump').map((c) => c.pid);
  const counter = new LogCounter(daemon.log, lab.cli4);
  counter.poll();
  const before = counter.flood;
  const out = [];
  let sent = 0;
  let last = cpuOf(d.pid, helpers);
  const t0 = Date.now();
  for (const chunk of chunks) {
    const rep = await replay(L, lab, chunk.file, { rate });
    sent += rep.sent;
    const end = Date.now() + chunkTimeoutMs;
    let progressAt = Date.now();
    let seen = -1;
    for (;;) {
      counter.poll();
      const done = counter.flood - before;
      if (done >= sent) break;
      if (done !== seen) {
        seen = done;
        progressAt = Date.now();
      }
      if (Date.now() > end || Date.now() - progressAt > 5000) break; // lost packets: stop waiting
      await sleep(50);
    }
    const now = cpuOf(d.pid, helpers);
    const processed = counter.flood - before;
    out.push({
      trackedBefore: sent - rep.sent,
      packets: rep.sent,
      processed,
      usPerPacketNs: (now.mainNs + now.helperNs - last.mainNs - last.helperNs) / 1e3 / rep.sent,
    });
    last = now;
    if (processed < sent) break; // a chunk was lost in part: what follows would not be closed-loop
  }
  const mem = ps.memory(d.pid) ?? { hwmKiB: 0 };
  await d.stop('SIGTERM', 15000);
  L.removeDir(d);
  return { kind: daemon.kind, chunks: out, seconds: (Date.now() - t0) / 1000, hwmKiB: mem.hwmKiB, lossless: out.every((c) => c.processed >= 0) && out.length === chunks.length && out[out.length - 1].processed >= sent };
}

/** When the door's command ran for `src` (epoch ms), in order. */
function openedTimes(d, src) {
  const res = [];
  for (const line of (d.readFile('opened') ?? '').split('\n')) {
    const [who, ns] = line.split(' ');
    if (who === src) res.push(Number(ns) / 1e6);
  }
  return res;
}

module.exports = {
  labModules,
  CONF,
  FLOOD_PORT,
  // The command-line helpers stay reachable from here for the existing scripts.
  ...require('./bench-cli.js'),
  LogCounter,
  replay,
  Workdir,
  BenchSession,
  writeLabPcaps,
  startDaemon,
  warmUp,
  measureFlood,
  writeChunkPcaps,
  measureTracked,
};
