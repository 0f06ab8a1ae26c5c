// Interop with Debian's fwknop 2.6.10 (fwknop-spa.md §7 "Local checks"): the stock client's
// packets decode with our decoder (built with --test -B, and captured off the wire in a
// namespace), and our encoder's packets are accepted by a stock `fwknopd -t` in a namespace,
// while tampered, mis-keyed and stale ones are refused with fwknopd's own log lines.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { before, after } from 'knocker-lab';
import { SpaLab, Proc, run } from './spa-lab.js';
import { decodeSpaPacket, SpaRequest } from '../src/spa/spa-decode.js';
import { encodeSpaPacket } from '../src/spa/spa-encode.js';
import { formatKeyGen, generateSpaKeys, spaKeysFrom } from '../src/spa/spa-keys.js';
import { SpaKeys, SPA_DEFAULT_PORT } from '../src/spa/spa-packet.js';
import { SpaEncryptionMode } from '../src/spa/spa-crypto.js';
import { SpaDigestType } from '../src/spa/spa-digest.js';

const pair = generateSpaKeys();
/** A second fwknopd stanza: CTR mode, HMAC-SHA512 (keys sized as fwknop --key-gen makes them). */
const pair2 = generateSpaKeys('sha512');
const keys2: SpaKeys = { ...spaKeysFrom({ keyBase64: pair2.keyBase64, hmacKeyBase64: pair2.hmacKeyBase64, hmacType: 'sha512' }), mode: 'ctr' };
const keys: SpaKeys = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: pair.hmacKeyBase64 });
let dir: string;
let lab: SpaLab;

// Tiny UDP helpers run inside a namespace with this same node binary (argv only, no shell).
const SENDER = `const d=require('dgram');const [h,p,b]=process.argv.slice(2);const s=d.createSocket('udp4');
s.send(Buffer.from(b,'base64'),Number(p),h,(e)=>{if(e){console.error(String(e));process.exit(1)}s.close()});`;
const RECEIVER = `const d=require('dgram');const s=d.createSocket('udp4');
s.on('message',(m)=>{process.stdout.write('PAYLOAD '+m.toString('base64')+'\\n');s.close()});
s.bind(Number(process.argv[2]),()=>process.stdout.write('LISTENING\\n'));`;

/** The stock client with hermetic settings; HOME is the scratch folder so no rc file lands in ~. */
function fwknopArgv(extra: string[], k = pair): string[] {
  return ['fwknop', '--no-rc-file', '--no-save-args', '--key-base64-rijndael', k.keyBase64, '--key-base64-hmac', k.hmacKeyBase64, '--use-hmac', ...extra];
}
const env = () => ({ ...process.env, HOME: dir });

/** A field from fwknop's "SPA Field Values" dump. */
function field(dump: string, name: string): string {
  const m = new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(dump);
  assert.ok(m, `no "${name}" in:\n${dump}`);
  return m[1];
}

function decodeNow(payload: string | Buffer, k: SpaKeys, maxAge = 120): SpaRequest {
  const r = decodeSpaPacket(payload, k, { nowMs: Date.now(), maxAgeSeconds: maxAge });
  assert.ok(r.ok, `our decoder refused the stock client's packet: ${!r.ok && r.reason}`);
  return r.request;
}

describe('fwknop interop (Debian fwknop-client / fwknop-server 2.6.10)', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-interop-'));
    lab = await SpaLab.create();
  });
  after(async () => {
    await lab?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fwknop --key-gen prints the same two lines as ours, and its keys parse', async () => {
    const r = await run(['fwknop', '--key-gen'], env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const m = /^KEY_BASE64: (\S+)\nHMAC_KEY_BASE64: (\S+)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.match(formatKeyGen(generateSpaKeys()), /^KEY_BASE64: \S{44}\nHMAC_KEY_BASE64: \S{88}\n$/);
    assert.equal(m[1].length, 44);
    assert.equal(m[2].length, 88);
    const k = spaKeysFrom({ keyBase64: m[1], hmacKeyBase64: m[2] });
    assert.equal(k.key.length, 32);
    assert.equal(k.hmacKey?.length, 64);
  });

  const variants: { name: string; args: string[]; mode?: SpaEncryptionMode; hmacType?: SpaDigestType; digest: SpaDigestType }[] = [
    { name: 'defaults (CBC, SHA-256 digest and HMAC)', args: [], digest: 'sha256' },
    { name: '-m sha512 --hmac-digest-type sha384 -M ctr', args: ['-m', 'sha512', '--hmac-digest-type', 'sha384', '-M', 'ctr'], mode: 'ctr', hmacType: 'sha384', digest: 'sha512' },
    { name: '-m sha3_256 --hmac-digest-type sha3_512 -M ofb', args: ['-m', 'sha3_256', '--hmac-digest-type', 'sha3_512', '-M', 'ofb'], mode: 'ofb', hmacType: 'sha3_512', digest: 'sha3_256' },
    { name: '-m md5 --hmac-digest-type sha1 -M cfb', args: ['-m', 'md5', '--hmac-digest-type', 'sha1', '-M', 'cfb'], mode: 'cfb', hmacType: 'sha1', digest: 'md5' },
    { name: '-M ecb --hmac-digest-type sha512', args: ['-M', 'ecb', '--hmac-digest-type', 'sha512'], mode: 'ecb', hmacType: 'sha512', digest: 'sha256' },
  ];
  for (const v of variants) {
    it(`the stock client's packet (--test -B) decodes with our decoder: ${v.name}`, async () => {
      const file = path.join(dir, `pkt-${variants.indexOf(v)}`);
      const r = await run(fwknopArgv(['-A', 'tcp/22,udp/53', '-a', '10.1.2.3', '-U', 'alice', '-f', '45', '-D', '127.0.0.1', '--test', '-B', file, '-v', ...v.args]), env());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const saved = fs.readFileSync(file, 'latin1');
      // -B writes the packet plus a newline; the datagram itself has none.
      assert.equal(saved, `${field(r.stdout, 'Final SPA Data')}\n`);
      const req = decodeNow(saved.trimEnd(), { ...keys, mode: v.mode, hmacType: v.hmacType });
      assert.equal(req.allowIp, '10.1.2.3');
      assert.deepEqual(req.access, [{ proto: 'tcp', port: 22 }, { proto: 'udp', port: 53 }]);
      assert.equal(req.username, 'alice');
      assert.equal(req.clientTimeout, 45);
      assert.equal(req.messageType, 3);
      assert.equal(req.timestamp, Number(field(r.stdout, 'Timestamp')));
      assert.equal(req.version, field(r.stdout, 'FKO Version'));
      assert.equal(req.digestType, v.digest);
      // The same packet with the wrong mode or HMAC type is refused, not misread.
      const wrong = decodeSpaPacket(saved.trimEnd(), { ...keys, hmacKey: Buffer.from(generateSpaKeys().hmacKeyBase64, 'base64'), mode: v.mode, hmacType: v.hmacType }, { nowMs: Date.now(), maxAgeSeconds: 120 });
      assert.equal(!wrong.ok && wrong.code, 'hmac');
    });
  }

  it("the stock client's packet captured off the wire in a namespace decodes (-s: allow 0.0.0.0)", async () => {
    const script = path.join(dir, 'receiver.js');
    fs.writeFileSync(script, RECEIVER);
    const rx = lab.spawn(lab.srvNs, [process.execPath, script, String(SPA_DEFAULT_PORT)]);
    await rx.waitOutput(/LISTENING/, 'the UDP receiver in the server namespace');
    const r = await lab.exec(lab.cliNs, fwknopArgv(['-A', 'tcp/22', '-s', '-U', 'bob', '-D', lab.srv4]), env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const m = await rx.waitOutput(/PAYLOAD (\S+)/, 'the stock client\'s datagram');
    const payload = Buffer.from(m[1], 'base64');
    assert.ok(/^[A-Za-z0-9+/]+$/.test(payload.toString('latin1')), 'bare base64, no newline, no header');
    const req = decodeNow(payload, keys);
    assert.equal(req.allowIp, '0.0.0.0');
    assert.deepEqual(req.access, [{ proto: 'tcp', port: 22 }]);
    assert.equal(req.username, 'bob');
    assert.equal(req.clientTimeout, null);
    assert.equal(req.messageType, 1);
    assert.ok(Math.abs(req.timestamp - Date.now() / 1000) < 10, `timestamp ${req.timestamp}`);
  });

  describe('our encoder -> stock fwknopd -t in a namespace', () => {
    let fwknopd: Proc;
    const sender = () => path.join(dir, 'sender.js');

    before(async () => {
      fs.writeFileSync(sender(), SENDER);
      fs.writeFileSync(path.join(dir, 'fwknopd.conf'), `PCAP_INTF ${lab.srvIf};\nPCAP_FILTER udp port ${SPA_DEFAULT_PORT};\nENABLE_SPA_PACKET_AGING Y;\nMAX_SPA_PACKET_AGE 120;\n`, { mode: 0o600 });
      fs.writeFileSync(
        path.join(dir, 'access.conf'),
        `SOURCE ANY\nOPEN_PORTS tcp/22,udp/53\nREQUIRE_SOURCE_ADDRESS Y\nKEY_BASE64 ${pair.keyBase64}\nHMAC_KEY_BASE64 ${pair.hmacKeyBase64}\nHMAC_DIGEST_TYPE sha256\n\n` +
          `SOURCE ANY\nOPEN_PORTS tcp/443\nKEY_BASE64 ${pair2.keyBase64}\nHMAC_KEY_BASE64 ${pair2.hmacKeyBase64}\nHMAC_DIGEST_TYPE sha512\nENCRYPTION_MODE ctr\n`,
        { mode: 0o600 },
      );
      fwknopd = lab.spawn(lab.srvNs, [
        'fwknopd', '-f', '-t', '-v', '-i', lab.srvIf, '-c', path.join(dir, 'fwknopd.conf'), '-a', path.join(dir, 'access.conf'),
        '-d', path.join(dir, 'digest.cache'), '-p', path.join(dir, 'fwknopd.pid'),
      ]);
      await fwknopd.waitOutput(/Starting fwknopd main event loop/, 'fwknopd to start');
    });
    after(async () => {
      await fwknopd?.stop();
    });

    /** Send `wire` from the client namespace; return fwknopd's log for it (up to its verdict line). */
    async function verdict(wire: string, verdictRe: RegExp, what: string): Promise<string> {
      const from = fwknopd.out.length;
      const s = await lab.exec(lab.cliNs, [process.execPath, sender(), lab.srv4, String(SPA_DEFAULT_PORT), Buffer.from(wire, 'latin1').toString('base64')]);
      assert.equal(s.code, 0, s.stderr);
      await fwknopd.waitOutput(verdictRe, what, from);
      return fwknopd.out.slice(from);
    }
    const ACCEPTED = /--test mode enabled, skipping firewall manipulation\./;

    it('accepts our access request with a client timeout (its decode dump shows our fields)', async () => {
      const wire = encodeSpaPacket({ allowIp: '10.5.6.7', access: 'tcp/22,udp/53', username: 'knocker', clientTimeout: 60 }, keys);
      const log = await verdict(wire, ACCEPTED, 'fwknopd accepting our packet');
      assert.match(log, /SPA Decode \(res=0\)/);
      assert.match(log, /Message String: 10\.5\.6\.7,tcp\/22,udp\/53/);
      assert.match(log, /Username: knocker/);
      assert.match(log, /Client Timeout: 60/);
      assert.ok(log.includes(`SPA Packet: '${wire}'`), log);
    });

    it('accepts a SHA-512 message digest and a 48-byte username', async () => {
      const user = 'u'.repeat(48);
      const wire = encodeSpaPacket({ allowIp: lab.cli4, access: [{ proto: 'tcp', port: 22 }], username: user, digestType: 'sha512' }, keys);
      const log = await verdict(wire, ACCEPTED, 'fwknopd accepting a sha512-digest packet');
      assert.match(log, /Digest Type: 5 \(SHA512\)/);
      assert.ok(log.includes(`Username: ${user}`), log);
    });

    it('accepts a CTR-mode, HMAC-SHA512 packet at the stanza configured for it', async () => {
      const wire = encodeSpaPacket({ allowIp: '10.5.6.8', access: 'tcp/443', username: 'knocker' }, keys2);
      const log = await verdict(wire, /\(stanza #2\) --test mode enabled, skipping firewall manipulation\./, 'fwknopd accepting a CTR/SHA-512 packet at stanza #2');
      assert.match(log, /Encryption Mode: 6 \(CTR\)/);
      assert.match(log, /HMAC Type: 5 \(SHA512\)/);
      assert.match(log, /Message String: 10\.5\.6\.8,tcp\/443/);
    });

    it('refuses a packet with one flipped character: HMAC compare failure', async () => {
      const wire = encodeSpaPacket({ allowIp: '10.5.6.7', access: 'tcp/22', username: 'knocker' }, keys);
      const i = 60;
      const tampered = wire.slice(0, i) + (wire[i] === 'A' ? 'B' : 'A') + wire.slice(i + 1);
      const log = await verdict(tampered, /HMAC_COMPAREFAIL|Non-corresponding HMAC/, 'fwknopd refusing a tampered packet');
      assert.doesNotMatch(log, ACCEPTED);
    });

    it('refuses a packet made with another HMAC key', async () => {
      const other = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: generateSpaKeys().hmacKeyBase64 });
      const log = await verdict(encodeSpaPacket({ allowIp: '10.5.6.7', access: 'tcp/22', username: 'knocker' }, other), /HMAC_COMPAREFAIL|Non-corresponding HMAC/, 'fwknopd refusing a wrong-HMAC-key packet');
      assert.doesNotMatch(log, ACCEPTED);
    });

    it('refuses a packet 200 s old: time difference too great', async () => {
      const wire = encodeSpaPacket({ allowIp: '10.5.6.7', access: 'tcp/22', username: 'knocker', nowMs: Date.now() - 200_000 }, keys);
      const log = await verdict(wire, /SPA data time difference is too great/, 'fwknopd refusing a stale packet');
      assert.doesNotMatch(log, ACCEPTED);
    });

    it('refuses a port outside OPEN_PORTS', async () => {
      const wire = encodeSpaPacket({ allowIp: '10.5.6.7', access: 'tcp/2222', username: 'knocker' }, keys);
      const log = await verdict(wire, /One or more requested protocol\/ports was denied/, 'fwknopd refusing tcp/2222');
      assert.doesNotMatch(log, ACCEPTED);
    });
  });
});
