// Fuzzing the capture path, bounded in time (see test/fuzz/fuzz-kit.ts for the seed): the pcap
// stream parser (any chunking, corrupt or oversized records, random bytes) and the packet decoder
// (all link types and odd ones, VLAN stacks, IPv4 options and fragments, IPv6 extension-header
// chains, truncation at every length). Only PcapStreamError or null may come out.
import { test } from 'node:test';
import { runFuzz, describeResult } from './fuzz/fuzz-kit.js';

for (const target of ['pcap-stream', 'decoder']) {
  test(`fuzz: ${target}`, async (t) => {
    const r = await runFuzz(target);
    t.diagnostic(describeResult(r));
  });
}
