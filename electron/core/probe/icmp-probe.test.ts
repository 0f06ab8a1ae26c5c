import { test } from 'node:test';
import assert from 'node:assert/strict';

import { chooseIcmpProber, netPingProber, pingArgv, pingReply, systemPingProber } from './icmp-probe.js';

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

// Windows ping, as it prints in several languages (exit status 0 in every case below: Windows
// counts "Destination host unreachable" as a reply). Only a real echo reply may count.
const WIN = {
  enOk: 'Pinging 192.0.2.7 with 32 bytes of data:\r\nReply from 192.0.2.7: bytes=32 time=14ms TTL=57\r\n\r\nPing statistics for 192.0.2.7:\r\n    Packets: Sent = 1, Received = 1, Lost = 0 (0% loss),\r\nApproximate round trip times in milli-seconds:\r\n    Minimum = 14ms, Maximum = 14ms, Average = 14ms\r\n',
  deOk: 'Ping wird ausgeführt für 192.0.2.7 mit 32 Bytes Daten:\r\nAntwort von 192.0.2.7: Bytes=32 Zeit<1ms TTL=128\r\n\r\nPing-Statistik für 192.0.2.7:\r\n    Pakete: Gesendet = 1, Empfangen = 1, Verloren = 0\r\n    (0% Verlust),\r\nCa. Zeitangaben in Millisek.:\r\n    Minimum = 0ms, Maximum = 0ms, Mittelwert = 0ms\r\n',
  deUnreachable: 'Ping wird ausgeführt für 192.0.2.7 mit 32 Bytes Daten:\r\nAntwort von 192.0.2.1: Zielhost nicht erreichbar.\r\n\r\nPing-Statistik für 192.0.2.7:\r\n    Pakete: Gesendet = 1, Empfangen = 1, Verloren = 0\r\n    (0% Verlust),\r\n',
  deUnreachableFromTarget: 'Ping wird ausgeführt für 192.0.2.7 mit 32 Bytes Daten:\r\nAntwort von 192.0.2.7: Zielhost nicht erreichbar.\r\n\r\nPing-Statistik für 192.0.2.7:\r\n    Pakete: Gesendet = 1, Empfangen = 1, Verloren = 0\r\n    (0% Verlust),\r\nCa. Zeitangaben in Millisek.:\r\n    Minimum = 0ms, Maximum = 0ms, Mittelwert = 0ms\r\n',
  frOk: 'Envoi d’une requête \'Ping\'  192.0.2.7 avec 32 octets de données :\r\nRéponse de 192.0.2.7 : octets=32 temps=23 ms TTL=54\r\n\r\nStatistiques Ping pour 192.0.2.7:\r\n    Paquets : envoyés = 1, reçus = 1, perdus = 0 (perte 0%),\r\n',
  frUnreachable: 'Envoi d’une requête \'Ping\'  192.0.2.7 avec 32 octets de données :\r\nRéponse de 192.0.2.7 : Impossible de joindre l’hôte de destination.\r\n\r\nStatistiques Ping pour 192.0.2.7:\r\n    Paquets : envoyés = 1, reçus = 1, perdus = 0 (perte 0%),\r\n',
  frTtlExpired: 'Réponse de 198.51.100.1 : Durée de vie TTL expirée lors du transit.\r\nStatistiques Ping pour 192.0.2.7:\r\n',
  jaOk: '192.0.2.7 に ping を送信しています 32 バイトのデータ:\r\n192.0.2.7 からの応答: バイト数 =32 時間 =9ms TTL=118\r\n\r\n192.0.2.7 の ping 統計:\r\n    パケット数: 送信 = 1、受信 = 1、損失 = 0 (0% の損失)、\r\nラウンド トリップの概算時間 (ミリ秒):\r\n    最小 = 9ms、最大 = 9ms、平均 = 9ms\r\n',
  jaUnreachable: '192.0.2.7 に ping を送信しています 32 バイトのデータ:\r\n192.0.2.7 からの応答: 宛先ホストに到達できません。\r\n\r\n192.0.2.7 の ping 統計:\r\n    パケット数: 送信 = 1、受信 = 1、損失 = 0 (0% の損失)、\r\nラウンド トリップの概算時間 (ミリ秒):\r\n    最小 = 0ms、最大 = 0ms、平均 = 0ms\r\n',
  ja6Ok: '2001:db8::7 に ping を送信しています 32 バイトのデータ:\r\n2001:db8::7 からの応答: 時間 <1ms\r\n\r\n2001:db8::7 の ping 統計:\r\n',
  de6Unreachable: 'Ping wird ausgeführt für 2001:db8::7 mit 32 Bytes Daten:\r\nZielhost nicht erreichbar.\r\n\r\nPing-Statistik für 2001:db8::7:\r\n    Pakete: Gesendet = 1, Empfangen = 0, Verloren = 1\r\n',
};

test('Windows ping: a reply is told from "unreachable" by the reply line itself, in any language', () => {
  const ok = (out: string, addr = '192.0.2.7') => pingReply(out, 0, addr, 'win32');
  assert.deepEqual(ok(WIN.enOk), { ok: true, rttMs: 14 });
  assert.deepEqual(ok(WIN.deOk), { ok: true, rttMs: 1 });
  assert.deepEqual(ok(WIN.frOk), { ok: true, rttMs: 23 });
  assert.deepEqual(ok(WIN.jaOk), { ok: true, rttMs: 9 });
  assert.deepEqual(ok(WIN.ja6Ok, '2001:db8::7'), { ok: true, rttMs: 1 });
  assert.deepEqual(ok(WIN.deUnreachable), { ok: false }, 'German "Zielhost nicht erreichbar" with exit status 0');
  assert.deepEqual(ok(WIN.deUnreachableFromTarget), { ok: false }, 'the statistics\' "Minimum = 0ms" is no reply');
  assert.deepEqual(ok(WIN.frUnreachable), { ok: false });
  assert.deepEqual(ok(WIN.frTtlExpired), { ok: false });
  assert.deepEqual(ok(WIN.jaUnreachable), { ok: false });
  assert.deepEqual(ok(WIN.de6Unreachable, '2001:db8::7'), { ok: false });
  // Linux and macOS: the exit status decides (ping exits 1 without a reply, in every language).
  assert.deepEqual(pingReply('64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms', 0, '127.0.0.1', 'linux'), { ok: true, rttMs: 0.045 });
  assert.deepEqual(pingReply('Von 192.0.2.1 icmp_seq=1 Zielhost nicht erreichbar', 1, '192.0.2.7', 'linux'), { ok: false });
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
