// The knocker-agent packages (issue 4): `scripts/package-agent.sh` (npm run package:agent)
// builds the bundle, the tarball and the noarch RPM; here the RPM is inspected with rpm,
// installed into a folder, its scriptlets run against a stand-in systemctl, its systemd unit
// verified and checked against the directives systemd 219 (CentOS 7) knows, the tarball's
// install.sh exercised, and finally the INSTALLED agent is run under Node 16 (CentOS 7's
// newest) with the unit's capability bounding set, in a network namespace, against a real
// knock from knockd's `knock` client.
//
// Needs root and: rpm/rpmbuild (Debian package rpm), systemd-analyze and
// systemd-socket-activate (systemd), knock (knockd), tcpdump, ip (iproute2), setpriv and
// unshare (util-linux). A missing tool fails the tests; nothing is skipped.
// Top-level tests only: Node 16.20's runner loses the results (and the exit status) of every
// describe() after the first in a file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as os from 'os';
import * as path from 'path';
import { killPid, pidAlive, run, waitFor, NetnsLab, requireRoot } from 'knocker-lab';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const AGENT_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'server-agent', 'package.json'), 'utf8')).version;
const RPM_VERSION = AGENT_VERSION.replace(/-/g, '~');
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** Tool -> the Debian package that brings it (for the failure message). */
const TOOLS: Record<string, string> = {
  rpm: 'rpm',
  rpmbuild: 'rpm',
  'systemd-analyze': 'systemd',
  'systemd-socket-activate': 'systemd',
  knock: 'knockd',
  tcpdump: 'tcpdump',
  ip: 'iproute2',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  tar: 'tar',
  gzip: 'gzip',
};

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? SYSTEM_PATH).split(':').concat(SYSTEM_PATH.split(':'))) {
    const p = path.join(dir, tool);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// systemd 219's unit file directives (CentOS 7), from its systemd.unit(5), systemd.service(5),
// systemd.exec(5), systemd.kill(5) and systemd.resource-control(5). Deliberately
// conservative: a directive we are not sure 219 knows is left out, so the check errs on the
// strict side. Known to be newer, and absent here: ReadWritePaths/ReadOnlyPaths/
// InaccessiblePaths (231), ProtectKernelTunables/ProtectKernelModules/ProtectControlGroups
// (232), AmbientCapabilities (229), TasksMax (227), StartLimitIntervalSec in [Unit] (230),
// RuntimeMaxSec (229), DynamicUser (232), StateDirectory/LogsDirectory (235), MemoryDenyWriteExecute
// (231), RestrictRealtime (231), PrivateUsers (232), RestrictNamespaces (233), LockPersonality (235),
// ProtectHostname (242), ExecCondition (243), OOMPolicy (243).
// ---------------------------------------------------------------------------------------
const CONDITIONS = [
  'Architecture', 'Virtualization', 'Host', 'KernelCommandLine', 'Security', 'Capability', 'ACPower',
  'NeedsUpdate', 'FirstBoot', 'PathExists', 'PathExistsGlob', 'PathIsDirectory', 'PathIsSymbolicLink',
  'PathIsMountPoint', 'PathIsReadWrite', 'DirectoryNotEmpty', 'FileNotEmpty', 'FileIsExecutable',
];
const SYSTEMD_219_UNIT = new Set([
  'Description', 'Documentation', 'Requires', 'RequiresOverridable', 'Requisite', 'RequisiteOverridable',
  'Wants', 'BindsTo', 'PartOf', 'Conflicts', 'Before', 'After', 'OnFailure', 'PropagatesReloadTo',
  'ReloadPropagatedFrom', 'JoinsNamespaceOf', 'RequiresMountsFor', 'OnFailureJobMode', 'IgnoreOnIsolate',
  'IgnoreOnSnapshot', 'StopWhenUnneeded', 'RefuseManualStart', 'RefuseManualStop', 'AllowIsolate',
  'DefaultDependencies', 'JobTimeoutSec', 'JobTimeoutAction', 'JobTimeoutRebootArgument', 'SourcePath',
  ...CONDITIONS.map((c) => `Condition${c}`),
  ...CONDITIONS.map((c) => `Assert${c}`),
]);
const SYSTEMD_219_EXEC = [
  'WorkingDirectory', 'RootDirectory', 'User', 'Group', 'SupplementaryGroups', 'Nice', 'OOMScoreAdjust',
  'IOSchedulingClass', 'IOSchedulingPriority', 'CPUSchedulingPolicy', 'CPUSchedulingPriority',
  'CPUSchedulingResetOnFork', 'CPUAffinity', 'UMask', 'Environment', 'EnvironmentFile', 'StandardInput',
  'StandardOutput', 'StandardError', 'TTYPath', 'TTYReset', 'TTYVHangup', 'TTYVTDisallocate',
  'SyslogIdentifier', 'SyslogFacility', 'SyslogLevel', 'SyslogLevelPrefix', 'TimerSlackNSec',
  'LimitCPU', 'LimitFSIZE', 'LimitDATA', 'LimitSTACK', 'LimitCORE', 'LimitRSS', 'LimitNOFILE', 'LimitAS',
  'LimitNPROC', 'LimitMEMLOCK', 'LimitLOCKS', 'LimitSIGPENDING', 'LimitMSGQUEUE', 'LimitNICE',
  'LimitRTPRIO', 'LimitRTTIME', 'PAMName', 'CapabilityBoundingSet', 'SecureBits', 'Capabilities',
  'ReadWriteDirectories', 'ReadOnlyDirectories', 'InaccessibleDirectories', 'PrivateTmp',
  'PrivateDevices', 'PrivateNetwork', 'ProtectSystem', 'ProtectHome', 'MountFlags', 'UtmpIdentifier',
  'UtmpMode', 'SELinuxContext', 'AppArmorProfile', 'SmackProcessLabel', 'IgnoreSIGPIPE',
  'NoNewPrivileges', 'SystemCallFilter', 'SystemCallErrorNumber', 'SystemCallArchitectures',
  'RestrictAddressFamilies', 'Personality', 'RuntimeDirectory', 'RuntimeDirectoryMode',
];
const SYSTEMD_219_KILL = ['KillMode', 'KillSignal', 'SendSIGKILL', 'SendSIGHUP'];
const SYSTEMD_219_RESOURCES = [
  'CPUAccounting', 'CPUShares', 'StartupCPUShares', 'CPUQuota', 'MemoryAccounting', 'MemoryLimit',
  'BlockIOAccounting', 'BlockIOWeight', 'StartupBlockIOWeight', 'BlockIODeviceWeight',
  'BlockIOReadBandwidth', 'BlockIOWriteBandwidth', 'DeviceAllow', 'DevicePolicy', 'Slice', 'Delegate',
];
const SYSTEMD_219_SERVICE = new Set([
  'Type', 'RemainAfterExit', 'GuessMainPID', 'PIDFile', 'BusName', 'ExecStartPre', 'ExecStart',
  'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost', 'RestartSec', 'TimeoutStartSec',
  'TimeoutStopSec', 'TimeoutSec', 'WatchdogSec', 'Restart', 'SuccessExitStatus',
  'RestartPreventExitStatus', 'RestartForceExitStatus', 'PermissionsStartOnly', 'RootDirectoryStartOnly',
  'NonBlocking', 'NotifyAccess', 'Sockets', 'StartLimitInterval', 'StartLimitBurst', 'StartLimitAction',
  'FailureAction', 'RebootArgument',
  ...SYSTEMD_219_EXEC,
  ...SYSTEMD_219_KILL,
  ...SYSTEMD_219_RESOURCES,
]);
const SYSTEMD_219_INSTALL = new Set(['WantedBy', 'RequiredBy', 'Alias', 'Also', 'DefaultInstance']);
const SYSTEMD_219_SECTIONS: Record<string, Set<string>> = {
  Unit: SYSTEMD_219_UNIT,
  Service: SYSTEMD_219_SERVICE,
  Install: SYSTEMD_219_INSTALL,
};
/** Capabilities of Linux 3.10 (CentOS 7's kernel); CAP_AUDIT_READ (3.16) is not among them. */
const LINUX_310_CAPS = new Set([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN',
  'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
]);
/** The values systemd 219 accepts for the enumerated settings we might use. */
const SYSTEMD_219_VALUES: Record<string, RegExp> = {
  Type: /^(simple|forking|oneshot|dbus|notify|idle)$/,
  Restart: /^(no|on-success|on-failure|on-abnormal|on-watchdog|on-abort|always)$/,
  NotifyAccess: /^(none|main|all)$/,
  KillMode: /^(control-group|process|mixed|none)$/,
  ProtectSystem: /^(yes|no|true|false|on|off|1|0|full)$/,
  ProtectHome: /^(yes|no|true|false|on|off|1|0|read-only)$/,
  NoNewPrivileges: /^(yes|no|true|false|on|off|1|0)$/,
  PrivateTmp: /^(yes|no|true|false|on|off|1|0)$/,
  RestrictAddressFamilies: /^~?(AF_[A-Z0-9]+)( AF_[A-Z0-9]+)*$/,
  SuccessExitStatus: /^((\d+|SIG[A-Z]+)( |$))+$/,
  RestartSec: /^\d+(s|min|ms)?$/,
  TimeoutStopSec: /^\d+(s|min|ms)?$/,
};

type UnitFile = Map<string, { key: string; value: string; line: number }[]>;

function parseUnit(text: string): UnitFile {
  const sections: UnitFile = new Map();
  let current: string | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1];
      if (!sections.has(current)) sections.set(current, []);
      return;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `unit line ${i + 1} is neither a section nor KEY=VALUE: ${line}`);
    sections.get(current)!.push({ key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: i + 1 });
  });
  return sections;
}

function values(unit: UnitFile, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter((e) => e.key === key).map((e) => e.value);
}

// ---------------------------------------------------------------------------------------
// Shared set-up: one package build and one installation per test process.
// ---------------------------------------------------------------------------------------
interface Setup {
  out: string;
  rpm: string;
  tarball: string;
  /** The folder the RPM was installed into (rpm --root). */
  root: string;
  /** The Node 16 binary and a folder holding only `node` -> it, for PATH. */
  node16: string;
  node16Dir: string;
  unitText: string;
}

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}
// node:test hooks are missing from @types/node 16: clean up when the process exits.
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

let setupPromise: Promise<Setup> | undefined;
function setup(): Promise<Setup> {
  if (!setupPromise) setupPromise = doSetup();
  return setupPromise;
}

async function findNode16(): Promise<string> {
  if (process.version.startsWith('v16.')) return process.execPath;
  // The same Node 16 the suite uses (scripts/test-all.sh); run by the machine's npm.
  const r = await run(['npx', '-y', '-p', 'node@16', 'node', '-p', 'process.execPath'], { timeoutMs: 180000 });
  return r.stdout.trim();
}

async function doSetup(): Promise<Setup> {
  requireRoot('the installed-package tests');
  const missing = Object.keys(TOOLS).filter((t) => !which(t));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => TOOLS[t]))].join(' ');
    throw new Error(`missing tools: ${missing.join(', ')}; install them: apt-get install -y ${pkgs}`);
  }
  const out = tempDir('knocker-pkg-');
  await run(['bash', path.join(ROOT, 'scripts', 'package-agent.sh'), '--out', out], { timeoutMs: 180000 });
  const rpm = path.join(out, `knocker-agent-${RPM_VERSION}-1.noarch.rpm`);
  const tarball = path.join(out, `knocker-agent-${AGENT_VERSION}.tar.gz`);
  assert.ok(fs.existsSync(rpm), `the package script made no ${rpm}: ${fs.readdirSync(out).join(', ')}`);
  assert.ok(fs.existsSync(tarball), `the package script made no ${tarball}`);

  const root = tempDir('knocker-root-');
  await run(['rpm', '--root', root, '--dbpath', '/.rpmdb', '-ivh', '--nodeps', '--noscripts', rpm], { timeoutMs: 60000 });

  const node16 = await findNode16();
  const v = await run([node16, '--version']);
  assert.match(v.stdout, /^v16\./, `${node16} is not Node 16`);
  const node16Dir = tempDir('knocker-node16-');
  fs.symlinkSync(node16, path.join(node16Dir, 'node'));
  const unitText = fs.readFileSync(path.join(root, 'usr/lib/systemd/system/knocker-agent.service'), 'utf8');
  return { out, rpm, tarball, root, node16, node16Dir, unitText };
}

async function rpmq(args: string[]): Promise<string> {
  const s = await setup();
  return (await run(['rpm', '-qp', ...args, s.rpm])).stdout;
}

/** Environment for running the installed launcher with Node 16 first in PATH. */
function node16Env(s: Setup, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${s.node16Dir}:${SYSTEM_PATH}`, ...extra };
  delete env.NOTIFY_SOCKET;
  delete env.KNOCKER_AGENT_NODE;
  delete env.KNOCKER_AGENT_LIBDIR;
  return env;
}

const EXPECTED_FILES = [
  '/etc/knocker-agent',
  '/etc/knocker-agent/knockd.conf.sample',
  '/etc/logrotate.d/knocker-agent',
  '/etc/sysconfig/knocker-agent',
  '/usr/bin/knocker-agent',
  '/usr/lib/knocker-agent',
  '/usr/lib/knocker-agent/bin',
  '/usr/lib/knocker-agent/bin/knocker-agent',
  '/usr/lib/knocker-agent/dist',
  '/usr/lib/knocker-agent/dist/src',
  '/usr/lib/knocker-agent/dist/src/cli.js',
  '/usr/lib/knocker-agent/package.json',
  '/usr/lib/systemd/system/knocker-agent.service',
  '/var/lib/knocker-agent',
];
const DOC_FILE = /^\/usr\/share\/doc\/knocker-agent(-[^/]+)?(\/README\.md)?$/;

test('rpm: rpm -qpi: name, version from server-agent/package.json, noarch, license, summary', async () => {
  const info = await rpmq(['-i']);
  assert.match(info, /^Name\s*:\s*knocker-agent$/m);
  assert.match(info, new RegExp(`^Version\\s*:\\s*${RPM_VERSION.replace(/[.~]/g, '\\$&')}$`, 'm'));
  assert.match(info, /^Release\s*:\s*1$/m);
  assert.match(info, /^Architecture\s*:\s*noarch$/m);
  assert.match(info, /^License\s*:\s*MIT$/m);
  assert.match(info, /^Summary\s*:\s*.*knockd/m);
});

test('rpm: rpm -qpl: the agent, unit, configs and state dir; never /etc/knockd.conf (the knockd package owns it)', async () => {
  const files = (await rpmq(['-l'])).split('\n').filter(Boolean);
  const docs = files.filter((f) => DOC_FILE.test(f));
  assert.ok(docs.some((f) => f.endsWith('/README.md')), `no README.md among the docs: ${files.join(' ')}`);
  assert.deepEqual(files.filter((f) => !DOC_FILE.test(f)).sort(), [...EXPECTED_FILES].sort());
  assert.ok(!files.includes('/etc/knockd.conf'));
  // %config(noreplace) for what an admin edits; the state dir private to root.
  const flags = await rpmq(['--qf', '[%{FILEFLAGS:fflags} %{FILEMODES:perms} %{FILENAMES}\\n]']);
  for (const f of ['/etc/knocker-agent/knockd.conf.sample', '/etc/logrotate.d/knocker-agent', '/etc/sysconfig/knocker-agent']) {
    assert.match(flags, new RegExp(`^cn -rw-r--r-- ${f}$`, 'm'), `${f} is not %config(noreplace) 0644:\n${flags}`);
  }
  assert.match(flags, /^ -rwxr-xr-x \/usr\/bin\/knocker-agent$/m);
  assert.match(flags, /^ drwx------ \/var\/lib\/knocker-agent$/m);
});

test('rpm: --requires: nodejs >= 16 and tcpdump; only rpmlib features that rpm 4.11 (CentOS 7) has', async () => {
  const reqs = (await rpmq(['--requires'])).split('\n').map((l) => l.trim()).filter(Boolean);
  assert.ok(reqs.includes('nodejs >= 16'), reqs.join('\n'));
  assert.ok(reqs.includes('tcpdump'), reqs.join('\n'));
  const rpm411 = new Set([
    'CompressedFileNames', 'PayloadFilesHavePrefix', 'FileDigests', 'VersionedDependencies',
    'ExplicitPackageProvide', 'HeaderLoadSortsTags', 'ScriptletInterpreterArgs', 'PartialHardlinkSets',
    'ConcurrentAccess', 'BuiltinLuaScripts', 'PayloadIsBzip2', 'PayloadIsXz', 'PayloadIsLzma',
    'FileCaps', 'ScriptletExpansion', 'TildeInVersions',
  ]);
  for (const r of reqs) {
    const m = /^rpmlib\((\w+)\)/.exec(r);
    if (m) assert.ok(rpm411.has(m[1]), `rpm 4.11 cannot install a package that needs ${r}`);
    // Nothing a CentOS 7 box could not provide (e.g. Debian paths or interpreters).
    assert.doesNotMatch(r, /python|perl|\/usr\/bin\/env|libc\.so/, `unexpected requirement ${r}`);
  }
});

test('rpm: payload: gzip (rpm 4.11 reads no zstd), digests OK', async () => {
  assert.equal(await rpmq(['--qf', '%{PAYLOADCOMPRESSOR}']), 'gzip');
  const s = await setup();
  const k = await run(['rpm', '-K', s.rpm]);
  assert.match(k.stdout, /digests OK/);
});

test('rpm: --scripts: install enables and starts nothing; erase stops; upgrade restarts only if the new agent accepts the config', async () => {
  await setup();
  const text = await rpmq(['--scripts']);
  assert.doesNotMatch(text, /systemctl[^\n]*\b(enable|start|preset)\b/, `a scriptlet enables or starts:\n${text}`);
  // Run each scriptlet for real against stand-ins for systemctl and the agent.
  const dir = tempDir('knocker-scriptlets-');
  const log = path.join(dir, 'calls');
  const conf = path.join(dir, 'knockd.conf');
  fs.writeFileSync(conf, '[options]\n');
  fs.writeFileSync(path.join(dir, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${log}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'knocker-agent'), `#!/bin/sh\necho "knocker-agent $*" >> ${log}\nexit "$CHECK_STATUS"\n`, {
    mode: 0o755,
  });
  const scriptlet = async (tag: string, arg: number, checkStatus = 0): Promise<{ calls: string[]; stderr: string }> => {
    const body = (await rpmq(['--qf', `%{${tag}}`]))
      .split('/usr/bin/systemctl').join(path.join(dir, 'systemctl'))
      .split('/usr/bin/knocker-agent').join(path.join(dir, 'knocker-agent'))
      .split('/etc/knockd.conf').join(conf);
    assert.ok(!body.includes('/usr/bin/systemctl') && !body.includes('/usr/bin/knocker-agent'), body);
    fs.rmSync(log, { force: true });
    const r = await run(['sh', '-c', body, 'scriptlet', String(arg)], {
      env: { PATH: SYSTEM_PATH, CHECK_STATUS: String(checkStatus) },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    return { calls, stderr: r.stderr };
  };
  // %post: first install ($1 = 1) only reloads systemd.
  assert.deepEqual((await scriptlet('POSTIN', 1)).calls, ['systemctl daemon-reload']);
  // %preun: nothing on upgrade ($1 = 1); disable + stop on erase ($1 = 0).
  assert.deepEqual((await scriptlet('PREUN', 1)).calls, []);
  assert.deepEqual((await scriptlet('PREUN', 0)).calls, [
    'systemctl --no-reload disable knocker-agent.service',
    'systemctl stop knocker-agent.service',
  ]);
  // %postun: erase ($1 = 0) reloads; upgrade ($1 = 1) restarts a running agent...
  assert.deepEqual((await scriptlet('POSTUN', 0)).calls, ['systemctl daemon-reload']);
  assert.deepEqual((await scriptlet('POSTUN', 1, 0)).calls, [
    `knocker-agent --check -c ${conf}`,
    'systemctl daemon-reload',
    'systemctl try-restart knocker-agent.service',
  ]);
  // ...but not when the new version rejects /etc/knockd.conf: the old agent keeps running.
  const refused = await scriptlet('POSTUN', 1, 1);
  assert.deepEqual(refused.calls, [`knocker-agent --check -c ${conf}`, 'systemctl daemon-reload']);
  assert.match(refused.stderr, /NOT restarted/);
});

test('rpm: installs into a folder (rpm --root): launcher, one-file bundle with only Node built-ins', async () => {
  const s = await setup();
  for (const f of EXPECTED_FILES) assert.ok(fs.existsSync(path.join(s.root, f)), `${f} not installed`);
  const launcher = path.join(s.root, 'usr/bin/knocker-agent');
  assert.ok((fs.statSync(launcher).mode & 0o111) !== 0, 'launcher not executable');
  assert.match(fs.readFileSync(launcher, 'utf8'), /^#!\/bin\/sh\n/);
  const bundle = fs.readFileSync(path.join(s.root, 'usr/lib/knocker-agent/dist/src/cli.js'), 'utf8');
  const required = new Set<string>();
  for (const m of bundle.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)) required.add(m[2]);
  const builtin = new Set(builtinModules);
  const foreign = [...required].filter((r) => !builtin.has(r.replace(/^node:/, '')));
  assert.deepEqual(foreign, [], `the bundle requires modules that are not Node built-ins: ${foreign.join(', ')}`);
  assert.doesNotMatch(bundle, /\.node["'`]\s*\)|process\.dlopen/, 'the bundle loads a native addon');
  assert.ok(required.has('child_process') || required.has('node:child_process'), 'the bundle looks empty');
  // The only other JavaScript file: the entry that loads the bundle.
  const entry = fs.readFileSync(path.join(s.root, 'usr/lib/knocker-agent/bin/knocker-agent'), 'utf8');
  assert.match(entry, /require\('\.\.\/dist\/src\/cli\.js'\)\.main\(/);
});

test('rpm: launcher: runs the installed bundle with Node 16 (--version, --check of the sample)', async () => {
  const s = await setup();
  const launcher = path.join(s.root, 'usr/bin/knocker-agent');
  const v = await run([launcher, '--version'], { env: node16Env(s) });
  assert.match(v.stdout, new RegExp(`knocker-agent ${AGENT_VERSION.replace(/\./g, '\\.')}`));
  // The sample as shipped (doors commented out) and with its example doors switched on.
  const sample = path.join(s.root, 'etc/knocker-agent/knockd.conf.sample');
  const c1 = await run([launcher, '--check', '-c', sample], { env: node16Env(s), allowFail: true });
  assert.equal(c1.code, 0, c1.stdout + c1.stderr);
  const text = fs.readFileSync(sample, 'utf8');
  const enabled = text.replace(/^#(\[|[A-Za-z_0-9]+\s*=)/gm, '$1');
  assert.notEqual(enabled, text);
  const conf = path.join(tempDir('knocker-sample-'), 'knockd.conf');
  fs.writeFileSync(conf, enabled);
  const c2 = await run([launcher, '--check', '-c', conf], { env: node16Env(s), allowFail: true });
  assert.equal(c2.code, 0, c2.stdout + c2.stderr);
  assert.match(c2.stdout, /: 3 door\(s\), 0 error\(s\)/);
  // The lint has nothing to say about the example doors; only this machine's interface names
  // (the sample leaves Interface unset) may draw a warning.
  const warnings = c2.stdout.split('\n').filter((l) => /: warning: /.test(l) && !/interface|eth0/i.test(l));
  assert.deepEqual(warnings, []);
});

test('rpm: launcher: says clearly when node is missing or older than 16', async () => {
  const s = await setup();
  const launcher = path.join(s.root, 'usr/bin/knocker-agent');
  const old = tempDir('knocker-oldnode-');
  fs.writeFileSync(path.join(old, 'node'), '#!/bin/sh\necho v14.21.3\n', { mode: 0o755 });
  const r1 = await run([launcher, '--version'], { env: { PATH: `${old}:${SYSTEM_PATH}` }, allowFail: true });
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /Node\.js v14\.21\.3, too old: Node\.js >= 16 is required/);
  const r2 = await run([launcher, '--version'], {
    env: { PATH: SYSTEM_PATH, KNOCKER_AGENT_NODE: '/nonexistent/node' },
    allowFail: true,
  });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /KNOCKER_AGENT_NODE=\/nonexistent\/node is not an executable/);
  // No node anywhere: hide the usual places in a private mount namespace.
  const script =
    'for f in /usr/bin/node /usr/local/bin/node; do if [ -e "$f" ]; then mount --bind /dev/null "$f" || exit 9; fi; done; exec "$0" --version';
  const r3 = await run(['unshare', '-m', 'sh', '-c', script, launcher], { env: { PATH: SYSTEM_PATH }, allowFail: true });
  assert.equal(r3.code, 1, r3.stderr);
  assert.match(r3.stderr, /Node\.js >= 16 is required, but no "node" was found/);
});

test('unit: systemd-analyze verify accepts the unit (ExecStart pointed at the installed copy)', async () => {
  const s = await setup();
  const dir = tempDir('knocker-unit-');
  const unit = path.join(dir, 'knocker-agent.service');
  fs.writeFileSync(unit, s.unitText.split('/usr/bin/knocker-agent').join(path.join(s.root, 'usr/bin/knocker-agent')));
  const r = await run(['systemd-analyze', 'verify', unit], { allowFail: true, timeoutMs: 60000 });
  // Unknown keys are only warnings (exit 0), so any output at all is a failure.
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout + r.stderr).trim(), '', 'systemd-analyze had remarks');
});

test('unit: uses only directives and values that systemd 219 (CentOS 7) knows', async () => {
  const s = await setup();
  const unit = parseUnit(s.unitText);
  assert.deepEqual([...unit.keys()].sort(), ['Install', 'Service', 'Unit']);
  for (const [section, entries] of unit) {
    const known = SYSTEMD_219_SECTIONS[section];
    assert.ok(known, `section [${section}] unknown to systemd 219`);
    for (const e of entries) {
      assert.ok(known.has(e.key), `line ${e.line}: ${e.key}= is not a [${section}] directive systemd 219 knows`);
      const rule = SYSTEMD_219_VALUES[e.key];
      if (rule) assert.match(e.value, rule, `line ${e.line}: ${e.key}=${e.value} is not a value systemd 219 takes`);
      if (/^Exec/.test(e.key)) {
        // 219 knows the "-" and "@" prefixes only ("+", "!" and "!!" came later).
        assert.match(e.value, /^[-@]*\//, `line ${e.line}: ${e.key} must start with an absolute path`);
      }
    }
  }
  for (const cap of values(unit, 'Service', 'CapabilityBoundingSet').join(' ').split(/\s+/)) {
    assert.ok(LINUX_310_CAPS.has(cap.replace(/^~/, '')), `${cap} is unknown to CentOS 7's kernel`);
  }
  for (const p of values(unit, 'Service', 'ReadWriteDirectories').join(' ').split(/\s+/)) {
    assert.match(p, /^-?\//, `ReadWriteDirectories entry ${p} is not absolute`);
  }
});

test('unit: has what issue 4 asks for, consistent with the package', async () => {
  const s = await setup();
  const unit = parseUnit(s.unitText);
  const u = (k: string) => values(unit, 'Unit', k).join(' ').split(/\s+/);
  const sv = (k: string) => values(unit, 'Service', k);
  assert.ok(u('After').includes('network-online.target') && u('After').includes('firewalld.service'));
  assert.ok(u('Wants').includes('network-online.target'));
  assert.ok(u('Conflicts').includes('knockd.service'));
  assert.deepEqual(sv('Type'), ['notify']);
  assert.deepEqual(sv('NotifyAccess'), ['all']);
  assert.deepEqual(sv('ExecStartPre'), ['/usr/bin/knocker-agent --check -c /etc/knockd.conf']);
  assert.equal(sv('ExecStart').length, 1);
  assert.match(sv('ExecStart')[0], /^\/usr\/bin\/knocker-agent -c \/etc\/knockd\.conf\b/);
  assert.doesNotMatch(sv('ExecStart')[0], /\s(-d|--daemon)\b/, 'the service must run in the foreground');
  assert.deepEqual(sv('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  assert.deepEqual(sv('Restart'), ['on-failure']);
  // The agent exits 15 after SIGTERM and 2 after SIGINT, as knockd (checked below for real).
  assert.deepEqual(sv('SuccessExitStatus').join(' ').split(/\s+/).sort(), ['15', '2']);
  const caps = sv('CapabilityBoundingSet').join(' ').split(/\s+/);
  for (const c of ['CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_SETUID', 'CAP_SETGID']) assert.ok(caps.includes(c), `${c} missing`);
  assert.ok(!caps.includes('CAP_SYS_MODULE') && !caps.includes('CAP_SYS_PTRACE'));
  assert.deepEqual(sv('ProtectSystem'), ['full']);
  assert.deepEqual(sv('NoNewPrivileges'), ['yes']);
  const rw = sv('ReadWriteDirectories').join(' ').split(/\s+/);
  assert.ok(rw.includes('/var/lib/knocker-agent'));
  assert.deepEqual(values(unit, 'Install', 'WantedBy'), ['multi-user.target']);
  // Everything the unit names without "-" is in the package.
  for (const p of rw.filter((x) => !x.startsWith('-'))) assert.ok(fs.existsSync(path.join(s.root, p)), `${p} not packaged`);
  for (const f of sv('EnvironmentFile')) assert.ok(fs.existsSync(path.join(s.root, f.replace(/^-/, ''))), `${f} not packaged`);
  for (const k of ['ExecStartPre', 'ExecStart']) {
    const bin = sv(k)[0].split(' ')[0];
    assert.ok(fs.existsSync(path.join(s.root, bin)), `${bin} not packaged`);
  }
});

test('tarball: holds the bundle, launcher, unit and configs; install.sh installs to a prefix, keeps configs, uninstalls', async () => {
  const s = await setup();
  const name = `knocker-agent-${AGENT_VERSION}`;
  const list = (await run(['tar', '-tzf', s.tarball])).stdout.split('\n').filter(Boolean);
  for (const f of [
    'install.sh', 'bin/knocker-agent', 'lib/knocker-agent/bin/knocker-agent', 'lib/knocker-agent/dist/src/cli.js',
    'lib/knocker-agent/package.json', 'systemd/knocker-agent.service', 'logrotate/knocker-agent',
    'sysconfig/knocker-agent', 'knockd.conf.sample', 'README.md',
  ]) {
    assert.ok(list.includes(`${name}/${f}`), `${f} missing from the tarball`);
  }
  const verbose = (await run(['tar', '-tvzf', s.tarball])).stdout;
  assert.doesNotMatch(verbose, /^\S+ (?!0\/0 )/m, 'tarball entries must belong to root (0/0)');

  const unpack = tempDir('knocker-tar-');
  await run(['tar', '-xzf', s.tarball, '-C', unpack]);
  const installer = path.join(unpack, name, 'install.sh');
  const dest = tempDir('knocker-dest-');
  const env = node16Env(s);
  const r1 = await run(['sh', installer, '--destdir', dest, '--prefix', '/opt/knocker'], { env });
  assert.match(r1.stdout, /knocker-agent installed/);
  const envdir = fs.existsSync('/etc/sysconfig') ? '/etc/sysconfig' : '/etc/default';
  for (const f of [
    'opt/knocker/bin/knocker-agent', 'opt/knocker/lib/knocker-agent/dist/src/cli.js', 'etc/systemd/system/knocker-agent.service',
    `${envdir.slice(1)}/knocker-agent`, 'etc/logrotate.d/knocker-agent', 'etc/knocker-agent/knockd.conf.sample',
    'var/lib/knocker-agent',
  ]) {
    assert.ok(fs.existsSync(path.join(dest, f)), `install.sh did not install ${f}`);
  }
  const unit = parseUnit(fs.readFileSync(path.join(dest, 'etc/systemd/system/knocker-agent.service'), 'utf8'));
  assert.match(values(unit, 'Service', 'ExecStart')[0], /^\/opt\/knocker\/bin\/knocker-agent -c \/etc\/knockd\.conf/);
  assert.match(values(unit, 'Service', 'ExecStartPre')[0], /^\/opt\/knocker\/bin\/knocker-agent --check/);
  assert.deepEqual(values(unit, 'Service', 'EnvironmentFile'), [`-${envdir}/knocker-agent`]);
  // The launcher finds its bundle relative to itself, wherever the prefix is.
  const v = await run([path.join(dest, 'opt/knocker/bin/knocker-agent'), '--version'], { env });
  assert.match(v.stdout, /^knocker-agent /);
  // Again (an upgrade): edited configuration files are kept.
  const envfile = path.join(dest, envdir.slice(1), 'knocker-agent');
  fs.writeFileSync(envfile, 'OPTIONS="-i ens192"\n');
  const r2 = await run(['sh', installer, '--destdir', dest, '--prefix', '/opt/knocker'], { env });
  assert.match(r2.stdout, /kept .*knocker-agent/);
  assert.equal(fs.readFileSync(envfile, 'utf8'), 'OPTIONS="-i ens192"\n');
  // Uninstall removes the program and unit, keeps configuration and state.
  await run(['sh', installer, '--uninstall', '--destdir', dest, '--prefix', '/opt/knocker'], { env });
  assert.ok(!fs.existsSync(path.join(dest, 'opt/knocker/bin/knocker-agent')));
  assert.ok(!fs.existsSync(path.join(dest, 'opt/knocker/lib/knocker-agent')));
  assert.ok(!fs.existsSync(path.join(dest, 'etc/systemd/system/knocker-agent.service')));
  assert.ok(fs.existsSync(envfile));
});

// ---------------------------------------------------------------------------------------
// The installed agent, for real: Node 16, the unit's capability bounding set and
// NoNewPrivileges (via setpriv), a veth pair between two fresh namespaces, knockd's client.
// ---------------------------------------------------------------------------------------
function boundingSetArg(unitText: string): string {
  const caps = values(parseUnit(unitText), 'Service', 'CapabilityBoundingSet').join(' ').split(/\s+/);
  return ['-all', ...caps.map((c) => '+' + c.replace(/^CAP_/, '').toLowerCase())].join(',');
}

interface Door {
  dir: string;
  conf: string;
  log: string;
  opened: string;
}

function writeDoorConfig(): Door {
  const dir = tempDir('knocker-e2e-');
  const conf = path.join(dir, 'knockd.conf');
  const log = path.join(dir, 'agent.log');
  const opened = path.join(dir, 'opened');
  fs.writeFileSync(
    conf,
    ['[options]', `LogFile = ${log}`, '', '[openSSH]', 'Sequence = 7000,8000:udp,9000', 'Seq_Timeout = 10', 'TCPFlags = syn',
      `Start_Command = echo %IP% > ${opened}`, ''].join('\n'),
  );
  return { dir, conf, log, opened };
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
  return () => text;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitListening(door: Door, what: () => string, child?: ChildProcess): Promise<void> {
  try {
    await waitFor('the installed agent to log "starting up, listening on"', () => {
      if (child && child.exitCode !== null) throw new Error(`the installed agent exited (${child.exitCode})`);
      return fs.existsSync(door.log) && /starting up, listening on/.test(fs.readFileSync(door.log, 'utf8'));
    }, 20000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${what()}`);
  }
}

async function knockAndExpect(lab: NetnsLab, door: Door, what: () => string): Promise<void> {
  await lab.exec('cli', ['knock', lab.srv4, '7000', '8000:udp', '9000']);
  await waitFor('the door command to write the knocking address', () => {
    assert.ok(fs.existsSync(door.opened), `no command ran after the knock:\n${what()}`);
    assert.equal(fs.readFileSync(door.opened, 'utf8').trim(), lab.cli4);
    return true;
  }, 5000);
}

test('installed agent, Node 16, netns: foreground, as the unit runs it: a knock with `knock` runs the door command with %IP%; SIGTERM exits 15', async () => {
  const s = await setup();
  const lab = await NetnsLab.create('pk');
  try {
    const door = writeDoorConfig();
    const launcher = path.join(s.root, 'usr/bin/knocker-agent');
    const child = lab.spawn('srv', [
      'setpriv', '--no-new-privs', '--bounding-set', boundingSetArg(s.unitText),
      'env', `PATH=${s.node16Dir}:${SYSTEM_PATH}`, launcher, '-c', door.conf, '-i', lab.srvIf,
    ]);
    const out = output(child);
    await waitListening(door, () => out() + (fs.existsSync(door.log) ? fs.readFileSync(door.log, 'utf8') : ''), child);
    await knockAndExpect(lab, door, () => out() + fs.readFileSync(door.log, 'utf8'));
    const log = fs.readFileSync(door.log, 'utf8');
    assert.match(log, new RegExp(`${lab.cli4.replace(/\./g, '\\.')}: openSSH: OPEN SESAME`));
    child.kill('SIGTERM');
    assert.equal(await exited(child), 15, `exit status after SIGTERM (the unit's SuccessExitStatus):\n${out()}`);
  } finally {
    await lab.destroy();
  }
});

test('installed agent, Node 16, netns: with NOTIFY_SOCKET (Type=notify) it reports READY=1 once listening, STOPPING=1 on SIGTERM', async () => {
  const s = await setup();
  const lab = await NetnsLab.create('pn');
  const dir = tempDir('knocker-notify-');
  const sock = path.join(dir, 'notify.sock');
  const got = path.join(dir, 'received');
  // A datagram socket like systemd's; the first message starts `cat`, which keeps reading.
  const receiver = spawn('systemd-socket-activate', ['--datagram', '--inetd', '-l', sock, 'sh', '-c', `exec cat > ${got}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    await waitFor('the notify socket to appear', () => fs.existsSync(sock), 5000);
    const door = writeDoorConfig();
    const launcher = path.join(s.root, 'usr/bin/knocker-agent');
    const child = lab.spawn('srv', ['env', `PATH=${s.node16Dir}:${SYSTEM_PATH}`, `NOTIFY_SOCKET=${sock}`, launcher, '-c', door.conf, '-i', lab.srvIf]);
    const out = output(child);
    await waitListening(door, out, child);
    const received = () => (fs.existsSync(got) ? fs.readFileSync(got, 'utf8') : '');
    await waitFor('READY=1 on the notify socket', () => (assert.match(received(), /READY=1/, `no READY=1 reached the notify socket:\n${out()}`), true), 5000);
    child.kill('SIGTERM');
    assert.equal(await exited(child), 15, out());
    await waitFor('STOPPING=1 on the notify socket', () => (assert.match(received(), /STOPPING=1/, 'no STOPPING=1 reached the notify socket'), true), 3000);
  } finally {
    if (receiver.pid !== undefined) killPid(receiver.pid, 'SIGKILL');
    await lab.destroy();
  }
});

test('installed agent, Node 16, netns: -d (daemon mode, for init scripts) works from the installed layout', async () => {
  const s = await setup();
  const lab = await NetnsLab.create('pd');
  let daemonPid = 0;
  try {
    const door = writeDoorConfig();
    const pidFile = path.join(door.dir, 'agent.pid');
    const launcher = path.join(s.root, 'usr/bin/knocker-agent');
    const starter = lab.spawn('srv', ['env', `PATH=${s.node16Dir}:${SYSTEM_PATH}`, launcher, '-d', '-c', door.conf, '-i', lab.srvIf, '-p', pidFile]);
    const out = output(starter);
    assert.equal(await exited(starter), 0, `knocker-agent -d failed:\n${out()}`);
    await waitFor('the pid file', () => fs.existsSync(pidFile), 5000);
    daemonPid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    assert.ok(pidAlive(daemonPid), 'the daemon is not running');
    await waitListening(door, out);
    await knockAndExpect(lab, door, () => fs.readFileSync(door.log, 'utf8'));
    killPid(daemonPid, 'SIGTERM');
    await waitFor('the daemon to stop on SIGTERM', () => !pidAlive(daemonPid), 15000);
    assert.ok(!fs.existsSync(pidFile), 'the daemon left its pid file behind');
  } finally {
    if (daemonPid && pidAlive(daemonPid)) killPid(daemonPid, 'SIGKILL');
    await lab.destroy();
  }
});
