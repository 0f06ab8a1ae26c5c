// Native firewalld doors end to end: a real firewalld (zone drop) on a private D-Bus in the
// lab's server namespace, a real sshd behind it, the real `knock` client, and knocker-agent.
import { describe, it } from 'node:test';
import { before, after, NetnsLab, FirewalldLab, SshdLab, Daemon, agentArgv, startAgent, knock, sleepUntil, waitFor, killPid, assertWindow, OpenedBetween } from 'knocker-lab';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';

const WINDOW_S = 6;
/** The window of the kill -9 test: a loaded machine may need several seconds for kill, firewall reload and restart. */
const LONG_WINDOW_S = 15;
const CONF = `[options]
  StateDir = {{DIR}}/state
[ssh]
  Sequence = 7000,8000:udp,9000
  Seq_Timeout = 5
  TCPFlags = syn
  Open = 22/tcp
  Open_Seconds = ${WINDOW_S}
[sshlong]
  Sequence = 7500,8500:udp,9500
  Seq_Timeout = 5
  TCPFlags = syn
  Open = 22/tcp
  Open_Seconds = ${LONG_WINDOW_S}
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
const hasRuleFor = async (src: string): Promise<boolean> => (await fw.richRules('drop')).some((r) => r.includes(`"${src}"`));

const assertRuleWindow = (what: string, src: string, opened: OpenedBetween, earlyMs?: number): Promise<void> =>
  assertWindow(`${what} (the rule for ${src})`, () => hasRuleFor(src), opened, WINDOW_S, { earlyMs, details: () => agent.describe() });

async function startTheAgent(): Promise<Daemon> {
  const d = await startAgent(lab, CONF, { args: ['-v'] });
  assert.ok(d.ready, d.startError);
  return d;
}

/** Restart in the same directory (same config, same journal). */
async function restartAgent(prev: Daemon): Promise<Daemon> {
  const d = new Daemon('agent', lab, prev.dir, agentArgv(), { args: ['-v'] });
  await d.waitForLog(/^starting up, listening on /, 8000, prev.messages().length);
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
    const knocked = Date.now();
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    const opened = await agent.waitForLog(/: ssh: opened 22\/tcp for /, 5000);
    // The window's timing is checked alongside the ssh checks (slow on a loaded machine), so
    // that its early check runs at its time.
    const window = assertRuleWindow('the window', lab.cli4, { after: knocked, by: opened.seenAt });
    window.catch(() => undefined); // awaited below
    assert.deepEqual(await fw.richRules('drop'), [`rule family="ipv4" source address="${lab.cli4}" port port="22" protocol="tcp" accept`]);
    assert.ok(await ok(lab.srv4), `ssh from the knocker works\n${agent.describe()}`);
    assert.equal(await ok(lab.srv4, lab.cli4b), false, 'another address stays blocked');
    assert.equal(await ok(lab.srv6), false, 'the other address family stays blocked');
    await window;
    assert.deepEqual(await fw.richRules('drop'), []);
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
    const has = async () => (await fw.richRules('drop')).filter((r) => r.includes(`"${lab.cli4}"`)).length;
    const openedRe = new RegExp(`^${lab.cli4.replace(/\./g, '\\.')}: ssh: opened 22/tcp`);
    const from = agent.messages().length;
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    const first = await agent.waitForLog(openedRe, 5000, from);
    // The second knock 3 s into the 6 s window; its own log line proves it was processed.
    await sleepUntil(first.seenAt + 3000);
    const knocked = Date.now();
    await knock(lab, [lab.srv4, '7000', '8000:udp', '9000']);
    const second = await agent.waitForLog(openedRe, 5000, first.index + 1);
    assert.ok(second.seenAt < first.seenAt + WINDOW_S * 1000, `the second knock was processed ${second.seenAt - first.seenAt} ms after the first, not within its window`);
    assert.equal(await has(), 1, 'one rule, not two');
    // The first rule would be gone 1.2 s after its deadline (first.seenAt is after it was applied,
    // so this is late enough even for firewalld's whole-second timers); the refreshed one is due
    // >= 3 s after it. Still there: the second knock refreshed it.
    const firstDeadline = first.seenAt + WINDOW_S * 1000;
    await sleepUntil(firstDeadline + 1200);
    assert.equal(await has(), 1, `still open ${Date.now() - firstDeadline} ms after the first deadline: the second knock refreshed it`);
    await assertRuleWindow('the refreshed window', lab.cli4, { after: knocked, by: second.seenAt }, 0);
  });

  it('firewall-cmd --reload during the window does not close it early', async () => {
    // The long door: a reload plus re-applying must fit in the window even on a loaded machine.
    const opened = agent.messages().length;
    await knock(lab, [lab.srv4, '7500', '8500:udp', '9500']);
    await agent.waitForLog(/: sshlong: opened 22\/tcp/, 5000, opened);
    const from = agent.messages().length;
    await fw.cmd(['--reload']);
    await agent.waitForLog(/^firewalld reloaded: re-applying [1-9]\d* open window/, 10000, from);
    await waitFor(`the rule for ${lab.cli4} to be back after the reload`, () => hasRuleFor(lab.cli4), 10000, 50);
    assert.ok(await ok(lab.srv4), `ssh works after the reload\n${agent.describe()}`);
  });

  it('after kill -9 and a firewall reload while the agent is down, a restart re-applies the window until its deadline', async () => {
    await waitFor('the earlier windows to close', async () => !(await hasRuleFor(lab.cli4)), (LONG_WINDOW_S + 5) * 1000, 100);
    const from = agent.messages().length;
    const knocked = Date.now();
    await knock(lab, [lab.srv4, '7500', '8500:udp', '9500']);
    const opened = await agent.waitForLog(/: sshlong: opened 22\/tcp/, 5000, from);
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    await fw.cmd(['--reload']); // drops runtime rules while nobody watches
    assert.equal(await ok(lab.srv4), false);
    const beforeRestart = agent.messages().length;
    agent = await restartAgent(agent);
    await agent.waitForLog(/: sshlong: re-applied 22\/tcp for the remaining/, 5000, beforeRestart).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.describe()}`);
    });
    assert.ok(await ok(lab.srv4), agent.describe());
    // The restarted agent closes it at the original deadline. It re-applies the remaining whole
    // seconds, so the early check keeps firewalld's 1.5 s margin, or is skipped if the restart took that long.
    const left = knocked + LONG_WINDOW_S * 1000 - Date.now();
    await assertWindow(`the re-applied window (the rule for ${lab.cli4})`, () => hasRuleFor(lab.cli4), { after: knocked, by: opened.seenAt }, LONG_WINDOW_S, {
      earlyMs: left > 1700 ? 1500 : 0,
      details: () => agent.describe(),
    });
  });

  it("a command door's stop command still runs at its deadline after kill -9 and a restart", async () => {
    const knockedAt = Date.now(); // the start command runs after this, the stop 3 s after that
    await knock(lab, [lab.srv4, '6000', '6001']);
    await waitFor(`the start command for ${lab.cli4}`, () => agent.commandOutput().includes(`start ${lab.cli4}`), 5000);
    const startedBy = Date.now();
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    assert.ok(!agent.commandOutput().includes(`stop ${lab.cli4}`), 'the stop command ran before its deadline');
    agent = await restartAgent(agent);
    let checkStart = 0;
    await waitFor(`the stop command for ${lab.cli4} after the restart`, () => {
      checkStart = Date.now();
      return agent.commandOutput().includes(`stop ${lab.cli4}`);
    }, 10_000, 50);
    // Not before Cmd_Timeout (3 s) after the start, and not long after it.
    const stopLog = fs.statSync(agent.file('out')).mtimeMs;
    assert.ok(stopLog - knockedAt >= 3000, `stop ran ${stopLog - knockedAt} ms after the knock (Cmd_Timeout 3 s)\n${agent.describe()}`);
    assert.ok(checkStart - startedBy <= 3000 + 3000, `stop still missing ${checkStart - startedBy} ms after the start (Cmd_Timeout 3 s)\n${agent.describe()}`);
  });
});
