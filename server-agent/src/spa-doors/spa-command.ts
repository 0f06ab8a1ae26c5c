// The agent's SPA subcommands: `spa keys [--hmac-digest TYPE]` prints a fresh pair as
// `fwknop --key-gen` does; `import-fwknop FILE` prints access.conf's stanzas as doors.
import { formatKeyGen, generateSpaKeys } from '../spa/spa-keys.js';
import { parseDigestType } from '../spa/spa-digest.js';
import { importFwknopAccess } from './fwknop-import.js';

export const SPA_USAGE = `usage: knocker-agent spa keys [--hmac-digest sha256|sha384|sha512|...]   (a key pair, as fwknop --key-gen)
       knocker-agent import-fwknop [/etc/fwknop/access.conf]   (fwknopd's stanzas as SPA doors)
`;

export function spaCommand(args: string[], out = process.stdout, err = process.stderr): number {
  if (args[0] !== 'keys' || (args.length !== 1 && !(args.length === 3 && args[1] === '--hmac-digest'))) {
    err.write(SPA_USAGE);
    return args[0] === '-h' || args[0] === '--help' ? 0 : 2;
  }
  try {
    const type = args.length === 3 ? parseDigestType(args[2], '--hmac-digest') : 'sha256';
    out.write(formatKeyGen(generateSpaKeys(type)));
    return 0;
  } catch (e) {
    err.write(`knocker-agent spa keys: ${(e as Error).message}\n`);
    return 2;
  }
}

export function importFwknopCommand(args: string[], out = process.stdout, err = process.stderr): number {
  if (args.length > 1 || args[0]?.startsWith('-')) {
    err.write(SPA_USAGE);
    return args[0] === '-h' || args[0] === '--help' ? 0 : 2;
  }
  try {
    out.write(importFwknopAccess(args[0] ?? '/etc/fwknop/access.conf'));
    return 0;
  } catch (e) {
    err.write(`knocker-agent import-fwknop: ${(e as Error).message}\n`);
    return 1;
  }
}
