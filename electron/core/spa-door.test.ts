import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeSpaPacket, formatKeyGen, generateSpaKeys, spaKeysFrom } from 'knocker-agent';

import * as fs from 'fs';
import * as path from 'path';

import { buildExport, parseExport } from './imports/profile-transfer.js';
import { MemoryKeychain } from '../testing/memory-keychain.js';
import { tempDir } from '../testing/temp-dir.js';
import { ProfileService } from './profile-service.js';
import { ProfileStore } from './profile-store.js';
import { SecretStore } from './secret-store.js';
import type { FieldProblem } from './errors.js';
import { parseDraft, settingsOf, validateDraft } from './profile-schema.js';
import { buildSpaPacket, checkAllowIp, checkSpaDoor, checkSpaKeys, readKeyText, spaKeysOf } from './spa-door.js';
import { decodeSecret, encodeSecret } from './secret-store.js';

const KEYS = generateSpaKeys();
const problemsOf = (fn: (p: FieldProblem[]) => unknown): FieldProblem[] => {
  const p: FieldProblem[] = [];
  fn(p);
  return p;
};

test('SPA door settings: defaults, normalised access, allow-ip modes, every problem names its field', () => {
  assert.deepEqual(checkSpaDoor({}, 'spa', 2222, []), { port: 62201, access: 'tcp/2222', allowIp: 'source' });
  assert.deepEqual(checkSpaDoor({ port: '40000', access: 'tcp/22, udp/53', allowIp: '0.0.0.0', fwTimeout: '60', username: 'alice' }, 'spa', 22, []), {
    port: 40000,
    access: 'tcp/22,udp/53',
    allowIp: 'source',
    fwTimeout: 60,
    username: 'alice',
  });
  assert.equal(checkSpaDoor({ fwTimeout: 0 }, 'spa', 22, [])?.fwTimeout, undefined, 'FW_TIMEOUT 0 = the server default: no timeout field');
  assert.equal(checkAllowIp('192.0.2.9', 'f', []), '192.0.2.9');
  assert.equal(checkAllowIp(undefined, 'f', []), 'source');
  const p = problemsOf((pr) => checkSpaDoor({ port: 0, access: 'TCP/22', allowIp: 'resolve', fwTimeout: 70000, username: 'a:b' }, 'spa', 22, pr));
  assert.deepEqual(p.map((x) => x.field), ['spa.port', 'spa.access', 'spa.allowIp', 'spa.fwTimeout', 'spa.username']);
  assert.match(p[1].message, /"TCP" is not tcp or udp \(lowercase\)/);
  assert.match(p[2].message, /resolve .* not supported/);
  assert.match(problemsOf((pr) => checkAllowIp('010.0.0.1', 'spa.allowIp', pr))[0].message, /not source or a dotted IPv4/);
  assert.match(problemsOf((pr) => checkSpaDoor({ access: 'icmp/0' }, 'spa', 22, pr))[0].message, /icmp/);
  assert.match(problemsOf((pr) => checkSpaDoor({ username: 'x'.repeat(49) }, 'spa', 22, pr))[0].message, /49 bytes .* at most 48/);
});

test('SPA keys: checked with the agent rules, defaults dropped, messages never repeat a key', () => {
  assert.deepEqual(checkSpaKeys({ ...KEYS, hmacType: 'SHA256', mode: 'cbc' }, 'spaKeys', []), KEYS);
  assert.deepEqual(checkSpaKeys({ ...KEYS, hmacType: 'sha512', digestType: 'sha3-256', mode: 'CTR' }, 'k', []), { ...KEYS, hmacType: 'sha512', digestType: 'sha3_256', mode: 'ctr' });
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ keyBase64: KEYS.keyBase64 }, 'spaKeys.hmacKeyBase64', /is required/],
    [{ ...KEYS, keyBase64: Buffer.alloc(33, 1).toString('base64') }, 'spaKeys.keyBase64', /33 bytes/],
    [{ ...KEYS, hmacKeyBase64: KEYS.keyBase64 }, 'spaKeys.hmacKeyBase64', /must differ/],
    [{ ...KEYS, keyBase64: 'ab$cd' }, 'spaKeys.keyBase64', /not base64/],
    [{ ...KEYS, hmacType: 'sha999' }, 'spaKeys.hmacType', /unknown digest/],
    [{ ...KEYS, mode: 'gpg' }, 'spaKeys.mode', /GPG is not supported/],
  ];
  for (const [input, field, re] of cases) {
    const p = problemsOf((pr) => checkSpaKeys(input, 'spaKeys', pr));
    assert.equal(p[0]?.field, field, JSON.stringify(p));
    assert.match(p[0].message, re);
    assert.ok(!p[0].message.includes(KEYS.keyBase64.slice(0, 12)) && !p[0].message.includes(KEYS.hmacKeyBase64.slice(0, 12)), 'no key in the message');
  }
});

test('key text: fwknop --key-gen output, rc-style lines and extra choices; bad lines name source:line', () => {
  assert.deepEqual(readKeyText(formatKeyGen(KEYS), 'stdin'), { keys: KEYS });
  const rc = `# from my rc\nKEY_BASE64          ${KEYS.keyBase64}\nHMAC_KEY_BASE64     ${KEYS.hmacKeyBase64}\nHMAC_DIGEST_TYPE    sha512\n`;
  assert.deepEqual(readKeyText(rc, 'f'), { keys: { ...KEYS, hmacType: 'sha512' } });
  const bad = readKeyText(`KEY_BASE64: ${KEYS.keyBase64}\nGPG_SIGNER: me\n`, 'keys.txt');
  assert.ok('problems' in bad);
  assert.deepEqual(bad.problems[0], { field: 'keys.txt:2', message: 'GPG_SIGNER is not one of KEY_BASE64, HMAC_KEY_BASE64, HMAC_DIGEST_TYPE, DIGEST_TYPE, ENCRYPTION_MODE' });
  const missing = readKeyText(`KEY_BASE64: ${KEYS.keyBase64}\n`, 'stdin');
  assert.ok('problems' in missing && /stdin: spaKeys\.hmacKeyBase64/.test(missing.problems[0].field));
  const twice = readKeyText(`KEY_BASE64: ${KEYS.keyBase64}\nKEY_BASE64: ${KEYS.keyBase64}\n`, 'stdin');
  assert.ok('problems' in twice && /given twice/.test(twice.problems[0].message));
});

test('profile schema: an SPA profile holds its door in the settings and its keys only in the draft', () => {
  const d = parseDraft({ name: 's', host: '192.0.2.1', ssh: { port: 2222 }, spa: { allowIp: 'source' }, spaKeys: KEYS });
  assert.deepEqual(d.spa, { port: 62201, access: 'tcp/2222', allowIp: 'source' });
  assert.deepEqual(d.spaKeys, KEYS);
  const stored = settingsOf(d);
  assert.deepEqual(stored.spa, d.spa);
  assert.ok(!JSON.stringify(stored).includes(KEYS.keyBase64), 'settings carry no key');
  const bad = validateDraft({ name: 's', host: '::1', family: 'ipv6', sequence: '1,2', time: { door: 'x' }, spa: {} });
  assert.ok('problems' in bad);
  assert.deepEqual(bad.problems.map((p) => p.field).sort(), ['family', 'sequence', 'spaKeys', 'time']);
  const keysOnly = validateDraft({ name: 's', host: 'h', sequence: '1', spaKeys: KEYS });
  assert.ok('problems' in keysOnly && keysOnly.problems[0].field === 'spa');
  assert.ok('draft' in validateDraft({ name: 's', host: 'h', spa: {} }, { requireSequence: false }), 'keys may come later');
});

test('keychain item: SPA keys round-trip; a damaged item is reported without its content', () => {
  const item = encodeSecret({ spa: { ...KEYS, mode: 'ctr' } });
  assert.deepEqual(JSON.parse(item), { v: 1, spa: { ...KEYS, mode: 'ctr' } });
  assert.deepEqual(decodeSecret(item, 'id1'), { spa: { ...KEYS, mode: 'ctr' } });
  assert.throws(
    () => decodeSecret(JSON.stringify({ v: 1, spa: { keyBase64: KEYS.keyBase64 } }), 'id1'),
    (e: Error) => /Knocker\/id1 holds invalid SPA keys \(spaKeys\.hmacKeyBase64: is required/.test(e.message) && !e.message.includes(KEYS.keyBase64),
  );
});

test('the packet: decodes with the agent decoder, carries the door settings, fits fwknop-spa.md section 8', () => {
  const keys = { ...KEYS, hmacType: 'sha512' as const, digestType: 'sha384' as const, mode: 'ctr' as const };
  const now = Date.UTC(2026, 0, 1);
  const door = { port: 62201, access: 'tcp/22,udp/53', allowIp: 'source', fwTimeout: 45, username: 'alice' };
  const wire = buildSpaPacket(door, keys, now);
  assert.ok(wire.length < 400 && /^[A-Za-z0-9+/]+$/.test(wire), `${wire.length} base64 characters`);
  const r = decodeSpaPacket(wire, spaKeysOf(keys), { nowMs: now, maxAgeSeconds: 120 });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(
    [r.request.allowIp, r.request.access, r.request.clientTimeout, r.request.username, r.request.digestType, r.request.timestamp],
    ['0.0.0.0', [{ proto: 'tcp', port: 22 }, { proto: 'udp', port: 53 }], 45, 'alice', 'sha384', now / 1000],
  );
  const other = decodeSpaPacket(wire, spaKeysFrom({ ...generateSpaKeys() }), { nowMs: now, maxAgeSeconds: 120 });
  assert.ok(!other.ok && other.code === 'hmac', 'another HMAC key: refused');
  const fixed = decodeSpaPacket(buildSpaPacket({ ...door, allowIp: '198.51.100.4', fwTimeout: undefined }, keys, now), spaKeysOf(keys), { nowMs: now, maxAgeSeconds: 120 });
  assert.ok(fixed.ok && fixed.request.allowIp === '198.51.100.4' && fixed.request.clientTimeout === null);
  assert.notEqual(buildSpaPacket(door, keys, now), wire, 'a new random value and salt every packet');
});

test('service: keys to the keychain only, file schema 3, kind changes, export with and without secrets', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'profiles.json');
  const kc = new MemoryKeychain();
  let n = 0;
  const svc = new ProfileService({ store: new ProfileStore(file), secrets: new SecretStore(kc), newId: () => `id-${++n}` });
  const p = await svc.add({ name: 'fw', host: '192.0.2.1', spa: { access: 'tcp/22' }, spaKeys: KEYS });
  assert.equal(p.hasSequence, true);
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(JSON.parse(text).schemaVersion, 3);
  assert.ok(!text.includes(KEYS.keyBase64) && !text.includes(KEYS.hmacKeyBase64));
  assert.deepEqual(JSON.parse(kc.items.get('Knocker/id-1') as string), { v: 1, spa: KEYS });
  const source = await svc.sequenceSourceOf(svc.get('fw'));
  assert.deepEqual(source, { kind: 'spa', door: p.spa, keys: KEYS });
  await assert.rejects(svc.sequenceOf(p), /sends an SPA packet; it has no knock sequence/);

  const exported = buildExport([{ profile: p, spaKeys: await svc.spaKeysOf(p) }], true);
  assert.equal(exported.version, 3);
  assert.deepEqual(exported.profiles[0].spaKeys, KEYS);
  assert.equal(buildExport([{ profile: p }], false).profiles[0].spaKeys, undefined);
  const back = parseExport(JSON.stringify(exported), 'x.json');
  assert.ok('draft' in validateDraft(back[0].input));

  fs.writeFileSync(file, text.replace('"hasSequence"', `"spaKeys": ${JSON.stringify(KEYS)}, "hasSequence"`));
  assert.throws(() => svc.list(), /profiles\[0\]\.spaKeys: SPA keys belong in the keychain/);
  fs.writeFileSync(file, text);

  kc.items.delete('Knocker/id-1');
  await assert.rejects(svc.sequenceSourceOf(svc.get('fw')), /the SPA key pair is missing from the keychain/);
  const timed = await svc.edit('fw', { sequence: '1,2,3' });
  assert.equal(timed.spa, undefined);
  assert.deepEqual(JSON.parse(kc.items.get('Knocker/id-1') as string), { v: 1, sequence: '1,2,3' });
  const back2 = await svc.edit('fw', { spa: { port: 40000 } });
  assert.deepEqual([back2.spa?.port, back2.hasSequence], [40000, false], 'the sequence item no longer fits: removed, keys to come');
  assert.equal(kc.items.has('Knocker/id-1'), false);
  await assert.rejects(svc.sequenceSourceOf(back2), /has no SPA keys yet/);
  await svc.remove('fw');
  assert.deepEqual(svc.list(), []);
});

test('SPA keys as pasted text (the desktop editor): parsed in main, problems name the line', () => {
  assert.deepEqual(checkSpaKeys(formatKeyGen(KEYS), 'spaKeys', []), KEYS);
  const p = problemsOf((pr) => checkSpaKeys(`KEY_BASE64: ${KEYS.keyBase64}\nhello\n`, 'spaKeys', pr));
  assert.deepEqual(p, [{ field: 'spaKeys', message: 'line 2: hello is not one of KEY_BASE64, HMAC_KEY_BASE64, HMAC_DIGEST_TYPE, DIGEST_TYPE, ENCRYPTION_MODE' }]);
  const q = problemsOf((pr) => checkSpaKeys(`KEY_BASE64: ${KEYS.keyBase64}\n`, 'spaKeys', pr));
  assert.deepEqual(q, [{ field: 'spaKeys', message: 'hmacKeyBase64: is required: the HMAC key (HMAC_KEY_BASE64); Knocker always authenticates its packets' }]);
});

test('a key pasted without its name is not repeated in the problem', () => {
  const r = readKeyText(`${KEYS.keyBase64}\n`, 'stdin');
  assert.ok('problems' in r);
  assert.deepEqual(r.problems, [{ field: 'stdin:1', message: 'is not NAME: VALUE (as fwknop --key-gen prints)' }]);
});
