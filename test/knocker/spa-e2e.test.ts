// SPA profiles end to end (issue 17), app side, with Debian's fwknop packages: keys made by the
// stock `fwknop --key-gen`, a client ~/.fwknoprc with two stanzas imported by the real `knocker`
// CLI (keys into a headless gnome-keyring, never into the profile file), then `knocker knock`
// and `knocker connect` from the client namespace, judged by the stock `fwknopd -t` in the
// server namespace from its own log, and by knocker-agent's SPA door with the same keys. A
// profile with other keys is refused by fwknopd.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { NetnsLab, requireRoot, run, startAgent, startService, waitFor } from 'knocker-lab';

import { knockerClient } from './lab/knocker-cli.js';

const HOST = 'fw.knocker.test';
const ACCEPTED = /--test mode enabled, skipping firewall manipulation\./g;

/** `fwknop --key-gen [--hmac-digest-type T]`: the two lines it prints. */
async function keyGen(hmacType?: string): Promise<{ text: string; key: string; hmac: string }> {
  const r = await run(['fwknop', '--key-gen', ...(hmacType ? ['--hmac-digest-type', hmacType] : [])]);
  const key = /^KEY_BASE64: (\S+)$/m.exec(r.stdout)?.[1];
  const hmac = /^HMAC_KEY_BASE64: (\S+)$/m.exec(r.stdout)?.[1];
  assert.ok(key && hmac, `fwknop --key-gen printed ${r.stdout}`);
  return { text: r.stdout, key, hmac };
}

test('knocker SPA profiles against the stock fwknopd', async (t) => {
  requireRoot('SPA profiles end to end');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-spa-e2e-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const pair = await NetnsLab.create('kn');
  t.after(() => pair.destroy());
  pair.setHosts('cli', `${pair.srv4} ${HOST}`);
  const { keyring, home, k } = await knockerClient(pair, path.join(root, 'home'), 0o700);
  t.after(() => keyring.stop());

  const one = await keyGen();
  const two = await keyGen('sha512');
  const other = await keyGen();

  // ---- the server: stock fwknopd in test mode, two stanzas (default crypto; sha512 + ctr) --------
  const srv = path.join(root, 'srv');
  fs.mkdirSync(srv, { mode: 0o700 });
  fs.writeFileSync(path.join(srv, 'fwknopd.conf'), `PCAP_INTF ${pair.srvIf};\nPCAP_FILTER udp port 62201 or udp port 40001;\nENABLE_SPA_PACKET_AGING Y;\nMAX_SPA_PACKET_AGE 120;\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(srv, 'access.conf'),
    `SOURCE ANY\nOPEN_PORTS tcp/22\nKEY_BASE64 ${one.key}\nHMAC_KEY_BASE64 ${one.hmac}\nHMAC_DIGEST_TYPE sha256\n\n` +
      `SOURCE ANY\nOPEN_PORTS tcp/2222,udp/53\nREQUIRE_SOURCE_ADDRESS Y\nKEY_BASE64 ${two.key}\nHMAC_KEY_BASE64 ${two.hmac}\nHMAC_DIGEST_TYPE sha512\nENCRYPTION_MODE ctr\n`,
    { mode: 0o600 },
  );
  const fwknopd = startService(
    pair.nsArgv('srv', ['fwknopd', '-f', '-t', '-v', '-i', pair.srvIf, '-c', path.join(srv, 'fwknopd.conf'), '-a', path.join(srv, 'access.conf'), '-d', path.join(srv, 'digest.cache'), '-p', path.join(srv, 'fwknopd.pid')]),
    path.join(srv, 'fwknopd.log'),
  );
  t.after(() => fwknopd.stop());
  const log = (): string => fs.readFileSync(fwknopd.log, 'utf8');
  await waitFor('fwknopd to start (its log: "Starting fwknopd main event loop")', () => /Starting fwknopd main event loop/.test(log()), 15_000);
  /** Wait for fwknopd's verdict on the next packet: its log from `from` once it matches `re`. */
  const verdict = (from: number, re: RegExp, what: string): Promise<string> =>
    waitFor(`fwknopd ${what} (log so far:\n${log().slice(from)})`, () => (re.test(log().slice(from)) ? log().slice(from) : ''), 10_000);

  // ---- the client: ~/.fwknoprc as fwknop / fwknop-gui write it ---------------------------------
  fs.writeFileSync(
    path.join(home, '.fwknoprc'),
    `[default]\nSPOOF_USER        knockeruser\n\n` +
      `[lab]\nSPA_SERVER        ${HOST}\nACCESS            tcp/22\nALLOW_IP          source\nFW_TIMEOUT        45\nKEY_BASE64        ${one.key}\nHMAC_KEY_BASE64   ${one.hmac}\nUSE_HMAC          Y\n\n` +
      `[lab2]\nSPA_SERVER        ${pair.srv4}\nSPA_SERVER_PORT   40001\nACCESS            tcp/2222,udp/53\nALLOW_IP          ${pair.cli4}\nKEY_BASE64        ${two.key}\nHMAC_KEY_BASE64   ${two.hmac}\nHMAC_DIGEST_TYPE  sha512\nENCRYPTION_MODE   ctr\nUSE_HMAC          Y\nSPA_SOURCE_PORT   5000\n`,
    { mode: 0o600 },
  );

  await t.test('import fwknoprc: two profiles; keys in the keyring, not in the profile file', async () => {
    const r = await k(['import', 'fwknoprc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^add lab$/m);
    assert.match(r.stderr, /^add lab2\n {2}note: .*\.fwknoprc:\d+: SPA_SOURCE_PORT is not supported, ignored/m);
    assert.match(r.stderr, /2 profiles imported, 1 skipped, 0 invalid/);
    const file = fs.readFileSync(path.join(home, '.config', 'Knocker', 'profiles.json'), 'utf8');
    for (const key of [one.key, one.hmac, two.key, two.hmac]) assert.ok(!file.includes(key), 'a key in profiles.json');
    const doc = JSON.parse(file);
    assert.equal(doc.schemaVersion, 3);
    const lab = doc.profiles.find((p: { name: string }) => p.name === 'lab');
    assert.deepEqual(lab.spa, { port: 62201, access: 'tcp/22', allowIp: 'source', fwTimeout: 45, username: 'knockeruser' });
    const item = await run(['secret-tool', 'lookup', 'service', 'Knocker', 'account', lab.id], { env: keyring.env });
    assert.deepEqual(JSON.parse(item.stdout), { v: 1, spa: { keyBase64: one.key, hmacKeyBase64: one.hmac } });
  });

  await t.test('knocker knock lab: the stock fwknopd accepts the packet (allow 0.0.0.0 = the source)', async () => {
    const from = log().length;
    const r = await k(['knock', 'lab', '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`fw\\.knocker\\.test is ${pair.srv4.replace(/\./g, '\\.')} \\(IPv4\\)`));
    assert.ok(r.stderr.includes(`udp ${pair.srv4}:62201, asking to open tcp/22`), r.stderr);
    const got = await verdict(from, ACCEPTED, 'accepting the lab packet');
    assert.ok(got.includes(`(stanza #1) SPA Packet from IP: ${pair.cli4} received with access source match`), got);
    assert.match(got, /Username: knockeruser/);
    assert.match(got, /Message String: 0\.0\.0\.0,tcp\/22/);
    assert.match(got, /Client Timeout: 45/);
    assert.equal(got.match(ACCEPTED)?.length, 1);
  });

  await t.test('knocker knock lab2 (sha512 HMAC, CTR mode, own port and allow address): accepted by stanza 2', async () => {
    const from = log().length;
    const r = await k(['knock', 'lab2']);
    assert.equal(r.code, 0, r.stderr);
    const got = await verdict(from, ACCEPTED, 'accepting the lab2 packet');
    assert.ok(got.includes(`(stanza #2) SPA Packet from IP: ${pair.cli4} received with access source match`), got);
    assert.ok(got.includes(`Message String: ${pair.cli4},tcp/2222,udp/53`), got);
    assert.match(got, /HMAC Type: \d+ \(SHA512\)/);
    assert.match(got, /Encryption Mode: \d+ \(CTR\)/);
  });

  await t.test('knocker connect goes through the same dispatch: one more accepted packet, then ssh is printed', async () => {
    const service = startService(pair.nsArgv('srv', [process.execPath, '-e', `require('net').createServer((c)=>c.end()).listen(22,'${pair.srv4}')`]), path.join(srv, 'tcp22.log'));
    t.after(() => service.stop());
    await waitFor(`a listener on ${pair.srv4}:22`, async () => (await run(pair.nsArgv('srv', ['ss', '-Hltn', 'sport = :22']))).stdout.trim() !== '', 10_000);
    const from = log().length;
    const r = await k(['connect', 'lab', '--print', '--wait', '5s']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(pair.srv4), r.stdout);
    await verdict(from, ACCEPTED, 'accepting the connect packet');
  });

  await t.test('knocker knock lab also opens knocker-agent\'s SPA door (same keys), for the knocking address', async () => {
    // The agent sniffs the same port beside fwknopd; its door runs a command with %IP%.
    const agent = await startAgent(
      pair,
      `[options]\n  StateDir = {{DIR}}/state\n[spaLab]\n  SPA_Key_Base64 = ${one.key}\n  SPA_HMAC_Key_Base64 = ${one.hmac}\n  Open = 22/tcp\n  Firewall = none\n  Start_Command = echo open %IP% >> {{DIR}}/out\n`,
    );
    t.after(() => agent.stop());
    const from = log().length;
    const r = await k(['knock', 'lab']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(`the agent's SPA door command for ${pair.cli4} (agent log:\n${agent.messages().join('\n')})`, () => agent.commandOutput().includes(`open ${pair.cli4}`), 10_000);
    assert.deepEqual(agent.commandOutput(), [`open ${pair.cli4}`], 'opened once, for the knocking address');
    await verdict(from, ACCEPTED, 'accepting the same packet');
  });

  await t.test('a profile with other keys: fwknopd refuses it, nothing accepted', async () => {
    const add = await k(['add', 'wrong', HOST, '--spa'], other.text);
    assert.equal(add.code, 0, add.stderr);
    const from = log().length;
    const r = await k(['knock', 'wrong']);
    assert.equal(r.code, 0, r.stderr);
    const got = await verdict(from, /stanza #2\).*(HMAC|Error creating fko context)/, 'refusing the packet made with other keys in both stanzas');
    assert.match(got, /stanza #1\).*(HMAC|Error creating fko context)/);
    assert.equal(got.match(ACCEPTED), null, got);
  });
});
