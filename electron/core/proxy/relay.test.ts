import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as net from 'net';
import { PassThrough } from 'stream';

import { relay } from './relay.js';

/** A loopback server whose per-connection behaviour the test writes; resolves with the client socket. */
async function loopback(t: { after: (fn: () => void) => void }, onConn: (s: net.Socket) => void): Promise<net.Socket> {
  const server = net.createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  return socket;
}

/** Everything written to a PassThrough, and when it ended. */
function collect(s: PassThrough): { data: () => Buffer; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return { data: () => Buffer.concat(chunks), ended: new Promise((r) => s.once('end', r)) };
}

function readAll(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

test('relay: stdin ends first -> FIN to the server, whose answer is still read to its end', async (t) => {
  let serverGot: Promise<Buffer> | undefined;
  const socket = await loopback(t, (s) => {
    s.write('SSH-2.0-banner\r\n');
    // The server answers only after our side has closed (like `wc` behind ssh -W), then closes.
    serverGot = readAll(s).then((got) => {
      s.end(`got ${got.length} bytes`);
      return got;
    });
  });
  const input = new PassThrough();
  const output = new PassThrough();
  const out = collect(output);
  const sides: string[] = [];
  let firstByte = false;
  const done = relay(socket, input, output, { onHalfClose: (s) => sides.push(s), onFirstByte: () => (firstByte = true) });
  input.end('hello');
  const r = await done;
  await out.ended;
  assert.equal(r.error, undefined);
  assert.equal((await serverGot)?.toString(), 'hello');
  assert.equal(out.data().toString(), 'SSH-2.0-banner\r\ngot 5 bytes');
  assert.deepEqual(sides, ['input', 'server']);
  assert.equal(r.sent, 5);
  assert.equal(r.received, out.data().length);
  assert.ok(firstByte);
  assert.ok(socket.destroyed || socket.writableEnded, 'our side of the connection is closed');
});

test('relay: the server ends first -> stdout ends (ssh sees EOF) while stdin still reaches the server', async (t) => {
  let received: Promise<Buffer> | undefined;
  const socket = await loopback(t, (s) => {
    received = readAll(s);
    s.end('bye from the server');
  });
  const input = new PassThrough();
  const output = new PassThrough();
  const out = collect(output);
  const sides: string[] = [];
  const done = relay(socket, input, output, { onHalfClose: (s) => sides.push(s) });
  await out.ended;
  assert.equal(out.data().toString(), 'bye from the server');
  assert.deepEqual(sides, ['server'], 'stdout ended while stdin is still open');
  // Still forwarding: what ssh sends after the server's FIN gets there.
  input.write('late ');
  input.end('words');
  const r = await done;
  assert.equal(r.error, undefined);
  assert.equal((await received)?.toString(), 'late words');
  assert.deepEqual(sides, ['server', 'input']);
});

test('relay: 8 MiB each way arrive intact (back-pressure on both sides)', async (t) => {
  const up = crypto.randomBytes(8 << 20);
  const down = crypto.randomBytes(8 << 20);
  let serverGot: Promise<Buffer> | undefined;
  const socket = await loopback(t, (s) => {
    serverGot = readAll(s);
    s.end(down);
  });
  const input = new PassThrough();
  const output = new PassThrough({ highWaterMark: 1024 });
  const out = collect(output);
  const done = relay(socket, input, output);
  for (let i = 0; i < up.length; i += 65536) input.write(up.subarray(i, i + 65536));
  input.end();
  const r = await done;
  await out.ended;
  assert.equal(r.error, undefined);
  assert.ok(out.data().equals(down), 'server -> stdout intact');
  assert.ok((await serverGot)?.equals(up), 'stdin -> server intact');
  assert.equal(r.sent, up.length);
  assert.equal(r.received, down.length);
});

test('relay: a reset by the server ends the relay with the error and stops reading stdin', async (t) => {
  const socket = await loopback(t, (s) => {
    s.write('x');
    s.once('data', () => s.resetAndDestroy());
  });
  const input = new PassThrough();
  const output = new PassThrough();
  collect(output);
  const done = relay(socket, input, output);
  input.write('trigger');
  const r = await done;
  assert.equal(r.failedSide, 'socket');
  assert.match(String((r.error as NodeJS.ErrnoException).code), /ECONNRESET|EPIPE/);
  assert.ok(input.destroyed, 'stdin is no longer read, so nothing keeps the process alive');
});

test('relay: stdout failing (ssh gone) ends the relay and closes the connection', async (t) => {
  let serverEnd: Promise<void> | undefined;
  const socket = await loopback(t, (s) => {
    serverEnd = new Promise((r) => s.once('close', () => r()));
    s.on('error', () => undefined);
    s.write('data');
  });
  const input = new PassThrough();
  const output = new PassThrough();
  const done = relay(socket, input, output);
  output.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  const r = await done;
  assert.equal(r.failedSide, 'output');
  assert.ok(socket.destroyed);
  await serverEnd;
});
