// Timed knocks for the timeout scenarios. knockd compares whole seconds of the pcap timestamp,
// so these scenarios place knocks at known offsets within a second and verify that the schedule
// did not slip (a slipped schedule fails the scenario loudly instead of testing something else).
import assert from 'node:assert/strict';
import { knock, KnockOptions } from './clients.js';
import { NetnsLab } from './netns-lab.js';
import { sleepUntil } from './proc.js';

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
