import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'dgram';

import { freePorts } from '../testing/loopback.js';
import { harness } from '../testing/cli-harness.js';

test('knock: the host missing, or a port where the host should be, is said precisely', async (t) => {
  const { knocker } = harness(t);
  let r = await knocker(['knock', '32512,8425,27705']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'knocker knock: the host is missing: "32512,8425,27705" is the port sequence. Write the server first: knocker knock HOST 32512,8425,27705\n');
  r = await knocker(['knock', '32512', '8425', '27705']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the host is missing: "32512" is a port, not a host\. Write the server first: knocker knock HOST 32512 8425 27705/);
  r = await knocker(['knock', 'server.example.org']);
  assert.match(r.stderr, /no ports to knock on server\.example\.org \(and no profile named "server\.example\.org"\)/);
  r = await knocker(['knock']);
  assert.match(r.stderr, /needs a host and ports/);
  r = await knocker(['knock', '-d', '-5', 'h', '1']);
  assert.equal(r.stderr, 'knocker knock: delay cannot be negative\n');
  r = await knocker(['knock', '-4', '-6', 'h', '1']);
  assert.match(r.stderr, /-4 and -6 exclude each other/);
  r = await knocker(['knock', 'h', '1,abc']);
  assert.match(r.stderr, /ports: item 2 \("abc"\): port must be a number/);
  r = await knocker(['knock', 'h', '7000:icmp']);
  assert.match(r.stderr, /protocol must be tcp or udp/);
  r = await knocker(['knock', '-4', '::1', '7000']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /::1 is an IPv6 address, but the family is ipv4/);
});

test('knock: the knock client\'s arguments, comma-separated ports, -u, -v output', async (t) => {
  const { knocker } = harness(t);
  const ports = await freePorts(3);
  const got: string[] = [];
  const socks = await Promise.all(
    ports.map(async (p) => {
      const s = dgram.createSocket('udp4');
      s.on('message', (m) => got.push(`${p}:${m.toString('hex')}`));
      await new Promise<void>((r) => s.bind(p, '127.0.0.1', r));
      return s;
    }),
  );
  t.after(() => socks.forEach((s) => s.close()));
  let r = await knocker(['knock', '-u', '-v', '-d', '5', '127.0.0.1', `${ports[0]},${ports[1]}`, `${ports[2]}:tcp`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ports.map((p) => `hitting udp 127.0.0.1:${p}\n`).join(''));
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(got, ports.map((p) => `${p}:00`));
  r = await knocker(['knock', '--json', '127.0.0.1', `${ports[0]}:udp`]);
  const j = JSON.parse(r.stdout);
  assert.deepEqual([j.address, j.family, j.knocks], ['127.0.0.1', 4, [{ port: ports[0], proto: 'udp' }]]);
  r = await knocker(['knock', '-v', '-4', 'localhost', `${ports[0]}:UDP`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `hitting udp 127.0.0.1:${ports[0]}\n`);
  r = await knocker(['knock', '-v', '-6', '[::1]', `${ports[0]}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `hitting tcp [::1]:${ports[0]}\n`);
});
