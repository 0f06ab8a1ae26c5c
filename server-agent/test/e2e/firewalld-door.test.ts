// Native firewalld doors end to end: a real firewalld (zone drop) on a private D-Bus in the
// lab's server namespace, a real sshd behind it, the real `knock` client, and knocker-agent.
import { describe, it } from 'node:test';
import { before, after } from '../lab/hooks.js';
import * as assert from 'node:assert/strict';
import { NetnsLab } from '../lab/netns-lab.js';
import { FirewalldLab } from '../lab/firewalld-lab.js';
import { SshdLab } from '../lab/sshd-lab.js';
import { Daemon, agentArgv, startAgent } from '../lab/daemons.js';
import { knock } from '../lab/clients.js';
import { sleep, pollFor, killPid } from '../lab/proc.js';

const WINDOW_S = 4;
const CONF = `[options]
  StateDir = {{DIR}}/state
[ssh]
  Sequence = 7000,8000:udp,9000
  Seq_Timeout = 5
  TCPFlags = syn
  Open = 22/tcp
  Open_Seconds = ${WINDOW_S}
[cmd]
  Sequence = 6000,6001
  Start_Command = echo start %IP% >> {{DIR}}/out
  Cmd_Timeout = 3
  Stop_Command = echo stop %IP% >> {{DIR}}/out
`;

let lab: NetnsLab;
let fw: FirewalldLab;
let sshd: SshdLab;
let agent: Daemon;

const ok = (host: string, source?: string) => sshd.canLogIn(host, source);

async function startTheAgent(): Promise<Daemon> {
  const d = await startAgent(lab, CONF, { args: ['-v'] });
  assert.ok(d.ready, d.startError);
  return d;
}

/** Restart in the same directory (same config, same journal). */
async function restartAgent(prev: Daemon): Promise<Daemon> {
  const d = new Daemon('agent', lab, prev.dir, agentArgv(), { args: ['-v'] });
  await d.waitForLog(/^starting up, listening on /, 8000, prev.logLines().length);
  return d;
}

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('firewalld doors', () => {
  before(async () => {
    lab = await NetnsLab.create('fwd');
    fw = await FirewalldLab.start(lab, { defaultZone: 'drop' });
    process.env.DBUS_SYSTEM_BUS_ADDRESS = fw.busAddress; // inherited by the agent
    sshd = await SshdLab.start(lab);
    agent = await startTheAgent();
  });

  after(async () => {
    await agent?.stop();
    await sshd?.stop();
    await fw?.stop();
    await lab?.destroy();
  });

  it('ssh is blocked before a knock', async () => {
    assert.equal(await ok(lab.srv4), false);
    assert.deepEqual(await fw.richRules('drop'), []);
  });

  it('a knock opens ssh for the knocking address only, IPv4, until the deadline', async () => {
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    await agent.waitForLog(/: ssh: opened 22\/tcp for /, 3000);
    assert.deepEqual(await fw.richRules('drop'), [`rule family="ipv4" source address="${lab.cli4}" port port="22" protocol="tcp" accept`]);
    assert.ok(await ok(lab.srv4), `ssh from the knocker works\n${agent.describe()}`);
    assert.equal(await ok(lab.srv4, lab.cli4b), false, 'another address stays blocked');
    assert.equal(await ok(lab.srv6), false, 'the other address family stays blocked');
    const opened = agent.findLog(/: ssh: opened 22\/tcp/)!;
    assert.ok(await pollFor(async () => (await fw.richRules('drop')).length === 0, (WINDOW_S + 3) * 1000, 100), 'timed out waiting');
    const closedAfter = (Date.now() - opened.seenAt) / 1000;
    assert.ok(Math.abs(closedAfter - WINDOW_S) <= 1.5, `closed after ${closedAfter} s, window ${WINDOW_S} s`);
    assert.equal(await ok(lab.srv4), false, 'new connections fail after the deadline');
  });

  it('IPv6: a knock over IPv6 opens IPv6 for that address only', async () => {
    await knock(lab, ['-6', lab.srv6, '7000', '8000:udp', '9000']);
    await agent.waitForLog(new RegExp(`^${lab.cli6}: ssh: opened 22/tcp`), 3000);
    assert.ok(await ok(lab.srv6), agent.describe());
    assert.equal(await ok(lab.srv4), false);
    assert.deepEqual(await fw.richRules('drop'), [`rule family="ipv6" source address="${lab.cli6}" port port="22" protocol="tcp" accept`]);
  });

  it('a repeated knock refreshes the deadline and never stacks rules', async () => {
    const has = async () => (await fw.richRules('drop')).filter((r) => r.includes(lab.cli4)).length;
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    const first = Date.now();
    await sleep(2000);
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    await sleep(300);
    assert.equal(await has(), 1, 'one rule, not two');
    await sleep(first + (WINDOW_S + 1) * 1000 - Date.now());
    assert.equal(await has(), 1, 'still open after the first deadline: the second knock refreshed it');
    assert.ok(await pollFor(async () => (await has()) === 0, 3000, 100), 'closed at the refreshed deadline');
  });

  it('firewall-cmd --reload during the window does not close it early', async () => {
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    await sleep(300);
    const from = agent.logLines().length;
    await fw.cmd(['--reload']);
    await agent.waitForLog(/^firewalld reloaded: re-applying/, 5000, from);
    assert.ok(await pollFor(async () => (await fw.richRules('drop')).some((r) => r.includes(lab.cli4)), 3000, 50), 'timed out waiting');
    assert.ok(await ok(lab.srv4), `ssh works after the reload\n${agent.describe()}`);
  });

  it('after kill -9 and a firewall reload while the agent is down, a restart re-applies the window until its deadline', async () => {
    await sleep((WINDOW_S + 1) * 1000); // earlier windows gone
    const from = agent.logLines().length;
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    const opened = await agent.waitForLog(/: ssh: opened 22\/tcp/, 3000, from);
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    await fw.cmd(['--reload']); // drops runtime rules while nobody watches
    assert.equal(await ok(lab.srv4), false);
    const beforeRestart = agent.logLines().length;
    agent = await restartAgent(agent);
    await agent.waitForLog(/: ssh: re-applied 22\/tcp for the remaining/, 5000, beforeRestart).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.describe()}`);
    });
    assert.ok(await ok(lab.srv4), agent.describe());
    assert.ok(await pollFor(async () => !(await fw.richRules('drop')).some((r) => r.includes(lab.cli4)), (WINDOW_S + 3) * 1000, 100), 'timed out waiting');
    const closedAfter = (Date.now() - opened.seenAt) / 1000;
    assert.ok(closedAfter <= WINDOW_S + 1.5, `closed ${closedAfter} s after opening`);
  });

  it("a command door's stop command still runs at its deadline after kill -9 and a restart", async () => {
    await knock(lab, [lab.srv4, '6000', '6001']);
    assert.ok(await pollFor(() => agent.commandOutput().includes(`start ${lab.cli4}`), 3000), 'timed out waiting');
    const started = Date.now();
    await sleep(500);
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    agent = await restartAgent(agent);
    assert.ok(await pollFor(() => agent.commandOutput().includes(`stop ${lab.cli4}`), 6000, 50), 'timed out waiting');
    const after = (Date.now() - started) / 1000;
    assert.ok(agent.commandOutput().includes(`stop ${lab.cli4}`), agent.describe());
    assert.ok(after >= 2.5 && after <= 4.5, `stop ran ${after} s after the start (Cmd_Timeout 3)`);
  });
});
