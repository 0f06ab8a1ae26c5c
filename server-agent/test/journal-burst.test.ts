// Door commands and the journal under a flood of completed knocks, and after a restart: only
// accepted commands are journaled, the journal is bounded, the event loop stays responsive;
// a pending stop command is rebuilt from the config, never run from text in the journal.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { AgentLog } from '../src/log/agent-log.js';
import { CommandRunner } from '../src/actions/command-runner.js';
import { CommandEntry, ExpiryJournal } from '../src/state/expiry-journal.js';
import { loadKnockdConfig } from '../src/config/knockd-config.js';
import { Door } from '../src/types.js';
import { scratchFolder, pollFor } from './scratch-folder.js';

const scratch = () => scratchFolder('knocker-burst-');

function doors(dir: string, text: string): Door[] {
  const file = path.join(dir, 'knockd.conf');
  fs.writeFileSync(file, text);
  const { config, problems } = loadKnockdConfig(file);
  assert.ok(config, JSON.stringify(problems));
  return config.doors;
}

function logIn(dir: string): { log: AgentLog; lines: () => string[] } {
  const file = path.join(dir, 'agent.log');
  const log = new AgentLog({ logFile: file, useSyslog: false, verbose: false, debug: false }, { write: () => true } as never, { write: () => true } as never);
  return {
    log,
    lines: () => {
      log.flush();
      return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    },
  };
}


test('3000 successes in a burst: only accepted commands are journaled, the journal is bounded, the event loop never blocks long', async () => {
  const dir = scratch();
  const [door] = doors(dir, '[flood]\n  Sequence = 7000:udp\n  Start_Command = true %IP%\n  Cmd_Timeout = 3600\n  Stop_Command = : %IP%\n');
  const { log, lines } = logIn(dir);
  const journal = new ExpiryJournal(path.join(dir, 'state'), 'open-doors.json', { report: (l) => log.error(l) });
  journal.load();
  const runner = new CommandRunner(log, { stdio: 'ignore', journal });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Successes come in packet batches: 100 per event-loop turn, as from a pipe of captured packets.
  for (let i = 0; i < 3000; i += 100) {
    for (let k = i; k < i + 100; k++) runner.doorOpened(door, `10.1.${k >> 8}.${k & 255}`, 4);
    await new Promise((r) => setImmediate(r));
  }
  const onDisk = () => JSON.parse(fs.readFileSync(journal.file, 'utf8')).entries as CommandEntry[];
  assert.ok(await pollFor(() => onDisk().length === journal.size, 30000), 'timed out waiting for the journal file to hold every entry');
  delay.disable();
  const written = onDisk().length;
  const journaled = journal.size;
  const maxMs = delay.max / 1e6;
  await runner.shutdown(30000); // lets the queue drain, runs the pending stops now
  const started = lines().filter((l) => /: running command: true 10\.1\./.test(l)).length;
  const dropped = lines().filter((l) => / commands already waiting, dropping: true 10\.1\./.test(l)).length;
  assert.equal(started + dropped, 3000, `started ${started}, dropped ${dropped}`);
  assert.ok(dropped > 0, 'the burst overflowed the queue');
  assert.equal(journaled, started, 'one journal entry per accepted command, none for a dropped one');
  assert.equal(written, started);
  // Behaviour, not speed: the old synchronous journal blocked for seconds (3 s at 3000); batched
  // writes block for tens of ms. 1 s leaves room for a machine whose cores are busy elsewhere.
  assert.ok(maxMs < 1000, `the event loop blocked for ${maxMs.toFixed(0)} ms`);
  await journal.close();
  assert.equal(journal.size, 0, 'every stop ran and left the journal');
});

test('the journal cap: a start command whose stop could not be journaled is not run', async () => {
  const dir = scratch();
  const out = path.join(dir, 'out');
  const [door] = doors(dir, `[d]\n  Sequence = 7000:udp\n  Start_Command = echo start %IP% >> ${out}\n  Cmd_Timeout = 3600\n  Stop_Command = true\n`);
  const { log } = logIn(dir);
  const reports: string[] = [];
  const journal = new ExpiryJournal(path.join(dir, 'state'), 'open-doors.json', { report: (l) => reports.push(l), maxEntries: 5 });
  journal.load();
  const runner = new CommandRunner(log, { stdio: 'ignore', journal });
  for (let i = 1; i <= 8; i++) runner.doorOpened(door, `192.0.2.${i}`, 4);
  assert.ok(await pollFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').split('\n').length === 6, 5000), 'timed out waiting for 5 start commands');
  await new Promise((r) => setTimeout(r, 300)); // and no more
  const started = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').sort();
  assert.deepEqual(started, [1, 2, 3, 4, 5].map((i) => `start 192.0.2.${i}`), 'the first five, in any order (they run concurrently)');
  assert.equal(reports.length, 1, reports.join('\n'));
  assert.match(reports[0], /is full \(5 entries\)/);
  await runner.shutdown();
  await journal.close();
});

test('a restart runs the stop command of the current config for the journaled address, never text from the journal', async () => {
  const dir = scratch();
  const state = path.join(dir, 'state');
  fs.mkdirSync(state, { mode: 0o700 });
  const evil = path.join(dir, 'evil');
  const out = path.join(dir, 'out');
  const entry = (door: string, id: string) => ({ kind: 'command', id, door, src: '192.0.2.7', family: 4, deadline: Date.now() - 1000, stopCommand: `touch ${evil}` });
  fs.writeFileSync(path.join(state, 'open-doors.json'), JSON.stringify({ version: 1, entries: [entry('door', 'a'), entry('gone', 'b')] }), { mode: 0o600 });
  const config = doors(dir, `[door]\n  Sequence = 7000:udp\n  Start_Command = true\n  Cmd_Timeout = 5\n  Stop_Command = echo stop %IP% >> ${out}\n`);
  const { log, lines } = logIn(dir);
  const journal = new ExpiryJournal(state, 'open-doors.json', { report: (l) => log.error(l) });
  const runner = new CommandRunner(log, { stdio: 'ignore', journal });
  for (const e of journal.load()) if (e.kind === 'command') runner.restore(e, config);
  assert.ok(await pollFor(() => fs.existsSync(out), 5000), 'timed out waiting for the stop command of the config');
  await runner.shutdown();
  await journal.close();
  assert.equal(fs.readFileSync(out, 'utf8'), 'stop 192.0.2.7\n');
  assert.equal(fs.existsSync(evil), false, 'the text stored in the journal ran');
  assert.ok(lines().some((l) => /192\.0\.2\.7: gone: a stop command was pending from an earlier run, but the config has no such door/.test(l)), lines().join('\n'));
  assert.equal(journal.size, 0);
});
