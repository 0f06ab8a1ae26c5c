import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError } from '../errors.js';
import { importSshConfig, matchPatternList, splitConfigLine } from './ssh-config-import.js';
import { tempDir } from '../../testing/temp-dir.js';

test('lines: keyword and arguments, = and quotes', () => {
  assert.deepEqual(splitConfigLine('  HostName=example.org'), { keyword: 'hostname', args: ['example.org'] });
  assert.deepEqual(splitConfigLine('IdentityFile "~/my keys/id"'), { keyword: 'identityfile', args: ['~/my keys/id'] });
  assert.deepEqual(splitConfigLine('Host a b  c'), { keyword: 'host', args: ['a', 'b', 'c'] });
  assert.equal(splitConfigLine('# comment'), undefined);
  assert.equal(splitConfigLine('   '), undefined);
});

test('patterns: wildcards and negation', () => {
  assert.ok(matchPatternList('web1', ['web*']));
  assert.ok(!matchPatternList('web1', ['web*', '!web1']));
  assert.ok(matchPatternList('db', ['*', '!web*']));
  assert.ok(matchPatternList('a.B', ['a.?']));
  assert.ok(!matchPatternList('ab', ['a.?']));
});

test('every concrete alias, with the first value ssh would use', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  fs.mkdirSync(path.join(dir, '.ssh', 'conf.d'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.ssh', 'config'),
    `User globaluser
Include conf.d/*.conf

Host web1 web2
  HostName %h.example.org
  Port 2222

Host web2
  User bob
  Port 9999

Host *.lan !skip.lan
  IdentityFile ~/.ssh/lan_key

Match host db
  User matched

Host db
  HostName 10.0.0.5
  ProxyJump bastion.example.org

Host *
  User fallback
  ProxyCommand nc %h %p
`,
  );
  fs.writeFileSync(path.join(dir, '.ssh', 'conf.d', 'a.conf'), 'Host inc\n  HostName included.example.org\n');
  const c = importSshConfig(undefined, { home: dir });
  assert.deepEqual(c.map((x) => x.input.name), ['inc', 'web1', 'web2', 'db']);
  const by = Object.fromEntries(c.map((x) => [x.input.name, x.input]));
  assert.deepEqual(by.web1, { name: 'web1', host: 'web1.example.org', ssh: { user: 'globaluser', port: '2222' } });
  assert.deepEqual(by.web2.ssh, { user: 'globaluser', port: '2222' }, 'first value wins, as in ssh');
  assert.deepEqual(by.db, { name: 'db', host: '10.0.0.5', ssh: { user: 'globaluser', jumpHost: 'bastion.example.org' } });
  assert.equal(by.inc.host, 'included.example.org');
  assert.match(c[1].notes.join(' '), /ProxyCommand/);
  assert.match(c[1].source, /config:4 Host web1$/);
});

test('a missing config is an import error naming the file', () => {
  assert.throws(() => importSshConfig('/nonexistent/ssh_config'), (e: unknown) => e instanceof KnockerError && e.code === 'import' && /\/nonexistent\/ssh_config/.test(e.message));
});

test('host patterns match in linear time (no regular-expression backtracking)', () => {
  const start = Date.now();
  assert.equal(matchPatternList('a'.repeat(40), ['*a*a*a*a*a*a*a*a*a*a*a*ab']), false);
  assert.ok(Date.now() - start < 200, `took ${Date.now() - start} ms`);
  for (const [name, pattern, want] of [
    ['web1', 'web?', true],
    ['web12', 'web?', false],
    ['x.example.org', '*.example.org', true],
    ['example.org', '*.example.org', false],
    ['Web.Example', 'web.*', true],
    ['abc', 'a*c', true],
    ['abd', 'a*c', false],
  ] as const) {
    assert.equal(matchPatternList(name, [pattern]), want, `${name} ~ ${pattern}`);
  }
});
