// knocker-agent's entry point: options, config check, start-up errors as one line each,
// daemon mode, signals. The daemon itself is daemon/agent.ts.
import { spawn } from 'child_process';
import * as path from 'path';
import { parseArgs, usage, AgentOptions } from './daemon/cli-options.js';
import { loadKnockdConfig, formatProblem } from './config/knockd-config.js';
import { lintKnockdConfigFile } from './config/config-lint.js';
import { Agent, StartupError } from './daemon/agent.js';
import { chosenInterfaces, missingInterfaceErrors } from './capture/interface-choice.js';
import { DEFAULT_PID_FILE, removePidFile, writePidFile } from './process/pid-file.js';
import { KnockdConfig } from './types.js';
import { notifyReady, notifyStopping } from './process/systemd-notify.js';
import { secretCommand } from './time-doors/secret-command.js';
import { importFwknopCommand, spaCommand } from './spa-doors/spa-command.js';
import { tuneHeapForDaemon } from './process/heap-tuning.js';
import { stateDirCheck } from './state/state-dir-check.js';

export const VERSION = '0.1.0';
const DAEMON_CHILD_ENV = 'KNOCKER_AGENT_DAEMON_CHILD';

/** Exit statuses as knockd: 15 after SIGTERM, 2 after SIGINT (Debian's unit expects them). */
const SIGNAL_EXIT: Record<string, number> = { SIGTERM: 15, SIGINT: 2 };

function fail(message: string, status = 1): never {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
  process.exit(status);
}

export function main(argv: string[]): void {
  if (argv[0] === 'secret') process.exit(secretCommand(argv.slice(1)));
  if (argv[0] === 'spa') process.exit(spaCommand(argv.slice(1)));
  if (argv[0] === 'import-fwknop') process.exit(importFwknopCommand(argv.slice(1)));
  const parsed = parseArgs(argv);
  if ('error' in parsed) fail(`knocker-agent: ${parsed.error}\n(run knocker-agent -h for the options)`);
  const opts = parsed.options;
  if (opts.help) {
    process.stdout.write(usage());
    process.exit(0);
  }
  if (opts.version) {
    process.stdout.write(`knocker-agent ${VERSION} (knockd 0.8 compatible)\n`);
    process.exit(0);
  }

  // Absolute, so a reload after the daemon moved to / reads the same file (knockd does not).
  opts.config = path.resolve(opts.config);
  const loaded = loadKnockdConfig(opts.config);
  const { config } = loaded;
  // The parser's problems (with hints) and the lint warnings (config-lint.ts), in line order.
  const problems = lintKnockdConfigFile(opts.config, loaded, opts.interfaces);
  if (opts.check) {
    // The state folder the agent would refuse at start-up (state-dir.ts) is an error here too.
    const state = config ? stateDirCheck(opts.config, config.options.stateDir ?? opts.stateDir) : undefined;
    if (state) problems.push(state);
    for (const p of problems) process.stdout.write(formatProblem(p) + '\n');
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    if (config) process.stdout.write(`${opts.config}: ${config.doors.length} door(s), ${errors} error(s), ${warnings} warning(s)\n`);
    else process.stdout.write(`${opts.config}: ${errors} error(s), ${warnings} warning(s)\n`);
    process.exit(errors > 0 ? 1 : 0);
  }
  if (!config) {
    for (const p of problems) if (p.severity === 'error') process.stderr.write(formatProblem(p) + '\n');
    process.exit(1);
  }

  const interfaces = chosenInterfaces(opts.interfaces, config.options.interface);
  const missing = missingInterfaceErrors(interfaces);
  if (missing.length > 0) fail(missing.join('\n'));

  if (opts.daemon && !process.env[DAEMON_CHILD_ENV]) return detach(argv);
  void run(opts, config, interfaces, problems.filter((p) => p.severity === 'warning').map(formatProblem));
}

async function run(opts: AgentOptions, config: KnockdConfig, interfaces: string[], warnings: string[]): Promise<void> {
  tuneHeapForDaemon();
  const inDaemon = Boolean(process.env[DAEMON_CHILD_ENV]);
  const agent = new Agent(opts, config, interfaces);
  // One log line per warning at start-up (knockd-style log files stay readable).
  for (const w of warnings) agent.log.log(w);
  try {
    await agent.start();
  } catch (e) {
    const msg = e instanceof StartupError ? e.message : `error: ${(e as Error).stack ?? e}`;
    if (process.send) process.send({ error: msg });
    await agent.stop().catch(() => undefined);
    fail(msg);
  }
  const pidFile = config.options.pidFile ?? opts.pidFile ?? DEFAULT_PID_FILE;
  if (inDaemon) {
    const err = writePidFile(pidFile);
    if (err) agent.log.log(err);
    process.chdir('/');
    process.send?.({ ready: true });
    process.disconnect?.();
  }
  process.on('SIGHUP', () => agent.reload());
  // systemd Type=notify: listening now. (Only on the way out of a signal, never before an
  // error exit: systemd 219 takes STOPPING=1 from a running service as a requested stop.)
  notifyReady((m) => agent.log.log(m));
  for (const sig of Object.keys(SIGNAL_EXIT)) {
    process.on(sig, () => {
      notifyStopping();
      void agent.stop().then(() => {
        if (inDaemon) removePidFile(pidFile);
        process.exit(SIGNAL_EXIT[sig]);
      });
    });
  }
}

/**
 * -d: Node cannot fork(), so start ourselves again detached (new session, cwd /, no stdio,
 * as knockd's daemon(0,0)) and exit once the child is listening, or with its start-up error.
 */
function detach(argv: string[]): void {
  const entry = path.resolve(__dirname, '..', '..', 'bin', 'knocker-agent');
  // Same cwd as ours so relative paths mean what they meant; the child moves to / once started.
  const child = spawn(process.execPath, [entry, ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  child.on('message', (m: { ready?: boolean; error?: string }) => {
    if (m.ready) {
      child.disconnect();
      child.unref();
      process.exit(0);
    }
    if (m.error) fail(m.error);
  });
  child.on('exit', (code) => fail(`knocker-agent: the daemon exited during start-up (status ${code})`));
}
