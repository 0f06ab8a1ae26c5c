// The fuzz targets by name (run in a worker by fuzz-worker.ts).
import type { TargetFactory } from './fuzz-kit.js';
import { configTarget, oneTimeTarget, sequenceTarget } from './targets-config.js';
import { decoderTarget, pcapStreamTarget } from './targets-capture.js';

export const TARGETS: Record<string, TargetFactory> = {
  'knockd-config': configTarget,
  'one-time-file': oneTimeTarget,
  sequence: sequenceTarget,
  'pcap-stream': pcapStreamTarget,
  decoder: decoderTarget,
};
