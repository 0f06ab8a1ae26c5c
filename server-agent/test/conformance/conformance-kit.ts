// Scenario runner for the knockd/knocker-agent conformance suite.
//
// A scenario gets a fresh lab (two namespaces), starts knockd AND the agent on the same server
// interface with the same config template, sends packets once (`run`), then checks each daemon
// in its own subtest ("knockd" / "agent"), so a missing or broken agent never hides a knockd
// regression and vice versa:
//   - `both`: assertions that hold for both daemons (identical behaviour);
//   - `knockd` / `agent`: per-daemon assertions (where the agent deliberately fixes a defect);
//   - mode 'same' (default) additionally requires the agent's normalised log events and command
//     output files to equal knockd's.
// Every daemon must still be running at the end unless the scenario says otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Daemon, DaemonPair, NetnsLab, removeDir, ScheduleSlipped, sleep, startBoth, StartOptions, waitFor } from 'knocker-lab';

export interface Ctx extends DaemonPair {
  lab: NetnsLab;
  /** Free-form values the run phase hands to the checks (times, etc.). */
  data: Record<string, number | string | boolean | undefined>;
  /**
   * Wait until both daemons logged a message matching re (from message index 0). knockd must
   * (else the scenario fails); an agent that is not ready or does not log it in time is only
   * waited for (its own subtest reports the problem).
   */
  waitLog(re: RegExp, timeoutMs?: number, count?: number): Promise<void>;
}

export type Check = (d: Daemon, ctx: Ctx) => void | Promise<void>;

export interface Scenario {
  name: string;
  /** Config template (see renderTemplate). A LogFile is added when missing. */
  conf: string;
  /** Extra files in each daemon dir (templates), e.g. one-time sequence files. */
  files?: Record<string, string>;
  args?: string[];
  /** 'same': agent events/outputs must equal knockd's. 'fix': the agent deliberately differs. */
  mode?: 'same' | 'fix';
  /** Output files (in the daemon dirs) compared between the daemons in 'same' mode. Default ['out']. */
  compareFiles?: string[];
  /** Runs after the lab exists and before the daemons start (e.g. lab.setHosts('srv', ...)). */
  setup?: (lab: NetnsLab) => void | Promise<void>;
  run: (ctx: Ctx) => Promise<void>;
  /** Quiet time after `run` before checking (negative expectations need it). Default 500 ms. */
  settleMs?: number;
  both?: Check;
  knockd?: Check;
  agent?: Check;
  /** Which daemons are expected to have exited by the end (default: none). */
  exits?: { knockd?: boolean; agent?: boolean };
  timeoutMs?: number;
}

const sortStr = (a: string[]): string[] => [...a].sort();

async function checkHalf(d: Daemon, ctx: Ctx, s: Scenario, extra?: Check): Promise<void> {
  try {
    if (d.kind === 'agent') {
      assert.ok(d.ready, d.startError ?? 'agent not ready');
    } else {
      assert.ok(d.ready, `the reference knockd did not start: ${d.startError}`);
    }
    if (s.both) await s.both(d, ctx);
    if (extra) await extra(d, ctx);
    if (d.kind === 'agent' && (s.mode ?? 'same') === 'same') {
      await waitFor('the agent\'s log events and command output to equal knockd\'s', () => {
        assert.deepEqual(sortStr(d.events()), sortStr(ctx.knockd.events()), 'agent log events differ from knockd');
        for (const f of s.compareFiles ?? ['out']) {
          assert.deepEqual(sortStr(d.commandOutput(f)), sortStr(ctx.knockd.commandOutput(f)), `agent command output ${f} differs from knockd`);
        }
        return true;
      }, 5000);
    }
    const shouldExit = s.exits?.[d.kind] ?? false;
    if (!shouldExit) assert.ok(d.running, `${d.kind} is not running any more (exit code ${d.exitCode}, signal ${d.exitSignal})`);
  } catch (e) {
    const err = e as Error;
    err.message = `${err.message}\n\n===== ${d.describe()}`;
    throw err;
  }
}

/** Wait until the daemon logged at least `count` messages matching re. */
async function waitCount(d: Daemon, re: RegExp, count: number, timeoutMs: number): Promise<void> {
  let from = 0;
  for (let i = 0; i < count; i++) {
    const f = await d.waitForLog(re, Math.max(timeoutMs, 1), from);
    from = f.index + 1;
  }
}

/** How often a scenario whose timed knocks slipped (a busy machine) is run again in a fresh lab. */
const SLIP_ATTEMPTS = 3;

async function runScenario(t: { test: (name: string, fn: () => Promise<void>) => Promise<void> }, s: Scenario): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runScenarioOnce(t, s);
    } catch (e) {
      if (!(e instanceof ScheduleSlipped) || attempt >= SLIP_ATTEMPTS) throw e;
      console.log(`# ${s.name}: attempt ${attempt} repeated in a fresh lab: ${e.message.split('\n')[0]}`);
    }
  }
}

async function runScenarioOnce(t: { test: (name: string, fn: () => Promise<void>) => Promise<void> }, s: Scenario): Promise<void> {
  const lab = await NetnsLab.create('kc');
  let pair: DaemonPair | undefined;
  try {
    if (s.setup) await s.setup(lab);
    const opts: StartOptions = { files: s.files, args: s.args };
    pair = await startBoth(lab, s.conf, opts);
    if (!pair.knockd.ready) throw new Error(`the reference knockd did not start: ${pair.knockd.startError}`);
    const { knockd, agent } = pair;
    const ctx: Ctx = {
      ...pair,
      lab,
      data: {},
      async waitLog(re: RegExp, timeoutMs = 3000, count = 1) {
        await Promise.all([
          waitCount(knockd, re, count, timeoutMs),
          agent.ready ? waitCount(agent, re, count, timeoutMs).catch(() => undefined) : undefined,
        ]);
      },
    };
    await s.run(ctx);
    await sleep(s.settleMs ?? 500);
    await t.test('knockd', () => checkHalf(ctx.knockd, ctx, s, s.knockd));
    await t.test('agent', () => checkHalf(ctx.agent, ctx, s, s.agent));
  } finally {
    if (pair) await Promise.all(pair.all.map((d) => d.stop('SIGKILL', 3000)));
    await lab.destroy();
    if (pair) for (const d of pair.all) removeDir(d);
  }
}

/**
 * Register one test per scenario under a parent test of this file; scenarios run concurrently
 * (each in its own lab) up to `concurrency`.
 */
export function suite(name: string, scenarios: Scenario[], concurrency = 3): void {
  test(name, { concurrency }, async (t) => {
    await Promise.all(
      scenarios.map((s) =>
        t.test(s.name, { timeout: s.timeoutMs ?? 60_000 }, (st) => runScenario(st as unknown as Parameters<typeof runScenario>[0], s)),
      ),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Assertion helpers

/** Lines written by the main loop (their order is deterministic) vs by command children. */
const CHILD_LINE = /: running command: |: command returned non-zero status code |: command timeout$|^error: /;

/**
 * The daemon's log events (timestamps, blank lines and the startup line removed) must be exactly
 * `expected` as a multiset, and the main-loop lines (Stage, OPEN SESAME, sequence timeout, ...)
 * must appear in exactly the expected order. (Command-child lines interleave nondeterministically
 * with later main-loop lines in knockd, so only their presence is compared.)
 */
export async function assertEvents(d: Daemon, expected: string[], timeoutMs = 5000): Promise<void> {
  await waitFor(`${d.kind}: the expected log events`, () => {
    const actual = d.events();
    assert.deepEqual(sortStr(actual), sortStr(expected), `${d.kind}: log events (sorted) differ`);
    assert.deepEqual(
      actual.filter((l) => !CHILD_LINE.test(l)),
      expected.filter((l) => !CHILD_LINE.test(l)),
      `${d.kind}: order of main-loop log events differs`,
    );
    return true;
  }, timeoutMs);
}

/** The command output file must hold exactly these lines (any order unless ordered=true). */
export async function assertOutput(d: Daemon, expected: string[], file = 'out', ordered = false, timeoutMs = 5000): Promise<void> {
  await waitFor(`${d.kind}: the expected command output in ${file}`, () => {
    const actual = d.commandOutput(file);
    if (ordered) assert.deepEqual(actual, expected, `${d.kind}: ${file}`);
    else assert.deepEqual(sortStr(actual), sortStr(expected), `${d.kind}: ${file} (sorted)`);
    return true;
  }, timeoutMs);
}

/** Standard log lines. */
export const L = {
  stage: (src: string, door: string, n: number) => `${src}: ${door}: Stage ${n}`,
  /** Stage 1..n */
  stages: (src: string, door: string, n: number) => Array.from({ length: n }, (_, i) => `${src}: ${door}: Stage ${i + 1}`),
  open: (src: string, door: string) => `${src}: ${door}: OPEN SESAME`,
  running: (door: string, cmd: string) => `${door}: running command: ${cmd}`,
  timeout: (src: string, door: string, stage: number) => `${src}: ${door}: sequence timeout (stage ${stage})`,
  cmdTimeout: (src: string, door: string) => `${src}: ${door}: command timeout`,
  nonZero: (door: string, code: number) => `${door}: command returned non-zero status code (${code})`,
  /** Stage 1..n + OPEN SESAME (+ running command if cmd given). */
  opened: (src: string, door: string, n: number, cmd?: string) => [
    ...L.stages(src, door, n),
    `${src}: ${door}: OPEN SESAME`,
    ...(cmd === undefined ? [] : [`${door}: running command: ${cmd}`]),
  ],
};

/** A standard command that appends "TAG IP" to {{DIR}}/out. */
export const echoCmd = (tag: string, file = 'out') => `echo ${tag} %IP% >> {{DIR}}/${file}`;
/** The same command as knockd logs it, for IP. */
export const echoRan = (tag: string, ip: string, file = 'out') => `echo ${tag} ${ip} >> {{DIR}}/${file}`;
