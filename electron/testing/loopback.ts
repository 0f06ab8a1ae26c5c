// Loopback helpers for unit tests: free ports, a listening and a closed port, knock targets that
// record the order of arrival, and a tiny stand-in for a knock daemon that
// listens for UDP knocks and opens a TCP port once the sequence has been seen.

import * as dgram from 'dgram';
import * as net from 'net';

/** Ports free for both TCP and UDP on 127.0.0.1 and ::1 at the time of the call. */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '::', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const u = dgram.createSocket({ type: 'udp6', ipv6Only: false });
    const ok = await new Promise<boolean>((r) => {
      u.once('error', () => r(false));
      u.bind(port, '::', () => r(true));
    });
    if (ok) u.close();
    if (ok && !out.includes(port)) out.push(port);
  }
  return out;
}

export interface FakeDaemon {
  /** Times the full sequence was seen. */
  completions: number;
  /** When the port was opened (performance.now()), if it was. */
  openedAt?: number;
  close: () => Promise<void>;
}

/**
 * UDP knocks on `knockPorts` (in order, dual stack); after `openAfter` completions, opens TCP
 * `sshPort` on :: after `openDelayMs`.
 */
export async function fakeDaemon(knockPorts: number[], sshPort: number, opts: { openAfter?: number; openDelayMs?: number } = {}): Promise<FakeDaemon> {
  const state: FakeDaemon = { completions: 0, close: async () => undefined };
  let stage = 0;
  const sockets: dgram.Socket[] = [];
  let server: net.Server | undefined;
  for (let i = 0; i < knockPorts.length; i++) {
    const s = dgram.createSocket({ type: 'udp6', ipv6Only: false });
    s.on('message', () => {
      stage = i === stage ? stage + 1 : i === 0 ? 1 : 0;
      if (stage === knockPorts.length) {
        stage = 0;
        state.completions++;
        if (state.completions === (opts.openAfter ?? 1)) {
          setTimeout(() => {
            server = net.createServer((c) => c.destroy());
            server.listen(sshPort, '::', () => (state.openedAt = performance.now()));
          }, opts.openDelayMs ?? 0);
        }
      }
    });
    await new Promise<void>((r) => s.bind(knockPorts[i], '::', r));
    sockets.push(s);
  }
  state.close = async () => {
    for (const s of sockets) s.close();
    if (server) await new Promise<void>((r) => server?.close(() => r()));
  };
  return state;
}

/** A TCP port on 127.0.0.1 that accepts (and drops) connections until the test ends. */
export async function listenLoopback(t: { after: (fn: () => void) => void }): Promise<number> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** A port on 127.0.0.1 that nothing listens on (refuses connections). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** TCP and UDP listeners on loopback that record the order in which knocks arrive. */
export async function knockTargets(t: { after: (fn: () => void) => void }) {
  const hits: string[] = [];
  const tcp = [net.createServer((s) => (hits.push(`tcp`), s.destroy())), net.createServer((s) => (hits.push('tcp'), s.destroy()))];
  for (const s of tcp) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  udp.on('message', () => hits.push('udp'));
  const ssh = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => ssh.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of tcp) s.close();
    udp.close();
    ssh.close();
  });
  const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
  return { hits, sequence: `${port(tcp[0])},${udp.address().port}:udp,${port(tcp[1])}`, sshPort: port(ssh) };
}
