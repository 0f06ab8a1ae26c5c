// The CLI run in-process, with an in-memory keychain, a temporary config directory and loopback
// stand-ins for the knock daemon and ssh. (test/knocker/ runs the real binary against a real
// keyring, knockd, knocker-agent, firewalld and sshd.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';

import { SecretStore } from '../core/secret-store.js';
import type { SshInvocation } from '../core/ssh-command.js';
import { fakeDaemon, freePorts } from '../core/test-helpers/loopback.js';
import { MemoryKeychain } from '../core/test-helpers/memory-keychain.js';
import { readTree, tempDir } from '../core/test-helpers/temp-dir.js';
import { parseArgs, parseDuration, UsageError } from './arg-parser.js';
import { main } from './main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function harness(t: { after: (fn: () => void) => void }) {
  const { dir, cleanup } = tempDir('knocker-cli-');
  t.after(cleanup);
  const kc = new MemoryKeychain();
  const sshRuns: SshInvocation[] = [];
  let sshStatus = 0;
  const knocker = async (argv: string[], stdin = ''): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([stdin]),
      env: { HOME: dir, KNOCKER_CONFIG_DIR: path.join(dir, 'config'), PATH: process.env.PATH },
      secrets: new SecretStore(kc),
      runSsh: async (inv) => {
        sshRuns.push(inv);
        return sshStatus;
      },
    });
    return { code, stdout, stderr };
  };
  return { dir, kc, knocker, sshRuns, setSshStatus: (n: number) => (sshStatus = n) };
}

test('argument parser: long, short, clusters, values, --, negation', () => {
  const specs = [{ name: 'udp', short: 'u' }, { name: 'delay', short: 'd', value: true }, { name: 'x', repeat: true, value: true }, { name: 'again', negatable: true }];
  const r = parseArgs(['-ud', '100', 'host', '--x=1', '--x', '2', '--no-again', '7000', '--', '-v', 'z'], specs, 'k');
  assert.deepEqual(r.options, { udp: true, delay: '100', x: ['1', '2'], again: false });
  assert.deepEqual(r.positional, ['host', '7000']);
  assert.deepEqual(r.rest, ['-v', 'z']);
  assert.deepEqual(parseArgs(['-d50'], specs, 'k').options, { delay: '50' });
  assert.throws(() => parseArgs(['--nope'], specs, 'knocker knock'), (e: unknown) => e instanceof UsageError && e.message === 'unknown option --nope for knocker knock');
  assert.throws(() => parseArgs(['-d'], specs, 'k'), /-d needs a value/);
  assert.equal(parseDuration('250', 'w'), 250);
  assert.equal(parseDuration('1.5s', 'w'), 1500);
  assert.equal(parseDuration('20ms', 'w'), 20);
  assert.throws(() => parseDuration('soon', 'w'), UsageError);
});

test('add, list, edit, rm; the sequence is only in the keychain', async (t) => {
  const { dir, kc, knocker } = harness(t);
  let r = await knocker(['add', 'web1', 'web1.example.org', '--sequence', '-', '--user', 'alice', '--ssh-option', 'ServerAliveInterval=30'], '32512,8425:udp,27705\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /added web1/);
  r = await knocker(['list']);
  assert.match(r.stdout, /^NAME\s+HOST\s+FAMILY\s+SSH\s+WAIT\s+SEQUENCE\nweb1\s+web1\.example\.org\s+auto\s+alice@:22\s+10s\s+in keychain\n$/);
  r = await knocker(['list', '--json']);
  const listed = JSON.parse(r.stdout);
  assert.equal(listed[0].name, 'web1');
  assert.equal('sequence' in listed[0], false);
  r = await knocker(['list', 'web1', '--json', '--show-sequence']);
  assert.equal(JSON.parse(r.stdout)[0].sequence, '32512,8425:udp,27705');
  r = await knocker(['edit', 'web1', '--port', '2222', '--user', '', '--name', 'web-one', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).ssh, { port: 2222, options: ['ServerAliveInterval=30'] });
  for (const f of readTree(dir)) assert.ok(!/32512|8425|27705/.test(f.data.toString()), `${f.file} holds the sequence`);
  assert.equal(kc.items.size, 1);
  r = await knocker(['rm', 'web-one']);
  assert.equal(r.code, 0);
  assert.equal(kc.items.size, 0);
  r = await knocker(['list']);
  assert.match(r.stderr, /no profiles yet/);
});

test('errors name the field and the option, with distinct exit codes', async (t) => {
  const { knocker, kc } = harness(t);
  let r = await knocker(['add', 'web1', '--host', 'h', '--sequence', '7000,99999', '--port', 'ssh']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'knocker add: invalid profile:\n  sequence: item 2 ("99999"): port must be a number from 1 to 65535\n  ssh.port (--port): "ssh" is not a whole number\n');
  r = await knocker(['add', 'web1', '--host', 'h', '--sequence', '1', '--json', '--family', 'ipx']);
  assert.equal(r.code, 2);
  assert.equal(JSON.parse(r.stdout).error.problems[0].field, 'family');
  r = await knocker(['add', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\n {2}host: is required/);
  await knocker(['add', 'web1', '--host', 'h', '--sequence', '1']);
  r = await knocker(['add', 'WEB1', '--host', 'h', '--sequence', '1']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /a profile named "web1" exists already/);
  r = await knocker(['edit', 'nope', '--host', 'x']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no profile named "nope"\n {2}hint: profiles: web1/);
  r = await knocker(['edit', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nothing to change/);
  kc.locked = true;
  r = await knocker(['connect', 'web1']);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /keychain is locked/);
  kc.locked = false;
  kc.unavailable = true;
  r = await knocker(['list', '--show-sequence']);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /no keychain is available/);
  r = await knocker(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  r = await knocker(['add', 'x', '--bogus']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'knocker add: unknown option --bogus for knocker add\n');
});

test('a corrupt profile file is reported with its path (exit 8) and left alone', async (t) => {
  const { dir, knocker } = harness(t);
  const file = path.join(dir, 'config', 'profiles.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"schemaVersion": 1, "profiles": [ oops');
  const r = await knocker(['add', 'a', '--host', 'h', '--sequence', '1']);
  assert.equal(r.code, 8);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')} is not valid JSON`));
  assert.equal(fs.readFileSync(file, 'utf8'), '{"schemaVersion": 1, "profiles": [ oops');
});

test('help and version', async (t) => {
  const { knocker } = harness(t);
  let r = await knocker(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: knocker COMMAND/);
  r = await knocker([]);
  assert.equal(r.code, 2);
  r = await knocker(['knock', '--help']);
  assert.match(r.stdout, /^usage: knocker knock \[-u\] \[-d MS\] \[-4\|-6\] \[-v\] HOST PORT\[:PROTO\]\.\.\./);
  r = await knocker(['--version']);
  assert.match(r.stdout, /^knocker \d+\.\d+\.\d+\n$/);
});

test('knock: the host missing, or a port where the host should be, is said precisely', async (t) => {
  const { knocker } = harness(t);
  let r = await knocker(['knock', '32512,8425,27705']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'knocker knock: the host is missing: "32512,8425,27705" is the port sequence. Write the server first: knocker knock HOST 32512,8425,27705\n');
  r = await knocker(['knock', '32512', '8425', '27705']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the host is missing: "32512" is a port, not a host\. Write the server first: knocker knock HOST 32512 8425 27705/);
  r = await knocker(['knock', 'server.example.org']);
  assert.match(r.stderr, /no ports to knock on server\.example\.org \(and no profile named "server\.example\.org"\)/);
  r = await knocker(['knock']);
  assert.match(r.stderr, /needs a host and ports/);
  r = await knocker(['knock', '-d', '-5', 'h', '1']);
  assert.equal(r.stderr, 'knocker knock: delay cannot be negative\n');
  r = await knocker(['knock', '-4', '-6', 'h', '1']);
  assert.match(r.stderr, /-4 and -6 exclude each other/);
  r = await knocker(['knock', 'h', '1,abc']);
  assert.match(r.stderr, /ports: item 2 \("abc"\): port must be a number/);
  r = await knocker(['knock', 'h', '7000:icmp']);
  assert.match(r.stderr, /protocol must be tcp or udp/);
  r = await knocker(['knock', '-4', '::1', '7000']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /::1 is an IPv6 address, but the family is ipv4/);
});

test('knock: the knock client\'s arguments, comma-separated ports, -u, -v output', async (t) => {
  const { knocker } = harness(t);
  const ports = await freePorts(3);
  const got: string[] = [];
  const socks = await Promise.all(
    ports.map(async (p) => {
      const s = dgram.createSocket('udp4');
      s.on('message', (m) => got.push(`${p}:${m.toString('hex')}`));
      await new Promise<void>((r) => s.bind(p, '127.0.0.1', r));
      return s;
    }),
  );
  t.after(() => socks.forEach((s) => s.close()));
  let r = await knocker(['knock', '-u', '-v', '-d', '5', '127.0.0.1', `${ports[0]},${ports[1]}`, `${ports[2]}:tcp`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ports.map((p) => `hitting udp 127.0.0.1:${p}\n`).join(''));
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(got, ports.map((p) => `${p}:00`));
  r = await knocker(['knock', '--json', '127.0.0.1', `${ports[0]}:udp`]);
  const j = JSON.parse(r.stdout);
  assert.deepEqual([j.address, j.family, j.knocks], ['127.0.0.1', 4, [{ port: ports[0], proto: 'udp' }]]);
  r = await knocker(['knock', '-v', '-4', 'localhost', `${ports[0]}:UDP`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `hitting udp 127.0.0.1:${ports[0]}\n`);
  r = await knocker(['knock', '-v', '-6', '[::1]', `${ports[0]}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `hitting tcp [::1]:${ports[0]}\n`);
});

test('connect: keychain, knock, wait, then ssh to the knocked address with HostKeyAlias', async (t) => {
  const { knocker, sshRuns, setSshStatus } = harness(t);
  const [a, b, ssh] = await freePorts(3);
  const daemon = await fakeDaemon([a, b], ssh, { openDelayMs: 100 });
  t.after(daemon.close);
  await knocker(['add', 'lo', '--host', 'localhost', '-4', '--sequence', `${a}:udp,${b}:udp`, '--port', String(ssh), '--user', 'alice']);
  setSshStatus(42);
  let r = await knocker(['connect', 'lo', '-v', '--', '-o', 'BatchMode=yes', 'true']);
  assert.equal(r.code, 42, 'exit status is ssh\'s');
  assert.equal(daemon.completions, 1);
  assert.deepEqual(sshRuns[0].args, ['-o', 'BatchMode=yes', '-o', 'HostKeyAlias=localhost', '-p', String(ssh), '-l', 'alice', '127.0.0.1', 'true']);
  const steps = r.stderr.trim().split('\n');
  assert.match(steps[0], /^\[ +\d+\.\d ms\] lo: sequence read from the keychain \(2 knocks\)$/);
  assert.match(steps[1], /localhost is 127\.0\.0\.1 \(IPv4\)/);
  assert.match(steps[2], /knock 1\/2: udp 127\.0\.0\.1:\d+/);
  assert.match(r.stderr, /port \d+ open after \d+ probes?/);
  assert.match(r.stderr, /running ssh -o BatchMode=yes -o HostKeyAlias=localhost/);
  assert.match(steps[steps.length - 1], /ssh exited with status 42$/);
  r = await knocker(['connect', 'lo', '--print', '--json']);
  const j = JSON.parse(r.stdout);
  assert.equal(j.address, '127.0.0.1');
  assert.equal(j.command, `ssh -o HostKeyAlias=localhost -p ${ssh} -l alice 127.0.0.1`);
  assert.equal(sshRuns.length, 1, '--print runs nothing');
});

test('connect: a port that never opens ends with exit 7 and the reason', async (t) => {
  const { knocker, sshRuns } = harness(t);
  const [a, ssh] = await freePorts(2);
  await knocker(['add', 'lo', '--host', '127.0.0.1', '--sequence', `${a}:udp`, '--port', String(ssh), '--wait', '300ms', '--no-knock-again']);
  const r = await knocker(['connect', 'lo']);
  assert.equal(r.code, 7);
  assert.match(r.stderr, new RegExp(`port ${ssh} on 127\\.0\\.0\\.1 did not open within 0\\.3 s`));
  assert.equal(sshRuns.length, 0);
  const r2 = await knocker(['connect', 'lo', 'extra']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /put ssh arguments after "--": knocker connect lo -- extra/);
});

test('connect --terminal opens the terminal with the ssh command', async (t) => {
  const { dir, knocker } = harness(t);
  const [a, ssh] = await freePorts(2);
  const daemon = await fakeDaemon([a], ssh);
  t.after(daemon.close);
  const out = path.join(dir, 'term.args');
  const term = path.join(dir, 'term');
  fs.writeFileSync(term, `#!/bin/sh\nprintf '%s\\n' "$@" > "${out}"\n`, { mode: 0o755 });
  await knocker(['add', 'lo', '--host', '127.0.0.1', '--sequence', `${a}:udp`, '--port', String(ssh)]);
  const r = await knocker(['connect', 'lo', '--terminal', '--terminal-command', `${term} {args}`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 100 && !fs.existsSync(out); i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(fs.readFileSync(out, 'utf8'), `ssh\n-p\n${ssh}\n127.0.0.1\n`);
  assert.ok(JSON.parse(r.stdout).pid > 0);
});

test('import knockd, ssh-config and json; export with and without secrets', async (t) => {
  const { dir, knocker, kc } = harness(t);
  const conf = path.join(dir, 'knockd.conf');
  fs.writeFileSync(conf, '[options]\n UseSyslog\n[openSSH]\n sequence = 32512,8425,27705\n command = /bin/firewall-cmd --add-port=22/tcp\n[closeSSH]\n sequence = 9136,17752,45700\n command = /bin/firewall-cmd --remove-port=22/tcp\n');
  let r = await knocker(['import', 'knockd', conf, '--host', 'srv', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /would add srv-openSSH\nwould add srv-closeSSH\n {2}note: the door looks like a closing door/);
  assert.equal(kc.items.size, 0);
  r = await knocker(['import', 'knockd', conf]);
  assert.match(r.stderr, /skipped .*knockd\.conf:3 \[openSSH\]: the file does not say which server it runs on: give the host \(--host\)/);
  r = await knocker(['import', 'knockd', conf, '--host', 'srv', '--prefix', '']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /2 profiles imported, 0 skipped, 0 invalid/);
  assert.equal(kc.items.size, 2);

  fs.mkdirSync(path.join(dir, '.ssh'));
  fs.writeFileSync(path.join(dir, '.ssh', 'config'), 'Host web1\n  HostName 192.0.2.10\n  User bob\nHost web2 *.lan\n  Port 2200\n');
  r = await knocker(['import', 'ssh-config', '--json']);
  const rep = JSON.parse(r.stdout);
  assert.deepEqual(rep.added, ['web1', 'web2']);
  r = await knocker(['list', '--json']);
  const web1 = JSON.parse(r.stdout).find((p: { name: string }) => p.name === 'web1');
  assert.deepEqual([web1.host, web1.ssh.user, web1.hasSequence], ['192.0.2.10', 'bob', false]);
  r = await knocker(['connect', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /profile "web1" has no knock sequence yet\n {2}hint: set one with knocker edit web1 --sequence -/);

  r = await knocker(['export', 'openSSH']);
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes('32512'));
  assert.equal(JSON.parse(r.stdout).includesSecrets, false);
  const file = path.join(dir, 'export.json');
  r = await knocker(['export', 'openSSH', '--with-secrets', '-o', file]);
  assert.match(r.stderr, /WITH their knock sequences in clear/);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).profiles[0].sequence, '32512,8425,27705');
  r = await knocker(['import', 'json', file]);
  assert.match(r.stderr, /skipped .*: a profile of that name exists/);
  await knocker(['rm', 'openSSH']);
  r = await knocker(['import', 'json', '-'], fs.readFileSync(file, 'utf8'));
  assert.equal(r.code, 0, r.stderr);
  r = await knocker(['list', 'openSSH', '--show-sequence', '--json']);
  assert.equal(JSON.parse(r.stdout)[0].sequence, '32512,8425,27705');
  r = await knocker(['import', 'json', '-'], '{"format":"knocker-profiles","version":1,"profiles":[{"name":"z","host":"h","ssh":{"port":0}}]}');
  assert.equal(r.code, 8);
  assert.match(r.stderr, /invalid stdin profiles\[0\]:\n {2}profiles\[0\]\.ssh\.port: 0 is out of range/);
  r = await knocker(['import', 'nonsense']);
  assert.equal(r.code, 2);
});
