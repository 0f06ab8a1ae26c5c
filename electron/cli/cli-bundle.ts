// Entry of the CLI bundled into the desktop app (dist/desktop/knocker-cli.js, by
// scripts/build-desktop.js): what the app's ~/.ssh/knocker.conf runs as `knocker proxy`, with
// the app's own Electron binary as Node (ELECTRON_RUN_AS_NODE=1). The npm CLI is bin/knocker.

import { main } from './main.js';

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
