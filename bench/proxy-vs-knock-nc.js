#!/usr/bin/env node
'use strict';
// Benchmark (not a test): time from starting the ProxyCommand to the first relayed byte (the
// ssh server's banner, `SSH-2.0-...`), for `knocker proxy files 22` against what people paste
// into their ssh config today: `knock HOST PORTS; sleep 1; nc HOST 22`.
//
// Same run, same door: the lab of test/knocker/lab/ssh-tools-lab.ts (knocker-agent's native
// door `Open = 22/tcp` in front of sshd, firewalld's default zone drop, the profile's sequence
// in a headless keyring). Both commands run in the client namespace through `ip netns exec`;
// before every sample the door is closed again (the agent's rule removed), so each one needs
// its knock. The two alternate which goes first. A sample ends at the first byte on the
// command's stdout; the command is then killed (nc would wait for the server). Each run also
// times Node's start-up alone (`node -e` writing one line, the same way), so that what
// knocker proxy adds to it (keychain, knocks, the door opening, the connection) can be read off.
//
// usage (as root, after npm run build; needs nc: apt-get install netcat-openbsd):
//   node bench/proxy-vs-knock-nc.js [--runs N] [--cli PATH]
// --cli runs another build of the CLI, e.g. dist/desktop/knocker-cli.js (the one-file bundle the
// desktop app's ProxyCommand runs), to compare start-up costs.

const { spawn } = require('child_process');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist', 'test', 'knocker', 'lab');
const { buildSshToolsLab, TOOLS_HOST, TOOLS_PROFILE, TOOLS_SEQUENCE } = require(path.join(dist, 'ssh-tools-lab.js'));
const { KNOCKER_BIN } = require(path.join(dist, 'knocker-cli.js'));
const { loadavg, median, parseOptions, usageText } = require('./lib/bench-cli.js');
const { requireRoot, waitFor } = require('knocker-lab');

const SPEC = {
  runs: { default: 10, parse: Number, arg: 'N', help: 'samples of each command' },
  cli: { default: KNOCKER_BIN, arg: 'PATH', show: 'electron/cli/bin/knocker', help: 'the CLI to run, e.g. dist/desktop/knocker-cli.js' },
};

/** Start argv; resolve with the ms until its first stdout byte (and that byte's line), then kill it. */
function toFirstByte(argv, env, limitMs = 20_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let done = false;
    const finish = (fn) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no byte within ${limitMs} ms: ${argv.join(' ')}\n${err}`))), limitMs);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.once('data', (d) => {
      const ms = performance.now() - t0;
      finish(() => resolve({ ms, first: d.toString('latin1').split('\r\n')[0] }));
    });
    child.on('close', (code) => finish(() => reject(new Error(`exited ${code} before any byte: ${argv.join(' ')}\n${err}`))));
  });
}

/** knocker proxy -v to the end (stdin closed at the first byte): its own step times, from stderr. */
function verboseRun(argv, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let firstMs;
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', () => {
      if (firstMs === undefined) {
        firstMs = performance.now() - t0;
        child.stdin.end();
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const at = (re) => {
        const m = new RegExp(`^\\[ *([0-9.]+) (ms|s)\\] ${re}`, 'm').exec(err);
        return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
      };
      if (code !== 0 || firstMs === undefined) reject(new Error(`knocker proxy -v failed (${code}):\n${err}`));
      else resolve({ totalMs: firstMs, keychain: at('files: sequence read'), knocked: at('3 knocks sent'), open: at('port 22 open'), first: at('first byte') });
    });
  });
}

const stats = (xs) => `median ${median(xs).toFixed(1).padStart(7)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

async function main() {
  requireRoot('the benchmark');
  const o = parseOptions(process.argv.slice(2), SPEC);
  if (o.help) {
    process.stdout.write(`${usageText('proxy-vs-knock-nc.js', SPEC)}\n`);
    return;
  }
  const runs = o.runs;
  const cli = path.resolve(o.cli);
  process.stdout.write(`load average: ${loadavg()}\n`);
  process.stdout.write('building the lab (knocker-agent native door, firewalld zone drop, sshd, keyring)...\n');
  const lab = await buildSshToolsLab();
  const ports = TOOLS_SEQUENCE.split(',').join(' ');
  const knockerCmd = lab.clientArgv([process.execPath, cli, 'proxy', TOOLS_PROFILE, '22']);
  const baselineScript = `knock ${TOOLS_HOST} ${ports}; sleep 1; exec nc ${TOOLS_HOST} 22`;
  const baselineCmd = lab.clientArgv(['sh', '-c', baselineScript]);
  const nodeCmd = lab.clientArgv([process.execPath, '-e', "process.stdout.write('SSH-2.0-node-alone\\r\\n')"]);
  const ours = [];
  const theirs = [];
  const nodeAlone = [];
  try {
    process.stdout.write(`knocker:  node ${cli} proxy ${TOOLS_PROFILE} 22\nbaseline: ${baselineScript}\n`);
    for (let i = 0; i < runs; i++) {
      for (const which of i % 2 ? ['baseline', 'knocker'] : ['knocker', 'baseline']) {
        await lab.closeDoor();
        const before = lab.opened();
        const r = await toFirstByte(which === 'knocker' ? knockerCmd : baselineCmd, lab.env);
        if (!r.first.startsWith('SSH-2.0-')) throw new Error(`${which}: the first line is not an ssh banner: ${r.first}`);
        await waitFor(`${which}: the agent to log its knock`, () => lab.opened() > before, 5000);
        (which === 'knocker' ? ours : theirs).push(r.ms);
        process.stdout.write(`run ${String(i + 1).padStart(2)} ${which.padEnd(8)} ${r.ms.toFixed(1).padStart(8)} ms  ${r.first}\n`);
      }
      const n = await toFirstByte(nodeCmd, lab.env);
      nodeAlone.push(n.ms);
      process.stdout.write(`run ${String(i + 1).padStart(2)} ${'node -e'.padEnd(8)} ${n.ms.toFixed(1).padStart(8)} ms  (Node's start-up alone)\n`);
    }
    // Where knocker proxy's time goes: three -v runs (times since the command began, inside Node).
    process.stdout.write('\nknocker proxy -v, step times since the command began (after Node started and loaded the CLI):\n');
    for (let i = 0; i < 3; i++) {
      await lab.closeDoor();
      const v = await verboseRun(lab.clientArgv([process.execPath, cli, 'proxy', TOOLS_PROFILE, '22', '-v']), lab.env);
      process.stdout.write(
        `  total to the banner ${v.totalMs.toFixed(1)} ms; in the command: keychain read ${v.keychain} ms, knocks sent ${v.knocked} ms, port open ${v.open} ms, ` +
          `first byte ${v.first} ms; so start-up and loading ~${(v.totalMs - v.first).toFixed(0)} ms\n`,
      );
    }
  } finally {
    await lab.destroy();
  }
  const a = median(ours);
  const b = median(theirs);
  process.stdout.write(`\nload average: ${loadavg()}\n`);
  process.stdout.write(`from start to the ssh banner on stdout (${runs} runs each, knocker-agent native door, same lab):\n`);
  process.stdout.write(`  knocker proxy              ${stats(ours)}\n`);
  process.stdout.write(`  knock + sleep 1 + nc       ${stats(theirs)}\n`);
  process.stdout.write(`  node -e (start-up alone)   ${stats(nodeAlone)}\n`);
  process.stdout.write(`  ratio of medians (knock+sleep+nc / knocker proxy): ${(b / a).toFixed(2)}x\n`);
  process.stdout.write(`  knocker proxy beyond Node's start-up (medians): ${(a - median(nodeAlone)).toFixed(1)} ms (module loading, keychain, knocks, the door opening, the connection)\n`);
}

main().catch((err) => {
  process.stderr.write(`benchmark failed: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
