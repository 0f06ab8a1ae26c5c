// Every ssh program knocks, end to end: knocker-agent with a native door (`Open = 22/tcp`,
// firewalld's default zone `drop`, nothing else reaches port 22) in front of the real sshd, a
// profile whose sequence sits in a headless gnome-keyring, and the ssh config `knocker
// ssh-config` prints (used with -F). ssh, scp, sftp, rsync -e ssh, git clone over ssh and
// ansible -m ping, all from Debian's packages, each get through the closed door (closed again
// before each tool), and the agent's log shows their knocks; plain ssh without the proxy times
// out. Then the config that --install writes works the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { startDoorDaemon } from './lab/door-daemon.js';
import { startFirewalld } from './lab/firewalld.js';
import { startKeyring } from './lab/keyring-session.js';
import { knocker } from './lab/knocker-cli.js';
import { NetnsPair } from './lab/netns.js';
import { requireRoot, run } from './lab/proc.js';
import { startSshd } from './lab/sshd.js';

const SEQUENCE = '41111,42222:udp,43333';
const HOST = 'files.knocker.test';

test('every ssh program knocks through knocker proxy: ssh, scp, sftp, rsync, git, ansible', async (t) => {
  requireRoot('the ssh tools end-to-end test');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-ssh-tools-'));
  fs.chmodSync(root, 0o755);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const pair = await NetnsPair.create();
  t.after(() => pair.destroy());
  pair.setHosts('cli', `${pair.srv4} ${HOST}`);
  const fw = await startFirewalld(pair, path.join(root, 'server', 'firewalld'), { defaultZone: 'drop' });
  t.after(() => fw.stop());
  const sshd = await startSshd(pair, path.join(root, 'server', 'sshd'));
  t.after(() => sshd.stop());
  const agent = await startDoorDaemon('knocker-agent', pair, path.join(root, 'server', 'agent'), [
    { name: 'files', sequence: SEQUENCE, seqTimeout: 5, tcpflags: 'syn', startCommand: '', extra: ['Open = 22/tcp', 'Open_Seconds = 60'] },
  ], fw.env);
  t.after(() => agent.stop());
  const keyring = await startKeyring();
  t.after(() => keyring.stop());

  const client = path.join(root, 'client');
  const home = path.join(client, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: home, XDG_CONFIG_HOME: path.join(client, 'config') };
  const knownHosts = path.join(client, 'known_hosts');
  const add = await knocker(
    undefined,
    ['add', 'files', '--host', HOST, '-4', '--sequence', '-', '--user', sshd.user, '--identity', sshd.identityFile, '--wait', '10s',
      ...['BatchMode=yes', 'StrictHostKeyChecking=accept-new', `UserKnownHostsFile=${knownHosts}`, 'IdentitiesOnly=yes', 'ConnectTimeout=10'].flatMap((o) => ['--ssh-option', o])],
    { env, input: `${SEQUENCE}\n` },
  );
  assert.equal(add.code, 0, add.stderr);

  // The ssh config, as knocker ssh-config prints it.
  const printed = await knocker(undefined, ['ssh-config'], { env });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^Host files\n {4}HostName files\.knocker\.test\n/m);
  assert.match(printed.stdout, / {4}ProxyCommand \/\S+ \/\S+\/electron\/cli\/bin\/knocker proxy files %p\n/);
  assert.doesNotMatch(printed.stdout, /41111|42222|43333/, 'no sequence in the config');
  const conf = path.join(client, 'knocker-ssh.conf');
  fs.writeFileSync(conf, printed.stdout);

  /** A tool in the client namespace, with the keyring and the lab's HOME in its environment. */
  const tool = (argv: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = client) =>
    run('ip', pair.ipArgs('cli', argv), { env: { ...env, ...extraEnv }, cwd, timeoutMs: 90_000 });
  const rule = `rule family="ipv4" source address="${pair.cli4}" port port="22" protocol="tcp" accept`;
  let knocksSeen = 0;
  /** Close the door (remove the agent's rule), and prove it is closed. */
  const closeDoor = async (): Promise<void> => {
    const rules = (await fw.fw(['--zone=drop', '--list-rich-rules'])).stdout;
    if (rules.includes(rule)) assert.equal((await fw.fw(['--zone=drop', `--remove-rich-rule=${rule}`])).code, 0);
    assert.equal((await fw.fw(['--zone=drop', '--list-rich-rules'])).stdout.trim(), '', 'no rule left');
  };
  /** The agent logged at least one more knock of this client. */
  const sawKnock = async (what: string): Promise<void> => {
    const opened = (): number => agent.logText().split('\n').filter((l) => l.includes(`${pair.cli4}: files: OPEN SESAME`)).length;
    await agent.waitForLog(new RegExp(`${pair.cli4.replace(/\./g, '\\.')}: files: OPEN SESAME`));
    const n = opened();
    assert.ok(n > knocksSeen, `${what}: the agent's log shows a new knock (${n} after ${knocksSeen})\n${agent.logText()}`);
    knocksSeen = n;
  };

  await t.test('the door is closed: plain ssh (no proxy) times out', async () => {
    await closeDoor();
    const r = await tool(['ssh', '-F', '/dev/null', '-o', 'ConnectTimeout=2', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${knownHosts}`, '-i', sshd.identityFile, `${sshd.user}@${HOST}`, 'true']);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /timed out/);
    assert.equal(agent.logText().includes('OPEN SESAME'), false, 'nothing knocked yet');
  });

  await t.test('ssh', async () => {
    await closeDoor();
    const r = await tool(['ssh', '-F', conf, 'files', 'echo', 'hello from $(hostname -s 2>/dev/null || echo server)']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hello from /);
    await sawKnock('ssh');
    assert.match(fs.readFileSync(path.join(sshd.dir, 'sshd.log'), 'utf8'), new RegExp(`Accepted publickey for ${sshd.user} from ${pair.cli4.replace(/\./g, '\\.')}`));
  });

  const payload = path.join(client, 'payload.bin');
  fs.writeFileSync(payload, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff)));
  const remoteHome = path.join(sshd.dir, 'home', sshd.user);

  await t.test('scp (SFTP protocol, OpenSSH 9)', async () => {
    await closeDoor();
    const r = await tool(['scp', '-F', conf, payload, 'files:scp-copy.bin']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.readFileSync(path.join(remoteHome, 'scp-copy.bin')).equals(fs.readFileSync(payload)), 'the file arrived intact');
    await sawKnock('scp');
  });

  await t.test('sftp', async () => {
    await closeDoor();
    const batch = path.join(client, 'sftp-batch');
    fs.writeFileSync(batch, `put ${payload} sftp-copy.bin\nls -l sftp-copy.bin\n`);
    const r = await tool(['sftp', '-F', conf, '-b', batch, 'files']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sftp-copy\.bin/);
    assert.ok(fs.readFileSync(path.join(remoteHome, 'sftp-copy.bin')).equals(fs.readFileSync(payload)));
    await sawKnock('sftp');
  });

  await t.test('rsync -e ssh', async () => {
    await closeDoor();
    const src = path.join(client, 'site');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'index.html'), '<h1>knocked</h1>\n');
    fs.copyFileSync(payload, path.join(src, 'sub', 'data.bin'));
    const r = await tool(['rsync', '-a', '-e', `ssh -F ${conf}`, `${src}/`, 'files:site/']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(remoteHome, 'site', 'index.html'), 'utf8'), '<h1>knocked</h1>\n');
    assert.ok(fs.readFileSync(path.join(remoteHome, 'site', 'sub', 'data.bin')).equals(fs.readFileSync(payload)));
    await sawKnock('rsync');
  });

  await t.test('git clone over ssh', async () => {
    // A repository on the server, owned by the ssh user.
    const work = path.join(client, 'git-src');
    fs.mkdirSync(work);
    const git = (args: string[], cwd: string) => run('git', ['-c', 'user.name=Knocker Test', '-c', 'user.email=test@knocker.test', '-c', 'init.defaultBranch=main', ...args], { cwd });
    assert.equal((await git(['init', '-q'], work)).code, 0);
    fs.writeFileSync(path.join(work, 'README'), 'cloned through a closed door\n');
    assert.equal((await git(['add', 'README'], work)).code, 0);
    assert.equal((await git(['commit', '-q', '-m', 'first'], work)).code, 0);
    const bare = path.join(remoteHome, 'repo.git');
    assert.equal((await git(['clone', '-q', '--bare', work, bare], client)).code, 0);
    await run('chown', ['-R', `${fs.statSync(remoteHome).uid}:${fs.statSync(remoteHome).gid}`, bare]);
    await closeDoor();
    const dest = path.join(client, 'git-clone');
    const r = await tool(['git', 'clone', '-q', 'files:repo.git', dest], { GIT_SSH_COMMAND: `ssh -F ${conf}`, GIT_CONFIG_NOSYSTEM: '1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dest, 'README'), 'utf8'), 'cloned through a closed door\n');
    await sawKnock('git');
  });

  await t.test('ansible -m ping', async () => {
    await closeDoor();
    const r = await tool(['ansible', 'all', '-i', 'files,', '-m', 'ping', '-e', 'ansible_python_interpreter=/usr/bin/python3'], {
      ANSIBLE_SSH_ARGS: `-F ${conf}`,
      ANSIBLE_LOCAL_TEMP: path.join(client, 'ansible-tmp'),
      ANSIBLE_HOME: path.join(client, 'ansible'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_HOST_KEY_CHECKING: 'False',
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /files \| SUCCESS =>[\s\S]*"ping": "pong"/);
    await sawKnock('ansible');
  });

  await t.test('knocker ssh-config --install: the installed knocker.conf works the same', async () => {
    const r = await knocker(undefined, ['ssh-config', '--install'], { env });
    assert.equal(r.code, 0, r.stderr);
    const installed = path.join(home, '.ssh', 'knocker.conf');
    assert.equal(fs.statSync(installed).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(home, '.ssh', 'config'), 'utf8'), /^# Added by Knocker.*\nInclude knocker\.conf\n$/);
    await closeDoor();
    // ssh reads ~/.ssh of the user's passwd entry (root here), not $HOME: point it at the file.
    const s = await tool(['ssh', '-F', installed, 'files', 'echo', 'installed']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout.trim(), 'installed');
    await sawKnock('ssh with the installed config');
  });

  await t.test('a failing proxy: ssh fails and stderr says what failed', async () => {
    await keyring.lock();
    await closeDoor();
    const r = await tool(['ssh', '-F', conf, 'files', 'true']);
    await keyring.unlock();
    assert.equal(r.code, 255);
    assert.match(r.stderr, /knocker proxy: .*keychain is locked/);
  });
});
