import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { ProfileView } from '../shared/ipc-schema.js';
import { MenuNode, buildMenuModel, trayIconState, trayToolTip } from './menu-model.js';

const profile = (id: string, name: string, extra: Partial<ProfileView> = {}): ProfileView => ({
  id,
  name,
  host: `${name}.example.org`,
  family: 'auto',
  delayMs: 0,
  waitTimeoutMs: 10000,
  knockAgain: true,
  ssh: { port: 22, options: [] },
  hasSequence: true,
  ...extra,
});

const find = (nodes: MenuNode[], id: string): MenuNode => {
  for (const n of nodes) {
    if (n.id === id) return n;
    const c = n.children && find(n.children, id);
    if (c) return c;
  }
  return undefined as unknown as MenuNode;
};

test('one entry per server with its state; per server connect, knock only, copy', () => {
  const nodes = buildMenuModel({
    profiles: [profile('a', 'web1', { ssh: { port: 22, options: [], user: 'alice' } }), profile('b', 'db'), profile('c', 'new', { hasSequence: false })],
    reach: { a: { state: 'open' }, b: { state: 'unreachable' } },
    busy: {},
    shortcut: { accelerator: 'CommandOrControl+Alt+K', registered: true },
  });
  assert.deepEqual(nodes.map((n) => n.label ?? '---'), ['●  web1', '✕  db', '○  new', '---', 'Quick connect…', 'Check servers now', 'Settings…', '---', 'Quit Knocker']);
  assert.equal(find(nodes, 'server:a').detail, 'SSH port open');
  assert.deepEqual(find(nodes, 'server:a').children?.map((c) => c.label ?? '---'), ['Knock and connect (alice@web1.example.org)', 'Knock only', 'Copy ssh command', '---', 'SSH port open']);
  assert.deepEqual(find(nodes, 'connect:a').action, { kind: 'connect', profile: 'web1' });
  assert.equal(find(nodes, 'server:c').detail, 'no sequence set');
  assert.equal(find(nodes, 'connect:c').enabled, false, 'no sequence: nothing to knock');
  assert.equal(find(nodes, 'copy:c').enabled, undefined, 'the ssh command needs no sequence');
  assert.equal(find(nodes, 'picker').accelerator, 'CommandOrControl+Alt+K');
  assert.deepEqual(find(nodes, 'quit').action, { kind: 'quit' });
});

test('a busy server cannot be knocked twice; an unregistered shortcut is shown, with the way to fix it', () => {
  const nodes = buildMenuModel({ profiles: [profile('a', 'web1')], reach: {}, busy: { a: 'connect' }, shortcut: { accelerator: 'Ctrl+Alt+K', registered: false, error: 'taken' } });
  assert.equal(find(nodes, 'server:a').label, '◌  web1');
  assert.equal(find(nodes, 'server:a').detail, 'knocking, then connecting…');
  assert.equal(find(nodes, 'connect:a').enabled, false);
  assert.equal(find(nodes, 'picker').accelerator, undefined);
  assert.deepEqual(find(nodes, 'shortcut-error'), { id: 'shortcut-error', label: 'Shortcut Ctrl+Alt+K unavailable', detail: 'taken', action: { kind: 'settings', section: 'preferences' } });
});

test('no servers: say so and offer to add one', () => {
  const nodes = buildMenuModel({ profiles: [], reach: {}, busy: {} });
  assert.deepEqual(nodes.slice(0, 2).map((n) => [n.label, n.enabled, n.action?.kind]), [
    ['No servers yet', false, undefined],
    ['Add a server…', undefined, 'settings'],
  ]);
  assert.equal(find(nodes, 'picker').enabled, false);
});

test('tray icon: knocking while busy, error after a failure, open after a success, else idle', () => {
  assert.equal(trayIconState({ busy: {} }), 'idle');
  assert.equal(trayIconState({ busy: { a: 'knock' }, lastOutcome: { b: 'failed' } }), 'knocking');
  assert.equal(trayIconState({ busy: {}, lastOutcome: { a: 'open', b: 'failed' } }), 'error');
  assert.equal(trayIconState({ busy: {}, lastOutcome: { a: 'open' } }), 'open');
  assert.equal(trayToolTip({ profiles: [profile('a', 'web1'), profile('b', 'db')], reach: { a: { state: 'open' } }, busy: {} }), 'Knocker: 2 servers, 1 with SSH open');
  assert.equal(trayToolTip({ profiles: [profile('a', 'web1')], reach: {}, busy: { a: 'knock' } }), 'Knocker: knocking web1');
});
