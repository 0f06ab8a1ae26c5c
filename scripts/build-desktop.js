#!/usr/bin/env node
// Builds the desktop app's runnable parts after `tsc -p electron/tsconfig.json` has type-checked
// them: the main process and the preload bundled by esbuild into dist/desktop/ (a sandboxed
// preload cannot require local files; native modules stay external), and the renderer built by
// vite into dist/renderer/.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning', absWorkingDir: root };

const bundles = [
  esbuild.buildSync({ ...common, metafile: true, entryPoints: ['electron/main/main.ts'], outfile: 'dist/desktop/main.js', external: ['electron', 'keytar', 'net-ping', 'raw-socket'] }),
  esbuild.buildSync({ ...common, metafile: true, entryPoints: ['electron/preload/preload.ts'], outfile: 'dist/desktop/preload.js', external: ['electron'] }),
  // The CLI, for `knocker proxy` in the ProxyCommand the app installs (run by the app's binary as Node).
  esbuild.buildSync({ ...common, metafile: true, entryPoints: ['electron/cli/cli-bundle.ts'], outfile: 'dist/desktop/knocker-cli.js', external: ['electron', 'keytar', 'net-ping', 'raw-socket'] }),
];
// Test fakes (electron/testing/) and tests never go into the app.
const leaked = bundles.flatMap((b) => Object.keys(b.metafile.inputs)).filter((f) => f.startsWith('electron/testing/') || f.endsWith('.test.ts'));
if (leaked.length) {
  console.error(`desktop: test code in the bundle: ${leaked.join(', ')}`);
  process.exit(1);
}

const vite = path.join(root, 'node_modules', '.bin', 'vite');
const r = spawnSync(vite, ['build', '--config', 'renderer/vite.config.mts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log('desktop: dist/desktop/main.js, dist/desktop/preload.js, dist/desktop/knocker-cli.js, dist/renderer/');
