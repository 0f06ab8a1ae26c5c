// Step "detect": what the server is and has, read in one ssh round trip: the OS from
// /etc/os-release, systemd as init, firewalld (or plain nftables), Node.js >= 16, tcpdump, an
// installed knocker-agent, the interface and firewalld zone the SSH connection came in on, the
// ports something listens on (a knock must never hit one), and the client's address as the
// server sees it. Then what is missing, and the one command that installs it.

import type { RemoteSession } from './remote-session.js';

export const NODE_MIN = 16;

export type OsFamily = 'rhel' | 'fedora' | 'debian' | 'other';

export interface ServerFacts {
  osId: string;
  osName: string;
  osVersion: string;
  family: OsFamily;
  /** rpm systems get the RPM, the others the tarball's install.sh. */
  packageKind: 'rpm' | 'tarball';
  systemd: boolean;
  firewalld: 'active' | 'installed' | 'absent';
  nft: boolean;
  /** Node.js major version, if a node was found. */
  nodeMajor?: number;
  nodeVersion?: string;
  tcpdump: boolean;
  /** `knocker-agent --version`'s version, if installed. */
  agentVersion?: string;
  /** The address this machine has as seen by the server (SSH_CONNECTION). */
  clientAddress: string;
  /** The server's address of this SSH connection. */
  serverAddress: string;
  /** The interface that address is on (the agent listens there). */
  iface?: string;
  /** The firewalld zone of that interface (or the default zone). */
  zone?: string;
  /** TCP and UDP ports something listens on. */
  listening: { tcp: Set<number>; udp: Set<number> };
  uid: number;
}

// Only fixed text: nothing of the user's goes into this script.
const DETECT_SCRIPT = String.raw`
. /etc/os-release 2>/dev/null
echo "id=$ID"; echo "like=$ID_LIKE"; echo "version=$VERSION_ID"; echo "name=$PRETTY_NAME"
[ -d /run/systemd/system ] && echo systemd=yes || echo systemd=no
if systemctl is-active --quiet firewalld 2>/dev/null; then echo firewalld=active
elif command -v firewall-cmd >/dev/null 2>&1; then echo firewalld=installed; else echo firewalld=absent; fi
command -v nft >/dev/null 2>&1 && echo nft=yes || echo nft=no
for n in "$(command -v node 2>/dev/null)" /usr/bin/node /usr/local/bin/node; do
  [ -n "$n" ] && [ -x "$n" ] && { echo "node=$("$n" --version 2>/dev/null)"; break; }
done
{ command -v tcpdump || [ -x /usr/sbin/tcpdump ]; } >/dev/null 2>&1 && echo tcpdump=yes || echo tcpdump=no
for a in "$(command -v knocker-agent 2>/dev/null)" /usr/bin/knocker-agent /usr/local/bin/knocker-agent; do
  [ -n "$a" ] && [ -x "$a" ] && { echo "agent=$("$a" --version 2>/dev/null)"; break; }
done
echo "uid=$(id -u)"
set -- $SSH_CONNECTION
echo "client=$1"; echo "server=$3"
iface=$(ip -o addr show to "$3" 2>/dev/null | awk '{print $2; exit}')
echo "iface=$iface"
if systemctl is-active --quiet firewalld 2>/dev/null; then
  z=$(firewall-cmd --get-zone-of-interface="$iface" 2>/dev/null) || z=$(firewall-cmd --get-default-zone 2>/dev/null)
  echo "zone=$z"
fi
ss -H -lntu 2>/dev/null | awk '{print "listen=" $1 " " $5}'
`;

export async function detectServer(session: RemoteSession): Promise<ServerFacts> {
  const out = await session.runOk(DETECT_SCRIPT, 'reading the system facts');
  return parseFacts(out);
}

export function parseFacts(text: string): ServerFacts {
  const kv = new Map<string, string>();
  const listening = { tcp: new Set<number>(), udp: new Set<number>() };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'listen') {
      const [proto, local] = value.split(' ');
      const port = Number(local?.slice(local.lastIndexOf(':') + 1));
      if (Number.isInteger(port) && port > 0) (proto === 'udp' ? listening.udp : listening.tcp).add(port);
    } else kv.set(key, value);
  }
  const get = (k: string): string => kv.get(k) ?? '';
  const osId = get('id').replace(/"/g, '');
  const like = `${osId} ${get('like').replace(/"/g, '')}`;
  const family: OsFamily = /\bfedora\b/.test(osId) ? 'fedora' : /\b(rhel|centos|rocky|almalinux|fedora)\b/.test(like) ? 'rhel' : /\b(debian|ubuntu)\b/.test(like) ? 'debian' : 'other';
  const nodeVersion = get('node') || undefined;
  const m = /^v(\d+)\./.exec(nodeVersion ?? '');
  const agent = /knocker-agent (\S+)/.exec(get('agent'));
  const fw = get('firewalld');
  return {
    osId,
    osName: get('name').replace(/"/g, '') || osId || 'unknown',
    osVersion: get('version').replace(/"/g, ''),
    family,
    packageKind: family === 'rhel' || family === 'fedora' ? 'rpm' : 'tarball',
    systemd: get('systemd') === 'yes',
    firewalld: fw === 'active' || fw === 'installed' ? fw : 'absent',
    nft: get('nft') === 'yes',
    nodeVersion,
    nodeMajor: m ? Number(m[1]) : undefined,
    tcpdump: get('tcpdump') === 'yes',
    agentVersion: agent?.[1],
    clientAddress: get('client'),
    serverAddress: get('server'),
    iface: get('iface') || undefined,
    zone: get('zone') || undefined,
    listening,
    uid: Number(get('uid') || -1),
  };
}

export interface Missing {
  /** What is missing, in words. */
  items: string[];
  /** The one command that installs it (undefined: nothing to install, or no package manager known). */
  installCommand?: string;
  /** What cannot be installed by a command (no systemd, not root). */
  blockers: string[];
}

/** What the server lacks for the agent, and the command that installs it. */
export function missingParts(f: ServerFacts): Missing {
  const items: string[] = [];
  const pkgs: string[] = [];
  const blockers: string[] = [];
  if (f.uid !== 0) blockers.push(`setup must log in as root (this login is uid ${f.uid}); use --user root`);
  if (!f.systemd) blockers.push('systemd is not the init system (knocker-agent runs as a systemd service)');
  if (f.nodeMajor === undefined || f.nodeMajor < NODE_MIN) {
    items.push(f.nodeMajor === undefined ? `Node.js >= ${NODE_MIN} (no node found)` : `Node.js >= ${NODE_MIN} (found ${f.nodeVersion})`);
    pkgs.push('nodejs');
  }
  if (!f.tcpdump) {
    items.push('tcpdump');
    pkgs.push('tcpdump');
  }
  if (f.firewalld !== 'active') {
    items.push(f.firewalld === 'installed' ? 'a running firewalld (installed, not running)' : 'firewalld');
    if (f.firewalld === 'absent') pkgs.push('firewalld');
  }
  let installCommand: string | undefined;
  const start = f.firewalld !== 'active' ? ' && systemctl enable --now firewalld' : '';
  if (pkgs.length || start) {
    const list = pkgs.join(' ');
    if (f.family === 'debian') installCommand = list ? `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${list}${start}` : start.slice(4);
    else if (f.family === 'fedora' || (f.family === 'rhel' && Number(f.osVersion.split('.')[0]) >= 8)) installCommand = list ? `dnf install -y ${list}${start}` : start.slice(4);
    else if (f.family === 'rhel') installCommand = list ? `yum install -y epel-release && yum install -y ${list}${start}` : start.slice(4);
  }
  return { items, installCommand, blockers };
}
