// Runs the CLI in-process for tests, with an in-memory keychain, a temporary config directory
// and a stand-in for ssh. (test/knocker/ runs the real binary against a real keyring, knockd,
// knocker-agent, firewalld and sshd.)

import * as path from 'path';
import { Readable } from 'stream';

import { SecretStore } from '../core/secret-store.js';
import type { SshInvocation } from '../core/terminal/ssh-command.js';
import { MemoryKeychain } from './memory-keychain.js';
import { tempDir } from './temp-dir.js';
import { main } from '../cli/main.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI runner with its own config directory, keychain and ssh stand-in; cleaned up after the test. */
export function harness(t: { after: (fn: () => void) => void }) {
  const { dir, cleanup } = tempDir('knocker-cli-');
  t.after(cleanup);
  const kc = new MemoryKeychain();
  const sshRuns: SshInvocation[] = [];
  let sshStatus = 0;
  const knocker = async (argv: string[], stdin = ''): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([stdin]),
      env: { HOME: dir, KNOCKER_CONFIG_DIR: path.join(dir, 'config'), PATH: process.env.PATH },
      secrets: new SecretStore(kc),
      runSsh: async (inv) => {
        sshRuns.push(inv);
        return sshStatus;
      },
    });
    return { code, stdout, stderr };
  };
  return { dir, kc, knocker, sshRuns, setSshStatus: (n: number) => (sshStatus = n) };
}

