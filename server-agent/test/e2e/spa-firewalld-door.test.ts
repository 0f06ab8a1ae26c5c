// A native SPA door end to end: a real firewalld (zone drop) on a private D-Bus in the lab's
// server namespace, a real sshd behind it, Debian's stock fwknop client, and knocker-agent.
// The client asks for the lab's second client address (-a): ssh opens for that address only.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { before, after, NetnsLab, FirewalldLab, SshdLab, Daemon, startAgent, waitFor } from 'knocker-lab';
import { generateSpaKeys } from '../../src/spa/spa-keys.js';

const pair = generateSpaKeys();
const CONF = `[options]
  StateDir = {{DIR}}/state
[spaSSH]
  SPA_Key_Base64 = ${pair.keyBase64}
  SPA_HMAC_Key_Base64 = ${pair.hmacKeyBase64}
  Open = 22/tcp
  Open_Seconds = 30
`;

let lab: NetnsLab;
let fw: FirewalldLab;
let sshd: SshdLab;
let agent: Daemon;
let home: string;

describe('native SPA door (firewalld)', () => {
  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kspaf-'));
    lab = await NetnsLab.create('spf');
    fw = await FirewalldLab.start(lab, { defaultZone: 'drop' });
    process.env.DBUS_SYSTEM_BUS_ADDRESS = fw.busAddress; // inherited by the agent
    sshd = await SshdLab.start(lab);
    agent = await startAgent(lab, CONF, { args: ['-v'] });
    assert.ok(agent.ready, agent.startError);
  });

  after(async () => {
    await agent?.stop();
    await sshd?.stop();
    await fw?.stop();
    await lab?.destroy();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('the stock fwknop client opens ssh for the address in its packet, and only for it', async () => {
    assert.equal(await sshd.canLogIn(lab.srv4, lab.cli4b), false, 'ssh open before the SPA packet');
    const r = await lab.exec(
      'cli',
      ['fwknop', '--no-rc-file', '--no-save-args', '--key-base64-rijndael', pair.keyBase64, '--key-base64-hmac', pair.hmacKeyBase64, '--use-hmac', '-A', 'tcp/22', '-a', lab.cli4b, '-D', lab.srv4],
      { env: { ...process.env, HOME: home } },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await waitFor(`a firewalld rule for ${lab.cli4b}\n${agent.describe()}`, async () => (await fw.richRules('drop')).some((x) => x.includes(`"${lab.cli4b}"`)), 10_000);
    assert.ok(agent.findLog(/spaSSH: OPEN SESAME \(SPA/), agent.describe());
    assert.equal(await sshd.canLogIn(lab.srv4, lab.cli4b), true, 'ssh from the address in the packet');
    assert.equal(await sshd.canLogIn(lab.srv4, lab.cli4), false, 'ssh from the address that sent the packet (not the one inside it)');
    assert.deepEqual((await fw.richRules('drop')).filter((x) => x.includes(`"${lab.cli4}"`)), []);
  });
});
