import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { desktopRig } from '../testing/desktop-rig.js';

test('"Let every ssh program knock": install through IPC, then Copy ssh command gives ssh NAME; profile changes rewrite knocker.conf', async (t) => {
  const rig = desktopRig(t);
  const conf = path.join(rig.dir, '.ssh', 'knocker.conf');
  const add = await rig.invoke('settings', 'profiles', 'add', { input: { name: 'web1', host: 'web1.example.org', sequence: '7000,8000:udp', ssh: { user: 'alice' } } });
  assert.equal(add.ok, true, JSON.stringify(add));

  let status = await rig.invoke('settings', 'ssh', 'status', {});
  assert.equal((status.value as { installed: boolean }).installed, false);
  let copied = await rig.invoke('settings', 'profiles', 'copySshCommand', { name: 'web1' });
  assert.equal((copied.value as { command: string }).command, 'ssh -p 22 -l alice web1.example.org', 'not installed: the full command');

  const denied = await rig.invoke('picker', 'ssh', 'install', {});
  assert.equal(denied.error?.code, 'forbidden', 'only the settings window may change ~/.ssh');
  const installed = await rig.invoke('settings', 'ssh', 'install', {});
  assert.equal(installed.ok, true, JSON.stringify(installed));
  const view = installed.value as { installed: boolean; knockerConf: string; actions: string[] };
  assert.equal(view.installed, true);
  assert.equal(view.knockerConf, conf);
  assert.match(view.actions.join('\n'), /wrote .*knocker\.conf/);
  assert.match(fs.readFileSync(conf, 'utf8'), /^Host web1\n {4}HostName web1\.example\.org\n {4}User alice\n {4}Port 22\n {4}ProxyCommand .* proxy web1 %p$/m);

  copied = await rig.invoke('settings', 'profiles', 'copySshCommand', { name: 'web1' });
  assert.equal((copied.value as { command: string }).command, 'ssh web1');
  assert.equal(rig.copied.at(-1), 'ssh web1', 'on the clipboard');

  const block = await rig.invoke('settings', 'ssh', 'hostBlock', { name: 'web1' });
  assert.equal((block.value as { alias: string }).alias, 'web1');
  assert.match((block.value as { block: string }).block, /^Host web1$/m);

  await rig.invoke('settings', 'profiles', 'edit', { name: 'web1', patch: { ssh: { port: 2200 } } });
  assert.match(fs.readFileSync(conf, 'utf8'), /^ {4}Port 2200$/m, 'an edit in the settings window rewrites knocker.conf');

  const un = await rig.invoke('settings', 'ssh', 'uninstall', {});
  assert.equal((un.value as { installed: boolean }).installed, false);
  assert.equal(fs.existsSync(conf), false);
  copied = await rig.invoke('settings', 'profiles', 'copySshCommand', { name: 'web1' });
  assert.match((copied.value as { command: string }).command, /^ssh -p 2200 /);
  status = await rig.invoke('settings', 'ssh', 'status', {});
  assert.equal((status.value as { installed: boolean }).installed, false);
});
