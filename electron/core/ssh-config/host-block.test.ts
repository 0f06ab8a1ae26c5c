import { test } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULTS } from '../profile-fields.js';
import type { ProfileSettings } from '../profile-schema.js';
import { configValue, hostAliases, proxyCommandLine, renderHostBlock, renderKnockerConf } from './host-block.js';
import { electronLauncher, nodeLauncher } from './proxy-launcher.js';

function profile(name: string, more: Partial<Omit<ProfileSettings, 'ssh'>> & { ssh?: Partial<ProfileSettings['ssh']> } = {}): ProfileSettings {
  const { ssh, ...rest } = more;
  return {
    name,
    host: 'server.example.org',
    family: 'auto',
    delayMs: 0,
    waitTimeoutMs: DEFAULTS.waitTimeoutMs,
    knockAgain: true,
    ...rest,
    ssh: { port: 22, options: [], ...ssh },
  };
}

const NODE = nodeLauncher('linux', '/usr/bin/node', '/opt/knocker/electron/cli/bin/knocker');

test('host block: Host, HostName, User, Port, IdentityFile and a ProxyCommand by absolute path', () => {
  const block = renderHostBlock(profile('web1', { ssh: { user: 'alice', port: 2222, identityFile: '/home/alice/.ssh/id_ed25519', options: ['ServerAliveInterval=30'] } }), NODE);
  assert.equal(
    block,
    [
      '# web1: knocker proxy knocks its door (sequence from the keychain), waits for the port, relays.',
      'Host web1',
      '    HostName server.example.org',
      '    User alice',
      '    Port 2222',
      '    IdentityFile /home/alice/.ssh/id_ed25519',
      '    ProxyCommand /usr/bin/node /opt/knocker/electron/cli/bin/knocker proxy web1 %p',
      '    ServerAliveInterval=30',
      '',
    ].join('\n'),
  );
});

test('host block: paths with spaces, quotes and % are quoted for /bin/sh and escaped for ssh\'s %-tokens', () => {
  const launcher = nodeLauncher('darwin', "/Users/o'brien/100% node/bin/node", '/Applications/My Tools/knocker');
  const line = proxyCommandLine(launcher, "web 1");
  assert.equal(line, `'/Users/o'\\''brien/100%% node/bin/node' '/Applications/My Tools/knocker' proxy 'web 1' %p`);
  // What /bin/sh gets after ssh turned %% into % and %p into the port:
  const expanded = line.replace('%p', '22').replace(/%%/g, '%');
  assert.equal(expanded, `'/Users/o'\\''brien/100% node/bin/node' '/Applications/My Tools/knocker' proxy 'web 1' 22`);
  const block = renderHostBlock(profile('x', { ssh: { identityFile: '/home/a b/.ssh/key "1"%' } }), NODE);
  assert.match(block, /^ {4}IdentityFile "\/home\/a b\/\.ssh\/key \\"1\\"%%"$/m);
  assert.equal(configValue('plain.host-1'), 'plain.host-1');
  assert.equal(configValue('a\\b'), '"a\\\\b"');
});

test('host block: Windows command lines (node.exe directly, or the desktop\'s .cmd shim)', () => {
  const win = nodeLauncher('win32', 'C:\\Program Files\\nodejs\\node.exe', 'C:\\Users\\Ann\\knocker\\electron\\cli\\bin\\knocker');
  assert.equal(proxyCommandLine(win, 'web1'), '"C:\\Program Files\\nodejs\\node.exe" C:\\Users\\Ann\\knocker\\electron\\cli\\bin\\knocker proxy web1 %p');
  const e = electronLauncher('win32', 'C:\\Users\\Ann\\AppData\\Local\\Programs\\Knocker\\Knocker.exe', 'C:\\Users\\Ann\\AppData\\Local\\Programs\\Knocker\\resources\\app.asar\\dist\\desktop\\knocker-cli.js', 'C:\\Users\\Ann\\AppData\\Roaming\\Knocker');
  assert.equal(proxyCommandLine(e.launcher, 'web1'), 'C:\\Users\\Ann\\AppData\\Roaming\\Knocker\\knocker-proxy.cmd proxy web1 %p');
  assert.equal(e.shim?.content, '@echo off\r\nset ELECTRON_RUN_AS_NODE=1\r\n"C:\\Users\\Ann\\AppData\\Local\\Programs\\Knocker\\Knocker.exe" "C:\\Users\\Ann\\AppData\\Local\\Programs\\Knocker\\resources\\app.asar\\dist\\desktop\\knocker-cli.js" %*\r\n');
  // cmd.exe would interpret these in %*: such a profile is left out, with the reason.
  assert.match(renderHostBlock(profile('a&calc'), e.launcher), /^# a&calc: skipped, cmd\.exe would interpret/);
  const posix = electronLauncher('linux', '/opt/Knocker/knocker-desktop', '/opt/Knocker/resources/app.asar/dist/desktop/knocker-cli.js', '/x');
  assert.equal(proxyCommandLine(posix.launcher, 'web1'), '/usr/bin/env ELECTRON_RUN_AS_NODE=1 /opt/Knocker/knocker-desktop /opt/Knocker/resources/app.asar/dist/desktop/knocker-cli.js proxy web1 %p');
  assert.equal(posix.shim, undefined);
});

test('host block: a jump-host profile gets ProxyJump and a comment saying it is not knocked from here', () => {
  const block = renderHostBlock(profile('inner', { host: '10.0.0.5', family: 'ipv4', ssh: { user: 'bob', jumpHost: 'ops@bastion.example.org:2200' } }), NODE);
  assert.match(block, /^# inner: NOT knocked by this block\. ssh reaches it through the jump host ops@bastion\.example\.org:2200,$/m);
  assert.match(block, /the door must be knocked from there/);
  assert.match(block, /^ {4}ProxyJump ops@bastion\.example\.org:2200$/m);
  assert.doesNotMatch(block, /ProxyCommand/);
  assert.match(block, /^ {4}AddressFamily inet$/m);
});

test('host aliases: plain names as they are, others made into one ssh word, clashes numbered', () => {
  const a = hostAliases(['web1', 'my server', 'my-server', 'db*', 'ünï', '***']);
  assert.equal(a.get('web1'), 'web1');
  assert.equal(a.get('my-server'), 'my-server', 'the name that is already an alias keeps it');
  assert.equal(a.get('my server'), 'my-server-2');
  assert.equal(a.get('db*'), 'db');
  assert.equal(a.get('ünï'), 'n');
  assert.equal(a.get('***'), undefined);
  assert.match(renderHostBlock(profile('***'), NODE), /^# \*\*\*: skipped, its name leaves no usable ssh Host alias/);
  const block = renderHostBlock(profile('my server'), NODE, { alias: a.get('my server') });
  assert.match(block, /^Host my-server-2$/m);
  assert.match(block, /proxy 'my server' %p$/m, 'knocker proxy gets the real name');
});

test('knocker.conf: a header, one block per profile, and no secret of any kind', () => {
  const p = { ...profile('web1'), id: 'id-1', hasSequence: true, sequence: [{ port: 32512, proto: 'tcp' }], timeSecret: Buffer.from('s3cr3t-bytes') } as ProfileSettings;
  const text = renderKnockerConf([p, profile('db', { host: '2001:db8::5' })], NODE);
  assert.match(text, /^# Written by Knocker \(knocker ssh-config --install\)\.\n/);
  assert.equal(text.match(/^Host /gm)?.length, 2);
  assert.match(text, /^ {4}HostName 2001:db8::5$/m);
  assert.doesNotMatch(text, /32512|s3cr3t|czNjcjN0/);
});
