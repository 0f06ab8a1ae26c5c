// --stats-file FILE: at exit the agent writes what it captured and what the kernel dropped, as
// JSON, for benchmarks and diagnostics (knockd has no such counters: its pcap drops are silent).
//
//   { "pid": 123, "frames": N, "packets": N, "attempts": N,
//     "captures": { "eth0": { "exits": 1, "captured": N, "receivedByFilter": N,
//                             "droppedByKernel": N, "droppedByInterface": N } } }
//
// frames/packets: frames read from tcpdump and the TCP/UDP packets decoded from them;
// attempts: knock attempts tracked at exit; captures: tcpdump's own exit statistics
// (PACKET_STATISTICS), summed over the tcpdump processes of each interface (filter swaps and
// restarts start new ones).
import type { CaptureStats } from '../capture/tcpdump-process.js';
import { decodeStats } from '../decode/packet-decoder.js';
import { writeFileAtomic } from './atomic-file.js';

type Totals = { exits: number; captured: number; receivedByFilter: number; droppedByKernel: number; droppedByInterface: number };

export class CaptureCounters {
  private readonly byIface = new Map<string, Totals>();

  /** One tcpdump's exit statistics. */
  add(s: CaptureStats): void {
    let t = this.byIface.get(s.iface);
    if (!t) {
      t = { exits: 0, captured: 0, receivedByFilter: 0, droppedByKernel: 0, droppedByInterface: 0 };
      this.byIface.set(s.iface, t);
    }
    t.exits++;
    t.captured += s.captured ?? 0;
    t.receivedByFilter += s.receivedByFilter ?? 0;
    t.droppedByKernel += s.droppedByKernel ?? 0;
    t.droppedByInterface += s.droppedByInterface ?? 0;
  }

  snapshot(attempts: number): object {
    return {
      pid: process.pid,
      frames: decodeStats.frames,
      packets: decodeStats.decoded,
      attempts,
      captures: Object.fromEntries(this.byIface),
    };
  }

  /** Write the snapshot atomically (atomic-file.ts), so a reader never sees half of it. */
  write(file: string, attempts: number): string | undefined {
    try {
      // 0644 and no directory creation: what the plain write before the shared writer did.
      writeFileAtomic(file, JSON.stringify(this.snapshot(attempts), null, 2) + '\n', { mode: 0o644, mkdir: false });
      return undefined;
    } catch (e) {
      return `warning: cannot write stats file ${file}: ${(e as Error).message}`;
    }
  }
}
