// The state folder end to end, the agent running as root: a state folder another user owns, or
// one others can write, stops the agent with one line naming the fix (and is an error for
// --check); a journal file root did not write alone is ignored, said so, the agent keeps running
// and runs nothing from it; a trusted journal's pending stop runs the config's Stop_Command for
// the journaled address, never text stored in the journal.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { before, after, NetnsLab, Daemon, AGENT_BIN, agentArgv, startAgent, knock, run, waitFor } from 'knocker-lab';
import { ExpiryJournal } from '../../src/state/expiry-journal.js';

const NOBODY = 65534;
const CONF = `[options]
  StateDir = {{DIR}}/state
[door]
  Sequence = 7000,8000,9000
  TCPFlags = syn
  Start_Command = echo start %IP% >> {{DIR}}/out
  Cmd_Timeout = 600
  Stop_Command = echo stop %IP% >> {{DIR}}/out
`;

let lab: NetnsLab;
let agent: Daemon;
let state: string;
let journalFile: string;

/** Message index where the next run's log starts (the log file is shared between runs). */
let runFrom = 0;

/** Start the agent again on the same folder and config. */
function restart(): Daemon {
  runFrom = agent.messages().length;
  agent = new Daemon('agent', lab, agent.dir, agentArgv(), { args: ['-v'] });
  return agent;
}

/** A version-1 journal holding a pending stop command as shell text, as an attacker would write it. */
function plantJournal(): void {
  const entry = { kind: 'command', id: 'planted', door: 'door', src: lab.cli4, family: 4, deadline: Date.now() - 1000, stopCommand: `touch ${agent.file('evil')}` };
  fs.writeFileSync(journalFile, JSON.stringify({ version: 1, entries: [entry] }), { mode: 0o600 });
  fs.chmodSync(journalFile, 0o600);
}

async function refusedWith(re: RegExp): Promise<void> {
  const d = restart();
  const exit = await d.waitExit(15000);
  assert.ok(exit, `the agent kept running with a bad state folder\n${d.describe()}`);
  assert.equal(exit.code, 1, d.describe());
  const lines = d.stderr.trim().split('\n');
  assert.equal(lines.length, 1, d.stderr);
  assert.match(lines[0], re);
  const check = await run([process.execPath, AGENT_BIN, '-c', d.confPath, '--check'], { allowFail: true });
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`^${d.confPath}:[1-9][0-9]*: ${re.source.replace(/^\^state: /, '')}`, 'm'));
}

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('the state folder and the journal only root can write', () => {
  before(async () => {
    lab = await NetnsLab.create('stf');
    agent = await startAgent(lab, CONF, { args: ['-v'] });
    assert.ok(agent.ready, agent.startError);
    await agent.stop();
    state = agent.file('state');
    journalFile = ExpiryJournal.forConfig(state, agent.confPath).file;
  });

  after(async () => {
    await agent?.stop();
    await lab?.destroy();
  });

  it('a state folder owned by nobody: the agent refuses to start, one line naming the fix; --check: an error', async () => {
    fs.chownSync(state, NOBODY, NOBODY);
    try {
      await refusedWith(new RegExp(`^state: state folder ${state} is owned by uid ${NOBODY}, not root; refusing it \\(fix: chown root:root ${state} && chmod 700 ${state}\\)$`));
    } finally {
      fs.chownSync(state, 0, 0);
    }
  });

  it('a state folder of mode 1777: refused the same way', async () => {
    fs.chmodSync(state, 0o1777);
    try {
      await refusedWith(new RegExp(`^state: state folder ${state} is writable by group or others \\(mode 1777\\); refusing it \\(fix: chown root:root ${state} && chmod 700 ${state}\\)$`));
    } finally {
      fs.chmodSync(state, 0o700);
    }
  });

  it("a journal file owned by nobody: ignored and logged, the agent keeps running, nothing in it runs", async () => {
    plantJournal();
    fs.chownSync(journalFile, NOBODY, NOBODY);
    const d = restart();
    await d.waitForLog(/^starting up, listening on /, 10000, runFrom);
    assert.ok(d.findLog(new RegExp(`^error: journal ${d.normalize(journalFile)} is owned by uid ${NOBODY}, not root: ignored, nothing in it is closed or run`), runFrom), d.describe());
    // A knock runs its start command: by then a stop from the journal (due at once) would have run.
    await knock(lab, [lab.srv4, '7000', '8000', '9000']);
    await waitFor('the start command of a knock', () => d.commandOutput().includes(`start ${lab.cli4}`), 5000);
    assert.equal(fs.existsSync(d.file('evil')), false, 'root ran the stop command of a journal nobody wrote');
    assert.deepEqual(d.commandOutput(), [`start ${lab.cli4}`], 'no stop command ran');
    assert.ok(d.running, d.describe());
    await d.stop();
    fs.rmSync(d.file('out'), { force: true });
  });

  it("a trusted journal: the pending stop runs the config's Stop_Command for the journaled address, never the text stored in it", async () => {
    plantJournal();
    const d = restart();
    await waitFor('the stop command of the config', () => d.commandOutput().includes(`stop ${lab.cli4}`), 10000).catch((e: Error) => assert.fail(`${e.message}\n${d.describe()}`));
    assert.equal(fs.existsSync(d.file('evil')), false, 'root ran shell text from the journal');
    await d.stop();
  });
});
