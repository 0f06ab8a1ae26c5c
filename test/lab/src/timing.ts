// Timed knocks for the timeout scenarios. knockd compares whole seconds of the pcap timestamp,
// so these scenarios place knocks at known offsets within a second and verify that the schedule
// did not slip (a slipped schedule fails the scenario loudly instead of testing something else).
import assert from 'node:assert/strict';
import { knock, KnockOptions } from './clients.js';
import { NetnsLab } from './netns.js';
import { sleepUntil, waitFor } from './proc.js';

export interface Sent {
  planned: number;
  start: number;
  end: number;
}

/** Run `knock ARGS` at epoch ms `at`; fail if it started more than `slackMs` late. */
export async function knockAt(lab: NetnsLab, at: number, args: string[], opts: KnockOptions = {}, slackMs = 150): Promise<Sent> {
  await sleepUntil(at);
  const start = Date.now();
  await knock(lab, args, opts);
  const end = Date.now();
  assert.ok(
    start - at <= slackMs && end - start <= slackMs + 50 + delayTotal(args),
    `timing precondition violated: knock ${args.join(' ')} planned at +0 ms started at +${start - at} ms and took ${end - start} ms (machine too loaded?)`,
  );
  return { planned: at, start, end };
}

/** The time `knock -d MS` sleeps in total (after every hit, the last included). */
function delayTotal(args: string[]): number {
  const i = args.findIndex((a) => a === '-d' || a === '--delay');
  if (i < 0) return 0;
  const ms = Number(args[i + 1]);
  const hits = args.slice(i + 2).filter((a) => !a.startsWith('-')).length - 1; // minus the host
  return ms * Math.max(hits, 0);
}

/**
 * A firewall window's timing, measured against the events (so it holds on a loaded machine):
 * `isOpen` must still be true at a check that starts `earlyMs` before the deadline (it did not
 * close early) and false at a check that starts at most `lateMs` after it (it closed).
 * `openedAt` is when the opening was seen (the log line, after the rule was applied), so both
 * margins count against the code under test. `earlyMs` 0 skips the early check.
 */
export async function assertWindow(
  what: string,
  isOpen: () => Promise<boolean>,
  openedAt: number,
  seconds: number,
  opts: { earlyMs?: number; lateMs?: number; details?: () => string } = {},
): Promise<void> {
  const earlyMs = Math.max(0, opts.earlyMs ?? 1500);
  const lateMs = opts.lateMs ?? 3000;
  const details = (): string => (opts.details ? `\n${opts.details()}` : '');
  const deadline = openedAt + seconds * 1000;
  if (earlyMs > 0) {
    await sleepUntil(deadline - earlyMs);
    assert.ok(await isOpen(), `${what}: closed more than ${earlyMs} ms before its deadline${details()}`);
  }
  let checkStart = 0;
  await waitFor(`${what} to close at its deadline`, async () => {
    checkStart = Date.now();
    return !(await isOpen());
  }, Math.max(0, deadline - Date.now()) + lateMs + 5000, 100);
  assert.ok(checkStart - deadline <= lateMs, `${what}: still open ${checkStart - deadline} ms after its deadline${details()}`);
}
