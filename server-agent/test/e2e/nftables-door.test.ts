// The nftables backend end to end (a host without firewalld): the agent's own table guards
// port 22, a knock adds the source to a timed set, the kernel removes it at the deadline.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { before, after, NetnsLab, SshdLab, Daemon, agentArgv, startAgent, knock, killPid, waitFor, assertWindow } from 'knocker-lab';

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

const isOpenFor = (src: string) => async (): Promise<boolean> => (await elements()).includes(`${src} . tcp`);

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('nftables doors', () => {
  before(async () => {
    lab = await NetnsLab.create('nft');
    sshd = await SshdLab.start(lab);
    agent = await startAgent(lab, CONF, { args: ['-v'] });
    assert.ok(agent.ready, agent.startError);
    await waitFor('the agent\'s nftables table', async () => (await elements()).includes('guarded'), 5000);
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
    const knocked = Date.now();
    await knock(lab, [lab.srv4, '7100', '7200:udp', '7300']);
    const opened = await agent.waitForLog(/: ssh: opened 22\/tcp .* \(nftables/, 5000);
    assert.match(await elements(), new RegExp(`${lab.cli4.replace(/\./g, '\\.')} \\. tcp \\. 22 timeout`));
    assert.ok(await ok(lab.srv4), agent.describe());
    assert.equal(await ok(lab.srv4, lab.cli4b), false, 'another address stays blocked');
    assert.equal(await ok(lab.srv6), false, 'IPv6 stays blocked');
    await assertWindow(`the set element for ${lab.cli4}`, isOpenFor(lab.cli4), { after: knocked, by: opened.seenAt }, WINDOW_S, { details: () => agent.describe() });
    assert.equal(await ok(lab.srv4), false, 'new connections fail after the deadline');
  });

  it('IPv6 knocks open IPv6 for that address', async () => {
    await knock(lab, ['-6', lab.srv6, '7100', '7200:udp', '7300']);
    await agent.waitForLog(new RegExp(`^${lab.cli6}: ssh: opened 22/tcp`), 3000);
    assert.ok(await ok(lab.srv6), agent.describe());
    assert.equal(await ok(lab.srv4), false);
  });

  it('after kill -9 and a restart, the open window is kept until its deadline', async () => {
    const from = agent.messages().length;
    const knocked = Date.now();
    await knock(lab, [lab.srv4, '7100', '7200:udp', '7300']);
    const opened = await agent.waitForLog(/: ssh: opened 22\/tcp/, 5000, from);
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    const restartFrom = agent.messages().length;
    agent = new Daemon('agent', lab, agent.dir, agentArgv(), { args: ['-v'] });
    await agent.waitForLog(/: ssh: re-applied 22\/tcp for the remaining/, 8000, restartFrom);
    assert.ok(await ok(lab.srv4), agent.describe());
    const left = knocked + WINDOW_S * 1000 - Date.now();
    await assertWindow(`the re-applied set element for ${lab.cli4}`, isOpenFor(lab.cli4), { after: knocked, by: opened.seenAt }, WINDOW_S, { earlyMs: left > 1700 ? 1500 : 0, details: () => agent.describe() });
    assert.equal(await ok(lab.srv4), false);
  });
});
