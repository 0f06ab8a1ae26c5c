// Step "install": put knocker-agent on the server. rpm systems get the RPM (yum/dnf install, so
// the nodejs dependency is checked), the others the tarball's install.sh. The package is the
// one given with --package, or the newest one `npm run package:agent` wrote (dist/pkg/). It is
// uploaded over the setup connection into a root-only temporary folder and removed after.

import * as fs from 'fs';
import * as path from 'path';

import { KnockerError } from '../errors.js';
import { shellQuote } from '../terminal/ssh-command.js';
import { lastLines, type RemoteSession } from './remote-session.js';
import type { ServerFacts } from './server-facts.js';

export interface AgentPackage {
  file: string;
  kind: 'rpm' | 'tarball';
  version: string;
}

const TARBALL = /^knocker-agent-([0-9][0-9A-Za-z.+~-]*)\.tar\.gz$/;
const RPM = /^knocker-agent-([0-9][0-9A-Za-z.+~]*)-[0-9A-Za-z.]+\.noarch\.rpm$/;

export function packageOf(file: string): AgentPackage | undefined {
  const base = path.basename(file);
  const t = TARBALL.exec(base);
  if (t) return { file, kind: 'tarball', version: t[1] };
  const r = RPM.exec(base);
  if (r) return { file, kind: 'rpm', version: r[1].replace(/~/g, '-') };
  return undefined;
}

/** Where `npm run package:agent` writes: dist/pkg/ at the repository root (this file is in dist/electron/core/setup/). */
export function defaultPackageDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'pkg')];
  if (env.KNOCKER_AGENT_PACKAGE_DIR) dirs.unshift(path.resolve(env.KNOCKER_AGENT_PACKAGE_DIR));
  return dirs;
}

/** The package for this server: --package, or the newest of its kind in the package folders. */
export function choosePackage(kind: 'rpm' | 'tarball', explicit: string | undefined, dirs: readonly string[]): AgentPackage {
  if (explicit) {
    const p = packageOf(explicit);
    if (!fs.existsSync(explicit)) throw new KnockerError('invalid', `--package ${explicit}: no such file`, { field: 'package' });
    if (!p) throw new KnockerError('invalid', `--package ${explicit}: not a knocker-agent package (knocker-agent-VERSION.tar.gz or knocker-agent-VERSION-RELEASE.noarch.rpm)`, { field: 'package' });
    if (p.kind !== kind) throw new KnockerError('invalid', `--package ${explicit}: this server needs the ${kind === 'rpm' ? 'RPM' : 'tarball'}, not the ${p.kind === 'rpm' ? 'RPM' : 'tarball'}`, { field: 'package' });
    return p;
  }
  const found: { p: AgentPackage; mtime: number }[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const p = packageOf(path.join(dir, name));
      if (p && p.kind === kind) found.push({ p, mtime: fs.statSync(p.file).mtimeMs });
    }
  }
  found.sort((a, b) => b.mtime - a.mtime);
  if (!found.length) {
    throw new KnockerError('invalid', `no knocker-agent ${kind === 'rpm' ? 'RPM' : 'tarball'} found (looked in ${dirs.join(', ')})`, {
      field: 'package',
      hint: 'build it with npm run package:agent in the Knocker repository, or give --package FILE',
    });
  }
  return found[0].p;
}

export interface InstallResult {
  /** false: the same version was installed already. */
  installed: boolean;
  /** The agent's path on the server. */
  agentPath: string;
}

/** The agent's path on the server, if installed. */
export async function agentPath(session: RemoteSession): Promise<string | undefined> {
  const r = await session.run('for a in "$(command -v knocker-agent 2>/dev/null)" /usr/bin/knocker-agent /usr/local/bin/knocker-agent; do [ -n "$a" ] && [ -x "$a" ] && { echo "$a"; exit 0; }; done; exit 1');
  return r.code === 0 ? r.stdout.trim() : undefined;
}

export async function installAgent(session: RemoteSession, facts: ServerFacts, pkg: AgentPackage): Promise<InstallResult> {
  const existing = await agentPath(session);
  if (existing && facts.agentVersion === pkg.version) return { installed: false, agentPath: existing };
  const data = fs.readFileSync(pkg.file);
  const name = pkg.kind === 'rpm' ? 'knocker-agent.rpm' : 'knocker-agent.tar.gz';
  const dir = (await session.runOk(`umask 077 && d=$(mktemp -d /tmp/knocker-setup.XXXXXX) && cat > "$d/${name}" && echo "$d"`, 'uploading the package', { input: data, timeoutMs: 300_000 })).trim();
  if (!/^\/tmp\/knocker-setup\.[A-Za-z0-9]+$/.test(dir)) throw new KnockerError('ssh', `uploading the package: unexpected answer from the server: ${dir.slice(0, 80)}`);
  const d = shellQuote(dir);
  let install: string;
  if (pkg.kind === 'rpm') {
    const tool = facts.family === 'rhel' && Number(facts.osVersion.split('.')[0]) < 8 ? 'yum' : 'dnf';
    install = `${tool} install -y ${d}/${name}`;
  } else {
    install = `cd ${d} && tar -xzf ${name} && sh knocker-agent-*/install.sh`;
  }
  const r = await session.run(`${install}; rc=$?; rm -rf ${d}; exit $rc`, { timeoutMs: 300_000 });
  if (r.code !== 0) throw new KnockerError('ssh', `installing ${path.basename(pkg.file)} failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout, 3)}`);
  const now = await agentPath(session);
  if (!now) throw new KnockerError('ssh', `installing ${path.basename(pkg.file)} reported success, but no knocker-agent is on the server afterwards`);
  return { installed: true, agentPath: now };
}

/** Undo a fresh install (the install step failed half-way, or --undo after setup installed it). */
export async function uninstallAgent(session: RemoteSession, kind: 'rpm' | 'tarball'): Promise<void> {
  const cmd =
    kind === 'rpm'
      ? 'rpm -e knocker-agent'
      : 'for p in /usr/local /usr; do [ -x "$p/bin/knocker-agent" ] || continue; systemctl disable --now knocker-agent 2>/dev/null; rm -rf "$p/lib/knocker-agent" "$p/bin/knocker-agent"; done; rm -f /etc/systemd/system/knocker-agent.service; systemctl daemon-reload';
  await session.run(cmd, { timeoutMs: 120_000 });
}
