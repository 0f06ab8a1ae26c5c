// A time-based door end to end: the real `knock` client sends the sequence derived for a
// window; the agent opens once per window, accepts one window of clock skew either way, and
// refuses replays (also after a restart) and wrong secrets.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { before, after, NetnsLab, Daemon, agentArgv, startAgent, knock, killPid, sleep, sleepUntil, waitFor } from 'knocker-lab';
import { deriveSequence, windowAt, TimeSequenceSpec } from '../../src/time-doors/time-sequence.js';
import { newSecret, writeNewSecretFile } from '../../src/time-doors/time-secret.js';
import { Knock } from '../../src/types.js';

const SPEC: TimeSequenceSpec = { step: 10, length: 4, portLo: 30000, portHi: 40000, protocols: ['tcp', 'udp'] };
const secret = newSecret();
let dir: string;
let lab: NetnsLab;
let agent: Daemon;

const conf = () => `[options]
  StateDir = {{DIR}}/state
[timed]
  Time_Secret_File = ${dir}/timed.secret
  Time_Step = ${SPEC.step}
  Time_Length = ${SPEC.length}
  Time_Ports = ${SPEC.portLo}-${SPEC.portHi}
  Time_Protocols = tcp,udp
  TCPFlags = syn
  Start_Command = echo open %IP% >> {{DIR}}/out
`;

const args = (seq: Knock[]) => seq.map((k) => (k.proto === 'udp' ? `${k.port}:udp` : String(k.port)));
const windowNow = () => windowAt(Date.now(), SPEC.step);

/** Windows this file has opened (each opens once). */
const used = new Set<number>();

/**
 * Knock `seq`; did the door open (a new `open` line within `ms`)? Expected openings get a long
 * limit (a loaded machine is slow); expected refusals pass a short one (how long "nothing" is).
 */
async function opens(seq: Knock[], ms = 5000): Promise<boolean> {
  const before = agent.commandOutput().length;
  await knock(lab, [lab.srv4, ...args(seq)]);
  let opened = true;
  await waitFor('the door command', () => agent.commandOutput().length > before, ms).catch(() => (opened = false));
  if (opened) for (let w = windowNow() - 2; w <= windowNow() + 2; w++) if (formatSeq(deriveSequence(secret, 'timed', w, SPEC)) === formatSeq(seq)) used.add(w);
  return opened;
}
const formatSeq = (seq: Knock[]) => args(seq).join(',');
/** Windows of door `timed` recorded as used in the agent's journal (StateDir = {{DIR}}/state). */
function journaledWindows(): number[] {
  const state = path.join(agent.dir, 'state');
  const res: number[] = [];
  for (const f of fs.existsSync(state) ? fs.readdirSync(state) : []) {
    if (!/^open-doors-.*\.json$/.test(f)) continue;
    const entries = (JSON.parse(fs.readFileSync(path.join(state, f), 'utf8')) as { entries: { kind: string; door: string; window: number }[] }).entries;
    for (const e of entries) if (e.kind === 'used' && e.door === 'timed') res.push(e.window);
  }
  return res;
}
/** The next window boundary is the event these tests wait for. */
const nextWindow = () => sleepUntil((windowNow() + 1) * SPEC.step * 1000 + 50);

describe('time-based door', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktd-'));
    writeNewSecretFile(path.join(dir, 'timed.secret'), secret);
    lab = await NetnsLab.create('tdr');
    agent = await startAgent(lab, conf(), { args: ['-v'] });
    assert.ok(agent.ready, agent.startError);
  });

  after(async () => {
    await agent?.stop();
    await lab?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the current window's sequence opens, once; a replay in the same window opens nothing", async () => {
    const w = windowNow();
    const seq = deriveSequence(secret, 'timed', w, SPEC);
    assert.ok(await opens(seq), agent.describe());
    assert.equal(await opens(seq, 1500), false, 'a replay of a used window');
  });

  it('a client clock one window ahead or behind still opens (skew)', async () => {
    // The previous window must be one the first test did not use: else wait for the next window.
    if (used.has(windowNow() - 1)) await nextWindow();
    const w = windowNow();
    assert.ok(await opens(deriveSequence(secret, 'timed', w + 1, SPEC)), `window +1\n${agent.describe()}`);
    assert.ok(await opens(deriveSequence(secret, 'timed', w - 1, SPEC)), `window -1\n${agent.describe()}`);
  });

  it('windows further away, and a wrong secret, never open', async () => {
    const w = windowNow();
    assert.equal(await opens(deriveSequence(secret, 'timed', w - 3, SPEC), 1500), false);
    assert.equal(await opens(deriveSequence(secret, 'timed', w + 3, SPEC), 1500), false);
    assert.equal(await opens(deriveSequence(newSecret(), 'timed', w, SPEC), 1500), false);
  });

  it('a used window stays used after kill -9 and a restart (the replay cache is journaled)', async () => {
    // Earlier tests may have used every accepted window: then wait for the next one.
    const unused = () => [windowNow(), windowNow() + 1].find((x) => !used.has(x));
    if (unused() === undefined) await nextWindow();
    const w = unused() as number;
    const seq = deriveSequence(secret, 'timed', w, SPEC);
    assert.ok(await opens(seq), `window ${w} (now ${windowNow()}, used ${[...used]})\n${agent.describe()}`);
    // The agent journals the used window right after it starts the door's command, so the
    // command's output can come first on a busy machine: kill only once the window is on disk.
    await waitFor(`window ${w} of door timed in the agent's journal`, () => journaledWindows().includes(w), 5000);
    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    const from = agent.messages().length;
    agent = new Daemon('agent', lab, agent.dir, agentArgv(), { args: ['-v'] });
    await agent.waitForLog(/^starting up, listening on /, 8000, from);
    await sleep(300);
    assert.equal(await opens(seq, 1500), false, `replayed after the restart\n${agent.describe()}`);
  });
});
