// Conformance: commands (reference §2.5-§2.7): /bin/sh with %IP%, Stop_Command after Cmd_Timeout
// counted from the end of the start command, the `command timeout` line, the _6 variants,
// non-zero exit status, empty and stop-only doors, the 4096-byte limit, independence from knocks.
import assert from 'node:assert/strict';
import { knock, Daemon } from 'knocker-lab';
import { assertEvents, assertOutput, echoCmd, echoRan, L, suite } from './conformance-kit.js';

const START_S = 'date +%s.%N >> {{DIR}}/s.start; sleep 1.5; echo started %IP% >> {{DIR}}/out';
const STOP_S = 'date +%s.%N >> {{DIR}}/s.stop; echo stopped %IP% >> {{DIR}}/out';
const ran = (tpl: string, ip: string) => tpl.split('%IP%').join(ip);

/** index of the first event equal to s (fails if absent) */
function idx(d: Daemon, s: string): number {
  const i = d.events().indexOf(s);
  assert.ok(i >= 0, `${d.kind}: missing log line ${JSON.stringify(s)}`);
  return i;
}

function readTime(d: Daemon, name: string): number {
  const t = d.readFile(name);
  assert.ok(t !== undefined && t.trim() !== '', `${d.kind}: ${name} not written`);
  return Number(t.trim().split('\n')[0]);
}

suite('conformance: commands', [
  {
    name: 'Stop_Command runs Cmd_Timeout after the start command finished, after a "command timeout" line; _6 fallbacks for IPv6',
    conf: `
[S]
    sequence      = 7000,8000
    start_command = ${START_S}
    cmd_timeout   = 1
    stop_command  = ${STOP_S}
[S6]
    sequence      = 7100,7200
    start_command = ${echoCmd('start')}
    cmd_timeout   = 1
    stop_command  = ${echoCmd('stop')}
[SS]
    sequence        = 7300,7400
    start_command   = ${echoCmd('v4start')}
    start_command_6 = ${echoCmd('v6start')}
    cmd_timeout     = 0
    stop_command    = ${echoCmd('v4stop')}
    stop_command_6  = ${echoCmd('v6stop')}
`,
    compareFiles: ['out'],
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '8000']);
      await knock(lab, ['-6', lab.srv6, '7100', '7200']);
      await knock(lab, ['-6', lab.srv6, '7300', '7400']);
      await knock(lab, ['-4', lab.srv4, '7300', '7400']);
    },
    settleMs: 3300,
    async both(d, { lab }) {
      const s4 = lab.cli4;
      const s6 = lab.cli6;
      const stopS = L.running('S', ran(STOP_S, s4));
      await assertEvents(d, [
        ...L.opened(s4, 'S', 2, ran(START_S, s4)), L.cmdTimeout(s4, 'S'), stopS,
        ...L.opened(s6, 'S6', 2, echoRan('start', s6)), L.cmdTimeout(s6, 'S6'), L.running('S6', echoRan('stop', s6)),
        ...L.opened(s6, 'SS', 2, echoRan('v6start', s6)), L.cmdTimeout(s6, 'SS'), L.running('SS', echoRan('v6stop', s6)),
        ...L.opened(s4, 'SS', 2, echoRan('v4start', s4)), L.cmdTimeout(s4, 'SS'), L.running('SS', echoRan('v4stop', s4)),
      ], 4000);
      // start line, then "command timeout", then the stop line
      assert.ok(idx(d, L.running('S', ran(START_S, s4))) < idx(d, L.cmdTimeout(s4, 'S')), `${d.kind}: command timeout before start`);
      assert.ok(idx(d, L.cmdTimeout(s4, 'S')) < idx(d, stopS), `${d.kind}: stop before command timeout`);
      await assertOutput(d, [
        `started ${s4}`, `stopped ${s4}`,
        `start ${s6}`, `stop ${s6}`, `v4start ${s4}`, `v4stop ${s4}`, `v6start ${s6}`, `v6stop ${s6}`,
      ]);
      const out = d.commandOutput();
      assert.ok(out.indexOf(`started ${s4}`) < out.indexOf(`stopped ${s4}`), `${d.kind}: stop command ran before the start command finished`);
      for (const [a, b] of [[`start ${s6}`, `stop ${s6}`], [`v4start ${s4}`, `v4stop ${s4}`], [`v6start ${s6}`, `v6stop ${s6}`]]) {
        assert.ok(out.indexOf(a) < out.indexOf(b), `${d.kind}: ${b} before ${a}`);
      }
      // start began, ran 1.5 s, then cmd_timeout 1 s: stop ~2.5 s after the start (not 1 s)
      const gap = readTime(d, 's.stop') - readTime(d, 's.start');
      assert.ok(gap >= 2.4 && gap <= 3.4, `${d.kind}: stop command ran ${gap.toFixed(2)} s after the start command began (expected ~2.5)`);
    },
    timeoutMs: 30_000,
  },
  {
    name: 'commands run through /bin/sh; a non-zero exit status is logged (and printed on stderr); knocks are processed while a command runs',
    conf: `
[E]
    sequence = 7000
    command  = exit 3
[SH]
    sequence = 7100
    command  = echo $((40+2)) %IP% | tr . - >> {{DIR}}/out
[SLOW]
    sequence = 7200
    command  = sleep 1.5; echo slow %IP% >> {{DIR}}/out
[F]
    sequence = 7300,7400
    command  = ${echoCmd('fast')}
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000']);
      await knock(lab, [lab.srv4, '7100']);
      await knock(lab, [lab.srv4, '7200', '7300', '7400']);
    },
    settleMs: 2000,
    async both(d, { lab }) {
      const s = lab.cli4;
      const dash = s.split('.').join('-');
      await assertEvents(d, [
        ...L.opened(s, 'E', 1, 'exit 3'), L.nonZero('E', 3),
        ...L.opened(s, 'SH', 1, `echo $((40+2)) ${s} | tr . - >> {{DIR}}/out`),
        ...L.opened(s, 'SLOW', 1, `sleep 1.5; echo slow ${s} >> {{DIR}}/out`),
        ...L.opened(s, 'F', 2, echoRan('fast', s)),
      ]);
      // the fast door opened while the slow command was still sleeping
      await assertOutput(d, [`42 ${dash}`, `fast ${s}`, `slow ${s}`]);
      const out = d.commandOutput();
      assert.ok(out.indexOf(`fast ${s}`) < out.indexOf(`slow ${s}`), `${d.kind}: a running command blocked the next knock`);
      assert.match(d.stderr, /E: command returned non-zero status code \(3\)/, `${d.kind}: non-zero status not on stderr`);
    },
  },
  {
    name: 'an empty start command and a stop-only door run nothing (no running/command timeout lines)',
    conf: `
[N1]
    sequence      = 7000
    start_command =
    cmd_timeout   = 0
    stop_command  = ${echoCmd('n1stop')}
[N2]
    sequence     = 7100
    cmd_timeout  = 0
    stop_command = ${echoCmd('n2stop')}
[N3]
    sequence = 7200
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '7100', '7200']);
    },
    settleMs: 1200,
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [...L.opened(s, 'N1', 1), ...L.opened(s, 'N2', 1), ...L.opened(s, 'N3', 1)]);
      await assertOutput(d, []);
    },
  },
  {
    name: 'a substituted command of 4096 bytes or more is not run (start or stop), with an error line',
    conf: `
[LONG]
    sequence = 7700
    command  = echo ${'%IP%'.repeat(1000)} >> {{DIR}}/out
[LONGSTOP]
    sequence     = 7800
    command      = ${echoCmd('ls')}
    cmd_timeout  = 0
    stop_command = echo ${'%IP%'.repeat(1000)} >> {{DIR}}/out
[OK]
    sequence = 7900
    command  = echo ${'%IP%'.repeat(100)} >> {{DIR}}/out
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7700']);
      await knock(lab, [lab.srv4, '7800']);
      await knock(lab, [lab.srv4, '7900']);
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      await assertEvents(d, [
        ...L.opened(s, 'LONG', 1), 'error: parsed start command has been truncated! --> won\'t execute it',
        ...L.opened(s, 'LONGSTOP', 1), 'error: parsed stop command has been truncated! --> won\'t execute start command',
        ...L.opened(s, 'OK', 1, `echo ${s.repeat(100)} >> {{DIR}}/out`),
      ]);
      await assertOutput(d, [s.repeat(100)]);
    },
  },
  {
    name: '-l: log lines show "SRC (HOST)" with the canonical name of a source with a PTR (here /etc/hosts); %IP% stays the address',
    // knockd resolves synchronously before the first line (W5/B14: a slow resolver stalls it);
    // the agent may resolve asynchronously, so its first lines of a new source may lack the name
    mode: 'fix',
    args: ['-l'],
    setup(lab) {
      lab.setHosts('srv', `127.0.0.1 localhost\n${lab.cli4} client-a.lab client-a\n${lab.cli6} client6.lab c6\n`);
    },
    conf: `
[D]
    sequence = 7000,8000,9000
    command  = ${echoCmd('D')}
`,
    async run({ lab }) {
      await knock(lab, ['-d', '300', lab.srv4, '7000', '8000', '9000']);
      await knock(lab, ['-d', '300', lab.srv4, '7000', '8000', '9000'], { fromAddr: lab.cli4b }); // no PTR
      await knock(lab, ['-6', '-d', '300', lab.srv6, '7000', '8000', '9000']);
    },
    async both(d, { lab }) {
      await assertOutput(d, [`D ${lab.cli4}`, `D ${lab.cli4b}`, `D ${lab.cli6}`]);
    },
    async knockd(d, { lab }) {
      const a = `${lab.cli4} (client-a.lab)`;
      const v6 = `${lab.cli6} (client6.lab)`;
      await assertEvents(d, [
        ...L.opened(a, 'D', 3, echoRan('D', lab.cli4)),
        ...L.opened(lab.cli4b, 'D', 3, echoRan('D', lab.cli4b)),
        ...L.opened(v6, 'D', 3, echoRan('D', lab.cli6)),
      ]);
    },
    async agent(d, { lab }) {
      const names: Record<string, string> = { [lab.cli4]: 'client-a.lab', [lab.cli6]: 'client6.lab' };
      const ev = d.events();
      for (const m of ev) {
        const h = /^(\S+) \(([^)]*)\): /.exec(m);
        if (h) assert.equal(h[2], names[h[1]], `agent: wrong host name in ${JSON.stringify(m)} (expected the canonical name)`);
      }
      for (const src of [lab.cli4, lab.cli6]) {
        assert.ok(ev.includes(`${src} (${names[src]}): D: OPEN SESAME`), `agent: OPEN SESAME of ${src} without its host name`);
      }
      const plain = ev.map((m) => m.replace(/^(\S+) \([^)]*\): /, '$1: '));
      assert.deepEqual([...plain].sort(), [
        ...L.opened(lab.cli4, 'D', 3, echoRan('D', lab.cli4)),
        ...L.opened(lab.cli4b, 'D', 3, echoRan('D', lab.cli4b)),
        ...L.opened(lab.cli6, 'D', 3, echoRan('D', lab.cli6)),
      ].sort(), 'agent: log events (host names removed)');
    },
  },
]);
