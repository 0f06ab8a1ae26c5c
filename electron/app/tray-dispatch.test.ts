// The tray menu's other items (copy the ssh command, settings, refresh, quit), clicked through
// the Electron stand-ins over the real app.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { desktopRig, until } from '../testing/desktop-rig.js';

test('"Copy ssh command" puts the command for the host name on the clipboard', async (t) => {
  const rig = desktopRig(t);
  await rig.app.add({ name: 'web1', host: 'web1.example.org', sequence: '7000,8000', ssh: { user: 'alice', options: ['ServerAliveInterval=30'] } });
  rig.app.start();
  rig.menu().click(['web1', 'Copy ssh command']);
  await until('the copy', () => rig.copied.length > 0);
  assert.deepEqual(rig.copied, ['ssh -p 22 -l alice -o ServerAliveInterval=30 web1.example.org']);
  assert.equal(rig.notices.at(-1)?.title, 'ssh command copied');
});

test('menu actions: settings, refresh, quit', async (t) => {
  const rig = desktopRig(t);
  rig.app.start();
  rig.menu().click(['Add a server']);
  rig.menu().click(['Settings…']);
  rig.menu().click(['Quit Knocker']);
  assert.deepEqual(rig.windows, ['settings:servers', 'settings']);
  assert.equal(rig.quits, 1);
  assert.throws(() => rig.menu().click(['Quick connect']), /disabled/);
});
