import { test } from 'node:test';
import assert from 'node:assert/strict';

import { generateSpaKeys } from 'knocker-agent';

import { FlowEvent, knockAndWait } from '../connect-flow.js';
import { parseDraft } from '../profile-schema.js';
import { spaKeysOf } from '../spa-door.js';
import { freePorts } from '../../testing/loopback.js';
import { spaListener } from '../../testing/spa-listener.js';
import { SpaSource, describeSource, familyForDoor, isSpaSource, sendDoorKnock } from './door-knock.js';

const KEYS = generateSpaKeys();

test('one dispatch: an SPA source sends one UDP packet that the agent decoder accepts', async (t) => {
  const srv = await spaListener(spaKeysOf(KEYS));
  t.after(srv.close);
  const source: SpaSource = { kind: 'spa', door: { port: srv.port, access: 'tcp/22', allowIp: 'source', username: 'alice' }, keys: KEYS };
  const events: string[] = [];
  const sent = await sendDoorKnock({ address: '127.0.0.1', family: 4 }, source, { onEvent: (step, m) => events.push(`${step}: ${m}`) });
  assert.deepEqual(await sent.settled, []);
  assert.equal(sent.count, 1);
  const got = await waitFor(() => srv.results[0], 'the SPA packet at the listener');
  assert.ok(got.result.ok, JSON.stringify(got.result));
  assert.equal(got.result.request.username, 'alice');
  assert.ok(got.bytes < 400);
  assert.equal(events.length, 1);
  assert.match(events[0], new RegExp(`^knock: SPA packet \\(${got.bytes} bytes\\): udp 127\\.0\\.0\\.1:${srv.port}, asking to open tcp/22$`));
  assert.match(describeSource(source), /^SPA keys read from the keychain \(SPA to UDP \d+, opens tcp\/22 for the packet's source, user alice\)$/);
});

test('sequence and time-door sources go through the same dispatch', () => {
  assert.equal(describeSource([{ port: 1, proto: 'tcp' }]), 'sequence read from the keychain (1 knock)');
  assert.match(describeSource(() => ({ door: 'd', window: 1, step: 30, knocks: [], endsAtMs: 0 })), /time-door secret/);
  assert.equal(isSpaSource([]), false);
  assert.equal(familyForDoor('auto', { kind: 'spa' } as SpaSource), 'ipv4', 'SPA is IPv4 only');
  assert.equal(familyForDoor('auto', []), 'auto');
  assert.throws(() => familyForDoor('ipv6', { kind: 'spa' } as SpaSource), /SPA packets go over IPv4 only/);
});

test('knockAndWait with an SPA profile: packet, then the port opens (a second round sends a fresh packet)', async (t) => {
  const [ssh] = await freePorts(1);
  const srv = await spaListener(spaKeysOf(KEYS), { openPort: ssh });
  t.after(srv.close);
  const profile = parseDraft({ name: 's', host: 'localhost', ssh: { port: ssh }, spa: { port: srv.port }, spaKeys: KEYS });
  const events: FlowEvent[] = [];
  const r = await knockAndWait(profile, { kind: 'spa', door: profile.spa!, keys: KEYS }, { onEvent: (e) => events.push(e) });
  assert.equal(r.target.address, '127.0.0.1', 'localhost resolved over IPv4 for SPA');
  assert.ok(r.wait?.open);
  assert.deepEqual(events.map((e) => e.step), ['resolved', 'knock', 'knocked', 'open']);
  assert.match(events[2].message, /^1 SPA packet sent in/);
  assert.ok(srv.results[0].result.ok);
  assert.deepEqual(srv.results[0].result.ok && srv.results[0].result.request.access, [{ proto: 'tcp', port: ssh }], 'access defaults to tcp/SSH port');
});

test('knockAndWait with an SPA profile that nobody accepts: port-timeout with an SPA hint, two packets', async (t) => {
  const [ssh] = await freePorts(1);
  const srv = await spaListener(spaKeysOf(generateSpaKeys()));
  t.after(srv.close);
  const profile = parseDraft({ name: 's', host: '127.0.0.1', waitTimeoutMs: 2500, ssh: { port: ssh }, spa: { port: srv.port }, spaKeys: KEYS });
  await assert.rejects(knockAndWait(profile, { kind: 'spa', door: profile.spa!, keys: KEYS }), (e: Error & { code?: string; hint?: string }) => e.code === 'port-timeout' && /the keys, the access list/.test(e.hint ?? ''));
  assert.equal(srv.results.length, 2);
  assert.ok(srv.results.every((x) => !x.result.ok && x.result.code === 'hmac'));
});

async function waitFor<T>(get: () => T | undefined, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
