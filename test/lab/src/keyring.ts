// A headless OS keychain for tests: a private D-Bus session bus and gnome-keyring-daemon (the
// Secret Service) on it, with a login keyring unlocked by a password given on stdin. Nothing of
// the user's own session is touched: the bus, XDG_DATA_HOME (where the keyring file lives) and
// XDG_RUNTIME_DIR are fresh temporary directories.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { run, Service, startService, waitFor } from './proc.js';

export interface KeyringSession {
  dir: string;
  /** Environment for processes that should use this keychain. */
  env: NodeJS.ProcessEnv;
  /** Where the keyring files are (to check what is written there). */
  dataHome: string;
  lock(): Promise<void>;
  unlock(): Promise<void>;
  stop(): Promise<void>;
}

const SECRETS = 'org.freedesktop.secrets';
const LOGIN = '/org/freedesktop/secrets/collection/login';

async function hasOwner(env: NodeJS.ProcessEnv, name: string): Promise<boolean> {
  const r = await run(['dbus-send', '--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`], { env, allowFail: true });
  return r.code === 0 && /boolean true/.test(r.stdout);
}

export async function startKeyring(password = 'knocker-test'): Promise<KeyringSession> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-keyring-'));
  const dataHome = path.join(dir, 'data');
  const runtime = path.join(dir, 'run');
  fs.mkdirSync(dataHome, { recursive: true });
  fs.mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const bus = path.join(dir, 'bus');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus}`,
    XDG_DATA_HOME: dataHome,
    XDG_RUNTIME_DIR: runtime,
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  let dbus: Service | undefined;
  let keyring: Service | undefined;
  const stop = async (): Promise<void> => {
    await keyring?.stop();
    await dbus?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const startSecrets = async (): Promise<void> => {
    keyring = startService(['gnome-keyring-daemon', '--foreground', '--unlock', '--components=secrets'], path.join(dir, 'keyring.log'), { env, input: password });
    await waitFor(`${SECRETS} on the session bus`, () => hasOwner(env, SECRETS), 10_000, 20);
  };
  try {
    dbus = startService(['dbus-daemon', '--session', `--address=unix:path=${bus}`, '--nofork', '--nopidfile'], path.join(dir, 'dbus.log'), { env });
    await waitFor('the session bus socket', () => fs.existsSync(bus), 5000, 10);
    await startSecrets();
  } catch (err) {
    const logs = ['dbus.log', 'keyring.log'].map((f) => {
      try {
        return `${f}: ${fs.readFileSync(path.join(dir, f), 'utf8')}`;
      } catch {
        return '';
      }
    });
    await stop();
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
  }
  return {
    dir,
    env,
    dataHome,
    stop,
    lock: async () => {
      await run(['dbus-send', '--session', '--print-reply', `--dest=${SECRETS}`, '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${LOGIN}`], { env });
    },
    // Without a prompter there is no interactive unlock: restart the daemon, which unlocks the
    // login keyring (kept in XDG_DATA_HOME) with the password, as a desktop login does.
    unlock: async () => {
      await keyring?.stop();
      await waitFor(`${SECRETS} to leave the bus`, async () => !(await hasOwner(env, SECRETS)), 5000, 20);
      await startSecrets();
    },
  };
}
