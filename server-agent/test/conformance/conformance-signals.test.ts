// Conformance: signals (reference §2.8): SIGHUP reload (new doors, attempts dropped), a bad config
// on SIGHUP (B10), SIGTERM/SIGINT exit codes and pending stop commands (B11).
import assert from 'node:assert/strict';
import { knock, sleep } from 'knocker-lab';
import { assertEvents, assertOutput, Ctx, echoCmd, echoRan, L, suite } from './conformance-kit.js';

const REREAD = 're-reading config file: {{DIR}}/knockd.conf';

/** Signal both daemons (those still running) and wait for their exits; returns ms from signal to exit. */
async function signalBoth(ctx: Ctx, sig: NodeJS.Signals, timeoutMs: number): Promise<void> {
  const t = Date.now();
  for (const d of ctx.all) d.signal(sig);
  await Promise.all(
    ctx.all.map(async (d) => {
      const r = await d.waitExit(timeoutMs);
      ctx.data[`${d.kind}ExitMs`] = r ? (d.exitedAt as number) - t : undefined;
    }),
  );
}

suite('conformance: signals', [
  {
    name: 'SIGHUP re-reads a changed config: new and changed doors apply, old ones are gone, partial attempts are dropped',
    conf: `
[A]
    sequence = 7000,8000,9000
    command  = ${echoCmd('a')}
[K]
    sequence = 6000,6100
    command  = ${echoCmd('k')}
`,
    async run(ctx) {
      const { lab } = ctx;
      await knock(lab, [lab.srv4, '6000']);
      await ctx.waitLog(/K: Stage 1$/);
      for (const d of ctx.all) {
        d.reload(`
[A]
    sequence = 7100,7200
    command  = ${echoCmd('a2')}
[K]
    sequence = 6000,6100
    command  = ${echoCmd('k')}
[B]
    sequence = 7300
    command  = ${echoCmd('b')}
`);
      }
      await ctx.waitLog(/^re-reading config file: /);
      await sleep(300);
      await knock(lab, [lab.srv4, '6100']); // the attempt from before the reload is gone
      await knock(lab, [lab.srv4, '7000', '8000', '9000']); // the old A
      await knock(lab, [lab.srv4, '7100', '7200']); // the new A
      await knock(lab, [lab.srv4, '7300']); // the new door
      await knock(lab, [lab.srv4, '6000', '6100']); // K unchanged
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [
        L.stage(s, 'K', 1),
        REREAD,
        ...L.opened(s, 'A', 2, echoRan('a2', s)),
        ...L.opened(s, 'B', 1, echoRan('b', s)),
        ...L.opened(s, 'K', 2, echoRan('k', s)),
      ]);
      await assertOutput(d, [`a2 ${s}`, `b ${s}`, `k ${s}`]);
    },
  },
  {
    name: 'B10: SIGHUP with a bad config: knockd exits 1; the agent reports the error and keeps serving the old config',
    mode: 'fix',
    exits: { knockd: true },
    conf: `
[A]
    sequence = 7000,8000
    command  = ${echoCmd('a')}
`,
    async run(ctx) {
      const { lab } = ctx;
      for (const d of ctx.all) d.reload(`\n[A]\n    sequence = 7100,7200\n    this line has no equals sign\n`);
      await ctx.waitLog(/^re-reading config file: /);
      await ctx.knockd.waitExit(3000);
      await sleep(500);
      await knock(lab, [lab.srv4, '7000', '8000']); // the old sequence
      await knock(lab, [lab.srv4, '7100', '7200']); // the rejected one
    },
    async knockd(d) {
      assert.equal(d.exitCode, 1, `knockd: expected exit status 1 after a bad reload, got code ${d.exitCode} signal ${d.exitSignal}`);
      assert.match(d.stderr, /config: line \d+: syntax error/);
      await assertEvents(d, [REREAD]);
      await assertOutput(d, []);
    },
    async agent(d, { lab }) {
      const s = lab.cli4;
      assert.ok(d.running, 'agent: died on a bad config at SIGHUP');
      const logged = d.messages().join('\n') + '\n' + d.stderr;
      assert.match(logged, /syntax error/, 'agent: the config error was neither logged nor printed on stderr');
      await assertOutput(d, [`a ${s}`]);
      // the old door still works; lines about the config error itself are not compared
      const events = d.events().filter((m) => !/error/i.test(m));
      assert.deepEqual([...events].sort(), [REREAD, ...L.opened(s, 'A', 2, echoRan('a', s))].sort(), 'agent: log events');
    },
  },
  {
    name: 'SIGTERM with a pending stop command: "shutting down", exit status 15, the stop command is not lost',
    conf: `
[A]
    sequence     = 7000
    command      = ${echoCmd('a')}
    cmd_timeout  = 1
    stop_command = ${echoCmd('stop')}
`,
    exits: { knockd: true, agent: true },
    async run(ctx) {
      const { lab } = ctx;
      await knock(lab, [lab.srv4, '7000']);
      await ctx.waitLog(/A: running command: /);
      await sleep(100);
      await signalBoth(ctx, 'SIGTERM', 6000);
      for (const d of ctx.all) ctx.data[`${d.kind}StopAtExit`] = d.commandOutput().includes(`stop ${lab.cli4}`);
    },
    async both(d, { lab, data }) {
      const s = lab.cli4;
      assert.equal(d.exitCode, 15, `${d.kind}: exit status after SIGTERM (code ${d.exitCode}, signal ${d.exitSignal})`);
      await assertEvents(d, [...L.opened(s, 'A', 1, echoRan('a', s)), L.cmdTimeout(s, 'A'), L.running('A', echoRan('stop', s)), 'shutting down']);
      await assertOutput(d, [`a ${s}`, `stop ${s}`]);
      assert.equal(data[`${d.kind}StopAtExit`], true, `${d.kind}: exited before the pending stop command ran`);
    },
    knockd(_d, { data }) {
      // knockd's cleanup() wait()s for its child: the exit comes after cmd_timeout
      assert.ok((data.knockdExitMs as number) >= 700, `knockd exited after ${data.knockdExitMs} ms (expected to wait for the stop command)`);
    },
  },
  {
    name: 'B11: SIGTERM with two pending stop commands, leftovers killed after the exit (systemd KillMode=mixed): knockd ran one, the agent both',
    mode: 'fix',
    conf: `
[S1]
    sequence     = 7000
    command      = ${echoCmd('s1')}
    cmd_timeout  = 1
    stop_command = ${echoCmd('s1stop')}
[S2]
    sequence     = 7100
    command      = ${echoCmd('s2')}
    cmd_timeout  = 4
    stop_command = ${echoCmd('s2stop')}
`,
    exits: { knockd: true, agent: true },
    async run(ctx) {
      const { lab } = ctx;
      await knock(lab, [lab.srv4, '7000', '7100']);
      await ctx.waitLog(/S1: running command: /);
      await ctx.waitLog(/S2: running command: /);
      await sleep(100);
      await signalBoth(ctx, 'SIGTERM', 6000);
      for (const d of ctx.all) if (d.exitedAt !== null) ctx.data[`${d.kind}Killed`] = await d.killLeftovers();
      await sleep(300);
    },
    both(d) {
      assert.equal(d.exitCode, 15, `${d.kind}: exit status after SIGTERM (code ${d.exitCode}, signal ${d.exitSignal})`);
    },
    async knockd(d, { lab, data }) {
      const s = lab.cli4;
      assert.ok((data.knockdKilled as number) >= 1, 'knockd: no leftover child (the S2 stop command) after exit');
      await assertOutput(d, [`s1 ${s}`, `s2 ${s}`, `s1stop ${s}`]);
    },
    async agent(d, { lab }) {
      const s = lab.cli4;
      await assertOutput(d, [`s1 ${s}`, `s2 ${s}`, `s1stop ${s}`, `s2stop ${s}`]);
      assert.ok(d.events().includes('shutting down'), 'agent: no "shutting down" line');
    },
  },
  {
    name: 'SIGINT exits at once with status 2 after "shutting down"',
    conf: `
[A]
    sequence = 7000
`,
    exits: { knockd: true, agent: true },
    async run(ctx) {
      await signalBoth(ctx, 'SIGINT', 4000);
    },
    async both(d, { data }) {
      assert.equal(d.exitCode, 2, `${d.kind}: exit status after SIGINT (code ${d.exitCode}, signal ${d.exitSignal})`);
      assert.ok((data[`${d.kind}ExitMs`] as number) < 1500, `${d.kind}: took ${data[`${d.kind}ExitMs`]} ms to exit`);
      await assertEvents(d, ['shutting down']);
    },
  },
  {
    name: 'SIGTERM with nothing pending exits at once with status 15 after "shutting down"',
    conf: `
[A]
    sequence = 7000
`,
    exits: { knockd: true, agent: true },
    async run(ctx) {
      await signalBoth(ctx, 'SIGTERM', 4000);
    },
    async both(d, { data }) {
      assert.equal(d.exitCode, 15, `${d.kind}: exit status after SIGTERM (code ${d.exitCode}, signal ${d.exitSignal})`);
      assert.ok((data[`${d.kind}ExitMs`] as number) < 1500, `${d.kind}: took ${data[`${d.kind}ExitMs`]} ms to exit`);
      await assertEvents(d, ['shutting down']);
    },
  },
]);
