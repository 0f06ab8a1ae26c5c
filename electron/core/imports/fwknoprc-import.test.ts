import { test } from 'node:test';
import assert from 'node:assert/strict';

import { generateSpaKeys } from 'knocker-agent';

import { importFwknoprc, parseFwknoprc } from './fwknoprc-import.js';

const K = generateSpaKeys();
const K2 = generateSpaKeys('sha512');

test('every supported variable lands in the profile or its keys; [default] is inherited', () => {
  const rc = [
    '# fwknop client rc', //                                           1
    '[default]', //                                                     2
    'SPOOF_USER          bob', //                                       3
    'SPA_SERVER_PORT     40001', //                                     4
    '', //                                                              5
    '[web]', //                                                         6
    'SPA_SERVER          198.51.100.7', //                              7
    'SPA_SERVER_PROTO    udp', //                                       8
    'ACCESS              tcp/2222, udp/53 ; the ports', //              9
    'ALLOW_IP            203.0.113.9   # my address', //               10
    `KEY_BASE64:         ${K.keyBase64}`, //                           11
    `HMAC_KEY_BASE64     ${K2.hmacKeyBase64}`, //                      12
    'USE_HMAC            Y', //                                        13
    'HMAC_DIGEST_TYPE    SHA512', //                                   14
    'DIGEST_TYPE         sha384', //                                   15
    'ENCRYPTION_MODE     ctr', //                                      16
    'FW_TIMEOUT          90', //                                       17
    'SPA_SERVER_PORT     62201', //                                    18
    '[lab]', //                                                        19
    'SPA_SERVER          lab.example.org', //                          20
    'ACCESS              udp/53', //                                   21
    'ALLOW_IP            source', //                                   22
    'KEY                 a passphrase', //                             23
    'HMAC_KEY            another one', //                              24
    'USE_GPG             N', //                                        25
  ].join('\n');
  const r = importFwknoprc(rc, 'rc');
  assert.deepEqual(r.invalid, []);
  assert.deepEqual(r.skipped, [{ source: 'rc:2 [default]', reason: 'holds the defaults of the other stanzas (import it as a profile with --only default)' }]);
  const [web, lab] = r.candidates;
  assert.equal(web.source, 'rc:6 [web]');
  assert.deepEqual(web.input.spa, { port: '62201', access: 'tcp/2222, udp/53', allowIp: '203.0.113.9', fwTimeout: '90', username: 'bob' });
  assert.deepEqual(web.input.spaKeys, { keyBase64: K.keyBase64, hmacKeyBase64: K2.hmacKeyBase64, hmacType: 'SHA512', digestType: 'sha384', mode: 'ctr' });
  assert.deepEqual(web.input.ssh, { port: '2222' }, 'the first tcp port is the one to wait for');
  assert.deepEqual(web.notes, []);
  assert.deepEqual(lab.input.spa, { port: '40001', access: 'udp/53', allowIp: 'source', fwTimeout: undefined, username: 'bob' });
  assert.deepEqual(lab.input.spaKeys, { keyBase64: Buffer.from('a passphrase').toString('base64'), hmacKeyBase64: Buffer.from('another one').toString('base64'), hmacType: undefined, digestType: undefined, mode: undefined });
  assert.match(lab.notes.join('\n'), /rc:19: ACCESS asks for no tcp port; the SSH port stays 22/);
  assert.deepEqual(r.warnings, [], 'a stanza overrides [default] silently, as in fwknop');
  const only = importFwknoprc(rc, 'rc', ['LAB']);
  assert.deepEqual(only.candidates.map((c) => c.input.name), ['lab']);
  assert.deepEqual(only.skipped, []);
  assert.throws(() => importFwknoprc(rc, 'rc', ['nope']), /--only: there is no stanza \[nope\] in rc/);
});

test('resolve, RESOLVE_IP_HTTPS and a missing ALLOW_IP become source, each with a note; unsupported variables are listed', () => {
  const keys = `KEY_BASE64 ${K.keyBase64}\nHMAC_KEY_BASE64 ${K.hmacKeyBase64}\n`;
  const rc = `[a]\nSPA_SERVER 192.0.2.1\nACCESS tcp/22\nALLOW_IP resolve\n${keys}NAT_ACCESS 10.0.0.5:22\nTIME_OFFSET 5m\nFOO bar\n[b]\nSPA_SERVER 192.0.2.2\nRESOLVE_IP_HTTPS Y\nRESOLVE_URL https://example.org/ip\n${keys}[c]\nSPA_SERVER 192.0.2.3\n${keys}`;
  const r = importFwknoprc(rc, '/home/u/.fwknoprc');
  assert.deepEqual(r.invalid, []);
  const [a, b, c] = r.candidates;
  assert.equal(a.input.spa && (a.input.spa as { allowIp: string }).allowIp, 'source');
  assert.match(a.notes[3], /^\/home\/u\/\.fwknoprc:4: ALLOW_IP resolve .* not supported; using source.*REQUIRE_SOURCE_ADDRESS Y.*--allow-ip ADDRESS/);
  assert.deepEqual(a.notes.slice(0, 3), [
    '/home/u/.fwknoprc:7: NAT_ACCESS is not supported, ignored (NAT access requests are not supported; the packet asks for direct access to ACCESS)',
    "/home/u/.fwknoprc:8: TIME_OFFSET is not supported, ignored (the packet carries this machine's clock)",
    '/home/u/.fwknoprc:9: FOO is not supported, ignored',
  ]);
  assert.match(b.notes.join('\n'), /RESOLVE_URL is not supported, ignored[\s\S]*:12: ALLOW_IP resolve/);
  assert.match(c.notes.join('\n'), /no ALLOW_IP in \[c\]; using source/);
  assert.equal(c.input.ssh, undefined, 'no ACCESS: the schema defaults it to tcp/SSH port (22)');
});

test('bad input names FILE:LINE: syntax, GPG, missing keys or server, bad values', () => {
  const keys = `KEY_BASE64 ${K.keyBase64}\nHMAC_KEY_BASE64 ${K.hmacKeyBase64}\n`;
  const syntax = parseFwknoprc('SPA_SERVER early\n[ok\n[]\n[x]\nACCESS\n[x]\n[y]\nACCESS tcp/1\nACCESS: tcp/2\n', 'rc');
  assert.deepEqual(syntax.problems, [
    { field: 'rc:2', message: 'stanza line "[ok" has no closing "]"' },
    { field: 'rc:3', message: 'stanza name is empty' },
    { field: 'rc:5', message: '"ACCESS" is not VARIABLE VALUE' },
    { field: 'rc:6', message: 'stanza [x] appears twice' },
  ]);
  assert.deepEqual(syntax.warnings, ['rc:1: SPA_SERVER is outside any stanza, ignored (fwknop ignores it too)', 'rc:9: ACCESS is given again in [y]; this value wins']);
  assert.equal(syntax.stanzas[1].vars.get('ACCESS')?.value, 'tcp/2');

  const rc = [
    '[gpg]', '1', 'SPA_SERVER 192.0.2.1', 'USE_GPG Y', 'GPG_RECIPIENT 1234ABCD', // 1-5
    '[signer]', 'SPA_SERVER 192.0.2.1', 'GPG_SIGNER me', // 6-8
    '[nohmac]', 'SPA_SERVER 192.0.2.1', `KEY_BASE64 ${K.keyBase64}`, 'USE_HMAC N', // 9-12
    '[noserver]', keys.trim(), // 13-15
    '[tcp]', 'SPA_SERVER 192.0.2.1', 'SPA_SERVER_PROTO tcp', keys.trim(), // 16-20
    '[values]', 'SPA_SERVER 192.0.2.1', 'SPA_SERVER_PORT 70000', 'ACCESS TCP/22', 'FW_TIMEOUT soon', `KEY_BASE64 ${K.keyBase64.slice(0, -2)}$=`, `HMAC_KEY_BASE64 ${K.hmacKeyBase64}`, 'HMAC_DIGEST_TYPE sha999', // 21-28
    '[both]', 'SPA_SERVER 192.0.2.1', keys.trim(), 'KEY x', // 29-32
  ].join('\n');
  const r = importFwknoprc(rc, 'rc');
  assert.deepEqual(r.candidates, []);
  const bySource = Object.fromEntries(r.invalid.map((i) => [i.source, i.problems]));
  assert.deepEqual(bySource.rc, [{ field: 'rc:2', message: '"1" is not VARIABLE VALUE' }]);
  assert.equal(bySource['rc:1 [gpg]'][0].field, 'rc:4 USE_GPG');
  assert.match(bySource['rc:1 [gpg]'][0].message, /GPG mode is not supported/);
  assert.equal(bySource['rc:6 [signer]'][0].field, 'rc:8 GPG_SIGNER');
  assert.deepEqual(bySource['rc:9 [nohmac]'].map((p) => p.field), ['rc:12 HMAC_KEY_BASE64']);
  assert.match(bySource['rc:9 [nohmac]'][0].message, /\(USE_HMAC N\): Knocker always authenticates/);
  assert.deepEqual(bySource['rc:13 [noserver]'].map((p) => p.field), ['rc:13 SPA_SERVER']);
  assert.deepEqual(bySource['rc:16 [tcp]'], [{ field: 'rc:18 SPA_SERVER_PROTO', message: 'tcp is not supported: Knocker sends SPA packets over UDP only' }]);
  assert.deepEqual(bySource['rc:21 [values]'].map((p) => p.field), ['rc:23 SPA_SERVER_PORT', 'rc:24 ACCESS', 'rc:25 FW_TIMEOUT', 'rc:28 HMAC_DIGEST_TYPE']);
  assert.deepEqual(bySource['rc:29 [both]'], [{ field: 'rc:33 KEY', message: 'give KEY_BASE64 or KEY, not both' }]);
  const badKey = importFwknoprc(`[k]\nSPA_SERVER 192.0.2.1\nKEY_BASE64 ab$d\nHMAC_KEY_BASE64 ${K.hmacKeyBase64}\n`, 'rc');
  assert.deepEqual(badKey.invalid[0].problems.map((p) => p.field), ['rc:3 KEY_BASE64']);
  assert.ok(!JSON.stringify(r.invalid).includes(K.hmacKeyBase64.slice(0, 20)), 'no key in any problem');
});

test('a key carried into another value by a mangled line never appears in a message (found by fuzzing)', () => {
  const r = importFwknoprc(`[m]\nSPA_SERVER 192.0.2.1\nSPA_SERVER_PROTO httpKEY_BASE64: ${K.keyBase64}\nHMAC_KEY_BASE64 ${K.hmacKeyBase64}\n`, 'rc');
  assert.deepEqual(r.invalid[0].problems[0], { field: 'rc:3 SPA_SERVER_PROTO', message: 'httpKEY_BASE64: <redacted> is not supported: Knocker sends SPA packets over UDP only' });
  assert.ok(!JSON.stringify(r).includes(K.keyBase64.slice(0, 20)));
});
