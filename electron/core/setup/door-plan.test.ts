import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseKnockdConfig } from 'knocker-agent';

import { doorName, doorSection, hasSection, mergeConfig, planFixedDoor, planTimeDoor, randomSequence, removeSection } from './door-plan.js';

test('randomSequence: 3-5 distinct ports, TCP and UDP mixed, never a listening port', () => {
  const listening = { tcp: new Set<number>(), udp: new Set<number>() };
  for (let p = 10000; p < 60000; p += 2) listening.tcp.add(p); // half the range taken
  for (let i = 0; i < 500; i++) {
    const s = randomSequence(listening);
    assert.ok(s.length >= 3 && s.length <= 5, `length ${s.length}`);
    assert.ok(s.some((k) => k.proto === 'tcp') && s.some((k) => k.proto === 'udp'), 'mixed');
    assert.equal(new Set(s.map((k) => k.port)).size, s.length, 'distinct');
    for (const k of s) assert.ok(!listening.tcp.has(k.port) && k.port >= 10000 && k.port <= 60999, `port ${k.port}`);
  }
});

test('doorName: a safe section name from any profile name', () => {
  assert.equal(doorName('web 1/prod'), 'knocker-web-1-prod');
  assert.equal(doorName('%%%'), 'knocker-setup');
});

test('doorSection + mergeConfig: a fresh file passes the agent parser; a second run replaces its own section only', () => {
  const plan = planFixedDoor('web', { tcp: new Set([22]), udp: new Set() });
  const section = doorSection(plan, { sshPort: 22, zone: 'public' });
  const fresh = mergeConfig(undefined, section, plan.door, 'ens192');
  const parsed = parseKnockdConfig(fresh, '/etc/knockd.conf');
  assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
  assert.match(fresh, /Interface = ens192/);
  assert.match(fresh, /Open {9}= 22\/tcp/);

  const user = '[options]\n  UseSyslog\n\n[openHTTPS]\n  Sequence = 1,2,3\n  Command = /bin/true\n';
  const once = mergeConfig(user, section, plan.door);
  const again = mergeConfig(once, doorSection(planFixedDoor('web', { tcp: new Set(), udp: new Set() }), { sshPort: 22 }), plan.door);
  assert.equal(again.split(`[${plan.door}]`).length, 2, 'one section of that name');
  assert.ok(hasSection(again, 'openHTTPS') && hasSection(again, plan.door));
  assert.equal(removeSection(again, plan.door).trim(), user.trim());
});

test('planTimeDoor: a new 32-byte secret and a root-only secret file named after the door', () => {
  const a = planTimeDoor('web');
  const b = planTimeDoor('web');
  assert.equal(a.timeSecret?.length, 32);
  assert.notDeepEqual(a.timeSecret, b.timeSecret);
  assert.equal(a.secretFile, '/etc/knocker-agent/knocker-web.secret');
  assert.match(doorSection(a, { sshPort: 2222 }), /Time_Secret_File = \/etc\/knocker-agent\/knocker-web\.secret[\s\S]*Open {9}= 2222\/tcp/);
});
