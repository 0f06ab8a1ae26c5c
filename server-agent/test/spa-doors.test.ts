// SPA doors without the network: the config keys, SPA_Source, the refusal-line limit,
// import-fwknop, and the run-time checks on real packets from our encoder (the stock client's
// packets are in test/e2e/spa-door.test.ts), with a real journal on disk.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseKnockdConfig } from '../src/config/knockd-config.js';
import { parseSpaSources, spaSourceMatcher } from '../src/spa-doors/spa-sources.js';
import { BadPacketLog, GLOBAL_PER_MINUTE, PER_SOURCE_PER_MINUTE } from '../src/spa-doors/bad-packet-log.js';
import { parseAccessConf, importFwknopAccess } from '../src/spa-doors/fwknop-import.js';
import { SpaDoors, SpaGrant } from '../src/spa-doors/spa-door-handler.js';
import { AgentLog } from '../src/log/agent-log.js';
import { ExpiryJournal } from '../src/state/expiry-journal.js';
import { generateSpaKeys, spaKeysFrom } from '../src/spa/spa-keys.js';
import { encodeSpaPacket } from '../src/spa/spa-encode.js';
import { encodeMessage, newRandomValue } from '../src/spa/spa-message.js';
import { sealPlaintext } from '../src/spa/spa-packet.js';
import { Door, Packet } from '../src/types.js';
import { buildCaptureFilter } from '../src/capture/bpf-filter.js';
import { spaKeyFileWarning } from '../src/config/spa-door-keys.js';

const pair = generateSpaKeys();
const keys = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: pair.hmacKeyBase64 });

function doorConf(extra = '', open = 'Open = 22/tcp, 53/udp'): string {
  return `[spa]\n  SPA_Key_Base64 = ${pair.keyBase64}\n  SPA_HMAC_Key_Base64 = ${pair.hmacKeyBase64}\n  ${open}\n${extra}`;
}
function parse(text: string) {
  const r = parseKnockdConfig(text, '/etc/knockd.conf');
  return { config: r.config, errors: r.problems.filter((p) => p.severity === 'error').map((p) => p.message) };
}

describe('SPA door keys', () => {
  it('a door with keys and Open parses with fwknopd defaults; no Sequence needed', () => {
    const { config, errors } = parse(doorConf());
    assert.deepEqual(errors, []);
    const spa = config?.doors[0].spa;
    assert.ok(spa);
    assert.equal(spa.port, 62201);
    assert.equal(spa.maxAge, 120);
    assert.equal(spa.maxOpenSeconds, 300);
    assert.deepEqual(spa.sources, ['ANY']);
    assert.equal(spa.hmacDigest, 'sha256');
    assert.ok(spa.key.equals(keys.key));
    assert.equal(config?.doors[0].firewall?.seconds, 30);
  });
  it('every key is read', () => {
    const { config, errors } = parse(
      doorConf('  SPA_Port = 40000\n  SPA_Max_Age = 30\n  SPA_Source = 10.0.0.0/255.255.255.0, 192.0.2.1\n  SPA_Max_Open_Seconds = 60\n  SPA_Require_Source_Address = yes\n  SPA_HMAC_Digest = SHA512\n  Open_Seconds = 10\n  Firewall = none\n  Start_Command = echo %IP%\n'),
    );
    assert.deepEqual(errors, []);
    const d = config?.doors[0] as Door;
    assert.deepEqual({ ...d.spa, key: undefined, hmacKey: undefined }, { key: undefined, hmacKey: undefined, port: 40000, maxAge: 30, sources: ['10.0.0.0/24', '192.0.2.1/32'], maxOpenSeconds: 60, requireSource: true, hmacDigest: 'sha512', line: 2 });
    assert.equal(d.firewall?.permitOnly, true);
  });
  it('refuses what would make a door unsafe or useless, naming the key', () => {
    const cases: [string, RegExp][] = [
      [`[spa]\n  SPA_Key_Base64 = ${pair.keyBase64}\n  Open = 22/tcp\n`, /without SPA_HMAC_Key_Base64/],
      [`[spa]\n  SPA_Key_Base64 = ${pair.keyBase64}\n  SPA_HMAC_Key_Base64 = ${pair.keyBase64}\n  Open = 22/tcp\n`, /must differ/],
      [doorConf('', ''), /needs Open = PORT\/PROTO/],
      [doorConf('  Sequence = 7000,8000\n'), /takes no Sequence/],
      [doorConf('  Firewall = none\n'), /Firewall = none and no Start_Command/],
      [doorConf('  SPA_Key_Base64 = not*base64\n'), /SPA_Key_Base64: .*not base64/],
      [doorConf('  SPA_Port = 0\n'), /SPA_Port: "0"/],
      [doorConf('  SPA_Source = 10.0.0.0/33\n'), /SPA_Source: "10.0.0.0\/33"/],
      [doorConf('  SPA_HMAC_Digest = sha999\n'), /SPA_HMAC_Digest: unknown digest/],
      ['[k]\n  Sequence = 7000\n  Open = 22/tcp\n  Firewall = none\n', /Firewall = none is for SPA doors only/],
    ];
    for (const [text, re] of cases) {
      const { errors } = parse(text);
      assert.ok(errors.some((e) => re.test(e)), `${re} not in ${JSON.stringify(errors)}`);
    }
  });
});

describe('SPA_Source', () => {
  it('ANY, addresses, prefixes and dotted masks; IPv4 only', () => {
    assert.deepEqual(parseSpaSources('any'), { sources: ['ANY'] });
    assert.ok('error' in parseSpaSources('ANY, 10.0.0.1'));
    assert.ok('error' in parseSpaSources('10.0.0.0/255.0.255.0'));
    assert.ok('error' in parseSpaSources('fe80::1'));
    const r = parseSpaSources('10.1.0.0/16, 192.0.2.7');
    assert.ok('sources' in r);
    const ok = spaSourceMatcher(r.sources);
    assert.equal(ok('10.1.200.3', 4), true);
    assert.equal(ok('10.2.0.1', 4), false);
    assert.equal(ok('192.0.2.7', 4), true);
    assert.equal(ok('192.0.2.8', 4), false);
    assert.equal(ok('::ffff:10.1.0.1', 6), false);
    assert.equal(spaSourceMatcher(['ANY'])('2001:db8::1', 6), true);
  });
});

describe('refusal lines under a flood', () => {
  it('a few per source a minute, a few dozen for all sources, the held-back count said later', () => {
    let t = 0;
    const out: string[] = [];
    const log = new BadPacketLog((l) => out.push(l), () => t);
    for (let i = 0; i < 100; i++) log.line('10.0.0.1', 'bad');
    assert.equal(out.length, PER_SOURCE_PER_MINUTE);
    for (let i = 0; i < 1000; i++) log.line(`10.0.${i >> 8}.${i & 255}`, 'bad');
    assert.equal(out.length, GLOBAL_PER_MINUTE);
    t = 60_000;
    log.line('10.0.0.1', 'bad');
    assert.equal(out.length, GLOBAL_PER_MINUTE + 1);
    assert.match(out[out.length - 1], /^bad \(\d+ refusal line\(s\) held back by the log rate limit\)$/);
  });
});

describe('import-fwknop', () => {
  it('maps access.conf keys to door keys and names what it leaves out (never a secret value)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kimp-'));
    const file = path.join(dir, 'access.conf');
    fs.writeFileSync(
      file,
      `# comment\nSOURCE   ANY\nOPEN_PORTS  tcp/22, udp/53\nKEY_BASE64: ${pair.keyBase64}\nHMAC_KEY_BASE64 ${pair.hmacKeyBase64}\nHMAC_DIGEST_TYPE SHA512\nFW_ACCESS_TIMEOUT 45\nMAX_FW_TIMEOUT 90\nREQUIRE_SOURCE_ADDRESS Y\nGPG_DECRYPT_PW hunter2\n\nSOURCE 10.0.0.0/24\nKEY abc\n`,
    );
    assert.equal(parseAccessConf(fs.readFileSync(file, 'utf8')).stanzas.length, 2);
    const text = importFwknopAccess(file);
    fs.rmSync(dir, { recursive: true });
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /# not supported, left out: GPG_DECRYPT_PW/);
    assert.match(text, /Open = 22\/tcp, 53\/udp/);
    assert.match(text, /SPA_Key_Base64 = YWJj\n/);
    assert.match(text, /no HMAC key: knocker-agent requires one/);
    // The first door is a working config as it stands.
    const first = text.split('\n[fwknop2]')[0];
    const { config, errors } = parse(first);
    assert.deepEqual(errors, []);
    const d = config?.doors[0] as Door;
    assert.deepEqual([d.firewall?.seconds, d.spa?.maxOpenSeconds, d.spa?.requireSource, d.spa?.hmacDigest], [45, 90, true, 'sha512']);
  });
});

describe('SPA doors at run time', () => {
  let dir: string;
  let journal: ExpiryJournal;
  let lines: string[];
  let grants: SpaGrant[];
  let log: AgentLog;
  const now = 1_800_000_000_000;

  function handler(extra = ''): SpaDoors {
    const config = parse(doorConf(extra)).config;
    assert.ok(config);
    return new SpaDoors(config.doors, { log, journal, grant: (g) => grants.push(g), now: () => now });
  }
  const pkt = (wire: string, src = '198.51.100.9', dport = 62201): Packet => ({
    family: 4, src, dst: '10.0.0.1', protocol: 17, sport: 40000, dport, tcpFlags: 0, length: 0, timestampMs: now, payload: Buffer.from(wire, 'latin1'),
  });
  const packet = (o: Partial<Parameters<typeof encodeSpaPacket>[0]> = {}, k = keys) =>
    encodeSpaPacket({ allowIp: '192.0.2.44', access: 'tcp/22', username: 'alice', nowMs: now, ...o }, k);

  // node 16's test runner has no beforeEach: each test calls setup() and cleans up.
  function setup(): void {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kspa-'));
    journal = new ExpiryJournal(dir);
    journal.load();
    lines = [];
    grants = [];
    log = new AgentLog({ useSyslog: false, verbose: true, debug: false }, { write: (s: string) => lines.push(s.trimEnd()) } as unknown as typeof process.stdout);
  }
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });

  it('accepts once: the address inside, the door default time or the client time capped; a replay is refused, also by a new agent on the same journal', async () => {
    setup();
    const h = handler('  SPA_Max_Open_Seconds = 100\n');
    const wire = packet({ clientTimeout: 500 });
    h.handle(pkt(wire));
    assert.equal(grants.length, 1);
    assert.deepEqual({ ...grants[0], door: grants[0].door.name }, { door: 'spa', allowIp: '192.0.2.44', family: 4, access: [{ proto: 'tcp', port: 22 }], seconds: 100 });
    assert.match(lines.join('\n'), /198\.51\.100\.9: spa: OPEN SESAME \(SPA, user alice: tcp\/22 for 192\.0\.2\.44, 100 s\)/);
    h.handle(pkt(wire));
    assert.equal(grants.length, 1);
    assert.match(lines[lines.length - 1], /spa: SPA packet replayed/);
    const entry = journal.all().find((e) => e.kind === 'spa');
    assert.ok(entry && entry.deadline > now + 119_000, 'digest journaled until timestamp + max age');
    await journal.settled(); // journal writes are batched: a restart reads what reached the disk
    const again = new ExpiryJournal(dir);
    const h2 = new SpaDoors(parse(doorConf()).config?.doors ?? [], { log, journal: again, grant: (g) => grants.push(g), now: () => now });
    h2.restore(again.load());
    h2.handle(pkt(wire));
    assert.equal(grants.length, 1, 'replayed after a restart');
    h.handle(pkt(packet()));
    assert.equal(grants[1].seconds, 30, 'no client timeout: Open_Seconds');
    cleanup();
  });

  it('each refusal has its line and opens nothing', () => {
    setup();
    const h = handler('  SPA_Source = 198.51.100.0/24\n  SPA_Max_Age = 60\n');
    const other = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: generateSpaKeys().hmacKeyBase64 });
    const cases: [Packet, RegExp][] = [
      [pkt(packet(), '203.0.113.1'), /203\.0\.113\.1: spa: SPA packet from a source not allowed \(SPA_Source\)/],
      [pkt(packet({}, other)), /spa: SPA bad HMAC: /],
      [pkt(packet({ nowMs: now - 61_000 })), /spa: SPA packet too old: packet is 61 s old/],
      [pkt(packet({ nowMs: now + 61_000 })), /spa: SPA packet from the future: /],
      [pkt(packet({ access: 'tcp/23' })), /spa: SPA request for tcp\/23 not allowed \(Open = tcp\/22,udp\/53\)/],
      [pkt(sealPlaintext(encodeMessage({ random: newRandomValue(), username: 'u', timestamp: now / 1000, version: '3.0.0', type: 2, message: '192.0.2.44,tcp/22', nat: '10.0.0.5,22' }), keys)), /spa: SPA NAT message not supported: /],
      [pkt(sealPlaintext(encodeMessage({ random: newRandomValue(), username: 'u', timestamp: now / 1000, version: '3.0.0', type: 0, message: '192.0.2.44,touch /tmp/x' }), keys)), /spa: SPA command message not supported: /],
    ];
    // One source each: a source gets only a few refusal lines a minute.
    cases.forEach(([p, re], i) => {
      if (p.src.startsWith('198.51.100.')) p.src = `198.51.100.${10 + i}`;
      h.handle(p);
      assert.match(lines[lines.length - 1], re);
    });
    assert.equal(grants.length, 0);
    // Not SPA-shaped: one verbose line, nothing else.
    h.handle(pkt('x'.repeat(20)));
    assert.match(lines[lines.length - 1], /not an SPA packet/);
    h.handle(pkt(packet(), '198.51.100.9', 9999));
    assert.equal(grants.length, 0, 'another port is not this door');
    cleanup();
  });

  it("0.0.0.0 means the packet's source, unless SPA_Require_Source_Address", () => {
    setup();
    handler().handle(pkt(packet({ allowIp: '0.0.0.0' })));
    assert.equal(grants[0]?.allowIp, '198.51.100.9');
    handler('  SPA_Require_Source_Address = yes\n').handle(pkt(packet({ allowIp: '0.0.0.0' })));
    assert.equal(grants.length, 1);
    assert.match(lines[lines.length - 1], /SPA_Require_Source_Address is set/);
    cleanup();
  });
});

describe('SPA doors in the capture filter', () => {
  it("an SPA door's clause is its UDP port on the local addresses", () => {
    const config = parse(doorConf('  SPA_Port = 40001\n')).config;
    assert.ok(config);
    assert.equal(buildCaptureFilter(config.doors, { v4: ['10.0.0.1'], v6: [] }, { ipv4Only: false }), '((dst host 10.0.0.1) and ((udp dst port 40001)))');
  });
});

describe('--check and the key file', () => {
  it('warns when a config with SPA keys is readable or writable by others, not when it is 0600', () => {
    const config = parse(doorConf()).config;
    assert.match(spaKeyFileWarning('/etc/knockd.conf', config, 0o100644)?.message ?? '', /holds SPA keys and is readable or writable by others \(mode 0644\)/);
    assert.equal(spaKeyFileWarning('/etc/knockd.conf', config, 0o100600), undefined);
    assert.equal(spaKeyFileWarning('/etc/knockd.conf', parse('[k]\n  Sequence = 7000\n').config, 0o100644), undefined, 'no SPA door: no keys');
  });
});
