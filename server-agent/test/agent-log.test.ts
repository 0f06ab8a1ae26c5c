// The log's write path: lines gathered per event-loop turn (one write for a burst of packets),
// same text and order as before, flushed on close and reopen; the capture counters of --stats-file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AgentLog, logStamp } from '../src/log/agent-log.js';
import { CaptureCounters } from '../src/state/stats-file.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

// Removed at exit (a top-level after() hook does not run on Node 16).
const dirs: string[] = [];
process.on('exit', () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-log-'));
  dirs.push(dir);
  return path.join(dir, name);
}

/** A stream that drops what it gets (typed for AgentLog's stdout/stderr parameters). */
function quietStream(): never {
  return { write: () => true } as never;
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

test('lines logged in one turn are written at its end, in order, with the knockd stamp', async () => {
  const file = tempFile('a.log');
  const log = new AgentLog({ logFile: file, useSyslog: false, verbose: false, debug: false }, quietStream(), quietStream());
  const before = logStamp(new Date());
  for (let i = 0; i < 1000; i++) log.log(`10.0.${i >> 8}.${i & 255}: door: Stage 1`);
  log.error('an error');
  assert.equal(fs.readFileSync(file, 'utf8'), '', 'written before the turn ended');
  await tick();
  const after = logStamp(new Date());
  const got = lines(file);
  assert.equal(got.length, 1001);
  got.forEach((l, i) => {
    const stamp = l.slice(0, 18);
    assert.ok(stamp === before || stamp === after, l);
    assert.equal(l.slice(19), i < 1000 ? `10.0.${i >> 8}.${i & 255}: door: Stage 1` : 'an error');
  });
  log.close();
});

test('a large burst is written before the turn ends; close flushes the rest', () => {
  const file = tempFile('b.log');
  const log = new AgentLog({ logFile: file, useSyslog: false, verbose: false, debug: false }, quietStream(), quietStream());
  const msg = 'x'.repeat(100);
  for (let i = 0; i < 2000; i++) log.log(msg);
  const early = lines(file).length;
  assert.ok(early > 0 && early < 2000, `${early} lines written early`);
  log.close();
  assert.equal(lines(file).length, 2000);
});

test('reopen writes the pending lines to the old file first', async () => {
  const a = tempFile('old.log');
  const b = tempFile('new.log');
  const log = new AgentLog({ logFile: a, useSyslog: false, verbose: false, debug: false }, quietStream(), quietStream());
  log.log('before');
  log.reopen({ logFile: b, useSyslog: false, verbose: false, debug: false });
  log.log('after');
  await tick();
  assert.deepEqual(lines(a).map((l) => l.slice(19)), ['before']);
  assert.deepEqual(lines(b).map((l) => l.slice(19)), ['after']);
  log.close();
});

test('verbose lines still go to stdout at once, with -v', () => {
  const out: string[] = [];
  const stdout = { write: (s: string) => out.push(s) } as never;
  const log = new AgentLog({ useSyslog: false, verbose: true, debug: false }, stdout, quietStream());
  assert.equal(log.verbosing, true);
  log.log('a');
  log.verbose('b');
  assert.deepEqual(out, ['a\n', 'b\n']);
  log.close();
});

test('capture counters: tcpdump exit statistics summed per interface', () => {
  const c = new CaptureCounters();
  c.add({ iface: 'eth0', pid: 1, captured: 10, receivedByFilter: 12, droppedByKernel: 2 });
  c.add({ iface: 'eth0', pid: 2, captured: 5, receivedByFilter: 5, droppedByKernel: 0, droppedByInterface: 1 });
  c.add({ iface: 'wg0', pid: 3 });
  const s = c.snapshot(7) as { attempts: number; captures: Record<string, Record<string, number>> };
  assert.equal(s.attempts, 7);
  assert.deepEqual(s.captures.eth0, { exits: 2, captured: 15, receivedByFilter: 17, droppedByKernel: 2, droppedByInterface: 1 });
  assert.deepEqual(s.captures.wg0, { exits: 1, captured: 0, receivedByFilter: 0, droppedByKernel: 0, droppedByInterface: 0 });
  const file = tempFile('stats.json');
  assert.equal(c.write(file, 7), undefined);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).captures.eth0.captured, 15);
  assert.match(c.write(path.join(file, 'no', 'such', 'dir.json'), 0) ?? '', /cannot write stats file/);
});
