// Profiles from an Ansible inventory that uses the knocker_agent role
// (server-agent/deploy/ansible/): one per host with doors, its sequence or time secret read from
// the host's variables (usually from Ansible Vault). Ansible itself reads the inventory
// (`ansible-inventory --list`, with the vault password file if given), so every inventory
// format, group_vars/host_vars and vault encryption work as in a playbook. The secrets go from
// ansible-inventory's output straight into the profiles (and so the keychain), never to a file.

import { spawnSync } from 'child_process';

import { KnockerError } from '../errors.js';
import type { ProfileInput } from '../profile-schema.js';

export interface AnsibleImportOptions {
  vaultPasswordFile?: string;
  /** The ansible-inventory program (default: from PATH). */
  program?: string;
  env?: NodeJS.ProcessEnv;
}

export interface AnsibleCandidate {
  input: ProfileInput & { name: string };
  source: string;
}

interface DoorVar {
  name?: unknown;
  sequence?: unknown;
  time_secret?: unknown;
  time_step?: unknown;
  time_length?: unknown;
  time_ports?: unknown;
  time_protocols?: unknown;
  open?: unknown;
}

/** Run ansible-inventory and turn its hosts into profile inputs. */
export function importAnsibleInventory(inventory: string, opts: AnsibleImportOptions = {}): { candidates: AnsibleCandidate[]; skipped: { source: string; reason: string }[] } {
  const args = ['-i', inventory, '--list'];
  if (opts.vaultPasswordFile) args.push('--vault-password-file', opts.vaultPasswordFile);
  const r = spawnSync(opts.program ?? 'ansible-inventory', args, { encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    throw new KnockerError('import', `cannot run ansible-inventory: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}`, { hint: 'install Ansible (Debian: apt-get install ansible)' });
  }
  if (r.status !== 0) {
    const why = (r.stderr || '').trim().split('\n').filter((l) => /ERROR|error/i.test(l)).slice(-2).join('; ') || `exit ${r.status}`;
    throw new KnockerError('import', `ansible-inventory could not read ${inventory}: ${why}`, { hint: /[Vv]ault/.test(r.stderr) ? 'give the vault password with --vault-password-file FILE' : undefined });
  }
  let data: { _meta?: { hostvars?: Record<string, Record<string, unknown>> } };
  try {
    data = JSON.parse(r.stdout);
  } catch {
    throw new KnockerError('import', 'ansible-inventory printed no JSON');
  }
  return fromHostvars(data._meta?.hostvars ?? {}, inventory);
}

/** Hosts with `knocker_agent_doors` become profiles; the first door that opens SSH is knocked. */
export function fromHostvars(hostvars: Record<string, Record<string, unknown>>, inventory: string): { candidates: AnsibleCandidate[]; skipped: { source: string; reason: string }[] } {
  const candidates: AnsibleCandidate[] = [];
  const skipped: { source: string; reason: string }[] = [];
  for (const [host, vars] of Object.entries(hostvars)) {
    const source = `${inventory}: ${host}`;
    const doors = Array.isArray(vars.knocker_agent_doors) ? (vars.knocker_agent_doors as DoorVar[]) : [];
    const sshPort = Number(vars.knocker_agent_ssh_port ?? vars.ansible_port ?? 22);
    const door = doors.find((d) => String(d.open ?? `${sshPort}/tcp`) .split(',').some((o) => o.trim() === `${sshPort}/tcp`)) ?? doors[0];
    if (!door) {
      skipped.push({ source, reason: 'no knocker_agent_doors for this host' });
      continue;
    }
    const input: ProfileInput & { name: string } = {
      name: host,
      host: typeof vars.ansible_host === 'string' ? vars.ansible_host : host,
      ssh: {
        port: vars.ansible_port ?? 22,
        ...(vars.ansible_user !== undefined ? { user: vars.ansible_user } : {}),
        ...(vars.ansible_ssh_private_key_file !== undefined ? { identityFile: vars.ansible_ssh_private_key_file } : {}),
      },
    };
    if (door.time_secret !== undefined) {
      input.time = { door: door.name, step: door.time_step ?? 30, length: door.time_length ?? 4, ports: door.time_ports ?? '20000-40000', protocols: door.time_protocols ?? 'tcp,udp' };
      input.timeSecret = door.time_secret;
    } else {
      input.sequence = door.sequence;
    }
    candidates.push({ input, source: `${source} [${String(door.name)}]` });
  }
  return { candidates, skipped };
}
