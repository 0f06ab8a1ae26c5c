// An SPA door end to end with Debian's stock fwknop client: the client's packet opens the door
// for the address inside it (-a); the same packet sent again opens nothing, also after kill -9
// and a restart (replay digests are journaled); a packet with another HMAC key, one older than
// SPA_Max_Age and one asking for a port the door does not allow open nothing, each with its
// log line. The door runs a command writing %IP% (Firewall = none).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { before, after, NetnsLab, Daemon, agentArgv, startAgent, killPid, sleep, waitFor } from 'knocker-lab';
import { generateSpaKeys, spaKeysFrom } from '../../src/spa/spa-keys.js';
import { encodeSpaPacket } from '../../src/spa/spa-encode.js';

const pair = generateSpaKeys();
const other = generateSpaKeys();
const ALLOW = '192.0.2.44';
const MAX_AGE = 60;
let dir: string;
let lab: NetnsLab;
let agent: Daemon;

const conf = () => `[options]
  StateDir = {{DIR}}/state
[spaCmd]
  SPA_Key_Base64 = ${pair.keyBase64}
  SPA_HMAC_Key_Base64 = ${pair.hmacKeyBase64}
  SPA_Max_Age = ${MAX_AGE}
  Open = 22/tcp
  Firewall = none
  Start_Command = echo open %IP% >> {{DIR}}/out
`;

// Sends one datagram (base64 argument) from inside the client namespace; argv only, no shell.
const SENDER = `const d=require('dgram');const [h,p,b]=process.argv.slice(2);const s=d.createSocket('udp4');
s.send(Buffer.from(b,'base64'),Number(p),h,(e)=>{if(e){console.error(String(e));process.exit(1)}s.close()});`;

function fwknop(extra: string[], k = pair): string[] {
  return ['fwknop', '--no-rc-file', '--no-save-args', '--key-base64-rijndael', k.keyBase64, '--key-base64-hmac', k.hmacKeyBase64, '--use-hmac', '-D', lab.srv4, ...extra];
}
const env = () => ({ ...process.env, HOME: dir });

async function sendRaw(wire: string): Promise<void> {
  const r = await lab.exec('cli', [process.execPath, path.join(dir, 'send.js'), lab.srv4, '62201', Buffer.from(wire, 'latin1').toString('base64')]);
  assert.equal(r.code, 0, r.stderr);
}

/** Run `send`; did the door's command run (a new line in out within `ms`)? Refusals pass a short `ms`. */
async function opens(send: () => Promise<void>, ms = 5000): Promise<boolean> {
  const before = agent.commandOutput().length;
  await send();
  return waitFor('the door command', () => agent.commandOutput().length > before, ms).then(
    () => true,
    () => false,
  );
}

async function stockClient(extra: string[], k = pair): Promise<void> {
  const r = await lab.exec('cli', fwknop(extra, k), { env: env() });
  assert.equal(r.code, 0, `fwknop failed: ${r.stdout}${r.stderr}`);
}

const logLine = (re: RegExp, from: number) => waitFor(`a log line ${re}\n${agent.describe()}`, () => agent.findLog(re, from), 5000);

describe('SPA door with the stock fwknop client', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kspa-'));
    fs.writeFileSync(path.join(dir, 'send.js'), SENDER);
    lab = await NetnsLab.create('spa');
    agent = await startAgent(lab, conf(), { args: ['-v'] });
    assert.ok(agent.ready, agent.startError);
  });

  after(async () => {
    await agent?.stop();
    await lab?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the stock client opens the door for the address in its packet; the same packet again opens nothing, also after a restart', async () => {
    const saved = path.join(dir, 'packet.txt');
    const from = agent.messages().length;
    assert.ok(await opens(() => stockClient(['-A', 'tcp/22', '-a', ALLOW, '-B', saved])), `stock packet not accepted\n${agent.describe()}`);
    assert.deepEqual(agent.commandOutput().slice(-1), [`open ${ALLOW}`]);
    await logLine(/spaCmd: OPEN SESAME \(SPA/, from);
    const wire = fs.readFileSync(saved, 'latin1').trim();
    const r1 = agent.messages().length;
    assert.equal(await opens(() => sendRaw(wire), 1500), false, 'a replay opened the door');
    await logLine(/spaCmd: SPA packet replayed/, r1);

    killPid(agent.pid, 'SIGKILL');
    await agent.waitExit(3000);
    const r2 = agent.messages().length;
    agent = new Daemon('agent', lab, agent.dir, agentArgv(), { args: ['-v'] });
    await agent.waitForLog(/^starting up, listening on /, 8000, r2);
    await sleep(300);
    const r3 = agent.messages().length;
    assert.equal(await opens(() => sendRaw(wire), 1500), false, `replayed after the restart\n${agent.describe()}`);
    await logLine(/spaCmd: SPA packet replayed/, r3);
    // The agent still opens for a fresh packet after the restart.
    assert.ok(await opens(() => stockClient(['-A', 'tcp/22', '-a', ALLOW])), `fresh packet after restart\n${agent.describe()}`);
  });

  it('a packet made with another HMAC key opens nothing: bad HMAC', async () => {
    const from = agent.messages().length;
    assert.equal(await opens(() => stockClient(['-A', 'tcp/22', '-a', ALLOW], { keyBase64: pair.keyBase64, hmacKeyBase64: other.hmacKeyBase64 }), 1500), false);
    await logLine(/spaCmd: SPA bad HMAC: /, from);
  });

  it('a packet older than SPA_Max_Age opens nothing: too old', async () => {
    const from = agent.messages().length;
    const keys = spaKeysFrom({ keyBase64: pair.keyBase64, hmacKeyBase64: pair.hmacKeyBase64 });
    const wire = encodeSpaPacket({ allowIp: ALLOW, access: 'tcp/22', username: 'alice', nowMs: Date.now() - (MAX_AGE + 30) * 1000 }, keys);
    assert.equal(await opens(() => sendRaw(wire), 1500), false);
    await logLine(/spaCmd: SPA packet too old: /, from);
    // The same encoder with the current time opens: only the age was wrong.
    assert.ok(await opens(() => sendRaw(encodeSpaPacket({ allowIp: ALLOW, access: 'tcp/22', username: 'alice' }, keys))), agent.describe());
  });

  it('a request for a port the door does not allow opens nothing', async () => {
    const from = agent.messages().length;
    assert.equal(await opens(() => stockClient(['-A', 'tcp/23', '-a', ALLOW]), 1500), false);
    await logLine(/spaCmd: SPA request for tcp\/23 not allowed \(Open = tcp\/22\)/, from);
  });
});
