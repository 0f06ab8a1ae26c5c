import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { formatKeyGen, generateSpaKeys } from 'knocker-agent';

import { spaKeysOf } from '../core/spa-door.js';
import { harness } from '../testing/cli-harness.js';
import { freePorts } from '../testing/loopback.js';
import { spaListener } from '../testing/spa-listener.js';
import { readTree } from '../testing/temp-dir.js';

const KEYS = generateSpaKeys();
const noKeyIn = (dir: string, keys = KEYS) => {
  for (const f of readTree(dir)) {
    const text = f.data.toString();
    assert.ok(!text.includes(keys.keyBase64) && !text.includes(keys.hmacKeyBase64), `${f.file} holds a key`);
  }
};

test('add --spa: keys from stdin (fwknop --key-gen output) to the keychain only; list and knock', async (t) => {
  const { dir, kc, knocker } = harness(t);
  const [ssh] = await freePorts(1);
  const srv = await spaListener(spaKeysOf(KEYS), { openPort: ssh });
  t.after(srv.close);
  let r = await knocker(['add', 'fw', '127.0.0.1', '--spa', '--spa-port', String(srv.port), '--port', String(ssh), '--fw-timeout', '60', '--spa-user', 'alice'], formatKeyGen(KEYS));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `added fw (127.0.0.1): SPA to UDP ${srv.port}, opens tcp/${ssh} for the packet's source for 60 s, user alice; its keys are in the keychain\n`);
  assert.deepEqual([...kc.items.values()].map((v) => JSON.parse(v)), [{ v: 1, spa: KEYS }]);
  noKeyIn(dir);
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'profiles.json'), 'utf8'));
  assert.equal(file.schemaVersion, 3);
  assert.deepEqual(file.profiles[0].spa, { port: srv.port, access: `tcp/${ssh}`, allowIp: 'source', fwTimeout: 60, username: 'alice' });

  r = await knocker(['list']);
  assert.match(r.stdout, new RegExp(`\\nfw\\s+127\\.0\\.0\\.1\\s+auto\\s+:${ssh}\\s+10s\\s+SPA udp/${srv.port} -> tcp/${ssh}\\n$`));
  r = await knocker(['list', '--show-sequence', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(KEYS.keyBase64), 'never shows a key');

  r = await knocker(['knock', 'fw', '-v', '--wait', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /SPA packet \(\d+ bytes\): udp 127\.0\.0\.1:\d+, asking to open tcp\/\d+/);
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.profile, out.spa], ['fw', { port: srv.port, access: `tcp/${ssh}` }]);
  const got = srv.results[0].result;
  assert.ok(got.ok && got.request.clientTimeout === 60 && got.request.username === 'alice', JSON.stringify(got));

  r = await knocker(['connect', 'fw', '--print', '-v']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /fw: SPA keys read from the keychain/);
  assert.equal(srv.results.length, 2);
  r = await knocker(['knock', 'fw', '-u']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /always goes over UDP/);
});

test('add --spa: keys from a file; refusals; edit keeps the door, replaces keys, or turns it into a sequence profile', async (t) => {
  const { dir, kc, knocker } = harness(t);
  const keyFile = path.join(dir, 'keys');
  fs.writeFileSync(keyFile, formatKeyGen(KEYS));
  let r = await knocker(['add', 'fw', '--host', '192.0.2.1', '--spa', '--spa-keys', keyFile, '--access', 'tcp/22, udp/53', '--allow-ip', '198.51.100.2', '--hmac-digest-type', 'SHA512', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).spa, { port: 62201, access: 'tcp/22,udp/53', allowIp: '198.51.100.2' });
  const item = () => JSON.parse([...kc.items.values()][0]);
  assert.deepEqual(item(), { v: 1, spa: { ...KEYS, hmacType: 'sha512' } });

  const refusals: [string[], string, number, RegExp][] = [
    [['add', 'x', 'h', '--spa'], '', 2, /no SPA keys on stdin/],
    [['add', 'x', 'h', '--spa'], `KEY_BASE64: ${KEYS.keyBase64}\nKEY_HMAC: zz\n`, 2, /stdin:2: KEY_HMAC is not one of/],
    [['add', 'x', 'h', '--spa', '--spa-keys', path.join(dir, 'none')], '', 2, /--spa-keys: cannot read .*none/],
    [['add', 'x', 'h', '--spa', '--sequence', '1,2'], formatKeyGen(KEYS), 2, /--sequence and --spa exclude each other/],
    [['add', 'x', 'h', '--access', 'tcp/22', '--sequence', '1'], '', 2, /--access and --sequence|--sequence and --access exclude/],
    [['add', 'x', 'h', '--access', 'tcp/22'], '', 2, /--access is an SPA option: add --spa/],
    [['add', 'x', 'h', '--spa', '--allow-ip', 'resolve'], formatKeyGen(KEYS), 2, /spa\.allowIp \(--allow-ip\): resolve .* not supported/],
    [['add', 'x', 'h', '--spa', '-6'], formatKeyGen(KEYS), 2, /family: is ipv6, but fwknop's SPA packets go over IPv4 only/],
    [['add', 'x', 'h', '--spa', '--key-base64', 'abc'], '', 2, /unknown option|--key-base64/],
  ];
  for (const [argv, stdin, code, re] of refusals) {
    r = await knocker(argv, stdin);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
    assert.ok(!r.stderr.includes(KEYS.hmacKeyBase64), 'no key in an error');
  }
  assert.equal(kc.items.size, 1, 'nothing stored by a refused add');

  r = await knocker(['edit', 'fw', '--fw-timeout', '30', '--access', 'tcp/2222']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^updated fw \(SPA to UDP 62201, opens tcp\/2222 for 198\.51\.100\.2 for 30 s\)\n$/);
  assert.deepEqual(item(), { v: 1, spa: { ...KEYS, hmacType: 'sha512' } }, 'keys untouched');
  const next = generateSpaKeys();
  r = await knocker(['edit', 'fw', '--spa-keys', '-', '--encryption-mode', 'ctr'], formatKeyGen(next));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /new keys stored in the keychain/);
  assert.deepEqual(item(), { v: 1, spa: { ...next, mode: 'ctr' } });
  noKeyIn(dir, next);
  r = await knocker(['edit', 'fw', '--digest-type', 'sha1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /go with new keys/);
  r = await knocker(['edit', 'fw', '--sequence', '7000,8000']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no longer an SPA profile/);
  assert.deepEqual(item(), { v: 1, sequence: '7000,8000' });
  r = await knocker(['list', '--json']);
  assert.equal(JSON.parse(r.stdout)[0].spa, undefined);
});

test('import fwknoprc: stanzas to SPA profiles, keys to the keychain, notes and refusals with FILE:LINE', async (t) => {
  const { dir, kc, knocker } = harness(t);
  const rc = path.join(dir, '.fwknoprc');
  fs.writeFileSync(
    rc,
    `[default]\nVERBOSE Y\n\n[srv]\nSPA_SERVER 192.0.2.10\nACCESS tcp/22\nALLOW_IP resolve\nKEY_BASE64 ${KEYS.keyBase64}\nHMAC_KEY_BASE64 ${KEYS.hmacKeyBase64}\nUSE_HMAC Y\nSPA_SOURCE_PORT 5000\n\n[gpg]\nSPA_SERVER 192.0.2.11\nUSE_GPG Y\n`,
    { mode: 0o644 },
  );
  fs.chmodSync(rc, 0o644);
  let r = await knocker(['import', 'fwknoprc', '--dry-run']);
  assert.equal(r.code, 8, r.stderr);
  assert.equal(kc.items.size, 0);
  r = await knocker(['import', 'fwknoprc', '--only', 'srv']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n');
  assert.match(lines[0], /^warning: .*\.fwknoprc is readable by others \(mode 644; fwknop wants 600\)/);
  assert.equal(lines[1], 'add srv');
  assert.match(r.stderr, /note: .*\.fwknoprc:11: SPA_SOURCE_PORT is not supported, ignored \(the packet leaves from a random source port\)/);
  assert.match(r.stderr, /note: .*\.fwknoprc:7: ALLOW_IP resolve .* not supported; using source/);
  assert.match(r.stderr, /1 profile imported, 0 skipped, 0 invalid\n$/);
  assert.deepEqual([...kc.items.values()].map((v) => JSON.parse(v)), [{ v: 1, spa: KEYS }]);
  noKeyIn(path.join(dir, 'config'));
  r = await knocker(['import', 'fwknoprc', '--replace']);
  assert.equal(r.code, 8);
  assert.match(r.stderr, /replace srv/);
  assert.match(r.stderr, /skipped .*\.fwknoprc:1 \[default\]: holds the defaults/);
  assert.match(r.stderr, /invalid .*\.fwknoprc:13 \[gpg\]:\n  .*\.fwknoprc:15 USE_GPG: GPG mode is not supported/);
  r = await knocker(['import', 'fwknoprc', rc, '--only', 'nope']);
  assert.equal(r.code, 8);
  assert.match(r.stderr, /no stanza \[nope\].*\n  hint: stanzas: default, srv, gpg/);
  r = await knocker(['import', 'fwknoprc', path.join(dir, 'missing')]);
  assert.equal(r.code, 8);
  assert.match(r.stderr, /cannot read .*missing/);
});
