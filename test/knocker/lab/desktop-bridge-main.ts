// `node desktop-bridge-main.js [PORT]`: the test bridge as a process of its own (so that it can
// run inside the client network namespace, with the keyring's environment). Prints one line,
// `listening URL`, once it serves; stops on SIGTERM.

import { startBridge } from './desktop-bridge.js';

async function main(): Promise<void> {
  const bridge = await startBridge({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`listening ${bridge.url}\n`);
  const stop = (): void => {
    void bridge.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`desktop bridge: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
