// Our encoder against our decoder: random round trips in every mode and digest, the limits of
// fwknop-spa.md §8, and tampered, mis-keyed, stale and odd packets, each refused with its reason.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'crypto';
import { decodeSpaPacket, SpaDecodeResult } from '../src/spa/spa-decode.js';
import { encodeSpaPacket } from '../src/spa/spa-encode.js';
import { SpaKeys, sealPlaintext, SPA_RIJNDAEL_LIMIT } from '../src/spa/spa-packet.js';
import { SPA_ENCRYPTION_MODES } from '../src/spa/spa-crypto.js';
import { SPA_DIGESTS, SpaDigestType } from '../src/spa/spa-digest.js';
import { encodeMessage, SPA_PROTOCOL_VERSION } from '../src/spa/spa-message.js';
import { SpaAccess } from '../src/spa/spa-access.js';
import { generateSpaKeys, formatKeyGen, spaKeysFrom, parseKeyBase64 } from '../src/spa/spa-keys.js';
import { spaReplayDigest, SpaReplaySet } from '../src/spa/spa-replay.js';
import { SpaRejectCode } from '../src/spa/spa-error.js';

const NOW = 1_800_000_000_000;
const opts = { nowMs: NOW, maxAgeSeconds: 120 };
const DIGESTS = Object.keys(SPA_DIGESTS) as SpaDigestType[];
const pick = <T>(xs: readonly T[]): T => xs[crypto.randomInt(xs.length)];

function freshKeys(hmacType: SpaDigestType = 'sha256'): SpaKeys {
  const k = generateSpaKeys(hmacType);
  return { ...spaKeysFrom({ keyBase64: k.keyBase64, hmacKeyBase64: k.hmacKeyBase64, hmacType }) };
}

function rejected(r: SpaDecodeResult, code: SpaRejectCode, text?: RegExp): void {
  assert.equal(r.ok, false, 'expected a rejection');
  if (r.ok) return;
  assert.equal(r.code, code, r.reason);
  if (text) assert.match(r.reason, text);
}

function randomAccess(): SpaAccess[] {
  return Array.from({ length: 1 + crypto.randomInt(5) }, () => ({ proto: pick(['tcp', 'udp'] as const), port: 1 + crypto.randomInt(65535) }));
}
const USER_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-@#$%&()!~^`{}\'';
const randomUser = () => Array.from({ length: 1 + crypto.randomInt(48) }, () => pick([...USER_CHARS])).join('');
const randomIp = () => Array.from({ length: 4 }, () => crypto.randomInt(256)).join('.');

describe('SPA encoder -> decoder round trip', () => {
  it('500 random requests decode to what was encoded (every mode, digest and HMAC type)', () => {
    for (let i = 0; i < 500; i++) {
      const keys = { ...freshKeys(pick(DIGESTS)), mode: pick(SPA_ENCRYPTION_MODES) };
      const req = {
        allowIp: randomIp(),
        access: randomAccess(),
        username: randomUser(),
        clientTimeout: crypto.randomInt(3) === 0 ? 1 + crypto.randomInt(65536) : undefined,
        digestType: pick(DIGESTS),
        nowMs: NOW + crypto.randomInt(-120_000, 120_000),
      };
      let wire: string;
      try {
        wire = encodeSpaPacket(req, keys);
      } catch (e) {
        // Only the 400-character limit may refuse a random request (5 ports, 48-byte name, sha512).
        assert.match(String(e), /would be \d+ characters; fwknopd needs under 400/);
        continue;
      }
      assert.ok(wire.length < SPA_RIJNDAEL_LIMIT && /^[A-Za-z0-9+/]+$/.test(wire), wire);
      const r = decodeSpaPacket(wire, keys, opts);
      assert.ok(r.ok, `case ${i}: ${!r.ok && r.reason} ${JSON.stringify({ ...req, mode: keys.mode, hmac: keys.hmacType })}`);
      assert.equal(r.request.allowIp, req.allowIp);
      assert.deepEqual(r.request.access, req.access);
      assert.equal(r.request.username, req.username);
      assert.equal(r.request.clientTimeout, req.clientTimeout ?? null);
      assert.equal(r.request.messageType, req.clientTimeout ? 3 : 1);
      assert.equal(r.request.timestamp, Math.floor(req.nowMs / 1000));
      assert.equal(r.request.version, SPA_PROTOCOL_VERSION);
      assert.equal(r.request.kind, 'access');
      // SHA-256 and SHA3-256 (and 512s) share a length; the decoder says which one matched.
      assert.equal(r.request.digestType, req.digestType);
    }
  });

  it('a typical tcp/22 packet with SHA-256 digest and HMAC is 204 or 225 characters', () => {
    const keys = freshKeys();
    const lengths = new Set<number>();
    for (let i = 0; i < 50; i++) lengths.add(encodeSpaPacket({ allowIp: '10.0.0.2', access: 'tcp/22', username: 'alice' }, keys).length);
    for (const l of lengths) assert.ok(l === 204 || l === 225, `length ${l}`);
  });
});

describe('SPA encoder limits (fwknop-spa.md §8)', () => {
  const keys = freshKeys();
  const base = { allowIp: '10.0.0.2', access: 'tcp/22', username: 'alice' };
  it('username over 48 bytes, or with a character fwknop refuses', () => {
    encodeSpaPacket({ ...base, username: 'u'.repeat(48) }, keys);
    assert.throws(() => encodeSpaPacket({ ...base, username: 'u'.repeat(49) }, keys), /username is 49 bytes \(fwknop allows at most 48\)/);
    assert.throws(() => encodeSpaPacket({ ...base, username: 'a:b' }, keys), /username has the character ":"/);
  });
  it('protocols other than lowercase tcp/udp, ports outside 1-65535', () => {
    assert.throws(() => encodeSpaPacket({ ...base, access: 'TCP/22' }, keys), /protocol "TCP" is not tcp or udp/);
    assert.throws(() => encodeSpaPacket({ ...base, access: 'icmp/0' }, keys), /protocol "icmp"/);
    assert.throws(() => encodeSpaPacket({ ...base, access: 'tcp/0' }, keys), /port 0 is outside 1-65535/);
    assert.throws(() => encodeSpaPacket({ ...base, access: 'tcp/22/x' }, keys), /is not proto\/port/);
    assert.throws(() => encodeSpaPacket({ ...base, access: 'tcp/22,' }, keys), /empty item/);
  });
  it('an allow address that is not dotted IPv4', () => {
    assert.throws(() => encodeSpaPacket({ ...base, allowIp: '10.0.0' }, keys), /not a dotted IPv4/);
    assert.throws(() => encodeSpaPacket({ ...base, allowIp: '10.0.0.256' }, keys), /not a dotted IPv4/);
  });
  it('a request that would make a packet of 400 characters or more', () => {
    const many = Array.from({ length: 14 }, (_, i) => `tcp/${60000 + i}`).join(',');
    assert.throws(() => encodeSpaPacket({ ...base, access: many }, keys), /would be \d+ characters; fwknopd needs under 400/);
  });
});

describe('SPA decoder rejections', () => {
  const keys = freshKeys();
  const wire = encodeSpaPacket({ allowIp: '10.0.0.2', access: 'tcp/22', username: 'alice', nowMs: NOW }, keys);

  it('every single flipped character fails the HMAC check', () => {
    for (let i = 0; i < wire.length; i++) {
      const c = wire[i] === 'A' ? 'B' : 'A';
      rejected(decodeSpaPacket(wire.slice(0, i) + c + wire.slice(i + 1), keys, opts), 'hmac', /HMAC \(sha256\) does not match/);
    }
  });
  it('another HMAC key: hmac; right HMAC key but another encryption key: decrypt', () => {
    rejected(decodeSpaPacket(wire, { ...keys, hmacKey: crypto.randomBytes(64) }, opts), 'hmac');
    rejected(decodeSpaPacket(wire, { ...keys, key: crypto.randomBytes(32) }, opts), 'decrypt', /wrong key or encryption mode/);
    rejected(decodeSpaPacket(wire, { ...keys, mode: 'ctr' }, opts), 'decrypt');
  });
  it('too old and too far in the future, either side of the limit', () => {
    assert.ok(decodeSpaPacket(wire, keys, { nowMs: NOW + 120_999, maxAgeSeconds: 120 }).ok);
    rejected(decodeSpaPacket(wire, keys, { nowMs: NOW + 121_000, maxAgeSeconds: 120 }), 'too-old', /121 s old \(allowed: 120 s\)/);
    assert.ok(decodeSpaPacket(wire, keys, { nowMs: NOW - 120_000, maxAgeSeconds: 120 }).ok);
    rejected(decodeSpaPacket(wire, keys, { nowMs: NOW - 121_000, maxAgeSeconds: 120 }), 'future', /121 s in the future/);
  });
  it('payloads that are not SPA: size, charset, trailing newline, the Salted__ prefix, no HMAC', () => {
    rejected(decodeSpaPacket('A'.repeat(139), keys, opts), 'format', /139 bytes/);
    rejected(decodeSpaPacket('A'.repeat(1500), keys, opts), 'format', /1500 bytes/);
    rejected(decodeSpaPacket(wire + '\n', keys, opts), 'format', /byte \d+ \("\\n"\) is not base64/);
    rejected(decodeSpaPacket('U2FsdGVkX1' + wire, keys, opts), 'format', /starts with "U2FsdGVkX1"/);
    const noHmac = sealPlaintext(encodeMessage({ random: '1'.repeat(16), username: 'a', timestamp: NOW / 1000, version: '3.0.0', type: 1, message: '10.0.0.2,tcp/22' }), { key: keys.key });
    rejected(decodeSpaPacket(noHmac, keys, opts), 'hmac');
    rejected(decodeSpaPacket(Buffer.from(wire.slice(0, 200) + '\u00ff' + wire.slice(201), 'latin1'), keys, opts), 'format');
  });

  /** Seal arbitrary plaintext with the right keys, so the checks after the HMAC are reached. */
  const sealed = (plaintext: string) => sealPlaintext(plaintext, keys);
  const fields = { random: '1234567890123456', username: 'bob', timestamp: NOW / 1000, version: '3.0.0' };

  it('NAT and command messages are identified and refused with their own line', () => {
    const nat = sealed(encodeMessage({ ...fields, type: 2, message: '10.0.0.2,tcp/22', nat: '192.168.1.5,22' }));
    rejected(decodeSpaPacket(nat, keys, opts), 'nat', /NAT access message \(type 2, NAT 192.168.1.5,22\) is not supported/);
    const cmd = sealed(encodeMessage({ ...fields, type: 0, message: '10.0.0.2,touch /tmp/x' }));
    const r = decodeSpaPacket(cmd, keys, opts);
    rejected(r, 'command', /command message \(fwknop -C "touch \/tmp\/x"\) is not allowed/);
    assert.equal(!r.ok && r.request?.username, 'bob', 'the refused request is there for the log line');
    const allowed = decodeSpaPacket(cmd, keys, { ...opts, allowCommands: true });
    assert.ok(allowed.ok && allowed.request.command === 'touch /tmp/x' && allowed.request.allowIp === '10.0.0.2');
  });
  it('a plaintext whose digest does not match, or whose fields break the rules', () => {
    const good = encodeMessage({ ...fields, type: 1, message: '10.0.0.2,tcp/22' });
    rejected(decodeSpaPacket(sealed(good.replace(':Ym9i:', ':Ym9j:')), keys, opts), 'digest', /digest .* does not match/);
    const withDigest = (encoded: string) => sealed(`${encoded}:${crypto.createHash('sha256').update(encoded).digest('base64').replace(/=+$/, '')}`);
    const b = (s: string) => Buffer.from(s).toString('base64').replace(/=+$/, '');
    const enc = (user: string, type: string, ...rest: string[]) => withDigest([fields.random, b(user), String(fields.timestamp), '3.0.0', type, ...rest].join(':'));
    rejected(decodeSpaPacket(enc('bob', '1', b('10.0.0.2,TCP/22')), keys, opts), 'field', /protocol "TCP"/);
    rejected(decodeSpaPacket(enc('bob', '1', b('10.0.0.2,tcp/70000')), keys, opts), 'field', /port 70000/);
    rejected(decodeSpaPacket(enc('bob', '1', b('10.0.0.2,none/0')), keys, opts), 'field', /protocol "none"/);
    rejected(decodeSpaPacket(enc('bob', '1', b('10.0.0.999,tcp/22')), keys, opts), 'field', /not an IPv4 address/);
    rejected(decodeSpaPacket(enc('x'.repeat(49), '1', b('10.0.0.2,tcp/22')), keys, opts), 'field', /username is 66 base64 characters \(fwknop allows 64\)/);
    rejected(decodeSpaPacket(enc('a<b', '1', b('10.0.0.2,tcp/22')), keys, opts), 'field', /username has the character "<"/);
    rejected(decodeSpaPacket(enc('bob', '7', b('10.0.0.2,tcp/22')), keys, opts), 'field', /message type 7/);
    rejected(decodeSpaPacket(enc('bob', '3', b('10.0.0.2,tcp/22')), keys, opts), 'field', /without its client timeout/);
    rejected(decodeSpaPacket(enc('bob', '3', b('10.0.0.2,tcp/22'), '65537'), keys, opts), 'field', /client timeout 65537/);
    rejected(decodeSpaPacket(enc('bob', '1', b('10.0.0.2,tcp/22'), 'YQ', 'YQ'), keys, opts), 'format', /3 fields after the type/);
    rejected(decodeSpaPacket(enc('bob', '1', '10.0.0.2,tcp/22'), keys, opts), 'format', /not base64/);
    const ok = decodeSpaPacket(enc('bob', '3', b('10.0.0.2,tcp/22'), b('auth'), '60'), keys, opts);
    assert.ok(ok.ok && ok.request.clientTimeout === 60 && ok.request.serverAuth === 'auth', JSON.stringify(ok));
  });
});

describe('SPA keys', () => {
  it('generates fwknop --key-gen pairs: 32-byte key, 64-byte HMAC key, base64 with padding', () => {
    const k = generateSpaKeys();
    const text = formatKeyGen(k);
    assert.match(text, /^KEY_BASE64: [A-Za-z0-9+/]{43}=\nHMAC_KEY_BASE64: [A-Za-z0-9+/]{86}==\n$/);
    assert.equal(Buffer.from(k.keyBase64, 'base64').length, 32);
    assert.equal(Buffer.from(generateSpaKeys('sha512').hmacKeyBase64, 'base64').length, 128);
  });
  it('refuses bad base64, wrong lengths and equal keys, naming the setting', () => {
    assert.throws(() => parseKeyBase64('abc$def', 'SPA_Key_Base64', 32), /SPA_Key_Base64: character "\$" at 3 is not base64/);
    assert.throws(() => parseKeyBase64('', 'SPA_Key_Base64', 32), /SPA_Key_Base64: empty key/);
    assert.throws(() => parseKeyBase64(crypto.randomBytes(33).toString('base64'), 'SPA_Key_Base64', 32), /key is 33 bytes after base64 decoding \(1-32 allowed\)/);
    const same = crypto.randomBytes(32).toString('base64');
    assert.throws(() => spaKeysFrom({ keyBase64: same, hmacKeyBase64: same }), /HMAC key must differ/);
    assert.throws(() => spaKeysFrom({ hmacKeyBase64: same }), /exactly one of KEY_BASE64 and KEY/);
  });
});

describe('SPA replay material', () => {
  it('the digest is SHA-256 of the raw wire string, 43 characters, as fwknopd stores it', () => {
    const d = spaReplayDigest('abc');
    assert.equal(d, 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
    assert.equal(spaReplayDigest(Buffer.from('abc')), d);
  });
  it('a set remembers digests for its ttl and stays within its size', () => {
    const s = new SpaReplaySet(1000, 3);
    assert.equal(s.add('a', 0), true);
    assert.equal(s.add('a', 500), false, 'replay within the ttl');
    assert.equal(s.has('a', 1000), false, 'expired');
    assert.equal(s.add('a', 1000), true);
    for (const d of ['b', 'c', 'd']) s.add(d, 1100);
    assert.equal(s.size, 3);
    assert.equal(s.evicted, 1);
    assert.equal(s.has('a', 1100), false);
  });
});
