// Worker entry of runFuzz (fuzz-kit.ts) for the agent's targets.
import { workerMain } from './fuzz-kit.js';
import { TARGETS } from './fuzz-targets.js';

workerMain(TARGETS);
