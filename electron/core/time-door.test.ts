import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { deriveSequence, formatSequence, shareLink, shareText, windowAt } from 'knocker-agent';

import { FieldProblem, KnockerError, ValidationError } from './errors.js';
import { validateDraft } from './profile-schema.js';
import { ProfileService } from './profile-service.js';
import { PROFILES_SCHEMA_VERSION, ProfileStore } from './profile-store.js';
import { buildExport, parseExport } from './imports/profile-transfer.js';
import { SecretStore, decodeSecret, encodeSecret } from './secret-store.js';
import { MemoryKeychain } from '../testing/memory-keychain.js';
import { readTree, tempDir } from '../testing/temp-dir.js';
import { TimeDoorSettings, checkTimeDoor, readTimeShare, timeSequenceAt } from './time-door.js';

const SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const SECRET_TEXT = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const DOOR: TimeDoorSettings = { door: 'openSSH', step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] };

function service(t: { after: (fn: () => void) => void }) {
  const { dir, cleanup } = tempDir('knocker-time-');
  t.after(cleanup);
  const kc = new MemoryKeychain();
  let n = 0;
  const svc = new ProfileService({ store: new ProfileStore(path.join(dir, 'profiles.json')), secrets: new SecretStore(kc), newId: () => `id-${++n}` });
  return { dir, kc, svc, file: path.join(dir, 'profiles.json') };
}

const fields = (problems: FieldProblem[]) => problems.map((p) => p.field);

// ---- test vectors: the app's own path (profile -> keychain -> sequenceOf) ---------------------

/** The "Test vectors" table of docs/time-based-sequences.md. */
function documentedVectors(): { door: string; window: number; step: number; length: number; ports: string; protocols: string; sequence: string }[] {
  const doc = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'docs', 'time-based-sequences.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Test vectors'));
  assert.ok(section.includes(SECRET_TEXT), 'the vectors use the secret 0x00..0x1f');
  const rows: ReturnType<typeof documentedVectors> = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([^`]*)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d-]+)\s*\|\s*([a-z,]+)\s*\|\s*`([^`]+)`\s*\|$/.exec(line.trim());
    if (m) rows.push({ door: m[1], window: Number(m[2]), step: Number(m[3]), length: Number(m[4]), ports: m[5], protocols: m[6], sequence: m[7] });
  }
  return rows;
}

// The same vectors, written here too: the doc cannot change under the app unnoticed.
const VECTORS = [
  ['openSSH', 0, 30, 4, '20000-40000', 'tcp,udp', '39460:udp,30709:udp,25512:udp,20613'],
  ['openSSH', 1, 30, 4, '20000-40000', 'tcp,udp', '33344,34662:udp,39956:udp,39775:udp'],
  ['openSSH', 58000000, 30, 4, '20000-40000', 'tcp,udp', '34292:udp,22741,30591:udp,24555:udp'],
  ['Tür', 123456789, 60, 8, '1024-65535', 'tcp', '60056,55614,17783,58352,40432,18623,27751,4960'],
  ['x', 4294967296, 30, 3, '50000-50255', 'udp', '50061:udp,50043:udp,50039:udp'],
] as const;

test('test vectors: a time-based profile knocks the documented sequence of each window', async (t) => {
  const documented = documentedVectors();
  assert.deepEqual(
    documented.map((v) => [v.door, v.window, v.step, v.length, v.ports, v.protocols, v.sequence]),
    VECTORS.map((v) => [...v]),
    'docs/time-based-sequences.md and this test list the same vectors',
  );
  const { svc } = service(t);
  for (const [i, v] of documented.entries()) {
    // Through the app's own path: the link `secret new` would print, imported into a profile
    // whose secret sits in the keychain, then the sequence at a moment inside the window.
    const link = `knocker://time-door?v=1&door=${encodeURIComponent(v.door)}&secret=${SECRET_TEXT}&step=${v.step}&length=${v.length}&ports=${v.ports}&protocols=${encodeURIComponent(v.protocols)}`;
    const r = readTimeShare(link);
    assert.ok('share' in r, JSON.stringify(r));
    const p = await svc.add({ name: `v${i}`, host: 'h.example', time: r.share.time, timeSecret: r.share.secret });
    const start = v.window * v.step * 1000;
    for (const at of [start, start + v.step * 1000 - 1]) {
      assert.equal(formatSequence(await svc.sequenceOf(p, at)), v.sequence, `${v.door} window ${v.window} at ${at}`);
    }
    assert.notEqual(formatSequence(await svc.sequenceOf(p, start + v.step * 1000)), v.sequence, 'the next window has another sequence');
    const source = await svc.sequenceSourceOf(svc.get(`v${i}`));
    assert.equal(typeof source, 'function');
    if (typeof source === 'function') {
      const s = source(start + 1);
      assert.deepEqual([s.window, s.door, s.endsAtMs], [v.window, v.door, start + v.step * 1000]);
    }
  }
});

test('timeSequenceAt is the shared deriveSequence at windowAt(now)', () => {
  const now = 1_764_000_012_345;
  const s = timeSequenceAt(DOOR, SECRET, now);
  assert.equal(s.window, windowAt(now, 30));
  assert.deepEqual(s.knocks, deriveSequence(SECRET, 'openSSH', s.window, DOOR));
});

// ---- validation --------------------------------------------------------------------------------

test('door settings: defaults are the agent\'s, every problem names its field', () => {
  let problems: FieldProblem[] = [];
  assert.deepEqual(checkTimeDoor({ door: ' openSSH ' }, 'time', problems), { door: 'openSSH', step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp'] });
  assert.deepEqual(checkTimeDoor({ door: 'd', step: '60', length: 6, ports: [1024, 2047], protocols: ['udp', 'tcp'] }, 'time', problems), {
    door: 'd', step: 60, length: 6, portLo: 1024, portHi: 2047, protocols: ['udp', 'tcp'],
  });
  assert.deepEqual(checkTimeDoor({ door: 'd', portLo: 3000, portHi: 4000, protocols: 'TCP, udp' }, 'time', problems)?.protocols, ['tcp', 'udp']);
  assert.deepEqual(problems, []);

  problems = [];
  assert.equal(checkTimeDoor({ door: '', step: 'soon', length: 1.5, ports: '9-x', protocols: 'icmp' }, 'time', problems), undefined);
  assert.deepEqual(fields(problems), ['time.door', 'time.step', 'time.length', 'time.ports', 'time.protocols']);
  problems = [];
  checkTimeDoor({ door: 'd', step: 2, length: 40, ports: '100-200' }, 'profiles[0].time', problems);
  assert.deepEqual(fields(problems), ['profiles[0].time.step', 'profiles[0].time.length', 'profiles[0].time.ports']);
  assert.match(problems[0].message, /whole seconds from 5 to 3600/);
  assert.match(problems[2].message, /at least 256 ports/);
  problems = [];
  checkTimeDoor('openSSH', 'time', problems);
  assert.deepEqual(fields(problems), ['time']);
});

test('profiles: a time-based door excludes a sequence, needs its secret, and never shows it', () => {
  const base = { name: 'srv', host: 'h.example' };
  let r = validateDraft({ ...base, time: { door: 'openSSH' }, timeSecret: SECRET_TEXT });
  assert.ok('draft' in r);
  assert.deepEqual(r.draft.timeSecret, SECRET);
  assert.equal(r.draft.sequence, undefined);
  r = validateDraft({ ...base, time: { door: 'openSSH' } });
  assert.ok('problems' in r && fields(r.problems).join() === 'timeSecret', JSON.stringify(r));
  assert.ok('draft' in validateDraft({ ...base, time: { door: 'openSSH' } }, { requireSequence: false }));
  r = validateDraft({ ...base, time: { door: 'openSSH' }, timeSecret: 'c2hvcnQ', sequence: '1,2,3' });
  assert.ok('problems' in r);
  assert.deepEqual(fields(r.problems), ['sequence', 'timeSecret']);
  assert.ok(!JSON.stringify(r.problems).includes('c2hvcnQ'), 'the secret is not repeated');
  r = validateDraft({ ...base, timeSecret: SECRET_TEXT });
  assert.ok('problems' in r && fields(r.problems).join() === 'time,sequence', JSON.stringify(r));
  r = validateDraft({ ...base, time: { door: 'd', step: 5, length: 4 }, timeSecret: SECRET_TEXT, delayMs: 2000 });
  assert.ok('problems' in r && fields(r.problems).join() === 'delayMs' && /outlasts the door's 5 s window/.test(r.problems[0].message));
});

// ---- what `knocker-agent secret new` prints ----------------------------------------------------

test('readTimeShare: the link, the text form and the whole output of secret new', () => {
  const share = { door: 'openSSH', secret: SECRET, spec: DOOR, host: 'ssh.example.org' };
  const expected = { time: DOOR, secret: SECRET, host: 'ssh.example.org' };
  assert.deepEqual(readTimeShare(shareLink(share)), { share: expected });
  assert.deepEqual(readTimeShare(`  ${shareLink(share)}\n`), { share: expected });
  assert.deepEqual(readTimeShare(shareText(share)), { share: expected });
  const output = [
    'Created /etc/knocker-agent/openSSH.secret (mode 600).',
    '',
    'In /etc/knockd.conf, the door (add what is missing, then: systemctl reload knocker-agent):',
    '[openSSH]',
    '    Time_Secret_File = /etc/knocker-agent/openSSH.secret',
    '    Open = 22/tcp',
    '',
    'For the Knocker app (this is the secret: share it privately; knocker import-time reads either form):',
    shareText(share),
    '',
    shareLink(share),
  ].join('\n');
  assert.deepEqual(readTimeShare(output), { share: expected });
  assert.deepEqual(readTimeShare(`some words\n${shareLink({ ...share, host: undefined })}\n`), { share: { time: DOOR, secret: SECRET } });
});

test('readTimeShare: what is wrong is named, the secret never repeated', () => {
  const link = shareLink({ door: 'openSSH', secret: SECRET, spec: DOOR });
  const problems = (input: string) => {
    const r = readTimeShare(input);
    assert.ok('problems' in r, input);
    assert.ok(!JSON.stringify(r.problems).includes(SECRET_TEXT.slice(0, 12)), 'the secret is not repeated');
    return r.problems;
  };
  assert.deepEqual(fields(problems('')), ['input']);
  assert.deepEqual(fields(problems('hello world')), ['input']);
  assert.deepEqual(fields(problems('knocker://connect?x=1')), ['link']);
  assert.deepEqual(fields(problems(link.replace('v=1', 'v=9'))), ['link']);
  assert.deepEqual(fields(problems(link.replace(/secret=[^&]+/, 'secret=abc'))), ['secret']);
  assert.deepEqual(fields(problems(link.replace('ports=20000-40000', 'ports=20000'))), ['ports']);
  assert.deepEqual(fields(problems(link.replace('step=30', 'step=1'))), ['step']);
  assert.deepEqual(fields(problems(link.replace('door=openSSH', 'door='))), ['door']);
  assert.deepEqual(fields(problems(`door: openSSH\nsecret: ${SECRET_TEXT}\nstep: 30\nlength: 99\nports: 20000-40000\nprotocols: tcp,sctp`)), ['protocols']);
  assert.deepEqual(fields(problems(`door: openSSH\nsecret: ${SECRET_TEXT}\nstep: 30\nlength: 99\nports: 20000-40000`)), ['length']);
});

// ---- keychain and profile file ------------------------------------------------------------------

test('keychain item: {"v":1,"timeSecret":...} under the profile\'s account; a wrong kind is reported', async () => {
  assert.equal(encodeSecret({ timeSecret: SECRET }), `{"v":1,"timeSecret":"${SECRET_TEXT}"}`);
  assert.deepEqual(decodeSecret(`{"v":1,"timeSecret":"${SECRET_TEXT}"}`, 'a'), { timeSecret: SECRET });
  assert.throws(() => decodeSecret('{"v":1,"timeSecret":"short"}', 'a'), (e: unknown) => e instanceof KnockerError && e.code === 'secret-missing' && e.field === 'timeSecret');
  const kc = new MemoryKeychain();
  const s = new SecretStore(kc);
  await s.write('id-1', { timeSecret: SECRET });
  assert.deepEqual(await s.read('id-1'), { timeSecret: SECRET });
});

test('service: the secret goes to the keychain only; the file holds the door settings (schema 2)', async (t) => {
  const { dir, kc, svc, file } = service(t);
  await svc.add({ name: 'plain', host: 'h', sequence: '7000,8000' });
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).schemaVersion, 1, 'without time-based profiles the file stays readable by older versions');
  const p = await svc.add({ name: 'timed', host: 'h.example', time: DOOR, timeSecret: SECRET_TEXT, ssh: { user: 'alice' } });
  assert.deepEqual([p.id, p.hasSequence, p.time], ['id-2', true, DOOR]);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(doc.schemaVersion, 2);
  assert.equal(PROFILES_SCHEMA_VERSION, 3, 'the newest version: 3 holds SPA profiles');
  assert.deepEqual(doc.profiles[1].time, DOOR);
  assert.deepEqual(Object.keys(doc.profiles[1]), ['id', 'name', 'host', 'family', 'delayMs', 'waitTimeoutMs', 'knockAgain', 'ssh', 'time', 'hasSequence']);
  for (const f of readTree(dir)) assert.ok(!f.data.toString().includes(SECRET_TEXT), `${f.file} holds the secret`);
  assert.deepEqual(JSON.parse(kc.items.get('Knocker/id-2') as string), { v: 1, timeSecret: SECRET_TEXT });
  assert.deepEqual(svc.list()[1], p, 'read back from the file');

  // The file refuses a secret written into it.
  const withSecret = { ...doc, profiles: [{ ...doc.profiles[1], timeSecret: SECRET_TEXT }] };
  fs.writeFileSync(file, JSON.stringify(withSecret));
  assert.throws(() => svc.list(), (e: unknown) => e instanceof KnockerError && e.code === 'storage' && e.field === 'profiles[0].timeSecret');
  fs.writeFileSync(file, JSON.stringify(doc));
  fs.writeFileSync(file, JSON.stringify({ ...doc, profiles: [{ ...doc.profiles[1], time: { door: 'x', step: 1 } }] }));
  assert.throws(() => svc.list(), (e: unknown) => e instanceof KnockerError && e.field === 'profiles[0].time.step');
});

test('service: editing keeps the door; a sequence turns it into a fixed profile and back with time + secret', async (t) => {
  const { kc, svc } = service(t);
  await svc.add({ name: 'timed', host: 'h', time: DOOR, timeSecret: SECRET });
  let p = await svc.edit('timed', { ssh: { port: 2222 } });
  assert.deepEqual([p.time, p.hasSequence, p.ssh.port], [DOOR, true, 2222]);
  assert.equal((await svc.sequenceOf(p, 0)).length, 4);
  await assert.rejects(svc.edit('timed', { sequence: '1,2', time: DOOR }), ValidationError);
  p = await svc.edit('timed', { sequence: '7000,8000:udp' });
  assert.deepEqual([p.time, p.hasSequence], [undefined, true]);
  assert.deepEqual(JSON.parse(kc.items.get('Knocker/id-1') as string), { v: 1, sequence: '7000,8000:udp' });
  assert.equal(formatSequence(await svc.sequenceOf(p)), '7000,8000:udp');
  // time without a secret: the kind changes, the sequence no longer fits and is removed.
  p = await svc.edit('timed', { time: DOOR });
  assert.deepEqual([p.time, p.hasSequence, kc.items.size], [DOOR, false, 0]);
  await assert.rejects(svc.sequenceOf(p), (e: unknown) => e instanceof KnockerError && e.field === 'timeSecret' && /import-time/.test(e.hint ?? ''));
  const r = await svc.addTime({ name: 'TIMED', time: DOOR, timeSecret: SECRET }, { replace: true });
  assert.deepEqual([r.replaced, r.profile.id, r.profile.name, r.profile.host, r.profile.ssh.port, r.profile.hasSequence], [true, 'id-1', 'TIMED', 'h', 2222, true]);
  // An item that holds the other kind of secret is reported, not misread.
  kc.items.set('Knocker/id-1', '{"v":1,"sequence":"1,2"}');
  await assert.rejects(svc.sequenceOf(svc.get('timed')), (e: unknown) => e instanceof KnockerError && e.code === 'secret-missing' && /does not hold the time-door secret of door openSSH/.test(e.message));
  kc.items.delete('Knocker/id-1');
  await assert.rejects(svc.sequenceOf(svc.get('timed')), (e: unknown) => e instanceof KnockerError && /the time-door secret is missing from the keychain/.test(e.message));
  kc.locked = true;
  await assert.rejects(svc.sequenceOf(svc.get('timed')), (e: unknown) => e instanceof KnockerError && e.code === 'keychain-locked' && /time-door secret cannot be read/.test(e.message));
});

test('export: door settings always, the secret only when asked; import reads both back', async (t) => {
  const { svc } = service(t);
  const p = await svc.add({ name: 'timed', host: 'h', time: DOOR, timeSecret: SECRET });
  const bare = buildExport([{ profile: p }], false);
  assert.equal(bare.version, 2);
  assert.deepEqual([bare.profiles[0].time, 'timeSecret' in bare.profiles[0]], [DOOR, false]);
  const full = buildExport([{ profile: p, timeSecret: SECRET }], true);
  assert.equal(full.profiles[0].timeSecret, SECRET_TEXT);
  const { svc: other, kc } = service(t);
  const report = await other.importItems(parseExport(JSON.stringify(full), 'x.json'));
  assert.deepEqual(report.added, ['timed']);
  assert.deepEqual(JSON.parse(kc.items.get('Knocker/id-1') as string), { v: 1, timeSecret: SECRET_TEXT });
  assert.deepEqual(await other.sequenceOf(other.get('timed'), 5), await svc.sequenceOf(p, 5));
  const { svc: third } = service(t);
  await third.importItems(parseExport(JSON.stringify(bare), 'y.json'));
  assert.deepEqual([third.get('timed').time, third.get('timed').hasSequence], [DOOR, false]);

  // Replacing with settings only (an ssh-config import) keeps the door and its secret; with a
  // sequence it becomes a fixed profile.
  let rep = await other.importItems([{ input: { name: 'timed', host: 'new.example', ssh: { user: 'carol' } }, source: 'ssh config' }], { replace: true });
  assert.deepEqual(rep.replaced, ['timed']);
  let q = other.get('timed');
  assert.deepEqual([q.host, q.ssh.user, q.time, q.hasSequence, kc.items.size], ['new.example', 'carol', DOOR, true, 1]);
  rep = await other.importItems([{ input: { name: 'timed', host: 'h', sequence: '7000' }, source: 'x' }], { replace: true });
  q = other.get('timed');
  assert.deepEqual([q.time, q.hasSequence, JSON.parse(kc.items.get('Knocker/id-1') as string)], [undefined, true, { v: 1, sequence: '7000' }]);
});
