#!/usr/bin/env node
'use strict';
// Benchmark (not a test): time from starting `knocker connect` to the remote command running,
// against what users script today: `knock HOST PORTS && sleep 1 && ssh HOST CMD`.
//
// Both run in the client namespace of a lab (see test/knocker/lab/connect-lab.ts): the door
// daemon (knocker-agent by default) adds a firewalld rich rule for the knocking address; firewalld's
// default zone drops everything else. Between runs the rules are removed, so every connection
// needs its knock. The remote command is `date +%s%N`: namespaces share the clock, so the
// difference to the start time is the time until the command ran on the server.
//
// usage (as root, after npm run build): node bench/connect-vs-knock-sleep.js [--runs N] [--daemon knockd|knocker-agent]

const { spawn } = require('child_process');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist', 'test', 'knocker', 'lab');
const { buildConnectLab, LAB_HOST, LAB_SEQUENCE } = require(path.join(dist, 'connect-lab.js'));
const { knockerArgv } = require(path.join(dist, 'knocker-cli.js'));
const { requireRoot } = require('knocker-lab');

function option(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

const nowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));

/** Run argv; resolve with stdout, stderr, status and the start time (ns since the epoch). */
function timed(argv, env) {
  return new Promise((resolve) => {
    const start = nowNs();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ start, out, err, code }));
  });
}

/** Milliseconds from the start to the remote `date +%s%N`. */
function toCommandMs(r, label) {
  const m = /^(\d{19})$/m.exec(r.out);
  if (r.code !== 0 || !m) throw new Error(`${label} failed (exit ${r.code}): ${r.out}${r.err}`);
  return Number(BigInt(m[1]) - r.start) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  requireRoot('the benchmark');
  const runs = Number(option('--runs', '10'));
  const kind = option('--daemon', 'knocker-agent');
  process.stdout.write(`building the lab (${kind}, firewalld, sshd, keyring)...\n`);
  const lab = await buildConnectLab(kind);
  const remote = 'date +%s%N';
  const sshOpts = lab.sshOptions.flatMap((o) => ['-o', o]);
  const knockerCmd = knockerArgv(lab.pair, 'cli', ['connect', 'server', '--', '-F', '/dev/null', remote]);
  const ports = LAB_SEQUENCE.split(',').join(' ');
  const baselineScript = `knock ${LAB_HOST} ${ports} && sleep 1 && exec ssh -F /dev/null -i ${lab.sshd.clientKey} ${sshOpts.join(' ')} -l ${lab.sshd.user} ${LAB_HOST} '${remote}'`;
  const baselineCmd = lab.pair.nsArgv('cli', ['sh', '-c', baselineScript]);
  const ours = [];
  const theirs = [];
  try {
    process.stdout.write(`knocker:  knocker connect server -- -F /dev/null '${remote}'\nbaseline: ${baselineScript}\n`);
    for (let i = 0; i < runs; i++) {
      // Alternate which one goes first, so that neither always meets a warmer system.
      for (const which of i % 2 ? ['baseline', 'knocker'] : ['knocker', 'baseline']) {
        await lab.closeDoors();
        const r = await timed(which === 'knocker' ? knockerCmd : baselineCmd, lab.env);
        const ms = toCommandMs(r, which);
        (which === 'knocker' ? ours : theirs).push(ms);
        process.stdout.write(`run ${String(i + 1).padStart(2)} ${which.padEnd(8)} ${ms.toFixed(1).padStart(8)} ms\n`);
      }
    }
  } finally {
    await lab.destroy();
  }
  const a = median(ours);
  const b = median(theirs);
  process.stdout.write(`\nmedian time from the command to the remote command running (${runs} runs each, door daemon ${kind}):\n`);
  process.stdout.write(`  knocker connect                 ${a.toFixed(1).padStart(8)} ms  (min ${Math.min(...ours).toFixed(1)}, max ${Math.max(...ours).toFixed(1)})\n`);
  process.stdout.write(`  knock + sleep 1 + ssh           ${b.toFixed(1).padStart(8)} ms  (min ${Math.min(...theirs).toFixed(1)}, max ${Math.max(...theirs).toFixed(1)})\n`);
  process.stdout.write(`  ratio (knock+sleep / knocker)   ${(b / a).toFixed(2).padStart(8)}x\n`);
}

main().catch((err) => {
  process.stderr.write(`benchmark failed: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
