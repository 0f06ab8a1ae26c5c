import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseDraft } from '../profile-schema.js';
import { buildSshInvocation, formatSshCommand, shellQuote, splitSshArgs, windowsQuote } from './ssh-command.js';

const profile = parseDraft({
  name: 'web1',
  host: 'web1.example.org',
  sequence: '1',
  ssh: { user: 'alice', port: 2222, identityFile: '~/.ssh/id knocker', options: ['ServerAliveInterval=30'] },
});

test('ssh goes to the knocked address, known_hosts stays keyed by the name', () => {
  const inv = buildSshInvocation(profile, '2001:db8::5');
  assert.equal(inv.file, 'ssh');
  assert.equal(inv.destination, '2001:db8::5');
  assert.deepEqual(inv.args, [
    '-o', 'HostKeyAlias=web1.example.org',
    '-p', '2222',
    '-l', 'alice',
    '-i', '~/.ssh/id knocker',
    '-o', 'ServerAliveInterval=30',
    '2001:db8::5',
  ]);
});

test('a host given as an address needs no alias', () => {
  const p = parseDraft({ name: 'x', host: '10.0.0.1', sequence: '1' });
  assert.deepEqual(buildSshInvocation(p, '10.0.0.1').args, ['-p', '22', '10.0.0.1']);
});

test('extra arguments: options before the destination, the remote command after', () => {
  const inv = buildSshInvocation(profile, '192.0.2.5', { extraArgs: ['-v', '-L', '8080:localhost:80', '-tt', 'uptime', '-a'] });
  assert.deepEqual(inv.args.slice(0, 4), ['-v', '-L', '8080:localhost:80', '-tt']);
  assert.deepEqual(inv.args.slice(-3), ['192.0.2.5', 'uptime', '-a']);
});

test('splitSshArgs knows which options take a value', () => {
  assert.deepEqual(splitSshArgs(['-vp', '2200', 'true']), { options: ['-vp', '2200'], command: ['true'] });
  assert.deepEqual(splitSshArgs(['-p2200', 'true']), { options: ['-p2200'], command: ['true'] });
  assert.deepEqual(splitSshArgs(['-N', '--', '-weird']), { options: ['-N'], command: ['-weird'] });
  assert.deepEqual(splitSshArgs(['-o', 'BatchMode=yes']), { options: ['-o', 'BatchMode=yes'], command: [] });
  assert.deepEqual(splitSshArgs([]), { options: [], command: [] });
});

test('with a jump host ssh gets the name (the jump host resolves it)', () => {
  const p = parseDraft({ name: 'x', host: 'inner.lan', sequence: '1', ssh: { jumpHost: 'bastion:2200' } });
  const inv = buildSshInvocation(p, '10.1.1.1');
  assert.equal(inv.destination, 'inner.lan');
  assert.deepEqual(inv.args, ['-p', '22', '-J', 'bastion:2200', 'inner.lan']);
});

test('quoting for display and for shells', () => {
  assert.equal(shellQuote('plain-word_1.2:3@x'), 'plain-word_1.2:3@x');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('$HOME'), "'$HOME'");
  assert.equal(formatSshCommand(buildSshInvocation(profile, '192.0.2.5'), 'linux'), "ssh -o HostKeyAlias=web1.example.org -p 2222 -l alice -i '~/.ssh/id knocker' -o ServerAliveInterval=30 192.0.2.5");
  assert.equal(windowsQuote('a b'), '"a b"');
  assert.equal(windowsQuote('say "hi"'), '"say \\"hi\\""');
  assert.equal(windowsQuote('C:\\dir\\'), 'C:\\dir\\');
  assert.equal(windowsQuote('C:\\my dir\\'), '"C:\\my dir\\\\"');
});
