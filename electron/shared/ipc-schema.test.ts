import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createApi, eventChannel, invokeChannel, invokeEntries, ipcEvents, ipcSchema } from './ipc-schema.js';

test('the API has exactly the declared channels, and calls go to their channel names', async () => {
  const calls: { channel: string; args: unknown }[] = [];
  const subs: string[] = [];
  const api = createApi({
    invoke: async (channel, args) => {
      calls.push({ channel, args });
      return { ok: true, value: channel };
    },
    subscribe: (channel) => {
      subs.push(channel);
      return () => subs.push(`-${channel}`);
    },
  });
  const groups = Object.keys(ipcSchema);
  assert.deepEqual(Object.keys(api).sort(), [...groups, 'on'].sort());
  for (const g of groups) assert.deepEqual(Object.keys((api as unknown as Record<string, object>)[g]).sort(), Object.keys((ipcSchema as Record<string, object>)[g]).sort());
  assert.deepEqual(await api.profiles.list({}), { ok: true, value: 'knocker:profiles:list' });
  await api.knock.connect({ name: 'web1' });
  assert.deepEqual(calls.at(-1), { channel: invokeChannel('knock', 'connect'), args: { name: 'web1' } });
  const off = api.on.flow(() => undefined);
  off();
  assert.deepEqual(subs, [eventChannel('flow'), `-${eventChannel('flow')}`]);
  assert.deepEqual(Object.keys(api.on).sort(), Object.keys(ipcEvents).sort());
  assert.throws(() => api.on.flow(42 as never), /listener must be a function/);
});

test('every channel name is unique and namespaced; picker-only and settings-only channels are declared', () => {
  const entries = invokeEntries();
  assert.equal(new Set(entries.map((e) => e.channel)).size, entries.length);
  for (const e of entries) assert.match(e.channel, /^knocker:[a-z]+:[A-Za-z]+$/);
  const from = Object.fromEntries(entries.map((e) => [e.channel, e.spec.from.join(',')]));
  assert.equal(from['knocker:app:closePicker'], 'picker');
  assert.equal(from['knocker:profiles:add'], 'settings');
  assert.equal(from['knocker:knock:connect'], 'settings,picker');
});
