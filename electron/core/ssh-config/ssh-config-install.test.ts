import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { tempDir } from '../../testing/temp-dir.js';
import { KNOCKER_CONF_HEADER } from './host-block.js';
import { addInclude, removeInclude } from './include-line.js';
import { installSshConfig, refreshKnockerConf, sshConfigPaths, sshConfigStatus, uninstallSshConfig } from './ssh-config-install.js';

const CONF = `${KNOCKER_CONF_HEADER}\n\nHost web1\n    ProxyCommand /usr/bin/node /k proxy web1 %p\n`;

/** A user's config with a bit of everything: comments, global options, an Include, Host and Match blocks. */
const USER_CONFIG = [
  '# my ssh config',
  'AddKeysToAgent yes',
  'Include ~/.ssh/config.d/*',
  '',
  'Host work-*',
  '    User me',
  '    # a comment inside a block',
  'Match host *.example.org exec "test -f ~/.vpn"',
  '    ProxyJump gate',
  'Host *',
  '\tServerAliveInterval 30',
].join('\n');

const CASES: [string, Buffer][] = [
  ['LF with a final newline', Buffer.from(`${USER_CONFIG}\n`)],
  ['CRLF', Buffer.from(`${USER_CONFIG.replace(/\n/g, '\r\n')}\r\n`)],
  ['no trailing newline', Buffer.from(USER_CONFIG)],
  ['a byte-order mark and bytes that are not UTF-8', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${USER_CONFIG}\n# caf`), Buffer.from([0xe9, 0xff, 0x0a])])],
  ['starts with a blank line', Buffer.from(`\n${USER_CONFIG}\n`)],
  ['empty', Buffer.alloc(0)],
];

function home(t: { after: (fn: () => void) => void }): string {
  const { dir, cleanup } = tempDir('knocker-sshcfg-');
  t.after(cleanup);
  return dir;
}

function writeConfig(h: string, data: Buffer, mode = 0o644): string {
  const p = sshConfigPaths(h);
  fs.mkdirSync(p.sshDir, { mode: 0o700 });
  fs.writeFileSync(p.config, data, { mode });
  fs.chmodSync(p.config, mode);
  return p.config;
}

for (const [label, original] of CASES) {
  test(`install + uninstall leave ~/.ssh/config byte for byte as it was (${label})`, (t) => {
    const h = home(t);
    const config = writeConfig(h, original);
    installSshConfig(h, CONF);
    const installed = fs.readFileSync(config);
    const text = installed.toString('latin1');
    const bom = original.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? '\xef\xbb\xbf' : '';
    assert.ok(text.startsWith(`${bom}# Added by Knocker`), 'the Include is at the top (after a byte-order mark)');
    const eol = original.includes('\r\n') ? '\r\n' : '\n';
    assert.ok(text.includes(`${eol}Include knocker.conf${eol}`), 'in the file\'s own line endings');
    assert.ok(installed.subarray(installed.length - original.length + bom.length).equals(original.subarray(bom.length)), 'the user\'s content follows untouched');
    // A second install adds nothing.
    const again = installSshConfig(h, CONF);
    assert.ok(fs.readFileSync(config).equals(installed), 'install twice adds the Include once');
    assert.match(again.actions.join('\n'), /Include is there already/);
    assert.ok(fs.readFileSync(sshConfigPaths(h).backup).equals(original), 'the backup holds the config as it was');
    assert.equal(fs.statSync(config).mode & 0o777, 0o644, 'the config keeps its mode');
    uninstallSshConfig(h);
    assert.ok(fs.readFileSync(config).equals(original), 'byte for byte the original');
    assert.equal(fs.existsSync(sshConfigPaths(h).knockerConf), false);
  });
}

test('install on a machine without ~/.ssh: directory 700, config and knocker.conf 600; uninstall removes what it created', (t) => {
  const h = home(t);
  const p = sshConfigPaths(h);
  const r = installSshConfig(h, CONF);
  assert.equal(fs.statSync(p.sshDir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(p.config).mode & 0o777, 0o600);
  assert.equal(fs.statSync(p.knockerConf).mode & 0o777, 0o600);
  assert.equal(fs.readFileSync(p.knockerConf, 'utf8'), CONF);
  assert.match(r.actions.join('\n'), /created .*\.ssh \(mode 700\)/);
  assert.deepEqual(sshConfigStatus(h).installed, true);
  assert.equal(fs.existsSync(p.backup), false, 'nothing to back up');
  uninstallSshConfig(h);
  assert.equal(fs.existsSync(p.config), false, 'the config Knocker created (and nothing else was in) is gone');
  assert.equal(sshConfigStatus(h).installed, false);
});

test('a config that is a symbolic link (dotfiles): the file it points to is edited, the link stays', (t) => {
  const h = home(t);
  const p = sshConfigPaths(h);
  fs.mkdirSync(p.sshDir);
  const real = path.join(h, 'dotfiles-ssh-config');
  fs.writeFileSync(real, 'Host a\n');
  fs.symlinkSync(real, p.config);
  installSshConfig(h, CONF);
  assert.ok(fs.lstatSync(p.config).isSymbolicLink());
  assert.match(fs.readFileSync(real, 'utf8'), /^# Added by Knocker.*\nInclude knocker\.conf\n\nHost a\n$/);
  uninstallSshConfig(h);
  assert.equal(fs.readFileSync(real, 'utf8'), 'Host a\n');
});

test('the user\'s own Include of knocker.conf counts: no second one, and uninstall leaves it', (t) => {
  const h = home(t);
  const original = Buffer.from('Include ~/.ssh/knocker.conf\nHost a\n');
  const config = writeConfig(h, original);
  const r = installSshConfig(h, CONF);
  assert.match(r.actions.join('\n'), /line 1 includes knocker\.conf already/);
  assert.ok(fs.readFileSync(config).equals(original));
  const u = uninstallSshConfig(h);
  assert.match(u.actions.join('\n'), /line 1 .* still includes knocker\.conf \(a line of your own/);
  assert.ok(fs.readFileSync(config).equals(original));
});

test('a knocker.conf Knocker did not write is never overwritten or removed', (t) => {
  const h = home(t);
  const p = sshConfigPaths(h);
  fs.mkdirSync(p.sshDir);
  fs.writeFileSync(p.knockerConf, 'Host mine\n');
  assert.throws(() => installSshConfig(h, CONF), /was not written by Knocker/);
  assert.equal(refreshKnockerConf(h, CONF), false);
  uninstallSshConfig(h);
  assert.equal(fs.readFileSync(p.knockerConf, 'utf8'), 'Host mine\n');
  assert.equal(fs.existsSync(p.config), false, 'a failed install changed nothing');
});

test('refresh rewrites knocker.conf only when installed', (t) => {
  const h = home(t);
  assert.equal(refreshKnockerConf(h, CONF), false);
  assert.equal(fs.existsSync(sshConfigPaths(h).knockerConf), false);
  installSshConfig(h, CONF);
  const next = CONF.replace('web1', 'web2');
  assert.equal(refreshKnockerConf(h, next), true);
  assert.equal(fs.readFileSync(sshConfigPaths(h).knockerConf, 'utf8'), next);
  assert.equal(refreshKnockerConf(h, next), false, 'unchanged content is not rewritten');
});

test('include editing: removal takes out only what was added, even when the user moved it', () => {
  const added = addInclude('Host a\n').text;
  const moved = `Host z\n${added}`;
  assert.equal(removeInclude(moved).text, 'Host z\nHost a\n');
  // The user deleted our blank line: their next line stays.
  const noBlank = added.replace('Include knocker.conf\n\n', 'Include knocker.conf\n');
  assert.equal(removeInclude(noBlank).text, 'Host a\n');
  assert.equal(removeInclude('Host a\n').changed, false);
});
