// `knocker setup`: a plain server becomes a knocked one, from the user's machine, in the order
// that cannot lock anyone out: log in, check, install, write the door, keep its secret in the
// keychain, start the agent, PROVE a knock works from here, and only then close SSH to everyone
// else (runtime first, with a dead-man switch on the server), reconnect through a knock, cancel
// the switch, make it permanent. Each step reports start and result with its time; a failing
// step undoes what it changed and the SetupError says where the server stands and how to go on.
// Running it again is safe: the door section is replaced, the agent restarted, a closed SSH is
// reached through the profile's knock.

import type { ProfileService } from '../profile-service.js';
import type { ProfileInput } from '../profile-schema.js';
import { knockAndWait } from '../connect-flow.js';
import { KnockerError, errorText } from '../errors.js';
import { agentPath, choosePackage, defaultPackageDirs, installAgent, uninstallAgent } from './agent-install.js';
import { restoreService, serviceState, startAgent } from './agent-service.js';
import { restoreConfig, writeDoor } from './door-install.js';
import { DoorPlan, planFixedDoor, planTimeDoor } from './door-plan.js';
import { RemoteSession, SshTarget } from './remote-session.js';
import { ServerFacts, detectServer, missingParts } from './server-facts.js';
import { SetupMarker, markerFile, readMarker, writeMarker } from './setup-marker.js';
import { SetupError, SetupEvent, SetupStepId } from './setup-steps.js';
import { CANCEL_DEADMAN, DEADMAN_SECONDS, Gate, checkZone, closePermanent, closeRuntime, gateState, knockRuleSeen, reopenRuntime } from './ssh-gate.js';
import type { PlatformInfo } from '../config-paths.js';

export interface SetupOptions {
  name: string;
  host: string;
  user?: string;
  port: number;
  identityFile?: string;
  /** The user's extra ssh `-o` options (kept in the profile too). */
  sshOptions: readonly string[];
  /** A time door with a new secret instead of a fixed sequence. */
  time: boolean;
  packageFile?: string;
  /** Run the install command for what the server lacks. */
  installDeps: boolean;
  service: ProfileService;
  sshPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the setup marker goes (default: the user's Knocker config folder). */
  platform?: PlatformInfo;
  packageDirs?: string[];
  onEvent?: (e: SetupEvent) => void;
  /** Asked once the server has been checked, before anything changes; false stops setup. */
  confirm?: (summary: string) => Promise<boolean>;
  /** How long to wait for a knock to show on the server (default 10 s). */
  proofTimeoutMs?: number;
}

export interface SetupResult {
  profile: string;
  door: string;
  facts: ServerFacts;
  marker: SetupMarker;
  totalMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runSetup(o: SetupOptions): Promise<SetupResult> {
  const t0 = performance.now();
  const at = (): number => performance.now() - t0;
  const emit = (step: SetupStepId, status: SetupEvent['status'], message: string, durationMs?: number): void =>
    o.onEvent?.({ step, status, atMs: at(), message, ...(durationMs !== undefined ? { durationMs } : {}) });
  const target: SshTarget = { host: o.host, port: o.port, user: o.user, identityFile: o.identityFile, options: o.sshOptions };
  const again = `fix that and run knocker setup ${o.name} --host ${o.host} again (it is safe to repeat), or undo with knocker setup --undo ${o.name}`;
  let state = 'unchanged';

  /** Run one step: start/ok events with its time; a failure runs `undo` and becomes a SetupError. */
  const step = async <T>(id: SetupStepId, body: () => Promise<{ value: T; message: string; skipped?: boolean }>, undo?: () => Promise<string | undefined>, next = again): Promise<T> => {
    const s0 = performance.now();
    emit(id, 'start', '');
    try {
      const r = await body();
      emit(id, r.skipped ? 'skip' : 'ok', r.message, performance.now() - s0);
      return r.value;
    } catch (err) {
      emit(id, 'fail', errorText(err), performance.now() - s0);
      if (err instanceof SetupError) throw err;
      let undone = '';
      if (undo) {
        try {
          const what = await undo();
          if (what) {
            undone = ` (undone: ${what})`;
            emit(id, 'undo', what);
          }
        } catch (e) {
          undone = ` (undoing failed too: ${errorText(e)})`;
        }
      }
      const hint = err instanceof KnockerError && err.hint ? `; ${err.hint}` : '';
      throw new SetupError(id, `${errorText(err)}${hint}${undone}`, state, next, err);
    }
  };

  const session = await step('connect', async () => {
    const s = await connectOrKnock(o, target, (m) => emit('connect', 'info', m));
    let key = '';
    if (s.hostKeyNote) {
      // First contact: show the fingerprint of the key ssh just recorded, as the server states it.
      const type = /\(([A-Z0-9-]+)\)/.exec(s.hostKeyNote)?.[1]?.toLowerCase() ?? '';
      const fp = await s.run('for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done 2>/dev/null');
      const line = fp.stdout.split('\n').find((l) => type && l.toLowerCase().includes(`(${type})`));
      key = `; first contact, the server's key was accepted: ${s.hostKeyNote}${line ? ` (${line.split(' ').slice(0, 2).join(' ')})` : ''}`;
    }
    return { value: s, message: `logged in as ${o.user ?? 'the default user'} on ${o.host}:${o.port}${key}` };
  }, undefined, `check the host, the port and the key (--identity); nothing on the server changed`);

  try {
    let facts = await step('detect', async () => {
      let f = await detectServer(session);
      let missing = missingParts(f);
      if (missing.blockers.length) throw new KnockerError('setup', missing.blockers.join('; '));
      if (missing.items.length && o.installDeps && missing.installCommand) {
        emit('detect', 'info', `installing what is missing (${missing.items.join(', ')}): ${missing.installCommand}`);
        await session.runOk(missing.installCommand, 'installing the missing packages', { timeoutMs: 900_000 });
        f = await detectServer(session);
        missing = missingParts(f);
      }
      if (missing.items.length) {
        throw new KnockerError('setup', `the server lacks ${missing.items.join(', ')}`, {
          hint: missing.installCommand ? `install with: ${missing.installCommand} (or run setup with --install-deps)` : 'install them with the system package manager',
        });
      }
      const agent = f.agentVersion ? `, knocker-agent ${f.agentVersion}` : '';
      return { value: f, message: `${f.osName}; systemd; firewalld (zone ${f.zone}); Node.js ${f.nodeVersion}; tcpdump${agent}; SSH arrives on ${f.iface} from ${f.clientAddress}` };
    }, undefined, `install what is missing and run knocker setup ${o.name} --host ${o.host} again; nothing on the server changed`);

    const gate: Gate = { zone: checkZone(facts.zone), sshPort: o.port };
    if (o.confirm) {
      const ok = await o.confirm(`Set up ${o.host} (${facts.osName}): install knocker-agent, write a ${o.time ? 'time-based' : 'fixed-sequence'} door, then close SSH (port ${o.port}) in firewalld zone ${gate.zone} to everyone who does not knock.`);
      if (!ok) throw new SetupError('detect', 'cancelled before any change', state, 'nothing on the server changed');
    }

    const installedBefore = !!facts.agentVersion;
    const agent = await step('install', async () => {
      const p = choosePackage(facts.packageKind, o.packageFile, o.packageDirs ?? defaultPackageDirs(o.env));
      const r = await installAgent(session, facts, p);
      state = 'knocker-agent installed; nothing else changed, SSH open to everyone as before';
      return { value: r.agentPath, message: r.installed ? `knocker-agent ${p.version} installed from ${p.file} (${p.kind}) as ${r.agentPath}` : `knocker-agent ${p.version} is installed already (${r.agentPath})`, skipped: !r.installed };
    }, async () => {
      if (installedBefore || !(await agentPath(session))) return undefined;
      await uninstallAgent(session, facts.packageKind);
      return 'removed the half-installed knocker-agent';
    });

    const plan: DoorPlan = o.time ? planTimeDoor(o.name) : planFixedDoor(o.name, facts.listening);
    const written = await step('door', async () => {
      const w = await writeDoor(session, agent, plan, { sshPort: o.port, zone: gate.zone, iface: facts.iface });
      state = `knocker-agent installed; /etc/knockd.conf has the door [${plan.door}] (not active yet); SSH open to everyone as before`;
      const what = plan.time ? `time door, ${plan.time.length} knocks per ${plan.time.step} s window, secret in ${plan.secretFile} (root only)` : `${plan.sequence?.length} knocks, TCP and UDP mixed, no listening port`;
      return { value: w, message: `[${plan.door}] in /etc/knockd.conf: ${what}; Open = ${o.port}/tcp for the knocker only; knocker-agent --check passed${w.backup ? `; the old file is kept as ${w.backup}` : ''}` };
    });

    await step('keychain', async () => {
      const existed = !!o.service.find(o.name);
      const input: ProfileInput = {
        name: o.name,
        host: o.host,
        ssh: { user: o.user, port: o.port, identityFile: o.identityFile, options: [...o.sshOptions] },
      };
      if (plan.time) {
        input.time = plan.time;
        input.timeSecret = plan.timeSecret;
      } else input.sequence = plan.sequence;
      if (existed) await o.service.edit(o.name, plan.time ? input : { ...input, time: null });
      else await o.service.add(input);
      state = `${state.replace(/; SSH open.*/, '')}; profile ${o.name} saved with its secret in this machine's keychain; SSH open to everyone as before`;
      return { value: undefined, message: `profile ${o.name} ${existed ? 'updated' : 'added'}; its ${plan.time ? 'time secret' : 'sequence'} is in the keychain only` };
    }, async () => {
      await restoreConfig(session, written);
      return '/etc/knockd.conf put back as it was';
    });

    const before = await serviceState(session);
    await step('agent', async () => {
      await startAgent(session);
      state = `knocker-agent runs with the door [${plan.door}]; profile ${o.name} is in the keychain; SSH still open to everyone`;
      return { value: undefined, message: 'knocker-agent enabled and started under systemd (systemctl is-active: active)' };
    }, async () => {
      await restoreService(session, before);
      return before.active ? 'knocker-agent restarted as it was' : 'knocker-agent stopped and left disabled';
    });

    const profile = o.service.get(o.name);
    const knock = async (): Promise<string> => {
      const r = await knockAndWait(profile, await o.service.sequenceSourceOf(profile), { waitTimeoutMs: 10_000, knockAgain: false });
      return r.target.address;
    };
    const stuck = `SSH is still open to everyone, nothing was closed; knocker-agent runs with the door. Check that knocks reach ${o.host} (a firewall on the way may drop the door's ports), then run setup again; or undo with knocker setup --undo ${o.name}`;
    await step('prove', async () => {
      const address = await knock();
      const t = performance.now();
      while (!(await knockRuleSeen(session, gate, facts.clientAddress))) {
        if (performance.now() - t > (o.proofTimeoutMs ?? 10_000)) {
          throw new KnockerError('setup', `knocked ${address}, but within ${((o.proofTimeoutMs ?? 10_000) / 1000).toFixed(0)} s knocker-agent opened nothing for ${facts.clientAddress} (no firewalld rule for it in zone ${gate.zone})`);
        }
        await sleep(250);
      }
      const login = await session.freshLogin('echo knocker-login-ok');
      if (!/knocker-login-ok/.test(login.stdout)) throw new KnockerError('setup', `the knock opened the door, but a new ssh login failed: ${login.stderr.trim()}`);
      return { value: undefined, message: `knocked ${address}: knocker-agent opened port ${o.port} for ${facts.clientAddress}; a new ssh login got in` };
    }, undefined, stuck);

    const gateBefore = await gateState(session, gate);
    await step('close', async () => {
      if (!gateBefore.runtimeOpen) return { value: undefined, message: `SSH is closed at runtime already in zone ${gate.zone}`, skipped: true };
      const fires = await closeRuntime(session, gate);
      state = `SSH closed to everyone but knockers at runtime only; a dead-man switch on the server reopens it at ${fires.toLocaleTimeString()} unless cancelled; a reboot also reopens it`;
      return { value: undefined, message: `firewall-cmd --zone=${gate.zone} --remove-${o.port === 22 ? 'service=ssh' : `port=${o.port}/tcp`} (runtime); dead-man switch armed: ${DEADMAN_SECONDS} s` };
    }, async () => {
      await reopenRuntime(session, gate);
      return 'SSH reopened at runtime, switch disarmed';
    }, stuck);

    await step('reconnect', async () => {
      const address = await knock();
      // The prove step's rule is still there, so the port answers at once; this knock refreshes it,
      // and firewalld refreshes by remove + add, a short gap in which a new connection is refused.
      // A refused login gets two more tries, 1 s apart, without a new knock (it would refresh again).
      let r = await session.freshLogin(`${CANCEL_DEADMAN} || echo knocker-deadman-none`);
      for (let i = 0; i < 2 && !/knocker-deadman-(cancelled|none)/.test(r.stdout) && /No route to host|Connection refused|timed out/i.test(r.stderr); i++) {
        await sleep(1000);
        r = await session.freshLogin(`${CANCEL_DEADMAN} || echo knocker-deadman-none`);
      }
      if (!/knocker-deadman-(cancelled|none)/.test(r.stdout)) throw new KnockerError('setup', `a new ssh login after a knock on ${address} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
      return { value: undefined, message: `knocked ${address} and logged in again over a new connection; the dead-man switch is ${/cancelled/.test(r.stdout) ? 'cancelled' : 'not armed'}` };
    }, async () => {
      await reopenRuntime(session, gate);
      return 'SSH reopened at runtime (through the setup connection), switch disarmed';
    }, `SSH is open to everyone again at runtime; the knock or the login through it did not work from here. ${again}`);

    await step('permanent', async () => {
      await closePermanent(session, gate);
      state = 'done';
      return { value: undefined, message: `firewall-cmd --permanent: SSH closed in zone ${gate.zone}; only a knock opens port ${o.port}, for the knocker alone, for 30 s` };
    }, undefined, `SSH is closed at runtime but still open in the permanent configuration (a reboot reopens it); run setup again`);

    const marker: SetupMarker = {
      profile: o.name,
      host: o.host,
      zone: gate.zone,
      sshPort: o.port,
      door: plan.door,
      ...(plan.secretFile ? { secretFile: plan.secretFile } : {}),
      installedAgent: !installedBefore || !!readMarker(markerFile(profile.id, o.platform))?.installedAgent,
      packageKind: facts.packageKind,
      at: new Date().toISOString(),
    };
    writeMarker(markerFile(profile.id, o.platform), marker);
    return { profile: o.name, door: plan.door, facts, marker, totalMs: at() };
  } finally {
    await session.close();
  }
}

/** Log in; if that fails and the profile exists (setup ran before, SSH is closed), knock first. */
async function connectOrKnock(o: SetupOptions, target: SshTarget, info: (m: string) => void): Promise<RemoteSession> {
  const opts = { sshPath: o.sshPath, env: o.env };
  try {
    return await RemoteSession.connect(target, opts);
  } catch (err) {
    const profile = o.service.find(o.name);
    if (!profile || !profile.hasSequence) throw err;
    info(`ssh did not get in (${errorText(err)}); knocking with profile ${profile.name} first`);
    await knockAndWait(profile, await o.service.sequenceSourceOf(profile), { waitTimeoutMs: 10_000 });
    return RemoteSession.connect(target, opts);
  }
}

