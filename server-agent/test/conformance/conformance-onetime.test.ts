// Conformance: One_Time_Sequences (reference §1.6, §2.6) and knockd's defects B3, B4, B5.
import assert from 'node:assert/strict';
import { knock, Daemon, sleep } from 'knocker-lab';
import { assertEvents, assertOutput, echoCmd, echoRan, L, suite } from './conformance-kit.js';

const OT_DOOR = `
[OT]
    one_time_sequences = {{DIR}}/otp
    seq_timeout        = 5
    command            = ${echoCmd('ot')}
`;
const OPENED = /: OT: OPEN SESAME$/;
const NO_MORE = 'no more sequences left in the one time sequences file for door OT --> disabling the door';

function assertFile(d: Daemon, name: string, expected: string): void {
  assert.equal(d.readFile(name), expected, `${d.kind}: contents of ${name}`);
}

suite('conformance: one-time sequences', [
  {
    name: 'a used sequence is disabled by overwriting its first character with #, the replay does nothing, the next line opens',
    conf: OT_DOOR,
    files: { otp: ' 7000,8000\n7100,7200:udp\n# a comment\n\n 7300,7400\n 7500\n' },
    async run(ctx) {
      const { lab } = ctx;
      await knock(lab, [lab.srv4, '7000', '8000']);
      await ctx.waitLog(OPENED, 3000, 1);
      await knock(lab, [lab.srv4, '7000', '8000'], { fromAddr: lab.cli4b }); // replay: nothing
      await knock(lab, [lab.srv4, '7100', '7200:udp']);
      await ctx.waitLog(OPENED, 3000, 2);
      await knock(lab, [lab.srv4, '7100', '7200:udp'], { fromAddr: lab.cli4b }); // replay: nothing
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [...L.opened(s, 'OT', 2, echoRan('ot', s)), ...L.opened(s, 'OT', 2, echoRan('ot', s))]);
      await assertOutput(d, [`ot ${s}`, `ot ${s}`]);
      assertFile(d, 'otp', '#7000,8000\n#100,7200:udp\n# a comment\n\n 7300,7400\n 7500\n');
    },
    compareFiles: ['out', 'otp'],
  },
  {
    name: 'B3: the last one-time sequence used: knockd aborts (double free); the agent logs "no more sequences" and serves the other doors',
    mode: 'fix',
    conf: `${OT_DOOR}
[K]
    sequence = 6100,6200
    command  = ${echoCmd('k')}
`,
    files: { otp: ' 7000,8000\n' },
    exits: { knockd: true },
    async run(ctx) {
      const { lab } = ctx;
      await knock(lab, [lab.srv4, '7000', '8000']); // the last sequence
      await ctx.waitLog(OPENED, 3000, 1);
      await sleep(200);
      await knock(lab, [lab.srv4, '7000', '8000'], { fromAddr: lab.cli4b }); // replay: nothing
      await knock(lab, [lab.srv4, '6100', '6200']); // another door
    },
    async both(d, { lab }) {
      await assertOutput(d, [`ot ${lab.cli4}`, ...(d.kind === 'agent' ? [`k ${lab.cli4}`] : [])]);
      assertFile(d, 'otp', '#7000,8000\n');
    },
    async knockd(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [...L.opened(s, 'OT', 2, echoRan('ot', s)), NO_MORE]);
      assert.equal(d.exitSignal, 'SIGABRT', `knockd: expected an abort (double free), got code ${d.exitCode} signal ${d.exitSignal}`);
      assert.match(d.stderr, /double free/);
    },
    async agent(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [...L.opened(s, 'OT', 2, echoRan('ot', s)), NO_MORE, ...L.opened(s, 'K', 2, echoRan('k', s))]);
    },
  },
  {
    name: 'B4: an unparsable line before a valid one: knockd comments the bad line and the used sequence opens twice; the agent comments the used line',
    mode: 'fix',
    conf: OT_DOOR,
    files: { otp: ' 70000,1\n 7000,8000\n 7100,7200\n 7500,7600\n' },
    async run(ctx) {
      const { lab } = ctx;
      // pauses let each daemon finish a rotation (and swap its filter) before the next knock
      await knock(lab, [lab.srv4, '7000', '8000']);
      await ctx.waitLog(OPENED, 3000, 1);
      await sleep(300);
      await knock(lab, [lab.srv4, '7000', '8000']); // knockd: reused once more
      await sleep(300);
      await knock(lab, [lab.srv4, '7000', '8000']); // nothing, in both
      await sleep(300);
      await knock(lab, [lab.srv4, '7100', '7200']); // the next line, in both
    },
    async knockd(d, { lab }) {
      const s = lab.cli4;
      const o = L.opened(s, 'OT', 2, echoRan('ot', s));
      await assertEvents(d, [...o, ...o, ...o]);
      await assertOutput(d, [`ot ${s}`, `ot ${s}`, `ot ${s}`]);
      assertFile(d, 'otp', '#70000,1\n#7000,8000\n#7100,7200\n 7500,7600\n');
    },
    async agent(d, { lab }) {
      const s = lab.cli4;
      const o = L.opened(s, 'OT', 2, echoRan('ot', s));
      await assertEvents(d, [...o, ...o]);
      await assertOutput(d, [`ot ${s}`, `ot ${s}`]);
      assertFile(d, 'otp', ' 70000,1\n#7000,8000\n#7100,7200\n 7500,7600\n');
    },
  },
  {
    name: 'B5: one-time sequences over IPv6: knockd never refreshes its IPv6 filter (works once); the agent works twice',
    mode: 'fix',
    conf: OT_DOOR,
    files: { otp: ' 7000,8000\n 7100,7200\n 7300,7400\n' },
    async run(ctx) {
      const { lab } = ctx;
      await knock(lab, ['-6', lab.srv6, '7000', '8000']);
      await ctx.waitLog(OPENED);
      await sleep(300); // not a test of the capture gap (see the next scenario)
      await knock(lab, ['-6', lab.srv6, '7100', '7200']);
    },
    async knockd(d, { lab }) {
      await assertEvents(d, L.opened(lab.cli6, 'OT', 2, echoRan('ot', lab.cli6)));
      assertFile(d, 'otp', '#7000,8000\n 7100,7200\n 7300,7400\n');
    },
    async agent(d, { lab }) {
      const o = L.opened(lab.cli6, 'OT', 2, echoRan('ot', lab.cli6));
      await assertEvents(d, [...o, ...o]);
      assertFile(d, 'otp', '#7000,8000\n#7100,7200\n 7300,7400\n');
    },
  },
  {
    name: 'the next one-time sequence, knocked as soon as the previous one opened, is seen (no capture gap while the filter changes)',
    conf: OT_DOOR,
    files: { otp: ' 7000,8000\n 7100,7200\n 7300,7400:udp\n 7500,7600\n 7700:udp,7800\n 9999\n' },
    async run(ctx) {
      const { lab } = ctx;
      const seqs = [['7000', '8000'], ['7100', '7200'], ['7300', '7400:udp'], ['7500', '7600'], ['7700:udp', '7800']];
      for (let i = 0; i < seqs.length; i++) {
        await knock(lab, [lab.srv4, ...seqs[i]]);
        // the next knock follows as soon as the open is logged (knockd swaps its filter before that)
        await ctx.waitLog(OPENED, 3000, i + 1);
      }
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      const o = L.opened(s, 'OT', 2, echoRan('ot', s));
      await assertEvents(d, [...o, ...o, ...o, ...o, ...o]);
      assertFile(d, 'otp', '#7000,8000\n#7100,7200\n#7300,7400:udp\n#7500,7600\n#7700:udp,7800\n 9999\n');
    },
    compareFiles: ['out', 'otp'],
  },
]);
