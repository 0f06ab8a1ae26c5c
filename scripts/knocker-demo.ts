// npm run demo (as root): the main job of Knocker, shown on one machine. Builds a network-
// namespace lab (knocker-agent, firewalld, sshd, a headless keyring), then runs
// `knocker connect` against it over IPv4 and IPv6 and prints every step with its timing.

import * as fs from 'fs';

import { LAB_HOST, LAB_SEQUENCE, buildConnectLab } from '../test/knocker/lab/connect-lab.js';
import { knockerArgv } from '../test/knocker/lab/knocker-cli.js';
import { requireRoot, run } from 'knocker-lab';
import { spawn } from 'child_process';

const t0 = performance.now();
const stamp = (): string => `${((performance.now() - t0) / 1000).toFixed(3).padStart(7)} s`;
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const step = (label: string, ms: number): void => say(`[${stamp()}] ${label}: ${ms.toFixed(0)} ms`);

/** Run a command with its output shown as it comes, indented; resolves with its status and duration. */
function show(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) say(`      | ${line}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('close', (code) => resolve({ code, ms: performance.now() - start }));
  });
}

async function main(): Promise<number> {
  requireRoot('npm run demo');
  say('Knocker demo: knock, wait for the SSH port, connect. Everything runs in private network namespaces.');
  say(`The door: knocker-agent watches for ${LAB_SEQUENCE} and runs firewall-cmd to accept ssh from the knocking address only.\n`);
  const lab = await buildConnectLab('knocker-agent', step);
  try {
    say(`\n[${stamp()}] the profiles (no sequence in them; it is in the keyring):`);
    const list = await run(knockerArgv(undefined, 'cli', ['list']), { env: lab.env, allowFail: true });
    for (const l of list.stdout.trim().split('\n')) say(`      | ${l}`);

    const blocked = await run(lab.pair.nsArgv('cli', ['ssh', '-F', '/dev/null', '-o', 'ConnectTimeout=1', '-i', lab.sshd.clientKey, ...lab.sshOptions.flatMap((o) => ['-o', o]), `${lab.sshd.user}@${lab.pair.srv4}`, 'true']), { allowFail: true });
    say(`[${stamp()}] without a knock, ssh to ${lab.pair.srv4} fails: ${blocked.stderr.trim() || `exit ${blocked.code}`}`);

    let failures = 0;
    for (const [profile, family] of [
      ['server', 'IPv4'],
      ['server6', 'IPv6'],
    ]) {
      say(`\n[${stamp()}] knocker connect ${profile} (${LAB_HOST} over ${family}), each step with its time since the command started:`);
      const r = await show(knockerArgv(lab.pair, 'cli', ['connect', profile, '-v', '--', '-F', '/dev/null', 'echo "hello from $(hostname) as $(id -un), connected from ${SSH_CONNECTION%% *}"']), lab.env);
      say(`[${stamp()}] knocker connect ${profile}: exit ${r.code} after ${r.ms.toFixed(0)} ms (from the command to the end of the ssh session)`);
      if (r.code !== 0) failures++;
    }
    const rules = await lab.fw.fw(['--zone=drop', '--list-rich-rules']);
    say(`\n[${stamp()}] firewalld now accepts ssh only from the knocking addresses (rules expire after 300 s):`);
    for (const l of rules.stdout.trim().split('\n')) say(`      | ${l}`);
    say(`[${stamp()}] the door daemon's log:`);
    for (const l of lab.daemon.logText().trim().split('\n')) say(`      | ${l}`);
    const profilesFile = `${lab.env.XDG_CONFIG_HOME}/Knocker/profiles.json`;
    const leaked = fs.readFileSync(profilesFile, 'utf8').includes('32512');
    say(`[${stamp()}] ${profilesFile} holds the sequence: ${leaked ? 'YES (bug!)' : 'no'}`);
    return failures === 0 && !leaked ? 0 : 1;
  } finally {
    const t1 = performance.now();
    await lab.destroy();
    step('lab removed (processes stopped by PID, namespaces deleted)', performance.now() - t1);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
