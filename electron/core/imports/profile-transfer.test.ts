import { test } from 'node:test';
import assert from 'node:assert/strict';

import { KnockerError } from '../errors.js';
import { parseDraft, settingsOf } from '../profile-schema.js';
import { buildExport, parseExport } from './profile-transfer.js';

const p = { id: 'x', ...settingsOf(parseDraft({ name: 'web1', host: 'h', sequence: '1,2:udp', ssh: { user: 'u' } })), hasSequence: true };
const seq = [
  { port: 1, proto: 'tcp' as const },
  { port: 2, proto: 'udp' as const },
];

test('an export has no sequence unless asked for', () => {
  const doc = buildExport([{ profile: p, sequence: seq }], false, new Date(0));
  assert.equal(doc.includesSecrets, false);
  assert.equal(JSON.stringify(doc).includes('sequence'), false);
  assert.equal(JSON.stringify(doc).includes('"id"'), false, 'ids are local to one machine');
  const withSecrets = buildExport([{ profile: p, sequence: seq }], true, new Date(0));
  assert.equal(withSecrets.includesSecrets, true);
  assert.equal(withSecrets.profiles[0].sequence, '1,2:udp');
});

test('export then import gives the same settings', () => {
  const doc = buildExport([{ profile: p, sequence: seq }], true);
  const cands = parseExport(JSON.stringify(doc), 'f.json');
  assert.equal(cands.length, 1);
  assert.equal(cands[0].fieldPrefix, 'profiles[0].');
  const d = parseDraft(cands[0].input);
  assert.deepEqual(settingsOf(d), settingsOf(p));
  assert.deepEqual(d.sequence, seq);
});

test('imports refuse what is not an export, naming the field', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(() => parseExport(text, 'f.json'), (e: unknown) => e instanceof KnockerError && e.code === 'import' && re.test(e.message));
  bad('{', /not valid JSON/);
  bad('{"format":"other","version":1,"profiles":[]}', /"format" is "other"/);
  bad('{"format":"knocker-profiles","version":7,"profiles":[]}', /version 7/);
  bad('{"format":"knocker-profiles","version":1}', /"profiles" is missing/);
  assert.equal(parseExport('[{"name":"a"}]', 'f.json').length, 1, 'a bare list is accepted');
});
