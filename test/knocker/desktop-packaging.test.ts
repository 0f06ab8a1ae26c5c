// Packaging of the desktop app, offline: electron-builder reads build/electron-builder.yml,
// validates it against its schema (before any download) and lays the app out for Linux
// (`--linux dir`) around a stand-in Electron distribution: the asar holds the bundled main
// process, the preload, the built renderer and the icons; keytar's native module is unpacked.
// Also: every icon the tray asks for exists, at the size it should have.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { autostartEntry } from '../../electron/app/autostart-linux.js';
import { run } from 'knocker-lab';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUILDER = path.join(REPO, 'node_modules', '.bin', 'electron-builder');
const CONFIG = path.join(REPO, 'build', 'electron-builder.yml');

function standInElectron(dir: string): string {
  const dist = path.join(dir, 'electron-dist');
  fs.mkdirSync(dist, { recursive: true });
  fs.writeFileSync(path.join(dist, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dist, 'version'), '40.8.5');
  return dist;
}

function pngSize(file: string): [number, number] {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test('electron-builder lays out the Linux app offline: asar contents, unpacked keytar, executable name', async (t) => {
  assert.ok(fs.existsSync(path.join(REPO, 'dist', 'desktop', 'main.js')), 'npm run build bundles the main process first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-package-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'out');
  const r = await run([BUILDER, '--linux', 'dir', '--config', CONFIG, `-c.electronDist=${standInElectron(dir)}`, `-c.directories.output=${out}`, '--publish', 'never'], {
    cwd: REPO,
    env: { ...process.env, CI: 'true' },
    timeoutMs: 120_000,
    allowFail: true,
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const app = path.join(out, 'linux-unpacked');
  assert.ok(fs.statSync(path.join(app, 'knocker-desktop')).mode & 0o111, 'the executable is named knocker-desktop');
  assert.ok(fs.existsSync(path.join(app, 'resources', 'app.asar.unpacked', 'node_modules', 'keytar', 'build', 'Release', 'keytar.node')), 'keytar.node is outside the asar');

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const asar = require(path.join(REPO, 'node_modules', '@electron', 'asar')) as { listPackage(f: string): string[]; extractFile(a: string, f: string): Buffer };
  const archive = path.join(app, 'resources', 'app.asar');
  const files = asar.listPackage(archive).map((f) => f.replace(/\\/g, '/'));
  for (const f of ['/package.json', '/dist/desktop/main.js', '/dist/desktop/preload.js', '/dist/renderer/index.html', '/dist/renderer/picker.html', '/assets/tray/tray-idleTemplate@2x.png', '/assets/tray/tray-open-dark.png', '/assets/icons/256x256.png']) {
    assert.ok(files.includes(f), `${f} is in the asar`);
  }
  for (const f of files) {
    assert.ok(!f.endsWith('.map'), `no source map (${f})`);
    assert.ok(!/node_modules\/(net-ping|raw-socket)\//.test(f), `no net-ping: its raw-socket build is for Node, not Electron (${f})`);
    assert.ok(!f.startsWith('/electron/') && !f.startsWith('/renderer/') && !f.startsWith('/server-agent/') && !f.startsWith('/test/'), `no source or test file (${f})`);
  }
  // Of node_modules only keytar, and of keytar only what it loads: its dependencies
  // (prebuild-install and its tree, node-addon-api, nan) serve npm install, not the app.
  const modules = files.filter((f) => f.startsWith('/node_modules/'));
  assert.deepEqual(modules.filter((f) => !f.startsWith('/node_modules/keytar')), [], 'no module but keytar');
  assert.deepEqual(modules.sort(), ['/node_modules/keytar', '/node_modules/keytar/build', '/node_modules/keytar/build/Release', '/node_modules/keytar/build/Release/keytar.node', '/node_modules/keytar/lib', '/node_modules/keytar/lib/keytar.js', '/node_modules/keytar/package.json']);
  const unpacked = path.join(app, 'resources', 'app.asar.unpacked');
  assert.ok(fs.existsSync(path.join(unpacked, 'node_modules', 'keytar', 'lib', 'keytar.js')), 'keytar unpacked whole, so its lib finds keytar.node beside it');
  // No test fakes or helpers, here or bundled into main.js; of server-agent, bundled, only what
  // the app imports (the knockd.conf parser, sequences, time doors, SPA, the atomic writer), no daemon, firewall or capture.
  for (const f of files) assert.ok(!/fake|test-helpers|testing\/|standin|desktop-rig|\.test\.|\/test\//.test(f), `no test file (${f})`);
  const main = asar.extractFile(archive, 'dist/desktop/main.js').toString('utf8');
  const bundled = [...main.matchAll(/^\/\/ ((?:electron|renderer|server-agent|test)\/\S+)$/gm)].map((m) => m[1]);
  assert.ok(bundled.includes('electron/main/main.ts') && bundled.includes('server-agent/dist/src/config/knockd-config.js'), bundled.join(' '));
  for (const b of bundled) {
    assert.ok(!/test-helpers|testing\/|standin|desktop-rig|fake|\.test\.|^test\//.test(b), `no test code bundled (${b})`);
    if (b.startsWith('server-agent/')) assert.match(b, /^server-agent\/dist\/src\/(config\/|time-doors\/|spa\/|spa-doors\/spa-sources\.js$|state\/atomic-file\.js$|index\.js$|types\.js$)/, `server-agent code the app does not use (${b})`);
  }
  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string; dependencies: Record<string, string>; desktopName: string };
  assert.equal(pkg.main, 'dist/desktop/main.js');
  assert.ok(pkg.dependencies.keytar);
  // Electron takes the Wayland app id from desktopName: the .desktop file's name and its Icon.
  assert.equal(pkg.desktopName, 'knocker-desktop.desktop');
  assert.doesNotMatch(`${r.stdout}${r.stderr}`, /desktopName is not set/);
  // The preload is one file (a sandboxed preload cannot require local modules).
  const preload = asar.extractFile(archive, 'dist/desktop/preload.js').toString('utf8');
  assert.doesNotMatch(preload, /require\("\.\.?\//);
  assert.match(preload, /exposeInMainWorld\("knocker"/);
});

test('deb and rpm get past electron-builder\'s own checks (metadata, maintainer); only a download may stop them here', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-package-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ed = standInElectron(dir);
  for (const target of ['deb', 'rpm']) {
    const r = await run([BUILDER, '--linux', target, '--config', CONFIG, `-c.electronDist=${ed}`, `-c.directories.output=${path.join(dir, target)}`, '--publish', 'never'], { cwd: REPO, env: { ...process.env, CI: 'true' }, timeoutMs: 180_000, allowFail: true });
    const out = `${r.stdout}${r.stderr}`;
    assert.doesNotMatch(out, /Please specify|is required to set|desktopName is not set/, out);
    assert.match(out, new RegExp(`building +target=${target} `), out);
    // Offline, fpm's download fails; with the internet the package is built.
    if (r.code !== 0) assert.match(out, /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|download/i, out);
  }
  // Icon= of the desktop entry is the executable's name (electron-builder installs the icons as
  // hicolor/NxN/apps/knocker-desktop.png); the autostart entry names the same icon.
  assert.match(autostartEntry('/opt/Knocker/knocker-desktop'), /^Icon=knocker-desktop$/m);
  assert.match(fs.readFileSync(CONFIG, 'utf8'), /^  executableName: knocker-desktop$/m);
});

test('the configuration is checked against electron-builder\'s schema; the targets and the menu-bar setting are there', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-package-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const text = fs.readFileSync(CONFIG, 'utf8');
  const bad = path.join(dir, 'bad.yml');
  fs.writeFileSync(bad, `${text}\ntrayIcon: assets/tray\n`);
  const r = await run([BUILDER, '--linux', 'dir', '--config', bad, `-c.electronDist=${standInElectron(dir)}`, `-c.directories.output=${path.join(dir, 'out')}`, '--publish', 'never'], { cwd: REPO, env: { ...process.env, CI: 'true' }, timeoutMs: 120_000, allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(`${r.stdout}${r.stderr}`, /Invalid configuration object[\s\S]*trayIcon/);
  assert.ok(!fs.existsSync(path.join(dir, 'out', 'linux-unpacked')), 'nothing was built');

  for (const target of ['AppImage', 'deb', 'rpm', 'dmg', 'nsis']) assert.match(text, new RegExp(`^    - ${target}$`, 'm'), `${target} target`);
  assert.match(text, /^    LSUIElement: true$/m);
  // macOS: opening ssh in Terminal through osascript needs the Apple Events entitlement (with
  // Electron's own under the hardened runtime) and the text of the permission prompt.
  assert.match(text, /^    NSAppleEventsUsageDescription: \S.+$/m);
  assert.match(text, /^  entitlements: build\/entitlements\.mac\.plist$/m);
  const plist = fs.readFileSync(path.join(REPO, 'build', 'entitlements.mac.plist'), 'utf8');
  for (const key of ['com.apple.security.automation.apple-events', 'com.apple.security.cs.allow-jit', 'com.apple.security.cs.allow-unsigned-executable-memory']) {
    assert.match(plist, new RegExp(`<key>${key.replace(/\./g, '\\.')}</key>\\s*<true/>`), key);
  }
  assert.match(text, /^asarUnpack:\n  - "\*\*\/\*\.node"\n  - "\*\*\/node_modules\/keytar\/\*\*"$/m);
});

test('icons: tray states as macOS templates (with @2x), light and dark variants; app icons; .ico', () => {
  const assets = path.join(REPO, 'assets');
  for (const state of ['idle', 'knocking', 'open', 'error']) {
    assert.deepEqual(pngSize(path.join(assets, 'tray', `tray-${state}Template.png`)), [16, 16]);
    assert.deepEqual(pngSize(path.join(assets, 'tray', `tray-${state}Template@2x.png`)), [32, 32]);
    for (const variant of ['light', 'dark']) {
      assert.deepEqual(pngSize(path.join(assets, 'tray', `tray-${state}-${variant}.png`)), [32, 32]);
      assert.deepEqual(pngSize(path.join(assets, 'tray', `tray-${state}-${variant}@2x.png`)), [64, 64]);
    }
  }
  for (const n of [16, 32, 48, 64, 128, 256, 512]) assert.deepEqual(pngSize(path.join(assets, 'icons', `${n}x${n}.png`)), [n, n]);
  assert.deepEqual(pngSize(path.join(assets, 'icon.png')), [1024, 1024]);
  const ico = fs.readFileSync(path.join(assets, 'icon.ico'));
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2)], [0, 1]);
  assert.equal(ico.readUInt16LE(4), 7, 'seven sizes, 16 to 256');
});
