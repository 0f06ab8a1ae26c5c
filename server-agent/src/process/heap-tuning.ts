// V8 settings for a long-running daemon under floods.
//
// Every spoofed first-port knock creates an attempt that lives until it is evicted (the cap) or
// expires, so a flood is a steady stream of objects that survive young-generation collections
// and then die in the old generation. V8's defaults, tuned for throughput, answer that with
// (1) a young generation doubled up to its maximum (2 x 16 MiB semi-spaces on 64-bit) and
// (2) an old generation allowed to grow to up to 4x what survived the last full collection
// before the next one. Both stay committed: at 1M spoofed sources (the default cap of 65,536
// attempts) the agent peaked at ~180 MB RSS (bench/README.md, "flood").
//
// For a daemon whose live data is bounded (the cap) memory matters more: keep the young
// generation at its initial size, and collect the old one once it has grown by half. Measured:
// peak RSS at 1M sources well under 150 MB, CPU per packet within the noise (~+0.5 us of ~20).
// Both flags are read by V8 whenever it sizes the heap, so setting them at run time takes
// effect; an engine without one ignores it.
import * as v8 from 'v8';

export const DAEMON_V8_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=50'];

export function tuneHeapForDaemon(): void {
  for (const f of DAEMON_V8_FLAGS) {
    try {
      v8.setFlagsFromString(f);
    } catch {
      /* not this engine's flag: keep its default */
    }
  }
}
