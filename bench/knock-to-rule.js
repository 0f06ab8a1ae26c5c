#!/usr/bin/env node
'use strict';
// Benchmark (not a test): time from the LAST knock packet leaving the client to the firewall
// rule being active, for knocker-agent's native firewalld door (D-Bus) and for the real knockd
// 0.8 running the classic `firewall-cmd --add-rich-rule ... --timeout=30` recipe. One run, one
// lab: a real firewalld (zone drop) on a private D-Bus in the server namespace, both daemons
// running at the same time on the same interface with different sequences, samples interleaved
// (agent, knockd, knockd, agent, ...) so load changes on the machine hit both alike.
//
// A sample, measured in the client namespace by one long-lived Node process: send the knock
// hits (TCP: net.connect + destroy, UDP: one datagram), note when the last one left, then start
// a new TCP connect to port 22 every 2 ms (each its own socket, kept up to 2 s) until one
// connects: first connect time minus last-send time. Between samples the rule is removed
// (firewall-cmd --remove-rich-rule) and port 22 is confirmed closed again.
//
// Usage (root; needs the built lab: npm run build):
//   npm run bench:open -- [--runs N] [--warmup N]
const path = require('path');
const fs = require('fs');
const os = require('os');

// The project's lab (test/lab, package knocker-lab; built by `npm run build`).
const { NetnsLab, FirewalldLab, startKnockd, startAgent, removeDir, run, sleep, killPid } = require('knocker-lab');

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = { runs: 15, warmup: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a}: expected a whole number, got ${v}`);
      return n;
    };
    if (a === '--runs' || a.startsWith('--runs=')) o.runs = val();
    else if (a === '--warmup' || a.startsWith('--warmup=')) o.warmup = val();
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/knock-to-rule.js [--runs N (default 15)] [--warmup N (default 1, not counted)]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (o.runs < 1) throw new Error('--runs must be at least 1');
  return o;
}

// ---------------------------------------------------------------- configs
const OPEN_SECONDS = 30;
const AGENT_SEQ = [{ port: 7101, proto: 'tcp' }, { port: 7202, proto: 'udp' }, { port: 7303, proto: 'tcp' }];
const KNOCKD_SEQ = [{ port: 7401, proto: 'tcp' }, { port: 7502, proto: 'udp' }, { port: 7603, proto: 'tcp' }];
const seqText = (seq) => seq.map((k) => (k.proto === 'udp' ? `${k.port}:udp` : String(k.port))).join(',');

const AGENT_CONF = `[options]
  StateDir = {{DIR}}/state
[bench]
  Sequence = ${seqText(AGENT_SEQ)}
  Seq_Timeout = 5
  TCPFlags = syn
  Open = 22/tcp
  Open_Seconds = ${OPEN_SECONDS}
`;

const RULE = (ip) => `rule family="ipv4" source address="${ip}" port port="22" protocol="tcp" accept`;
const KNOCKD_CONF = `[openSSH]
  sequence = ${seqText(KNOCKD_SEQ)}
  seq_timeout = 5
  tcpflags = syn
  start_command = firewall-cmd --zone=drop --add-rich-rule='${RULE('%IP%')}' --timeout=${OPEN_SECONDS}
`;

// ---------------------------------------------------------------- programs run in the namespaces
// Port 22 in the server namespace: accept and close at once, on IPv4 and IPv6.
const LISTENER_SRC = `
const net = require('net');
let up = 0;
for (const [host, opts] of [['0.0.0.0', {}], ['::', { ipv6Only: true }]]) {
  const s = net.createServer((c) => { c.on('error', () => {}); c.destroy(); });
  s.on('error', (e) => { console.error(String(e)); process.exit(1); });
  s.listen({ host, port: 22, ...opts }, () => { if (++up === 2) console.log('listening'); });
}
`;

// The client: JSON commands on stdin, one JSON answer per line on stdout. Times are taken with
// performance.now() (monotonic) inside this one process.
const CLIENT_SRC = `
const net = require('net');
const dgram = require('dgram');
const { performance } = require('perf_hooks');
const readline = require('readline');
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');

// One SYN: for an address literal net.connect() issues connect(2) on the next tick; a tick
// queued after it runs right after the syscall, i.e. once the SYN is handed to the kernel.
// Destroyed after 50 ms (long before any retransmission), or at once on an answer.
function tcpHit(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.on('error', () => {});
    s.on('connect', () => s.destroy());
    setTimeout(() => s.destroy(), 50);
    process.nextTick(() => resolve(performance.now()));
  });
}

function udpHit(sock, host, port) {
  return new Promise((resolve, reject) => {
    sock.send(Buffer.from([0]), port, host, (err) => (err ? reject(err) : resolve(performance.now())));
  });
}

// A new connect every intervalMs, each its own socket kept up to holdMs, until one connects.
function probeUntilOpen(host, port, intervalMs, holdMs, giveUpMs) {
  return new Promise((resolve) => {
    const start = performance.now();
    const live = new Set();
    let attempts = 0;
    let done = false;
    const finish = (res) => {
      if (done) return;
      done = true;
      clearInterval(iv);
      for (const s of live) s.destroy();
      live.clear();
      resolve({ ...res, attempts });
    };
    const attempt = () => {
      if (done) return;
      if (performance.now() - start > giveUpMs) return finish({ connectedAt: null });
      attempts++;
      const s = net.connect({ host, port });
      live.add(s);
      const t = setTimeout(() => { live.delete(s); s.destroy(); }, holdMs);
      s.on('error', () => { clearTimeout(t); live.delete(s); });
      s.on('connect', () => {
        const now = performance.now();
        clearTimeout(t);
        live.delete(s);
        s.destroy();
        finish({ connectedAt: now });
      });
    };
    const iv = setInterval(attempt, intervalMs);
    attempt();
  });
}

// Is the port closed? One connect; anything but "connected" within waitMs counts as closed.
function isOpen(host, port, waitMs) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, waitMs);
    s.on('error', () => { clearTimeout(t); resolve(false); });
    s.on('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
  });
}

const udp4 = dgram.createSocket('udp4');
const udp6 = dgram.createSocket('udp6');

async function handle(cmd) {
  if (cmd.op === 'check') return { open: await isOpen(cmd.host, cmd.port, cmd.waitMs) };
  if (cmd.op === 'sample') {
    let last = 0;
    const sock = cmd.host.includes(':') ? udp6 : udp4;
    for (const k of cmd.knocks) last = k.proto === 'udp' ? await udpHit(sock, cmd.host, k.port) : await tcpHit(cmd.host, k.port);
    const r = await probeUntilOpen(cmd.host, cmd.port, cmd.intervalMs, cmd.holdMs, cmd.giveUpMs);
    return { ms: r.connectedAt === null ? null : r.connectedAt - last, attempts: r.attempts };
  }
  throw new Error('unknown op ' + cmd.op);
}

let chain = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  chain = chain.then(() => handle(cmd)).then((r) => say({ id: cmd.id, ...r }), (e) => say({ id: cmd.id, error: String(e && e.stack || e) }));
});
process.stdin.on('end', () => process.exit(0));
say({ ready: true });
`;

/** The long-lived client process in the client namespace. */
class Client {
  constructor(lab) {
    this.proc = lab.spawn('cli', [process.execPath, '-e', CLIENT_SRC], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.nextId = 1;
    this.waiting = new Map();
    this.err = '';
    this.proc.stderr.setEncoding('utf8').on('data', (d) => (this.err += d));
    this.ready = new Promise((resolve, reject) => {
      this.onReady = resolve;
      this.proc.on('exit', (code, sig) => {
        const e = new Error(`client process exited (${code ?? sig}): ${this.err.slice(-2000)}`);
        reject(e);
        for (const w of this.waiting.values()) w.reject(e);
        this.waiting.clear();
      });
    });
    let buf = '';
    this.proc.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (msg.ready) this.onReady();
        const w = this.waiting.get(msg.id);
        if (!w) continue;
        this.waiting.delete(msg.id);
        if (msg.error) w.reject(new Error(`client: ${msg.error}`));
        else w.resolve(msg);
      }
    });
  }

  call(cmd) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.stdin.write(JSON.stringify({ id, ...cmd }) + '\n');
    });
  }

  stop() {
    try {
      this.proc.stdin.end();
    } catch {
      /* gone */
    }
    if (this.proc.pid !== undefined && this.proc.exitCode === null) killPid(this.proc.pid, 'SIGKILL');
  }
}

// ---------------------------------------------------------------- statistics
function quantile(sorted, q) {
  // nearest rank
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, median: median(s), p90: quantile(s, 0.9), min: s[0], max: s[s.length - 1] };
}
const f1 = (x) => x.toFixed(1);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ---------------------------------------------------------------- main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const state = { lab: undefined, fw: undefined, daemons: [], listener: undefined, client: undefined };
  let cleaning;
  const cleanup = () =>
    (cleaning ??= (async () => {
      state.client?.stop();
      for (const d of state.daemons) {
        await d.stop().catch(() => {});
        removeDir(d);
      }
      if (state.listener?.pid !== undefined && state.listener.exitCode === null) killPid(state.listener.pid, 'SIGKILL');
      await state.fw?.stop().catch((e) => console.error(`fw.stop: ${e.message}`));
      await state.lab?.destroy().catch((e) => console.error(`lab.destroy: ${e.message}`));
    })());
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      console.error(`\n${sig}: cleaning up`);
      cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const uptimeBefore = (await run(['uptime'])).stdout.trim();
    console.log(`knock-to-rule: ${opts.runs} samples per daemon (+${opts.warmup} warm-up each, not counted); ${os.cpus().length} CPUs`);
    console.log(`load before: ${uptimeBefore}`);

    const lab = (state.lab = await NetnsLab.create('kbn'));
    const fw = (state.fw = await FirewalldLab.start(lab, { defaultZone: 'drop' }));
    process.env.DBUS_SYSTEM_BUS_ADDRESS = fw.busAddress; // inherited by both daemons and knockd's firewall-cmd

    // port 22 in the server namespace
    const listener = (state.listener = lab.spawn('srv', [process.execPath, '-e', LISTENER_SRC]));
    let lout = '';
    let lerr = '';
    listener.stderr.setEncoding('utf8').on('data', (d) => (lerr += d));
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`port-22 listener did not start: ${lerr}`)), 10000);
      listener.stdout.setEncoding('utf8').on('data', (d) => {
        lout += d;
        if (lout.includes('listening')) {
          clearTimeout(t);
          resolve();
        }
      });
      listener.on('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`port-22 listener exited (${code}): ${lerr}`));
      });
    });

    const [agent, knockd] = await Promise.all([startAgent(lab, AGENT_CONF, { args: ['-v'] }), startKnockd(lab, KNOCKD_CONF)]);
    state.daemons.push(agent, knockd);
    for (const d of [agent, knockd]) if (!d.ready) throw new Error(d.startError);

    const client = (state.client = new Client(lab));
    await client.ready;

    const host = lab.srv4;
    const rule = RULE(lab.cli4);
    const closeAndConfirm = async (label) => {
      // The open may still be settling (knockd's firewall-cmd exits after the rule is in place).
      for (let i = 0; i < 50; i++) {
        const rules = await fw.richRules('drop');
        if (rules.length === 0 && !(await client.call({ op: 'check', host, port: 22, waitMs: 300 })).open) return;
        for (const r of rules) await fw.cmd(['--zone=drop', `--remove-rich-rule=${r}`]);
        await sleep(50);
      }
      throw new Error(`${label}: port 22 did not close again; rules: ${(await fw.richRules('drop')).join(' | ')}`);
    };

    await closeAndConfirm('before the first knock');
    const plan = [];
    const total = opts.runs + opts.warmup;
    for (let i = 0; i < total; i++) plan.push(...(i % 2 === 0 ? ['agent', 'knockd'] : ['knockd', 'agent']));
    const samples = { agent: [], knockd: [] };
    const attempts = { agent: [], knockd: [] };
    const counted = { agent: 0, knockd: 0 };
    for (const who of plan) {
      const seq = who === 'agent' ? AGENT_SEQ : KNOCKD_SEQ;
      const r = await client.call({ op: 'sample', host, port: 22, knocks: seq, intervalMs: 2, holdMs: 2000, giveUpMs: 10000 });
      if (r.ms === null) {
        const d = who === 'agent' ? agent : knockd;
        throw new Error(`${who}: port 22 did not open within 10 s of the knock\n${d.describe()}`);
      }
      const rules = await fw.richRules('drop');
      if (!rules.includes(rule)) throw new Error(`${who}: connected but the rule is not the expected one: ${rules.join(' | ')}`);
      counted[who]++;
      const warm = counted[who] <= opts.warmup;
      if (!warm) {
        samples[who].push(r.ms);
        attempts[who].push(r.attempts);
      }
      process.stderr.write(`  ${who.padEnd(6)} ${warm ? 'warm-up' : `#${samples[who].length}`.padEnd(7)} ${f1(r.ms).padStart(7)} ms  (${r.attempts} connects)\n`);
      await closeAndConfirm(`after ${who}`);
    }
    const uptimeAfter = (await run(['uptime'])).stdout.trim();

    // Sanity: each daemon reacted to its own sequence only, once per sample.
    const agentOpens = agent.events().filter((m) => /: bench: opened 22\/tcp/.test(m));
    const knockdOpens = knockd.events().filter((m) => /OPEN SESAME/.test(m));
    const agentInternal = agentOpens.map((m) => /, (\d+) ms\)$/.exec(m)).filter(Boolean).map((m) => Number(m[1]));

    const a = stats(samples.agent);
    const k = stats(samples.knockd);
    const rows = [
      ['daemon', 'n', 'median', 'p90', 'min', 'max'],
      ['knocker-agent (D-Bus)', a.n, f1(a.median), f1(a.p90), f1(a.min), f1(a.max)],
      ['knockd 0.8 + firewall-cmd', k.n, f1(k.median), f1(k.p90), f1(k.min), f1(k.max)],
    ];
    const w = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
    console.log('\nlast knock packet -> rule active (first TCP connect to :22), milliseconds');
    for (const r of rows) console.log(r.map((x, c) => (c === 0 ? String(x).padEnd(w[c]) : String(x).padStart(w[c]))).join('  '));
    const ratio = k.median / a.median;
    console.log(`ratio of medians (knockd / agent): ${ratio.toFixed(1)}x  (target >= 10x: ${ratio >= 10 ? 'met' : 'NOT met'})`);
    console.log(`both daemons running at once, samples interleaved; probe every 2 ms; ` +
      `connects per sample: agent median ${median([...attempts.agent].sort((x, y) => x - y))}, knockd median ${median([...attempts.knockd].sort((x, y) => x - y))}`);
    if (agentInternal.length) {
      const s = stats(agentInternal.slice(opts.warmup));
      console.log(`agent's own log, knock complete -> rule added: median ${s.median} ms, max ${s.max} ms (whole ms)`);
    }
    console.log(`daemon reactions: agent opened ${agentOpens.length}x, knockd OPEN SESAME ${knockdOpens.length}x (expected ${total} each)`);
    console.log(`load after: ${uptimeAfter}`);
    if (agentOpens.length !== total || knockdOpens.length !== total) {
      throw new Error(`unexpected number of daemon reactions\n${agent.describe()}\n${knockd.describe()}`);
    }
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`knock-to-rule: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
