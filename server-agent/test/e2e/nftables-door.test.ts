// The nftables backend end to end (a host without firewalld): the agent's own table guards
// port 22, a knock adds the source to a timed set, the kernel removes it at the deadline.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { before, after } from '../lab/hooks.js';
import { NetnsLab } from '../lab/netns-lab.js';
import { SshdLab } from '../lab/sshd-lab.js';
import { Daemon, agentArgv, startAgent } from '../lab/daemons.js';
import { knock } from '../lab/clients.js';
import { killPid, pollFor } from '../lab/proc.js';

const WINDOW_S = 4;
const CONF = `[options]
  StateDir = {{DIR}}/state
[ssh]
  Sequence = 7100,7200:udp,7300
  TCPFlags = syn
  Open = 22/tcp
  Open_Seconds = ${WINDOW_S}
  Firewall = nftables
`;

let lab: NetnsLab;
let sshd: SshdLab;
let agent: Daemon;

const ok = (host: string, source?: string) => sshd.canLogIn(host, source);

async function elements(): Promise<string> {
  const r = await lab.exec('srv', ['nft', 'list', 'table', 'inet', 'knocker'], { allowFail: true });
  return r.stdout;
}

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('nftables doors', () => {
  before(async () => {
    lab = await NetnsLab.create('nft');
    sshd = await SshdLab.start(lab);
    agent = await startAgent(lab, CONF, { args: ['-v'] });
    assert.ok(agent.ready, agent.startError);
    assert.ok(await pollFor(async () => (await elements()).includes('guarded'), 3000), 'timed out waiting');
  });

  after(async () => {
    await agent?.stop();
    await sshd?.stop();
    await lab?.destroy();
    // The table lives in the lab's namespace, which is gone with it.
  });

  it('the agent guards port 22 with its own table: ssh is blocked before a knock', async () => {
    assert.match(await elements(), /elements = \{ tcp \. 22 \}/);
    assert.equal(await ok(lab.srv4), false);
    assert.equal(await ok(lab.srv6), false);
  });

  it('a knock opens port 22 for the knocking address only, and the kernel closes it at the deadline', async () => {
    await knock(lab, [lab.srv4, '7100', '7200:udp', '7300']);
    const opened = await agent.waitForLog(/: ssh: opened 22\/tcp .* \(nftables/, 3000);
    assert.match(await elements(), new RegExp(`${lab.cli4.replace(/\./g, '\\.')} \\. tcp \\. 22 timeout`));
    assert.ok(await ok(lab.srv4), agent.describe());
    assert.equal(await ok(lab.srv4, lab.cli4b), false, 'another address stays blocked');
    assert.equal(await ok(lab.srv6), false, 'IPv6 stays blocked');
    assert.ok(await pollFor(async () => !(await elements()).includes(`${lab.cli4} . tcp`), (WINDOW_S + 3) * 1000, 100), 'timed out waiting');
    const closedAfter = (Date.now() - opened.seenAt) / 1000;
    assert.ok(Math.abs(closedAfter - WINDOW_S) <= 1.5, `closed after ${closedAfter} s`);
    assert.equal(await ok(lab.srv4), false, 'new connections fail after the deadline');
  });

  it('IPv6 knocks open IPv6 for that address', async () => {
    await knock(lab, ['-6', lab.srv6, '7100', '7200:udp', '7300']);
    await agent.waitForLog(new RegExp(`^${lab.cli6}: ssh: opened 22/tcp`), 3000);
    assert.ok(await ok(lab.srv6), agent.describe());
    assert.equal(await ok(lab.srv4), false);
  });

  it('after kill -9 and a restart, the open window is kept until its deadline', async () => {
    const from = agent.logLines().length;
    await knock(lab, [lab.srv4, '7100', '7200:udp', '7300']);
    const opened = await agent.waitForLog(/: ssh: opened 22\/tcp/, 3000, from);
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    const restartFrom = agent.logLines().length;
    agent = new Daemon('agent', lab, agent.dir, agentArgv(), { args: ['-v'] });
    await agent.waitForLog(/: ssh: re-applied 22\/tcp for the remaining/, 8000, restartFrom);
    assert.ok(await ok(lab.srv4), agent.describe());
    assert.ok(await pollFor(async () => !(await elements()).includes(`${lab.cli4} . tcp`), (WINDOW_S + 3) * 1000, 100), 'timed out waiting');
    assert.ok((Date.now() - opened.seenAt) / 1000 <= WINDOW_S + 1.5);
    assert.equal(await ok(lab.srv4), false);
  });
});
