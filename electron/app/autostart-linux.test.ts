import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { tempDir } from '../testing/temp-dir.js';
import { autostartEntry, autostartFile, isLinuxAutostartEnabled, setLinuxAutostart } from './autostart-linux.js';

test('an XDG autostart entry that starts Knocker hidden; removed when turned off', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = autostartFile({ XDG_CONFIG_HOME: path.join(dir, 'cfg') }, '/home/x');
  assert.equal(file, path.join(dir, 'cfg', 'autostart', 'knocker.desktop'));
  assert.equal(autostartFile({}, '/home/x'), '/home/x/.config/autostart/knocker.desktop');
  assert.match(autostartEntry('/opt/My Apps/Knocker.AppImage'), /^Exec='\/opt\/My Apps\/Knocker.AppImage' --hidden$/m);
  setLinuxAutostart(true, '/usr/bin/knocker-desktop', file);
  assert.ok(isLinuxAutostartEnabled(file));
  assert.match(fs.readFileSync(file, 'utf8'), /^\[Desktop Entry\]\nType=Application\nName=Knocker\n/);
  setLinuxAutostart(false, '/usr/bin/knocker-desktop', file);
  assert.ok(!isLinuxAutostartEnabled(file));
});
