// The tray menu is replaced only when what it shows changed: every reachability round gives
// each server a new result (a new checkedAt), and replacing the menu of an open tray menu closes
// or flickers it on Linux and Windows. Real TCP probes of loopback ports, the stand-in tray.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { desktopRig, until } from '../testing/desktop-rig.js';
import { closedPort, listenLoopback } from '../testing/loopback.js';

test('reachability rounds with unchanged results do not rebuild the tray menu; a changed state does', async (t) => {
  const rig = desktopRig(t);
  const open = await listenLoopback(t);
  const shut = await closedPort();
  await rig.app.add({ name: 'web1', host: '127.0.0.1', sequence: '7000', ssh: { port: open } });
  await rig.app.add({ name: 'db', host: '127.0.0.1', sequence: '7001', ssh: { port: shut } });
  rig.app.start();
  await until('both servers checked', () => {
    const s = Object.values(rig.app.reach.snapshot());
    return s.length === 2 && s.every((r) => r.state === 'open' || r.state === 'reachable');
  });
  await rig.app.reach.checkAll();
  const builds = (): number => rig.tray.calls.filter((c) => c.method === 'setContextMenu').length;
  const before = builds();
  const stamps = [JSON.stringify(rig.app.reach.snapshot())];
  for (let i = 0; i < 3; i++) {
    await rig.app.reach.checkAll();
    stamps.push(JSON.stringify(rig.app.reach.snapshot()));
  }
  assert.equal(new Set(stamps.map((s) => s.replace(/"(checkedAt|rttMs)":[0-9.]+/g, ''))).size, 1, 'the results are the same each round');
  assert.equal(builds(), before, 'three rounds with the same results: no new menu');
  assert.equal(rig.tray.calls.filter((c) => c.method === 'setImage').length, 1, 'the icon was drawn once');
  assert.deepEqual(rig.menu().labels().slice(0, 2), ['●  web1', '◐  db']);

  // Something shown changes: the menu is rebuilt, once per change.
  await rig.app.edit('db', { ssh: { port: open } });
  await until('db open', () => rig.app.reach.get('id-2').state === 'open');
  assert.ok(builds() > before, 'a changed state rebuilds the menu');
  assert.deepEqual(rig.menu().labels().slice(0, 2), ['●  web1', '●  db']);
  const after = builds();
  await rig.app.reach.checkAll();
  assert.equal(builds(), after);
});
