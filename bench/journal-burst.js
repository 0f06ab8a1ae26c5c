#!/usr/bin/env node
// A burst of completed knocks on a command door with a Stop_Command (issue 13, item 5): how long
// the event loop blocks at most, how many entries the journal keeps, how long until it is on
// disk. Drives the agent's CommandRunner and ExpiryJournal directly (no capture), 100 successes
// per event-loop turn, as packets come from a pipe.
//   node bench/journal-burst.js [successes=3000] [dist=server-agent/dist]
// `dist` may point at another build of the agent (e.g. an older commit's) to compare.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { monitorEventLoopDelay, performance } = require('perf_hooks');

const N = Number(process.argv[2] ?? 3000);
const dist = path.resolve(process.argv[3] ?? path.join(__dirname, '..', 'server-agent', 'dist'));
const { AgentLog } = require(path.join(dist, 'src/log/agent-log.js'));
const { CommandRunner } = require(path.join(dist, 'src/actions/command-runner.js'));
const { ExpiryJournal } = require(path.join(dist, 'src/state/expiry-journal.js'));
const { loadKnockdConfig } = require(path.join(dist, 'src/config/knockd-config.js'));

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-burst-'));
  fs.chmodSync(dir, 0o755);
  try {
    const conf = path.join(dir, 'knockd.conf');
    fs.writeFileSync(conf, '[flood]\n  Sequence = 7000:udp\n  Start_Command = true %IP%\n  Cmd_Timeout = 3600\n  Stop_Command = : %IP%\n');
    const [door] = loadKnockdConfig(conf).config.doors;
    const quiet = { write: () => true };
    const log = new AgentLog({ logFile: path.join(dir, 'agent.log'), useSyslog: false, verbose: false, debug: false }, quiet, quiet);
    const journal = new ExpiryJournal(path.join(dir, 'state'), 'open-doors.json', { report: () => undefined });
    journal.load();
    const runner = new CommandRunner(log, { stdio: 'ignore', journal });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = performance.now();
    for (let i = 0; i < N; i += 100) {
      for (let k = i; k < Math.min(N, i + 100); k++) runner.doorOpened(door, `10.1.${k >> 8}.${k & 255}`, 4);
      await new Promise((r) => setImmediate(r));
    }
    const burstMs = performance.now() - t0;
    const onDisk = () => (fs.existsSync(journal.file) ? JSON.parse(fs.readFileSync(journal.file, 'utf8')).entries.length : 0);
    while (onDisk() !== journal.size) await new Promise((r) => setTimeout(r, 20));
    const durableMs = performance.now() - t0;
    delay.disable();
    console.log(
      JSON.stringify({
        successes: N,
        journalEntries: journal.size,
        journalBytes: fs.statSync(journal.file).size,
        burstMs: Math.round(burstMs),
        onDiskAfterMs: Math.round(durableMs),
        eventLoopMaxBlockMs: Math.round(delay.max / 1e6),
        eventLoopP99Ms: Math.round(delay.percentile(99) / 1e6),
        loadavg: os.loadavg()[0].toFixed(1),
      }),
    );
    await runner.shutdown(60000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
})();
