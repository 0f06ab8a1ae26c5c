// The lab's real server: systemd is PID 1, sshd, firewalld (nftables), Node >= 16 and tcpdump
// are there; a permanent firewall change and a file survive poweroff + boot; down() leaves no
// namespace and no mount behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';

import { SystemdServer, run } from 'knocker-lab';

test('systemd server lab: boots Debian 12 with systemd, sshd, firewalld; survives a reboot; cleans up', async (t) => {
  const srv = await SystemdServer.up();
  t.after(() => srv.down());

  assert.equal((await srv.sshOk('cat /proc/1/comm')).trim(), 'systemd');
  assert.match(await srv.sshOk('systemctl is-system-running --wait || true', { timeoutMs: 60_000 }), /running|degraded/);
  assert.equal((await srv.sshOk('systemctl is-active firewalld sshd')).trim().split('\n').join(','), 'active,active');
  assert.match(await srv.sshOk('grep ^FirewallBackend /etc/firewalld/firewalld.conf'), /nftables/);
  const major = Number((await srv.sshOk('node --version')).trim().replace(/^v/, '').split('.')[0]);
  assert.ok(major >= 16, `node ${major} on the server`);
  await srv.sshOk('command -v tcpdump');
  assert.deepEqual((await srv.sshOk('ls /sys/class/net')).trim().split(/\s+/).sort(), [srv.pair.srvIf, 'lo'].sort(), "the container's /sys shows its own interfaces");
  assert.match((await srv.firewallCmd(['--list-services'])).stdout, /\bssh\b/, 'the default zone allows ssh');

  await srv.sshOk('firewall-cmd --permanent --add-port=4444/tcp && echo kept > /root/marker');
  await srv.reboot();
  assert.equal((await srv.sshOk('cat /root/marker')).trim(), 'kept');
  assert.match((await srv.firewallCmd(['--list-ports'])).stdout, /4444\/tcp/, 'the permanent port is back after the reboot');

  await srv.down();
  assert.equal((await run(['ip', 'netns', 'list'])).stdout.includes(srv.pair.srvNs), false, 'server namespace deleted');
  assert.equal(fs.readFileSync('/proc/mounts', 'utf8').includes(srv.root), false, 'overlay unmounted');
});
