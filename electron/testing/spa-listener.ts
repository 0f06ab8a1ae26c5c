// A loopback stand-in for fwknopd in unit tests: a UDP socket that decodes every datagram with
// knocker-agent's SPA decoder (the same one the agent's SPA doors use) and, once a packet is
// accepted, listens on a TCP port (the "opened" door). The real fwknopd runs in the e2e tests.

import * as dgram from 'dgram';
import * as net from 'net';

import { SpaDecodeResult, SpaKeys, decodeSpaPacket } from 'knocker-agent';

export interface SpaListener {
  port: number;
  results: { result: SpaDecodeResult; from: string; bytes: number }[];
  close(): Promise<void>;
}

export async function spaListener(keys: SpaKeys, opts: { openPort?: number } = {}): Promise<SpaListener> {
  const sock = dgram.createSocket('udp4');
  let tcp: net.Server | undefined;
  const state: SpaListener = {
    port: 0,
    results: [],
    close: async () => {
      await new Promise<void>((r) => sock.close(() => r()));
      if (tcp) await new Promise<void>((r) => tcp?.close(() => r()));
    },
  };
  sock.on('message', (msg, rinfo) => {
    const result = decodeSpaPacket(msg, keys, { nowMs: Date.now(), maxAgeSeconds: 120 });
    state.results.push({ result, from: rinfo.address, bytes: msg.length });
    if (result.ok && opts.openPort && !tcp) {
      tcp = net.createServer((c) => c.destroy());
      tcp.listen(opts.openPort, '127.0.0.1');
    }
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  state.port = sock.address().port;
  return state;
}
