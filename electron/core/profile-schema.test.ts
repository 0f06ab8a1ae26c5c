import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ValidationError } from './errors.js';
import { mergeInput, parseDraft, settingsAsInput, validateDraft } from './profile-schema.js';

const base = { name: 'web1', host: 'web1.example.org', sequence: '7000,8000:udp,9000' };

function problemsOf(input: Parameters<typeof validateDraft>[0]): { field: string; message: string }[] {
  const r = validateDraft(input);
  assert.ok('problems' in r, 'expected problems');
  return r.problems;
}

test('a minimal profile gets the defaults', () => {
  const d = parseDraft(base);
  assert.deepEqual(d, {
    name: 'web1',
    host: 'web1.example.org',
    family: 'auto',
    delayMs: 0,
    waitTimeoutMs: 10000,
    knockAgain: true,
    ssh: { port: 22, options: [] },
    sequence: [
      { port: 7000, proto: 'tcp' },
      { port: 8000, proto: 'udp' },
      { port: 9000, proto: 'tcp' },
    ],
  });
});

test('strings from a command line are converted', () => {
  const d = parseDraft({
    ...base,
    family: '6',
    delayMs: '200',
    waitTimeoutMs: '5000',
    knockAgain: 'no',
    ssh: { user: 'alice', port: '2222', identityFile: '~/.ssh/id_ed25519', options: ['ServerAliveInterval 30'], jumpHost: 'bastion.example.org:2200' },
  });
  assert.equal(d.family, 'ipv6');
  assert.equal(d.delayMs, 200);
  assert.equal(d.waitTimeoutMs, 5000);
  assert.equal(d.knockAgain, false);
  assert.deepEqual(d.ssh, { user: 'alice', port: 2222, identityFile: '~/.ssh/id_ed25519', options: ['ServerAliveInterval=30'], jumpHost: 'bastion.example.org:2200' });
});

test('the sequence uses server-agent\'s strict grammar, as text or as a list', () => {
  assert.deepEqual(parseDraft({ ...base, sequence: '32512 8425:UDP 27705' }).sequence, [
    { port: 32512, proto: 'tcp' },
    { port: 8425, proto: 'udp' },
    { port: 27705, proto: 'tcp' },
  ]);
  assert.deepEqual(parseDraft({ ...base, sequence: [{ port: 1, proto: 'udp' }, 2, '3:tcp'] }).sequence, [
    { port: 1, proto: 'udp' },
    { port: 2, proto: 'tcp' },
    { port: 3, proto: 'tcp' },
  ]);
  const p = problemsOf({ ...base, sequence: '7000,,8000' });
  assert.equal(p[0].field, 'sequence');
  assert.match(p[0].message, /empty item/);
  assert.match(problemsOf({ ...base, sequence: '70000' })[0].message, /1 to 65535/);
  assert.match(problemsOf({ ...base, sequence: '7000:icmp' })[0].message, /tcp or udp/);
  assert.match(problemsOf({ ...base, sequence: Array.from({ length: 33 }, (_, i) => i + 1).join(',') })[0].message, /too many/);
  assert.equal(problemsOf({ name: 'a', host: 'b' })[0].field, 'sequence');
});

test('the sequence may be left out where it is not required', () => {
  const r = validateDraft({ name: 'a', host: 'b' }, { requireSequence: false });
  assert.ok('draft' in r);
  assert.equal(r.draft.sequence, undefined);
});

test('every problem names its field', () => {
  const p = problemsOf({
    name: '',
    host: 'bad host',
    family: 'ipx',
    sequence: '1',
    delayMs: -1,
    waitTimeoutMs: 'soon',
    knockAgain: 'maybe',
    ssh: { user: 'a@b', port: 0, identityFile: '-oProxyCommand=x', options: ['nonsense'], jumpHost: '-J' },
  });
  assert.deepEqual(
    p.map((x) => x.field),
    ['name', 'host', 'family', 'delayMs', 'waitTimeoutMs', 'knockAgain', 'ssh.user', 'ssh.port', 'ssh.identityFile', 'ssh.options[0]', 'ssh.jumpHost'],
  );
});

test('hosts: names, literals, brackets; ports and sequences are not hosts', () => {
  assert.equal(parseDraft({ ...base, host: '[fd66::1]' }).host, 'fd66::1');
  assert.equal(parseDraft({ ...base, host: 'fe80::1%eth0' }).host, 'fe80::1%eth0');
  assert.equal(parseDraft({ ...base, host: '10.0.0.1' }).host, '10.0.0.1');
  assert.equal(parseDraft({ ...base, host: 'my_host.lan.' }).host, 'my_host.lan.');
  assert.match(problemsOf({ ...base, host: '32512' })[0].message, /looks like a port/);
  assert.match(problemsOf({ ...base, host: '32512,8425,27705' })[0].message, /looks like a knock sequence/);
  assert.match(problemsOf({ ...base, host: '10.0.0.300' })[0].message, /not a valid IPv4/);
  assert.match(problemsOf({ ...base, host: 'fd66::zz' })[0].message, /not a valid IPv6/);
  assert.match(problemsOf({ ...base, host: '-oProxyCommand=evil' })[0].message, /not a valid host name/);
});

test('the family must agree with an address literal', () => {
  const p = problemsOf({ ...base, host: '10.0.0.1', family: 'ipv6' });
  assert.equal(p[0].field, 'family');
  assert.match(p[0].message, /IPv4 address/);
  assert.equal(parseDraft({ ...base, host: 'fd00::1', family: 'ipv6' }).family, 'ipv6');
});

test('names: no leading dash, bounded length', () => {
  assert.match(problemsOf({ ...base, name: '-x' })[0].message, /option/);
  assert.match(problemsOf({ ...base, name: 'x'.repeat(65) })[0].message, /at most 64/);
  assert.equal(parseDraft({ ...base, name: '  Home server ' }).name, 'Home server');
});

test('HostKeyAlias cannot be set by hand, and a long sequence with a long delay is refused', () => {
  assert.match(problemsOf({ ...base, ssh: { options: ['HostKeyAlias=x'] } })[0].message, /HostKeyAlias/);
  const p = problemsOf({ ...base, sequence: '1,2,3', delayMs: 40000 });
  assert.equal(p[0].field, 'delayMs');
});

test('field prefixes locate problems inside files', () => {
  const p = problemsOf.call(null, { ...base, ssh: { port: 99999 } });
  assert.equal(p[0].field, 'ssh.port');
  const r = validateDraft({ ...base, ssh: { port: 99999 } }, { fieldPrefix: 'profiles[3].' });
  assert.ok('problems' in r);
  assert.equal(r.problems[0].field, 'profiles[3].ssh.port');
});

test('parseDraft throws a ValidationError naming the first field', () => {
  assert.throws(
    () => parseDraft({ ...base, ssh: { port: 'ssh' } }),
    (e: unknown) => e instanceof ValidationError && e.field === 'ssh.port' && /ssh\.port: "ssh" is not a whole number/.test(e.message),
  );
});

test('mergeInput keeps absent fields and clears optional ssh fields set to empty', () => {
  const d = parseDraft({ ...base, ssh: { user: 'alice', jumpHost: 'j' } });
  const merged = mergeInput(settingsAsInput(d), { host: 'other', ssh: { user: '' } });
  const d2 = parseDraft(merged, { requireSequence: false });
  assert.equal(d2.host, 'other');
  assert.equal(d2.name, 'web1');
  assert.equal(d2.ssh.user, undefined);
  assert.equal(d2.ssh.jumpHost, 'j');
});

test('odd JSON values are reported, never thrown (an object whose toString is not a function)', () => {
  const r = validateDraft({ name: 'x', host: 'h', sequence: '7000,8000,9000', family: { toString: 'x' }, delayMs: { toString: 1 }, knockAgain: { valueOf: 1, toString: null } } as never);
  assert.ok('problems' in r);
  const fields = r.problems.map((p) => p.field).sort();
  assert.deepEqual(fields, ['delayMs', 'family', 'knockAgain']);
});
