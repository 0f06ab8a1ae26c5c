// What a command needs from the outside world, gathered so that tests can run the CLI in-process
// with their own streams, keychain and ssh.

import type { Readable, Writable } from 'stream';

import { ProfileService } from '../core/profile-service.js';
import { ProfileStore } from '../core/profile-store.js';
import { SecretStore } from '../core/secret-store.js';
import { profilesFile } from '../core/config-paths.js';
import type { SshInvocation } from '../core/terminal/ssh-command.js';
import { homeOf, knockerConfUpdater } from './ssh-config-command.js';

export interface TextOut {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: TextOut;
  stderr: TextOut;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** The keychain (default: keytar). */
  secrets?: SecretStore;
  /** Run ssh in this terminal and resolve with its exit status (default: spawn with inherited stdio). */
  runSsh?: (inv: SshInvocation) => Promise<number>;
  /** The byte streams `knocker proxy` relays (default: fd 0 and fd 1). */
  proxyStreams?: () => { input: Readable; output: Writable };
}

export class CliContext {
  readonly io: CliIo;
  private serviceValue?: ProfileService;
  private stdoutReserved = false;

  constructor(io: CliIo) {
    this.io = io;
  }

  get service(): ProfileService {
    if (!this.serviceValue) {
      const file = profilesFile({ platform: process.platform, env: this.io.env, homedir: homeOf(this.io.env) });
      const store = new ProfileStore(file);
      // An installed ~/.ssh/knocker.conf follows every change of the profiles.
      store.onSaved(knockerConfUpdater(this));
      this.serviceValue = new ProfileService({ store, secrets: this.io.secrets ?? new SecretStore() });
    }
    return this.serviceValue;
  }

  /**
   * Stdout carries a byte stream (`knocker proxy`: the ssh connection): from now on out() and
   * json() write to stderr, so that no message, help or error can ever reach stdout.
   */
  reserveStdout(): void {
    this.stdoutReserved = true;
  }

  private get textOut(): TextOut {
    return this.stdoutReserved ? this.io.stderr : this.io.stdout;
  }

  out(text: string): void {
    this.textOut.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.textOut.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** All of stdin as text (for `--sequence -`, `import json -`). */
  async readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
}
