// Every ssh program knocks, end to end (lab: test/knocker/lab/ssh-tools-lab.ts): knocker-agent
// with a native door (`Open = 22/tcp`, firewalld's default zone `drop`, nothing else reaches
// port 22) in front of the real sshd, a profile whose sequence sits in a headless
// gnome-keyring, and the ssh config `knocker ssh-config` prints (used with -F). ssh, scp, sftp,
// rsync -e ssh, git clone over ssh and ansible -m ping, all from Debian's packages, each get
// through the closed door (closed again before each tool), and the agent's log shows their
// knocks; plain ssh without the proxy times out. Then the file --install writes works the same,
// and a proxy that fails says why on ssh's stderr.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { requireRoot, run, waitFor } from 'knocker-lab';

import { knocker } from './lab/knocker-cli.js';
import { TOOLS_HOST, buildSshToolsLab } from './lab/ssh-tools-lab.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('every ssh program knocks through knocker proxy: ssh, scp, sftp, rsync, git, ansible', async (t) => {
  requireRoot('the ssh tools end-to-end test');
  const lab = await buildSshToolsLab();
  t.after(() => lab.destroy());
  const { conf, env, sshd, remoteHome } = lab;
  const client = path.dirname(conf);

  assert.match(lab.printed, /^Host files\n {4}HostName files\.knocker\.test\n {4}User knocktest\n {4}Port 22\n {4}IdentityFile \S+\n {4}ProxyCommand \/\S+ \/\S+\/electron\/cli\/bin\/knocker proxy files %p\n/m);
  assert.doesNotMatch(lab.printed, /41111|42222|43333/, 'no sequence in the config');

  let knocks = 0;
  /** The agent's log shows one more opening of the door for the client than before. */
  const sawKnock = async (what: string): Promise<void> => {
    const n = await waitFor(`the agent to log ${what}'s knock`, () => (lab.opened() > knocks ? lab.opened() : undefined), 10_000);
    knocks = n;
  };

  await t.test('the door is closed: plain ssh (no proxy) times out', async () => {
    await lab.closeDoor();
    const r = await lab.tool(sshd.sshArgv(TOOLS_HOST, 'true', { timeoutSec: 2 }));
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /timed out/);
    assert.equal(lab.opened(), 0, 'nothing knocked yet');
  });

  await t.test('ssh', async () => {
    await lab.closeDoor();
    const r = await lab.tool(['ssh', '-F', conf, 'files', 'echo', 'hello', 'from', '$USER']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `hello from ${sshd.user}\n`);
    await sawKnock('ssh');
    assert.match(sshd.logText(), new RegExp(`Accepted publickey for ${sshd.user} from ${esc(lab.lab.cli4)}`));
  });

  const payload = path.join(client, 'payload.bin');
  fs.writeFileSync(payload, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff)));

  await t.test('scp (the SFTP protocol, OpenSSH 9)', async () => {
    await lab.closeDoor();
    const r = await lab.tool(['scp', '-F', conf, payload, 'files:scp-copy.bin']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.readFileSync(path.join(remoteHome, 'scp-copy.bin')).equals(fs.readFileSync(payload)), 'the file arrived intact');
    await sawKnock('scp');
  });

  await t.test('sftp', async () => {
    await lab.closeDoor();
    const batch = path.join(client, 'sftp-batch');
    fs.writeFileSync(batch, `put ${payload} sftp-copy.bin\nls -l sftp-copy.bin\n`);
    const r = await lab.tool(['sftp', '-F', conf, '-b', batch, 'files']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sftp-copy\.bin/);
    assert.ok(fs.readFileSync(path.join(remoteHome, 'sftp-copy.bin')).equals(fs.readFileSync(payload)));
    await sawKnock('sftp');
  });

  await t.test('rsync -e ssh', async () => {
    await lab.closeDoor();
    const src = path.join(client, 'site');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'index.html'), '<h1>knocked</h1>\n');
    fs.copyFileSync(payload, path.join(src, 'sub', 'data.bin'));
    const r = await lab.tool(['rsync', '-a', '-e', `ssh -F ${conf}`, `${src}/`, 'files:site/']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(remoteHome, 'site', 'index.html'), 'utf8'), '<h1>knocked</h1>\n');
    assert.ok(fs.readFileSync(path.join(remoteHome, 'site', 'sub', 'data.bin')).equals(fs.readFileSync(payload)));
    await sawKnock('rsync');
  });

  await t.test('git clone over ssh', async () => {
    // A repository on the server, owned by the ssh user.
    const work = path.join(client, 'git-src');
    fs.mkdirSync(work);
    const git = (args: string[], cwd: string) => run(['git', '-c', 'user.name=Knocker Test', '-c', 'user.email=test@knocker.test', '-c', 'init.defaultBranch=main', ...args], { cwd });
    await git(['init', '-q'], work);
    fs.writeFileSync(path.join(work, 'README'), 'cloned through a closed door\n');
    await git(['add', 'README'], work);
    await git(['commit', '-q', '-m', 'first'], work);
    const bare = path.join(remoteHome, 'repo.git');
    await git(['clone', '-q', '--bare', work, bare], client);
    const owner = fs.statSync(remoteHome);
    await run(['chown', '-R', `${owner.uid}:${owner.gid}`, bare]);
    await lab.closeDoor();
    const dest = path.join(client, 'git-clone');
    const r = await lab.tool(['git', 'clone', '-q', 'files:repo.git', dest], { GIT_SSH_COMMAND: `ssh -F ${conf}`, GIT_CONFIG_NOSYSTEM: '1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dest, 'README'), 'utf8'), 'cloned through a closed door\n');
    await sawKnock('git');
  });

  await t.test('ansible -m ping', async () => {
    await lab.closeDoor();
    // ansible's ssh options go in ANSIBLE_SSH_ARGS (they replace its ControlMaster defaults).
    const r = await lab.tool(['ansible', 'all', '-i', 'files,', '-m', 'ping', '-e', 'ansible_python_interpreter=/usr/bin/python3'], {
      ANSIBLE_SSH_ARGS: `-F ${conf}`,
      ANSIBLE_LOCAL_TEMP: path.join(client, 'ansible-tmp'),
      ANSIBLE_HOME: path.join(client, 'ansible'),
      ANSIBLE_NOCOLOR: '1',
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /files \| SUCCESS =>[\s\S]*"ping": "pong"/);
    await sawKnock('ansible');
  });

  await t.test('knocker ssh-config --install: the installed knocker.conf works the same', async () => {
    const r = await knocker(undefined, ['ssh-config', '--install'], { env });
    assert.equal(r.code, 0, r.stderr);
    const installed = path.join(lab.home, '.ssh', 'knocker.conf');
    assert.equal(fs.statSync(installed).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(lab.home, '.ssh', 'config'), 'utf8'), /^# Added by Knocker.*\nInclude knocker\.conf\n$/);
    await lab.closeDoor();
    // ssh reads ~/.ssh of the user's passwd entry (root's here), not $HOME: point it at the file.
    const s = await lab.tool(['ssh', '-F', installed, 'files', 'echo', 'installed']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout, 'installed\n');
    await sawKnock('ssh with the installed config');
  });

  await t.test('a proxy that fails: ssh fails and the line above its own says what failed', async () => {
    await lab.keyring.lock();
    await lab.closeDoor();
    const r = await lab.tool(['ssh', '-F', conf, 'files', 'true']);
    await lab.keyring.unlock();
    assert.equal(r.code, 255);
    assert.match(r.stderr, /knocker proxy: .*keychain is locked/);
    assert.equal(r.stdout, '');
  });
});
