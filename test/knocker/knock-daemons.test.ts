// `knocker knock` against the real knockd (Debian's 0.8) and knocker-agent, each in a network
// namespace, over IPv4 and IPv6, with the knock client's argument forms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { DoorDaemonKind, startDoorDaemon } from './lab/door-daemon.js';
import { knocker } from './lab/knocker-cli.js';
import { NetnsLab, requireRoot, run, sleep, startService, waitFor } from 'knocker-lab';

const SEQ = '32512,8425:udp,27705';

test('knocker knock opens knockd and knocker-agent (IPv4 and IPv6)', async (t) => {
  requireRoot('knocker knock against knockd and knocker-agent');
  const pair = await NetnsLab.create('kn');
  t.after(() => pair.destroy());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-knock-e2e-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The knocked TCP ports are dropped on the server, as behind a firewall: a knock that kept its
  // socket open for a second would retransmit its SYN, which the capture below would count.
  await run(pair.nsArgv('srv', ['nft', '-f', '-']), {
    input: 'table inet knockertest {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport { 32512, 27705, 4001 } drop\n  }\n}\n',
  });
  await pair.setHosts('cli', `${pair.srv4} srv.knocker.test\n${pair.srv6} srv.knocker.test`);

  for (const kind of ['knockd', 'knocker-agent'] as DoorDaemonKind[]) {
    await t.test(kind, async (t2) => {
      const ddir = path.join(dir, kind);
      const marker = (ip: string, door: string) => path.join(ddir, `opened-${door}-${ip}`);
      fs.mkdirSync(ddir, { recursive: true });
      const daemon = await startDoorDaemon(kind, pair, [
        { name: 'openSSH', sequence: SEQ, tcpflags: 'syn', startCommand: `touch ${ddir}/opened-openSSH-%IP%` },
        { name: 'udpDoor', sequence: '4101:udp,4102:udp,4103:udp', startCommand: `touch ${ddir}/opened-udpDoor-%IP%` },
        { name: 'mixed', sequence: '4001,4002:udp', startCommand: `touch ${ddir}/opened-mixed-%IP%` },
      ]);
      t2.after(() => daemon.stop());
      const opened = (ip: string, door: string) => waitFor(`${kind} to open ${door} for ${ip}`, () => fs.existsSync(marker(ip, door)), 5000, 20);

      await t2.test('IPv4, comma-separated ports, exactly one SYN per TCP knock', async () => {
        const cap = path.join(ddir, 'v4.pcap');
        const tcpdump = startService(pair.nsArgv('cli', ['tcpdump', '-i', pair.cliIf, '-n', '-U', '--immediate-mode', '-w', cap, 'tcp[tcpflags] & tcp-syn != 0']), path.join(ddir, 'tcpdump.log'));
        await waitFor('tcpdump to listen', () => /listening on/.test(fs.readFileSync(path.join(ddir, 'tcpdump.log'), 'utf8')), 5000);
        const r = await knocker(pair, ['knock', pair.srv4, SEQ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '');
        await opened(pair.cli4, 'openSSH');
        await daemon.waitForLog(new RegExp(`${pair.cli4.replace(/\./g, '\\.')}: openSSH: OPEN SESAME`));
        // Long enough for a kernel retransmission (1 s) to show up, had there been one.
        await sleep(1300);
        await tcpdump.stop();
        const read = await run(['tcpdump', '-r', cap, '-n']);
        const syns = read.stdout.trim().split('\n').filter((l) => l.includes(`> ${pair.srv4}.`));
        assert.equal(syns.filter((l) => l.includes(`${pair.srv4}.32512:`)).length, 1, read.stdout);
        assert.equal(syns.filter((l) => l.includes(`${pair.srv4}.27705:`)).length, 1, read.stdout);
      });

      await t2.test('IPv6 by name with -6, the knock client\'s separate arguments, -v and -d', async () => {
        const r = await knocker(pair, ['knock', '-6', '-v', '-d', '20', 'srv.knocker.test', '32512', '8425:udp', '27705']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `hitting tcp [${pair.srv6}]:32512\nhitting udp [${pair.srv6}]:8425\nhitting tcp [${pair.srv6}]:27705\n`);
        await opened(pair.cli6, 'openSSH');
      });

      await t2.test('-u makes every knock UDP; -4 picks IPv4 from a dual-stack name', async () => {
        const r = await knocker(pair, ['knock', '-u', '-4', 'srv.knocker.test', '4101,4102', '4103:tcp']);
        assert.equal(r.code, 0, r.stderr);
        await opened(pair.cli4, 'udpDoor');
      });

      await t2.test('mixed TCP and UDP over IPv6 with brackets', async () => {
        const r = await knocker(pair, ['knock', `[${pair.srv6}]`, '4001', '4002:udp']);
        assert.equal(r.code, 0, r.stderr);
        await opened(pair.cli6, 'mixed');
      });

      await t2.test('the wrong order opens nothing', async () => {
        fs.rmSync(marker(pair.cli4, 'openSSH'), { force: true });
        const r = await knocker(pair, ['knock', pair.srv4, '27705,8425:udp,32512']);
        assert.equal(r.code, 0, r.stderr);
        await sleep(800);
        assert.equal(fs.existsSync(marker(pair.cli4, 'openSSH')), false);
      });

      await t2.test('a missing host is refused before anything is sent', async () => {
        const r = await knocker(pair, ['knock', '32512,8425,27705']);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /the host is missing: "32512,8425,27705" is the port sequence/);
      });
    });
  }
});
