import { test } from 'node:test';
import assert from 'node:assert/strict';

import { missingParts, parseFacts } from './server-facts.js';

const base = (over: Record<string, string> = {}, listen: string[] = []): string =>
  Object.entries({ id: 'debian', like: '', version: '"12"', name: '"Debian GNU/Linux 12 (bookworm)"', systemd: 'yes', firewalld: 'active', nft: 'yes', node: 'v18.20.4', tcpdump: 'yes', uid: '0', client: '10.0.0.2', server: '10.0.0.1', iface: 'ens192', zone: 'public', ...over })
    .map(([k, v]) => `${k}=${v}`)
    .concat(listen.map((l) => `listen=${l}`))
    .join('\n');

test('parseFacts: OS family, Node major, listening ports (IPv4 and IPv6)', () => {
  const f = parseFacts(base({}, ['tcp 0.0.0.0:22', 'tcp [::]:443', 'udp 127.0.0.53%lo:53']));
  assert.equal(f.family, 'debian');
  assert.equal(f.packageKind, 'tarball');
  assert.equal(f.nodeMajor, 18);
  assert.deepEqual([...f.listening.tcp].sort(), [22, 443]);
  assert.deepEqual([...f.listening.udp], [53]);
  assert.equal(parseFacts(base({ id: '"centos"', like: '"rhel fedora"', version: '"7"' })).packageKind, 'rpm');
  assert.equal(parseFacts(base({ id: 'rocky', like: '"rhel centos fedora"' })).family, 'rhel');
  assert.equal(parseFacts(base({ id: 'ubuntu', like: 'debian' })).family, 'debian');
});

test('missingParts: names what is missing and the one command that installs it', () => {
  assert.deepEqual(missingParts(parseFacts(base())), { items: [], installCommand: undefined, blockers: [] });
  const deb = missingParts(parseFacts(base({ node: '', tcpdump: 'no' })));
  assert.deepEqual(deb.items, ['Node.js >= 16 (no node found)', 'tcpdump']);
  assert.match(deb.installCommand ?? '', /^apt-get update && .*apt-get install -y nodejs tcpdump$/);
  const c7 = missingParts(parseFacts(base({ id: 'centos', like: '"rhel fedora"', version: '"7"', node: 'v6.17.1', firewalld: 'installed' })));
  assert.deepEqual(c7.items, ['Node.js >= 16 (found v6.17.1)', 'a running firewalld (installed, not running)']);
  assert.equal(c7.installCommand, 'yum install -y epel-release && yum install -y nodejs && systemctl enable --now firewalld');
  assert.match(missingParts(parseFacts(base({ id: 'rocky', like: 'rhel', version: '9.3', tcpdump: 'no' }))).installCommand ?? '', /^dnf install -y tcpdump$/);
  assert.deepEqual(missingParts(parseFacts(base({ uid: '1000', systemd: 'no' }))).blockers.length, 2);
});
