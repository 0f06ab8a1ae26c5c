// Conformance: the per-packet state machine (reference §2.4, §2.7): stages, OPEN SESAME, %IP%,
// parallel doors, invisible ports, resets, timeouts (whole seconds in knockd: B7; lazy expiry),
// and the head-of-list bug B1.
import assert from 'node:assert/strict';
import { knock, alignToSecond, sleepUntil, knockAt } from 'knocker-lab';
import { assertEvents, assertOutput, echoCmd, echoRan, L, suite } from './conformance-kit.js';

suite('conformance: knock sequences', [
  {
    name: 'a three-port sequence opens: Stage lines, OPEN SESAME, running command, %IP% substitution',
    conf: `
[open3]
    sequence    = 7000,8000,9000
    seq_timeout = 5
    command     = echo open3 %IP% [%IP%%IP%] %ip% %Ip >> {{DIR}}/out
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '8000', '9000']);
      // a completed attempt does not block the same source's next attempt
      await knock(lab, [lab.srv4, '7000', '8000', '9000']);
      // and another source gets its own %IP%
      await knock(lab, [lab.srv4, '7000', '8000', '9000'], { fromAddr: lab.cli4b });
    },
    async both(d, { lab }) {
      const ran = (ip: string) => `echo open3 ${ip} [${ip}${ip}] %ip% %Ip >> {{DIR}}/out`;
      await assertEvents(d, [
        ...L.opened(lab.cli4, 'open3', 3, ran(lab.cli4)),
        ...L.opened(lab.cli4, 'open3', 3, ran(lab.cli4)),
        ...L.opened(lab.cli4b, 'open3', 3, ran(lab.cli4b)),
      ]);
      await assertOutput(d, [
        `open3 ${lab.cli4} [${lab.cli4}${lab.cli4}] %ip% %Ip`,
        `open3 ${lab.cli4} [${lab.cli4}${lab.cli4}] %ip% %Ip`,
        `open3 ${lab.cli4b} [${lab.cli4b}${lab.cli4b}] %ip% %Ip`,
      ]);
    },
  },
  {
    name: 'parallel doors sharing a prefix advance independently (P and A open, B is silently dropped)',
    conf: `
[A]
    sequence = 7000,8000,9000
    command  = ${echoCmd('A')}
[B]
    sequence = 7000,8000,9100
    command  = ${echoCmd('B')}
[P]
    sequence = 7000,8000
    command  = ${echoCmd('P')}
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '8000', '9000']);
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [
        L.stage(s, 'A', 1), L.stage(s, 'B', 1), L.stage(s, 'P', 1),
        L.stage(s, 'A', 2), L.stage(s, 'B', 2), L.stage(s, 'P', 2),
        L.open(s, 'P'), L.running('P', echoRan('P', s)),
        L.stage(s, 'A', 3), L.open(s, 'A'), L.running('A', echoRan('A', s)),
      ]);
      await assertOutput(d, [`A ${s}`, `P ${s}`]);
    },
  },
  {
    name: 'ports in no sequence are invisible and never reset an attempt',
    conf: `
[D]
    sequence = 7000,8000,9000
    command  = ${echoCmd('D')}
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '5555', '8000', '6666:udp', '22', '9000']);
    },
    async both(d, { lab }) {
      await assertEvents(d, L.opened(lab.cli4, 'D', 3, echoRan('D', lab.cli4)));
      await assertOutput(d, [`D ${lab.cli4}`]);
    },
  },
  {
    name: 'a wrong in-sequence port resets silently and is not reused as a first knock',
    conf: `
[D]
    sequence = 7000,8000,9000
    command  = ${echoCmd('D')}
[C]
    sequence = 5000,5001
    command  = ${echoCmd('C')}
`,
    async run({ lab }) {
      // each run leaves no live attempt behind, so they can share one daemon
      await knock(lab, [lab.srv4, '7000', '9000', '8000', '9000']); // fails
      await knock(lab, [lab.srv4, '7000', '7000', '8000', '9000'], { fromAddr: lab.cli4b }); // duplicate resets: fails
      await knock(lab, [lab.srv4, '7000', '5000', '5001']); // 5000 invalidates D and starts nothing: neither opens
      await knock(lab, [lab.srv4, '7000', '7000', '7000', '8000', '9000'], { fromAddr: lab.cli4b }); // third 7000 restarts: opens
    },
    async both(d, { lab }) {
      await assertEvents(d, [
        L.stage(lab.cli4, 'D', 1),
        L.stage(lab.cli4b, 'D', 1),
        L.stage(lab.cli4, 'D', 1),
        L.stage(lab.cli4b, 'D', 1),
        L.stage(lab.cli4b, 'D', 1),
        ...L.opened(lab.cli4b, 'D', 3, echoRan('D', lab.cli4b)).slice(1),
      ]);
      await assertOutput(d, [`D ${lab.cli4b}`]);
    },
  },
  {
    name: 'the timeout runs from the first knock, not per step',
    conf: `
[T]
    sequence    = 7000,8000,9000
    seq_timeout = 2
    command     = ${echoCmd('T')}
`,
    async run(ctx) {
      const { lab } = ctx;
      // knocks at +0.05, +1.15, +2.25 s: every step < 2 s, the whole > 2 s -> fails at stage 2
      const t0 = await alignToSecond(50);
      await knockAt(lab, t0, [lab.srv4, '7000']);
      await knockAt(lab, t0 + 1100, [lab.srv4, '8000']);
      await knockAt(lab, t0 + 2200, [lab.srv4, '9000']);
      // the same door within 2 s (+0.05, +0.65, +1.25) opens
      const t1 = await alignToSecond(50);
      await knockAt(lab, t1, [lab.srv4, '7000']);
      await knockAt(lab, t1 + 600, [lab.srv4, '8000']);
      await knockAt(lab, t1 + 1200, [lab.srv4, '9000']);
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [
        L.stage(s, 'T', 1), L.stage(s, 'T', 2), L.timeout(s, 'T', 2),
        ...L.opened(s, 'T', 3, echoRan('T', s)),
      ]);
      await assertOutput(d, [`T ${s}`]);
    },
    timeoutMs: 30_000,
  },
  {
    name: 'seq_timeout = 0 fails every multi-port sequence, one-port doors still open',
    conf: `
[Z]
    sequence    = 7000,8000
    seq_timeout = 0
    command     = ${echoCmd('Z')}
[O]
    sequence    = 6000
    seq_timeout = 0
    command     = ${echoCmd('O')}
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '8000']);
      await knock(lab, [lab.srv4, '6000']);
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [L.stage(s, 'Z', 1), L.timeout(s, 'Z', 1), ...L.opened(s, 'O', 1, echoRan('O', s))]);
      await assertOutput(d, [`O ${s}`]);
    },
  },
  {
    name: 'B7: seq_timeout = 1, a 0.6 s sequence across a second boundary (knockd fails it, the agent opens)',
    mode: 'fix',
    conf: `
[X]
    sequence    = 7000,8000,9000
    seq_timeout = 1
    command     = ${echoCmd('X')}
[Y]
    sequence    = 7100,7200,7300
    seq_timeout = 1
    command     = ${echoCmd('Y')}
`,
    async run({ lab }) {
      // inside one second (.05 .20 .35): opens in both
      const a = await alignToSecond(50);
      await knockAt(lab, a, ['-d', '150', lab.srv4, '7100', '7200', '7300']);
      // across a boundary (.45 .75 1.05): 0.6 s in total. Margins measured against the boundary:
      // knock sleeps 300 ms after every hit, so the second hit leaves at most (run time - 600 ms)
      // after the start: with a start <= 100 ms late and a run time <= 900 + 100 ms it is >= 50 ms
      // before the boundary; the third hit is >= 600 ms after the start, so after it; and the
      // three span < 1 s (for the agent). A slower knock repeats the scenario (ScheduleSlipped).
      const b = await alignToSecond(450);
      await knockAt(lab, b, ['-d', '300', lab.srv4, '7000', '8000', '9000'], { lateMs: 100, extraMs: 100 });
    },
    async knockd(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [...L.opened(s, 'Y', 3, echoRan('Y', s)), L.stage(s, 'X', 1), L.stage(s, 'X', 2), L.timeout(s, 'X', 2)]);
      await assertOutput(d, [`Y ${s}`]);
    },
    async agent(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [...L.opened(s, 'Y', 3, echoRan('Y', s)), ...L.opened(s, 'X', 3, echoRan('X', s))]);
      await assertOutput(d, [`Y ${s}`, `X ${s}`]);
    },
    timeoutMs: 30_000,
  },
  {
    name: 'expiry: knockd logs "sequence timeout" only at the next packet, the agent by timer within ~1 s',
    conf: `
[E]
    sequence    = 7000,8000,9000
    seq_timeout = 2
    command     = ${echoCmd('E')}
`,
    async run(ctx) {
      const { lab, knockd, agent } = ctx;
      const t0 = await alignToSecond(50);
      // The deadline runs from the packets: measure from when the knock was sent, not planned.
      const sent = await knockAt(lab, t0, [lab.srv4, '7000', '8000']);
      ctx.data.t0 = sent.start;
      await sleepUntil(t0 + 3600);
      // A busy machine may log later than that: wait for the agent's line (bounded by the check below).
      if (agent.ready) await agent.waitForLog(/sequence timeout/, Math.max(0, sent.start + 3500 - Date.now()) + 500).catch(() => undefined);
      ctx.data.knockdEarly = knockd.findLog(/sequence timeout/)?.seenAt;
      ctx.data.agentEarly = agent.findLog(/sequence timeout/)?.seenAt;
      // the next packet from anyone makes knockd sweep; 7000 starts a new attempt
      await knock(lab, [lab.srv4, '7000']);
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [L.stage(s, 'E', 1), L.stage(s, 'E', 2), L.timeout(s, 'E', 2), L.stage(s, 'E', 1)]);
    },
    knockd(_d, { data }) {
      assert.equal(data.knockdEarly, undefined, 'knockd logged the timeout without a further packet (expected lazy expiry)');
    },
    agent(_d, { data }) {
      const t0 = data.t0 as number;
      assert.ok(data.agentEarly !== undefined, 'agent: no "sequence timeout (stage 2)" 1.5 s after the deadline without a further packet');
      const at = (data.agentEarly as number) - t0;
      assert.ok(at >= 1950 && at <= 3500, `agent: timeout logged ${at} ms after the knock was sent (deadline 2000 ms, allowed up to +1.5 s)`);
    },
    timeoutMs: 30_000,
  },
  {
    name: 'B1: the oldest attempt failing (wrong port) drops other sources in knockd; in the agent they survive',
    mode: 'fix',
    conf: `
[D]
    sequence    = 7000,8000,9000
    seq_timeout = 10
    command     = ${echoCmd('D')}
`,
    async run({ lab }) {
      const b = { fromAddr: lab.cli4b };
      await knock(lab, [lab.srv4, '7000']); // A: stage 1 (head of knockd's list)
      await knock(lab, [lab.srv4, '7000'], b); // B: stage 1
      await knock(lab, [lab.srv4, '9000']); // A: invalidated (silent)
      await knock(lab, [lab.srv4, '8000'], b); // knockd removes A -> loses B
      await knock(lab, [lab.srv4, '9000'], b);
    },
    async knockd(d, { lab }) {
      await assertEvents(d, [L.stage(lab.cli4, 'D', 1), L.stage(lab.cli4b, 'D', 1)]);
      await assertOutput(d, []);
    },
    async agent(d, { lab }) {
      await assertEvents(d, [L.stage(lab.cli4, 'D', 1), ...L.opened(lab.cli4b, 'D', 3, echoRan('D', lab.cli4b))]);
      await assertOutput(d, [`D ${lab.cli4b}`]);
    },
  },
  {
    name: 'B1: the oldest attempt timing out drops other sources in knockd; in the agent they survive',
    mode: 'fix',
    conf: `
[D]
    sequence    = 7000,8000,9000
    seq_timeout = 2
    command     = ${echoCmd('D')}
`,
    async run({ lab }) {
      const b = { fromAddr: lab.cli4b };
      const t0 = await alignToSecond(50);
      await knockAt(lab, t0, [lab.srv4, '7000']); // A
      await knockAt(lab, t0 + 1000, [lab.srv4, '7000'], b); // B
      await knockAt(lab, t0 + 2300, [lab.srv4, '8000', '9000'], b); // A has expired; B is 1.3 s in
    },
    async knockd(d, { lab }) {
      await assertEvents(d, [L.stage(lab.cli4, 'D', 1), L.stage(lab.cli4b, 'D', 1), L.timeout(lab.cli4, 'D', 1)]);
      await assertOutput(d, []);
    },
    async agent(d, { lab }) {
      await assertEvents(d, [
        L.stage(lab.cli4, 'D', 1),
        L.stage(lab.cli4b, 'D', 1),
        L.timeout(lab.cli4, 'D', 1),
        ...L.opened(lab.cli4b, 'D', 3, echoRan('D', lab.cli4b)).slice(1),
      ]);
      await assertOutput(d, [`D ${lab.cli4b}`]);
    },
    timeoutMs: 30_000,
  },
]);
