// Interfaces at run time, where knockd 0.8 falls short: several -i, `any` with IPv6 (B12),
// addresses added after the start (B9), and an interface that vanishes and comes back
// (knockd exits 0 and stays dead).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { before, after, NetnsLab, Daemon, spawnDaemon, startAgent, knock, run, waitFor } from 'knocker-lab';

const CONF = `[door]
  Sequence = 7000,8000:udp,9000
  Seq_Timeout = 5
  TCPFlags = syn
  Start_Command = echo open %IP% >> {{DIR}}/out
`;

let lab: NetnsLab;
const extraSrv = () => `${lab.id}x0`;
const extraCli = () => `${lab.id}y0`;
const extraNet = () => `10.${lab.r}.1`;

/** A second link between the namespaces: srv x0 (10.R.1.1) <-> cli y0 (10.R.1.2). */
async function addSecondLink(): Promise<void> {
  await run(['ip', 'link', 'add', extraSrv(), 'netns', lab.srvNs, 'type', 'veth', 'peer', 'name', extraCli(), 'netns', lab.cliNs]);
  await run(['ip', '-n', lab.srvNs, 'addr', 'add', `${extraNet()}.1/24`, 'dev', extraSrv()]);
  await run(['ip', '-n', lab.cliNs, 'addr', 'add', `${extraNet()}.2/24`, 'dev', extraCli()]);
  await run(['ip', '-n', lab.srvNs, 'link', 'set', extraSrv(), 'up']);
  await run(['ip', '-n', lab.cliNs, 'link', 'set', extraCli(), 'up']);
  await waitFor(`${extraSrv()} to come up`, async () => /state UP/.test((await run(['ip', '-n', lab.srvNs, '-o', 'link', 'show', extraSrv()])).stdout), 10_000);
}

async function opensFor(agent: Daemon, host: string, args: string[] = []): Promise<boolean> {
  const before = agent.commandOutput().length;
  await knock(lab, [...args, host, '7000', '8000:udp', '9000']);
  try {
    await waitFor(`the door command after a knock on ${host}`, () => agent.commandOutput().length > before, 3000);
    return true;
  } catch {
    return false;
  }
}

/**
 * The agent (run with -v) reports that it re-read its interface addresses with `addr` among
 * them; its capture then swaps to a filter that includes `addr` (a new tcpdump, no log line), so
 * knocks on `addr` are repeated until one opens: a knock sent before the swap is not seen.
 */
async function opensOnceSeen(agent: Daemon, addr: string): Promise<void> {
  await waitFor(`the agent's address watcher to report ${addr}`, () => agent.stdout.split('\n').some((l) => l.startsWith('interface addresses changed:') && l.split(' ').includes(addr)), 10_000);
  await waitFor(`a knock on ${addr} to open, after the agent saw the address\n${agent.describe()}`, () => opensFor(agent, addr), 15_000);
}

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('agent interfaces at run time', () => {
  before(async () => {
    lab = await NetnsLab.create('ifc');
    await addSecondLink();
  });

  after(async () => {
    await lab?.destroy();
  });

  it('several -i: knocks on either interface count; one that vanishes is retried and resumes', async () => {
    const agent = spawnDaemon('agent', lab, CONF, { args: ['-v', '-i', extraSrv()] });
    try {
      await agent.waitForLog(new RegExp(`^starting up, listening on ${lab.srvIf}, ${extraSrv()}$`), 8000);
      assert.ok(await opensFor(agent, lab.srv4), agent.describe());
      assert.ok(await opensFor(agent, `${extraNet()}.1`), agent.describe());

      await run(['ip', '-n', lab.srvNs, 'link', 'del', extraSrv()]);
      await agent.waitForLog(new RegExp(`^capture on ${extraSrv()} lost \\(.*\\); retrying$`), 5000);
      assert.ok(agent.running, 'the agent keeps running (knockd exits 0)');
      assert.ok(await opensFor(agent, lab.srv4), 'the other interface still works');

      await addSecondLink();
      await agent.waitForLog(new RegExp(`^capture on ${extraSrv()} resumed$`), 15000);
      await opensOnceSeen(agent, `${extraNet()}.1`);
    } finally {
      await agent.stop();
    }
  });

  it('an address added after the start is a local address within seconds (knockd: never)', async () => {
    const agent = await startAgent(lab, CONF, { args: ['-v'] });
    try {
      assert.ok(agent.ready, agent.startError);
      const added = `10.${lab.r}.0.50`;
      await run(['ip', '-n', lab.srvNs, 'addr', 'add', `${added}/24`, 'dev', lab.srvIf]);
      await run(['ip', '-n', lab.cliNs, 'neigh', 'replace', added, 'lladdr', lab.srvMac, 'dev', lab.cliIf, 'nud', 'permanent']);
      await opensOnceSeen(agent, added);
      assert.ok(agent.commandOutput().includes(`open ${lab.cli4}`));
    } finally {
      await agent.stop();
    }
  });

  it('-i any: IPv4 and IPv6 knocks both open (knockd: no IPv6 on cooked links)', async () => {
    const agent = await startAgent(lab, CONF, { iface: 'any' });
    try {
      assert.ok(agent.ready, agent.startError);
      assert.ok(await opensFor(agent, lab.srv4), agent.describe());
      assert.ok(await opensFor(agent, lab.srv6, ['-6']), agent.describe());
      assert.deepEqual(agent.commandOutput(), [`open ${lab.cli4}`, `open ${lab.cli6}`]);
    } finally {
      await agent.stop();
    }
  });
});
