import { test } from 'node:test';
import assert from 'node:assert/strict';

import { closedPort, listenLoopback } from '../../testing/loopback.js';
import { tcpProbe } from './tcp-probe.js';

test('tcpProbe: a listening port is open, a closed one refused', async (t) => {
  const port = await listenLoopback(t);
  assert.equal((await tcpProbe('127.0.0.1', 4, port, 1000)).result, 'open');
  const r = await tcpProbe('127.0.0.1', 4, await closedPort(), 1000);
  assert.equal(r.result, 'refused');
  assert.equal(r.detail, 'ECONNREFUSED');
});
