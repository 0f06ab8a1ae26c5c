// What a command needs from the outside world, gathered so that tests can run the CLI in-process
// with their own streams, keychain and ssh.

import * as os from 'os';

import { ProfileService } from '../core/profile-service.js';
import { ProfileStore } from '../core/profile-store.js';
import { SecretStore } from '../core/secret-store.js';
import { profilesFile } from '../core/config-paths.js';
import type { SshInvocation } from '../core/terminal/ssh-command.js';

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
}

export class CliContext {
  readonly io: CliIo;
  private serviceValue?: ProfileService;

  constructor(io: CliIo) {
    this.io = io;
  }

  get service(): ProfileService {
    if (!this.serviceValue) {
      const file = profilesFile({ platform: process.platform, env: this.io.env, homedir: this.io.env.HOME || os.homedir() });
      this.serviceValue = new ProfileService({ store: new ProfileStore(file), secrets: this.io.secrets ?? new SecretStore() });
    }
    return this.serviceValue;
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** All of stdin as text (for `--sequence -`, `import json -`). */
  async readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
}
