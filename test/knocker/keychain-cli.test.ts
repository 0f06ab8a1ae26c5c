// The real `knocker` binary against a real Secret Service (headless gnome-keyring on a private
// session bus): where the sequence goes, what other tools see, and how a missing Secret
// Service, a locked keyring or an item deleted behind Knocker's back are reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { startKeyring, run } from 'knocker-lab';
import { knocker } from './lab/knocker-cli.js';

test('knocker with a real keyring', async (t) => {
  const keyring = await startKeyring();
  t.after(() => keyring.stop());
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-keychain-cli-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const env = { ...keyring.env, HOME: home, KNOCKER_CONFIG_DIR: path.join(home, 'cfg') };
  const k = (args: string[], input?: string) => knocker(undefined, args, { env, input });
  const lookup = async (id: string) => (await run(['secret-tool', 'lookup', 'service', 'Knocker', 'account', id], { env: keyring.env, allowFail: true })).stdout;

  let id = '';
  await t.test('add stores the sequence as a Secret Service item (service Knocker, account = profile id)', async () => {
    const r = await k(['add', 'web1', 'web1.example.org', '--sequence', '-', '--json'], '7000,8000:udp,9000\n');
    assert.equal(r.code, 0, r.stderr);
    id = JSON.parse(r.stdout).id;
    assert.deepEqual(JSON.parse(await lookup(id)), { v: 1, sequence: '7000,8000:udp,9000' });
    const file = fs.readFileSync(path.join(home, 'cfg', 'profiles.json'), 'utf8');
    assert.ok(!/7000|8000|9000/.test(file), file);
  });

  await t.test('edit replaces the item; list --show-sequence reads it back', async () => {
    const r = await k(['edit', 'web1', '--sequence', '-'], '1111:udp 2222\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(await lookup(id)).sequence, '1111:udp,2222');
    const l = await k(['list', '--show-sequence']);
    assert.match(l.stdout, /web1\s+web1\.example\.org\s+auto\s+:22\s+10s\s+1111:udp,2222/);
  });

  await t.test('an item deleted outside Knocker is reported as missing, not as locked', async () => {
    await run(['secret-tool', 'clear', 'service', 'Knocker', 'account', id], { env: keyring.env, allowFail: true });
    const r = await k(['connect', 'web1']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /the knock sequence is missing from the keychain/);
    assert.match(r.stderr, /set it again with knocker edit NAME --sequence -/);
    const fix = await k(['edit', 'web1', '--sequence', '7000'], '');
    assert.equal(fix.code, 0, fix.stderr);
  });

  await t.test('locked: reading and removing fail with exit 4; unlocked again, both work', async () => {
    await keyring.lock();
    const r = await k(['list', '--show-sequence']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /keychain is locked/);
    const add = await k(['add', 'web2', 'h', '--sequence', '1']);
    assert.equal(add.code, 4);
    assert.match(add.stderr, /keychain is locked/);
    const plain = await k(['list']);
    assert.equal(plain.code, 0, 'listing without sequences needs no keychain');
    await keyring.unlock();
    assert.equal((await k(['list', '--show-sequence'])).code, 0);
    const rm = await k(['rm', 'web1']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(await lookup(id), '');
  });

  await t.test('without any D-Bus session: a clear error, exit 4, no profile written', async () => {
    const bare: NodeJS.ProcessEnv = { ...process.env, HOME: home, KNOCKER_CONFIG_DIR: path.join(home, 'cfg2') };
    delete bare.DBUS_SESSION_BUS_ADDRESS;
    delete bare.DISPLAY;
    const r = await knocker(undefined, ['add', 'x', 'h', '--sequence', '1'], { env: bare });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /no keychain is available/);
    assert.match(r.stderr, /hint: .*Secret Service/);
    assert.equal(fs.existsSync(path.join(home, 'cfg2', 'profiles.json')), false);
  });
});
