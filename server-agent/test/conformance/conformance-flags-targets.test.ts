// Conformance: TCPFlags, Target, other local addresses, IPv6 (knock -6, Start_Command_6),
// UDP and mixed sequences, one-port doors, and the knock client's options (reference §2.2-§2.5, §4).
import { hping, knock, alignToSecond, knockAt } from 'knocker-lab';
import { assertEvents, assertOutput, echoCmd, echoRan, L, suite } from './conformance-kit.js';

suite('conformance: flags, targets, IPv6, UDP, client options', [
  {
    name: 'TCPFlags syn,!ack: wrong-flag packets are ignored (not a reset), even when another door lets them in',
    conf: `
[F]
    sequence = 7100,7200,7300
    tcpflags = syn,!ack
    command  = ${echoCmd('F')}
[L]
    # no flags: lets any segment to 7200 through the capture filter
    sequence = 7200,7900
    command  = ${echoCmd('L')}
[S]
    sequence = 7950,7960
    TCPFlags = syn
    command  = ${echoCmd('S')}
`,
    async run({ lab }) {
      const to = lab.srv4;
      await hping(lab, { dst: to, port: 7100, flags: 'S' }); // F stage 1
      await hping(lab, { dst: to, port: 7200, flags: 'A' }); // reaches F via door L: ignored
      await hping(lab, { dst: to, port: 7200, flags: 'SA' }); // SYN+ACK: !ack fails: ignored
      await hping(lab, { dst: to, port: 7300, flags: 'F' }); // filtered out
      await hping(lab, { dst: to, port: 7200, flags: 'S' }); // F stage 2
      await hping(lab, { dst: to, port: 7300, flags: 'S' }); // F stage 3
      // door S: ACK and RST to its ports never count
      await hping(lab, { dst: to, port: 7950, flags: 'A', src: lab.cli4b });
      await hping(lab, { dst: to, port: 7950, flags: 'S', src: lab.cli4b });
      await hping(lab, { dst: to, port: 7960, flags: 'R', src: lab.cli4b });
      await hping(lab, { dst: to, port: 7960, flags: 'SP', src: lab.cli4b }); // SYN+PSH: syn set
    },
    async both(d, { lab }) {
      await assertEvents(d, [
        ...L.opened(lab.cli4, 'F', 3, echoRan('F', lab.cli4)),
        ...L.opened(lab.cli4b, 'S', 2, echoRan('S', lab.cli4b)),
      ]);
      await assertOutput(d, [`F ${lab.cli4}`, `S ${lab.cli4b}`]);
    },
  },
  {
    name: 'no TCPFlags: every segment counts (ACK, FIN, RST, no flag), a duplicate SYN resets',
    conf: `
[N]
    sequence = 7400,7500,7600,7700
    command  = ${echoCmd('N')}
[N2]
    sequence = 7800,7850
    command  = ${echoCmd('N2')}
`,
    async run({ lab }) {
      const to = lab.srv4;
      await hping(lab, { dst: to, port: 7400, flags: 'A' });
      await hping(lab, { dst: to, port: 7500, flags: 'F' });
      await hping(lab, { dst: to, port: 7600, flags: 'R' });
      await hping(lab, { dst: to, port: 7700, flags: '' });
      await hping(lab, { dst: to, port: 7800, flags: 'S', src: lab.cli4b });
      await hping(lab, { dst: to, port: 7800, flags: 'S', src: lab.cli4b }); // a retransmission: reset
      await hping(lab, { dst: to, port: 7850, flags: 'S', src: lab.cli4b });
    },
    async both(d, { lab }) {
      await assertEvents(d, [...L.opened(lab.cli4, 'N', 4, echoRan('N', lab.cli4)), L.stage(lab.cli4b, 'N2', 1)]);
      await assertOutput(d, [`N ${lab.cli4}`]);
    },
  },
  {
    name: 'Target: only knocks to the target address count (a second local address, a non-local VIP); they do not combine with knocks to other addresses',
    conf: `
[T]
    sequence = 7000,8000
    target   = {{SRV4B}}
    command  = ${echoCmd('T')}
[V]
    sequence = 7100,7200
    target   = {{VIP4}}
    command  = ${echoCmd('V')}
[Q]
    sequence = 7300,7400
    target   = {{SRV4B}}
    command  = ${echoCmd('Q')}
[Q2]
    sequence = 7300,7400
    command  = ${echoCmd('Q2')}
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000', '8000']); // not the target: invisible
      await knock(lab, [lab.srv4b, '7000', '8000']); // T opens
      await knock(lab, [lab.vip4, '7100']); // V stage 1 (VIP: not a local address)
      await knock(lab, [lab.srv4, '7200']); // a local address does not advance V
      await knock(lab, [lab.vip4, '7200']); // V opens
      // 7300 to the target starts Q and Q2 (a local address); 7400 to the main address
      // continues only Q2; Q stays at stage 1
      await knock(lab, [lab.srv4b, '7300'], { fromAddr: lab.cli4b });
      await knock(lab, [lab.srv4, '7400'], { fromAddr: lab.cli4b });
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      const b = lab.cli4b;
      await assertEvents(d, [
        ...L.opened(s, 'T', 2, echoRan('T', s)),
        L.stage(s, 'V', 1),
        L.stage(s, 'V', 2), L.open(s, 'V'), L.running('V', echoRan('V', s)),
        L.stage(b, 'Q', 1), L.stage(b, 'Q2', 1),
        L.stage(b, 'Q2', 2), L.open(b, 'Q2'), L.running('Q2', echoRan('Q2', b)),
      ]);
      await assertOutput(d, [`T ${s}`, `V ${s}`, `Q2 ${b}`]);
    },
  },
  {
    name: 'a knock to another local address continues the attempt (doors without Target)',
    conf: `
[P]
    sequence = 7000,8000,9000
    command  = ${echoCmd('P')}
[P6]
    sequence = 7100,7200
    command  = ${echoCmd('P6')}
`,
    async run({ lab }) {
      await knock(lab, [lab.srv4, '7000']);
      await knock(lab, [lab.srv4b, '8000']);
      await knock(lab, [lab.srv4, '9000']);
      await knock(lab, ['-6', lab.srv6b, '7100']);
      await knock(lab, ['-6', lab.srv6, '7200']);
    },
    async both(d, { lab }) {
      await assertEvents(d, [...L.opened(lab.cli4, 'P', 3, echoRan('P', lab.cli4)), ...L.opened(lab.cli6, 'P6', 2, echoRan('P6', lab.cli6))]);
      await assertOutput(d, [`P ${lab.cli4}`, `P6 ${lab.cli6}`]);
    },
  },
  {
    name: 'IPv6 knocks: Start_Command_6, fallback to Start_Command, empty Start_Command_6 disables; IPv4 and IPv6 are separate identities',
    conf: `
[S6]
    sequence        = 7000,8000
    start_command   = ${echoCmd('v4')}
    start_command_6 = ${echoCmd('v6')}
[FB]
    sequence = 7100,7200
    command  = ${echoCmd('fb')}
[EM]
    sequence        = 7300,7400
    start_command   = ${echoCmd('em')}
    Start_Command_6 =
`,
    async run({ lab }) {
      await knock(lab, ['-6', lab.srv6, '7000', '8000']);
      await knock(lab, ['-4', lab.srv4, '7000', '8000']);
      await knock(lab, ['-6', lab.srv6, '7000', '8000'], { fromAddr: lab.cli6b });
      await knock(lab, ['-6', lab.srv6, '7100', '7200']);
      await knock(lab, ['-6', lab.srv6, '7300', '7400']);
      await knock(lab, [lab.srv4, '7300', '7400']);
      // v4 7100, then v6 7200 (another identity: invisible to the v4 attempt), then v4 7200 opens
      await knock(lab, [lab.srv4, '7100']);
      await knock(lab, ['-6', lab.srv6, '7200']);
      await knock(lab, [lab.srv4, '7200']);
    },
    async both(d, { lab }) {
      const s4 = lab.cli4;
      const s6 = lab.cli6;
      await assertEvents(d, [
        ...L.opened(s6, 'S6', 2, echoRan('v6', s6)),
        ...L.opened(s4, 'S6', 2, echoRan('v4', s4)),
        ...L.opened(lab.cli6b, 'S6', 2, echoRan('v6', lab.cli6b)),
        ...L.opened(s6, 'FB', 2, echoRan('fb', s6)),
        ...L.opened(s6, 'EM', 2),
        ...L.opened(s4, 'EM', 2, echoRan('em', s4)),
        ...L.opened(s4, 'FB', 2, echoRan('fb', s4)),
      ]);
      await assertOutput(d, [`v6 ${s6}`, `v4 ${s4}`, `v6 ${lab.cli6b}`, `fb ${s6}`, `em ${s4}`, `fb ${s4}`]);
    },
  },
  {
    name: 'UDP and mixed sequences with the knock client (-u, :udp, -u overriding :tcp, :UDP meaning TCP); one-port doors',
    conf: `
[U]
    sequence = 7000:udp,8000:udp
    command  = ${echoCmd('U')}
[M]
    sequence = 7100,7200:UDP,7300:tcp
    command  = ${echoCmd('M')}
[O]
    sequence = 6000:udp
    command  = ${echoCmd('O')}
[O2]
    sequence = 6100
    command  = ${echoCmd('O2')}
`,
    async run({ lab }) {
      const h = lab.srv4;
      await knock(lab, ['-u', h, '7000', '8000']); // U opens
      await knock(lab, [h, '7000:udp', '8000:udp']); // U opens
      await knock(lab, [h, '7000:UDP', '8000:UDP']); // TCP: invisible to a UDP-only door
      await knock(lab, ['-u', h, '7000:tcp', '8000:tcp']); // -u wins: U opens
      await knock(lab, [h, '7100', '7200:udp', '7300']); // M opens
      await knock(lab, [h, '7100', '7200', '7300'], { fromAddr: lab.cli4b }); // 7200/tcp invisible, 7300 resets
      await knock(lab, ['-u', h, '6000', '6000', '6000']); // a UDP one-port door: a command per datagram
      await knock(lab, [h, '6100', '6100'], { fromAddr: lab.cli4b }); // TCP one-port door: twice
    },
    async both(d, { lab }) {
      const s = lab.cli4;
      const b = lab.cli4b;
      const u = L.opened(s, 'U', 2, echoRan('U', s));
      const o = L.opened(s, 'O', 1, echoRan('O', s));
      const o2 = L.opened(b, 'O2', 1, echoRan('O2', b));
      await assertEvents(d, [
        ...u, ...u, ...u,
        ...L.opened(s, 'M', 3, echoRan('M', s)),
        L.stage(b, 'M', 1),
        ...o, ...o, ...o,
        ...o2, ...o2,
      ]);
      await assertOutput(d, [`U ${s}`, `U ${s}`, `U ${s}`, `M ${s}`, `O ${s}`, `O ${s}`, `O ${s}`, `O2 ${b}`, `O2 ${b}`]);
    },
  },
  {
    name: 'knock client: -4/-6 pick the family of a dual-stack name; -d spaces the hits (1.4 s > seq_timeout 1)',
    conf: `
[H]
    sequence    = 7400,7500
    seq_timeout = 5
    command     = ${echoCmd('H')}
[SL]
    sequence    = 7600,7700,7800
    seq_timeout = 1
    command     = ${echoCmd('SL')}
`,
    async run({ lab }) {
      lab.setClientHosts(`127.0.0.1 localhost\n${lab.srv4} knocksrv\n${lab.srv6} knocksrv\n`);
      await knock(lab, ['-4', 'knocksrv', '7400', '7500']);
      await knock(lab, ['-6', 'knocksrv', '7400', '7500']);
      // hits at +0.05, +0.75, +1.45 s: knockd sees second offsets 0, 0, 1 -> timeout at stage 2
      const t = await alignToSecond(50);
      // the second hit leaves <= (run time - 1400 ms) after the start: it stays in second 0 when
      // start late + run time <= 100 + 2100 + 100 ms
      await knockAt(lab, t, ['-d', '700', lab.srv4, '7600', '7700', '7800'], { lateMs: 100, extraMs: 100 });
    },
    async both(d, { lab }) {
      await assertEvents(d, [
        ...L.opened(lab.cli4, 'H', 2, echoRan('H', lab.cli4)),
        ...L.opened(lab.cli6, 'H', 2, echoRan('H', lab.cli6)),
        L.stage(lab.cli4, 'SL', 1), L.stage(lab.cli4, 'SL', 2), L.timeout(lab.cli4, 'SL', 2),
      ]);
      await assertOutput(d, [`H ${lab.cli4}`, `H ${lab.cli6}`]);
    },
    timeoutMs: 30_000,
  },
  {
    name: '-4: IPv6 knocks are ignored, IPv4 knocks work',
    args: ['-4'],
    conf: `
[D]
    sequence = 7000,8000
    command  = ${echoCmd('D')}
`,
    async run({ lab }) {
      await knock(lab, ['-6', lab.srv6, '7000', '8000']);
      await knock(lab, ['-4', lab.srv4, '7000', '8000']);
    },
    async both(d, { lab }) {
      await assertEvents(d, L.opened(lab.cli4, 'D', 2, echoRan('D', lab.cli4)));
      await assertOutput(d, [`D ${lab.cli4}`]);
    },
  },
  {
    name: 'IPv6: a link-local knock gives %IP% without the zone; TCPFlags apply to IPv6 knocks',
    conf: `
[D]
    sequence = 7000,8000
    command  = ${echoCmd('D')}
[F6]
    sequence = 7100,7200
    tcpflags = syn,!ack
    command  = ${echoCmd('F6')}
`,
    async run(ctx) {
      const { lab } = ctx;
      const srvLL = await lab.linkLocal('srv');
      ctx.data.cliLL = await lab.linkLocal('cli');
      await knock(lab, ['-6', `${srvLL}%${lab.cliIf}`, '7000', '8000']);
      await knock(lab, ['-6', lab.srv6, '7100', '7200']);
    },
    async both(d, { lab, data }) {
      const ll = data.cliLL as string;
      await assertEvents(d, [...L.opened(ll, 'D', 2, echoRan('D', ll)), ...L.opened(lab.cli6, 'F6', 2, echoRan('F6', lab.cli6))]);
      await assertOutput(d, [`D ${ll}`, `F6 ${lab.cli6}`]);
    },
  },
]);
