// nftables calls go through the same bounded CallLimiter as firewalld's: 200 opens at once never
// run more than 32 nft processes. The real nft runs, in a lab namespace, behind a wrapper that
// records when each process starts and ends.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { before, after, NetnsLab } from 'knocker-lab';
import { NftablesClient } from '../src/actions/nftables-client.js';

let lab: NetnsLab;
let dir: string;

/** Most nft processes alive at once, from the wrapper's + / - lines (appends are atomic). */
function maxInFlight(log: string): number {
  let now = 0;
  let max = 0;
  for (const l of fs.readFileSync(log, 'utf8').split('\n')) {
    if (l === '+') max = Math.max(max, ++now);
    if (l === '-') now--;
  }
  return max;
}

// Node 16's runner runs hooks only for it() inside describe(): keep this shape.
describe('nftables calls are bounded', () => {
  before(async () => {
    lab = await NetnsLab.create('nfl');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-nft-'));
  });

  after(async () => {
    await lab?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('200 opens at once: at most 32 nft processes in flight, and every element lands', async () => {
    const log = path.join(dir, 'calls');
    const wrapper = path.join(dir, 'nft');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho + >> ${log}\nip netns exec ${lab.srvNs} nft "$@"\nrc=$?\necho - >> ${log}\nexit $rc\n`, { mode: 0o755 });
    const client = new NftablesClient(wrapper);
    await client.setup([{ port: 22, proto: 'tcp' }]);
    fs.writeFileSync(log, '');
    const sources = Array.from({ length: 200 }, (_, i) => `10.77.${i >> 8}.${(i & 255) + 1}`);
    await Promise.all(sources.map((s) => client.open(s, { port: 22, proto: 'tcp' }, 60)));
    const calls = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l === '+').length;
    assert.equal(calls, 400, 'a delete and an add per open');
    const max = maxInFlight(log);
    assert.ok(max <= 32, `${max} nft processes ran at once`);
    const listed = (await lab.exec('srv', ['nft', 'list', 'set', 'inet', 'knocker', 'allow4'])).stdout;
    for (const s of sources) assert.ok(listed.includes(`${s} . tcp . 22`), `${s} missing from allow4`);
  });
});
