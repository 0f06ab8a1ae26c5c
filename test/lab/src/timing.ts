// Timed knocks for the timeout scenarios. knockd compares whole seconds of the pcap timestamp,
// so these scenarios place knocks at known offsets within a second. The knock client is started
// ahead of time, waiting on its stdin, and released at the planned moment, so process start-up
// (slow on a loaded machine) does not shift the packets. If the knock still started too late or
// took too long, knockAt throws ScheduleSlipped: the scenario would test something else, and its
// runner repeats it in a fresh lab instead of failing on a machine that was merely busy.
import assert from 'node:assert/strict';
import { knockHost, KnockOptions } from './clients.js';
import { NetnsLab } from './netns.js';
import { killPid, sleepUntil, waitFor } from './proc.js';

export interface Sent {
  planned: number;
  start: number;
  end: number;
}

/** The timed knock did not happen when planned (a precondition of the scenario, not a defect). */
export class ScheduleSlipped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleSlipped';
  }
}

export interface KnockAtOptions extends KnockOptions {
  /** How late the knock may start (ms after `at`). Default 250. */
  lateMs?: number;
  /** How long the whole knock may take beyond its own -d delays (ms). Default 300. */
  extraMs?: number;
}

/** Run `knock ARGS` in the client namespace at epoch ms `at`; throws ScheduleSlipped if it started late or ran long. */
export async function knockAt(lab: NetnsLab, at: number, args: string[], opts: KnockAtOptions = {}): Promise<Sent> {
  // Defaults: start late + run time <= 550 ms, which every scenario placed at least 650 ms from
  // a second boundary tolerates; tighter ones give their own limits.
  const lateMs = opts.lateMs ?? 250;
  const extraMs = opts.extraMs ?? 300;
  // Started now, released at `at` by a line on stdin: only `exec knock` remains to be done then.
  const child = lab.spawn('cli', ['sh', '-c', 'read _ && exec knock "$@"', 'sh', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const fire = async (): Promise<Sent> => {
    await sleepUntil(at);
    const start = Date.now();
    child.stdin!.write('\n');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    if (code === 'timeout' && child.pid !== undefined) killPid(child.pid, 'SIGKILL');
    if (code !== 0) throw new Error(`knock ${args.join(' ')} failed (${code}): ${err}`);
    return { planned: at, start, end: Date.now() };
  };
  const sent = opts.fromAddr ? await lab.withSource(knockHost(args), opts.fromAddr, fire) : await fire();
  const took = sent.end - sent.start;
  if (sent.start - at > lateMs || took > extraMs + delayTotal(args)) {
    throw new ScheduleSlipped(
      `timing precondition violated: knock ${args.join(' ')} planned at +0 ms started at +${sent.start - at} ms (limit ${lateMs}) ` +
        `and took ${took} ms (limit ${extraMs + delayTotal(args)}): the machine was too busy for this schedule`,
    );
  }
  return sent;
}

/** The time `knock -d MS` sleeps in total (after every hit, the last included). */
function delayTotal(args: string[]): number {
  const i = args.findIndex((a) => a === '-d' || a === '--delay');
  if (i < 0) return 0;
  const ms = Number(args[i + 1]);
  const hits = args.slice(i + 2).filter((a) => !a.startsWith('-')).length - 1; // minus the host
  return ms * Math.max(hits, 0);
}

/** When a window opened, as far as a test can tell: not before `after` (e.g. the knock's start), not after `by` (e.g. when its log line was seen). */
export interface OpenedBetween {
  after: number;
  by: number;
}

/**
 * A firewall window's timing, measured against the events (so it holds on a loaded machine):
 * `isOpen` must not answer "closed" more than `earlyMs` before the earliest possible deadline
 * (`opened.after` + seconds: it did not close early) and must say so at a check that starts
 * at most `lateMs` after the latest possible one (`opened.by` + seconds: it closed). The
 * default margins allow for firewalld's whole-second timers. `earlyMs` 0 skips the early check.
 */
export async function assertWindow(
  what: string,
  isOpen: () => Promise<boolean>,
  opened: OpenedBetween,
  seconds: number,
  opts: { earlyMs?: number; lateMs?: number; details?: () => string } = {},
): Promise<void> {
  const earlyMs = Math.max(0, opts.earlyMs ?? 1000);
  const lateMs = opts.lateMs ?? 3000;
  const details = (): string => (opts.details ? `\n${opts.details()}` : '');
  const earliest = opened.after + seconds * 1000;
  const latest = opened.by + seconds * 1000;
  // Early check: a probe that says "closed" proves an early close only if its answer came more
  // than `earlyMs` before the earliest deadline (a probe such as firewall-cmd can take a second
  // or more on a loaded machine, and reports the state when it answers). It starts 1.5 s ahead
  // of that; a probe that answers too late, or a test that got there late, is inconclusive and
  // said so rather than failed.
  if (earlyMs > 0) {
    const limit = earliest - earlyMs;
    if (Date.now() <= limit - 1500 + 250) {
      await sleepUntil(limit - 1500);
      const open = await isOpen();
      const answered = Date.now();
      if (!open && answered < limit) assert.fail(`${what}: closed more than ${earlyMs} ms before its deadline${details()}`);
      if (!open) console.log(`# ${what}: early check inconclusive, the probe answered ${answered - limit} ms too late`);
    } else {
      console.log(`# ${what}: early check skipped, reached ${Date.now() - (limit - 1500)} ms after its time`);
    }
  }
  let checkStart = 0;
  await waitFor(`${what} to close at its deadline`, async () => {
    checkStart = Date.now();
    return !(await isOpen());
  }, Math.max(0, latest - Date.now()) + lateMs + 5000, 100);
  assert.ok(checkStart - latest <= lateMs, `${what}: still open ${checkStart - latest} ms after its deadline${details()}`);
}
