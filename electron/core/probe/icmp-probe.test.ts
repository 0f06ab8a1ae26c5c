import { test } from 'node:test';
import assert from 'node:assert/strict';

import { chooseIcmpProber, netPingProber, pingArgv, systemPingProber } from './icmp-probe.js';

test('the system ping: its command per platform, and a real echo of 127.0.0.1', async () => {
  assert.deepEqual(pingArgv('10.0.0.1', 4, 1500, 'linux'), ['ping', '-n', '-c', '1', '-W', '2', '-4', '10.0.0.1']);
  assert.deepEqual(pingArgv('fd00::1', 6, 1000, 'linux'), ['ping', '-n', '-c', '1', '-W', '1', '-6', 'fd00::1']);
  assert.deepEqual(pingArgv('fd00::1', 6, 1000, 'darwin'), ['ping6', '-c', '1', 'fd00::1']);
  assert.deepEqual(pingArgv('10.0.0.1', 4, 1000, 'win32'), ['ping', '-n', '1', '-w', '1000', '-4', '10.0.0.1']);
  const r = await systemPingProber('linux').echo('127.0.0.1', 4, 1000);
  assert.equal(r.ok, true, r.detail);
  assert.ok((r.rttMs ?? -1) >= 0);
});

test('net-ping is used only when it loads and may open a raw socket; else the system ping, else TCP only', () => {
  assert.match(netPingProber(() => require('net-ping-not-installed')).reason ?? '', /net-ping is not available \(Cannot find module/);
  const denied = netPingProber(() => ({
    NetworkProtocol: { IPv4: 1, IPv6: 2 },
    createSession: () => {
      throw new Error('Operation not permitted');
    },
  }));
  assert.equal(denied.reason, 'raw ICMP is not permitted (Operation not permitted)');
  const opened: number[] = [];
  const allowed = netPingProber(() => ({
    NetworkProtocol: { IPv4: 1, IPv6: 2 },
    createSession: (o: { networkProtocol: number }) => {
      opened.push(o.networkProtocol);
      return { pingHost: () => undefined, close: () => undefined };
    },
  }));
  assert.equal(allowed.prober?.method, 'icmp');
  assert.deepEqual(opened, [1]);

  const missing = () => {
    throw new Error('Cannot find module');
  };
  const viaPing = chooseIcmpProber({ loadNetPing: missing, hasPing: () => true, platform: 'linux' });
  assert.equal(viaPing.prober?.method, 'ping');
  assert.deepEqual(viaPing.notes, ['net-ping is not available (Cannot find module)', 'using the system ping']);
  const none = chooseIcmpProber({ loadNetPing: missing, hasPing: () => false });
  assert.equal(none.prober, undefined);
  assert.match(none.notes.join(' '), /TCP probe of the SSH port only/);
});

test('the real net-ping: ICMP from this process where raw sockets are permitted (root), else a reason', async () => {
  const r = netPingProber();
  if (r.reason && /not available/.test(r.reason)) {
    // An optional dependency: a machine where it did not build uses the system ping instead.
    assert.match(r.reason, /net-ping is not available/);
    return;
  }
  if (process.getuid?.() === 0) {
    assert.equal(r.prober?.method, 'icmp', r.reason);
    const echo = await r.prober!.echo('127.0.0.1', 4, 1000);
    r.prober!.close?.();
    assert.equal(echo.ok, true, echo.detail);
    assert.ok((echo.rttMs ?? -1) >= 0);
  } else {
    assert.match(r.reason ?? '', /raw ICMP is not permitted/);
  }
});
