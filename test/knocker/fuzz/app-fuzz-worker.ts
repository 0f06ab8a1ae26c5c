// Worker entry of runFuzz (server-agent/test/fuzz/fuzz-kit.ts) for the app's targets.
import { workerMain } from '../../../server-agent/test/fuzz/fuzz-kit.js';
import { APP_TARGETS } from './app-targets.js';

workerMain(APP_TARGETS);
