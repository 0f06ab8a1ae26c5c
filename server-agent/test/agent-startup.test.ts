// Start-up failures of knocker-agent: each is one clear line on stderr and a non-zero exit.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { before, after, NetnsLab, AGENT_BIN, run } from 'knocker-lab';
import { parseArgs } from '../src/daemon/cli-options.js';

let lab: NetnsLab;
let dir: string;
let conf: string;

const GOOD = `[openSSH]
  Sequence = 7000,8000,9000
  TCPFlags = syn
  Start_Command = true
`;

/**
 * Root without any capability: what an unprivileged daemon has. (Not another user: the
 * checkout may sit in a folder only root can read, as a fresh mktemp -d clone does.)
 */
const NO_CAPABILITIES = ['setpriv', '--bounding-set=-all', '--inh-caps=-all'];

/** Run the agent in the lab's server namespace with a private /run; `prefix` wraps the node call. */
function agent(args: string[], prefix: string[] = []) {
  return lab.exec('srv', ['sh', '-c', 'mount -t tmpfs x /run && exec "$@"', 'sh', ...prefix, process.execPath, AGENT_BIN, ...args], {
    allowFail: true,
    timeoutMs: 20000,
  });
}

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('knocker-agent start-up', () => {
  before(async () => {
    lab = await NetnsLab.create('stu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstart-'));
    fs.chmodSync(dir, 0o755);
    conf = path.join(dir, 'knockd.conf');
    fs.writeFileSync(conf, GOOD, { mode: 0o644 });
  });

  after(async () => {
    await lab?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a bad config: every error as FILE:LINE, exit 1', async () => {
    const bad = path.join(dir, 'bad.conf');
    fs.writeFileSync(bad, 'LogFile = /tmp/x\n[door]\n  Sequence = 70000\n  Bogus = 1\n');
    const r = await agent(['-c', bad, '-i', lab.srvIf]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], new RegExp(`^${bad}:1: .*all directives must belong to a section`));
    assert.ok(lines.some((l) => l.startsWith(`${bad}:3: `) && l.includes('70000 is invalid')), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`${bad}:4: `) && l.includes('syntax error')), r.stderr);
  });

  it('a missing config file: one line, exit 1', async () => {
    const r = await agent(['-c', path.join(dir, 'nope.conf'), '-i', lab.srvIf]);
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), /nope\.conf:0: .*No such file or directory/);
  });

  it('an unknown interface: one line naming what exists, exit 1', async () => {
    const r = await agent(['-c', conf, '-i', 'eth9']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^could not open eth9: eth9: No such device exists \(interfaces here: .*lo.*\)/);
    assert.ok(r.stderr.includes(lab.srvIf), r.stderr);
  });

  it('tcpdump missing: one line saying how to install it, exit 1', async () => {
    const hidden = path.join(dir, 'not-executable');
    fs.writeFileSync(hidden, '', { mode: 0o644 });
    const tcpdump = (await run(['sh', '-c', 'command -v tcpdump'])).stdout.trim();
    assert.ok(tcpdump, 'tcpdump must be installed for this test');
    // A private mount namespace where tcpdump is a plain, non-executable file.
    const r = await agent(['-c', conf, '-i', lab.srvIf, '--state-dir', path.join(dir, 'state1')], [
      'unshare', '-m', 'sh', '-c', 'mount --bind "$0" "$1" && shift 2 && exec "$@"', hidden, tcpdump,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^could not open .*: tcpdump not found: install it \(yum install tcpdump \/ apt-get install tcpdump\)/);
  });

  it('no privilege to capture: one line, exit 1', async () => {
    const state = path.join(dir, 'state2');
    fs.mkdirSync(state, { mode: 0o700 }); // root's, closed to others: a state folder the agent accepts
    const r = await agent(['-c', conf, '-i', lab.srvIf, '--state-dir', state], NO_CAPABILITIES);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^could not open .*(permission|Operation not permitted)/i);
  });

  it('no privilege for the state directory: one line, exit 1', async () => {
    // Root's folder without write permission (so it passes the ownership rules): without
    // CAP_DAC_OVERRIDE root cannot create the state folder in it. (A folder of another user's is
    // refused before any write: e2e/state-folder.test.ts.)
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o500 });
    fs.chmodSync(locked, 0o500);
    const r = await agent(['-c', conf, '-i', lab.srvIf, '--state-dir', path.join(locked, 'state')], NO_CAPABILITIES);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^state: .*\/locked\/state.*(permission denied|EACCES)/i);
  });

  it('command line: knockd options, clusters and attached values', () => {
    const r = parseArgs(['-Dv4', '-cfoo.conf', '--interface=a', '-i', 'b', '--log', 'x.log', '-p', 'p.pid', '--check']);
    assert.ok('options' in r);
    const o = r.options;
    assert.deepEqual([o.debug, o.verbose, o.ipv4Only, o.config, o.interfaces, o.logFile, o.pidFile, o.check], [true, true, true, 'foo.conf', ['a', 'b'], 'x.log', 'p.pid', true]);
  });

  it('command line: errors name the option', () => {
    assert.deepEqual(parseArgs(['-x']), { error: 'unknown option "-x"' });
    assert.deepEqual(parseArgs(['--bogus']), { error: 'unknown option "--bogus"' });
    assert.deepEqual(parseArgs(['-c']), { error: 'option "-c" needs a value <file>' });
    assert.deepEqual(parseArgs(['--max-attempts', '0']), { error: '--max-attempts: "0" is not a positive whole number' });
    assert.deepEqual(parseArgs(['stray']), { error: 'unexpected argument "stray" (knocker-agent takes options only; see -h)' });
    assert.match(String((parseArgs(['--d']) as { error: string }).error), /ambiguous/);
  });

  it('-h exits 0 with the usage; an unknown option exits 1 (knockd: 0)', async () => {
    const h = await run([process.execPath, AGENT_BIN, '-h'], { allowFail: true });
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: knocker-agent \[options\]/);
    const bad = await run([process.execPath, AGENT_BIN, '--frobnicate'], { allowFail: true });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown option "--frobnicate"/);
  });
});
