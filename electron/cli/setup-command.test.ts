import { test } from 'node:test';
import assert from 'node:assert/strict';

import { harness } from '../testing/cli-harness.js';
import { setupEventLine } from './setup-command.js';

test('setup: command-line errors name what is missing, before any ssh', async (t) => {
  const { knocker } = harness(t);
  let r = await knocker(['setup']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs one profile name/);
  r = await knocker(['setup', 'web1', '--yes']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs --host HOST/);
  r = await knocker(['setup', 'web1', '--host', 'h', '--port', '99999', '--yes']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--port 99999: not a port number/);
  r = await knocker(['setup', 'web1', '--host', 'h']);
  assert.equal(r.code, 2, 'no terminal to ask in: --yes is required');
  assert.match(r.stderr, /confirm with --yes/);
  r = await knocker(['setup', '--undo', 'nobody']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no profile named "nobody"/);
  r = await knocker(['setup', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /dead-man switch/);
});

test('setup: one line per finished step with its result and time; starts are silent', () => {
  assert.equal(setupEventLine({ step: 'connect', status: 'start', atMs: 0, message: '' }), undefined);
  assert.equal(setupEventLine({ step: 'install', status: 'ok', atMs: 2500, durationMs: 1200, message: 'knocker-agent 0.1.0 installed' }), '[   2.50 s] ok Install knocker-agent: knocker-agent 0.1.0 installed (1.20 s)');
  assert.equal(setupEventLine({ step: 'prove', status: 'fail', atMs: 9000, durationMs: 10, message: 'no rule' }), '[   9.00 s] !! Knock and log in through the door: no rule (10.0 ms)');
  assert.equal(setupEventLine({ step: 'door', status: 'undo', atMs: 9100, message: 'restored' }), '[   9.10 s]    door: restored');
});
