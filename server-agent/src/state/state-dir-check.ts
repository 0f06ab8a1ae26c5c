// --check: the state folder the agent would refuse at start-up, as a problem of the config
// file (at its StateDir line, or line 0 when the folder comes from --state-dir or the default).
import * as fs from 'fs';
import * as path from 'path';
import { ConfigProblem } from '../types.js';
import { DEFAULT_STATE_DIR } from './expiry-journal.js';
import { stateDirProblem } from './state-dir.js';

export function stateDirCheck(configFile: string, stateDir: string | undefined): ConfigProblem | undefined {
  const message = stateDirProblem(path.resolve(stateDir ?? DEFAULT_STATE_DIR));
  if (!message) return undefined;
  let line = 0;
  try {
    line = fs.readFileSync(configFile, 'utf8').split('\n').findIndex((l) => /^\s*statedir\s*=/i.test(l)) + 1;
  } catch {
    /* the parser has reported an unreadable file */
  }
  return { file: configFile, line, severity: 'error', message };
}
