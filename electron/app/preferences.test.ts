import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError, ValidationError } from '../core/errors.js';
import { tempDir } from '../testing/temp-dir.js';
import { DEFAULT_PREFERENCES, PreferencesStore, acceleratorProblem, validatePreferences } from './preferences.js';

test('accelerators: Electron syntax, a modifier required, problems in words', () => {
  for (const ok of ['CommandOrControl+Alt+K', 'Ctrl+Shift+Space', 'Super+F5', 'Alt+Plus', 'F13', 'CmdOrCtrl+num5', 'Alt+/']) assert.equal(acceleratorProblem(ok), undefined, ok);
  assert.match(acceleratorProblem('') ?? '', /is empty/);
  assert.match(acceleratorProblem('K') ?? '', /has no modifier/);
  assert.match(acceleratorProblem('Ctrl++') ?? '', /write the \+ key as "Plus"/);
  assert.match(acceleratorProblem('Hyper+K') ?? '', /"hyper" is not a modifier/);
  assert.match(acceleratorProblem('Ctrl+Alt') ?? '', /no key after its modifiers/);
  assert.match(acceleratorProblem('Ctrl+Ctrl+K') ?? '', /repeats a modifier/);
  assert.match(acceleratorProblem('Ctrl+Banana') ?? '', /"Banana" is not a key/);
});

test('validatePreferences names every bad field', () => {
  assert.throws(
    () => validatePreferences({ shortcut: 'K', terminal: 'kitty {nope', theme: 'blue', reachabilityIntervalSec: 3, startAtLogin: 'yes' }),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.problems.map((p) => p.field), ['terminal', 'shortcut', 'startAtLogin', 'theme', 'reachabilityIntervalSec']);
      return true;
    },
  );
  assert.deepEqual(validatePreferences({ terminal: "  sh -c '{command}' ", reachabilityIntervalSec: 0 }), { ...DEFAULT_PREFERENCES, terminal: "sh -c '{command}'", reachabilityIntervalSec: 0 });
});

test('the store starts from defaults, saves patches, and refuses to overwrite a broken file', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'preferences.json');
  const store = new PreferencesStore(file);
  assert.deepEqual(store.load(), DEFAULT_PREFERENCES);
  assert.equal(store.update({ shortcut: 'Ctrl+Alt+J', startAtLogin: true }).shortcut, 'Ctrl+Alt+J');
  assert.deepEqual(new PreferencesStore(file).load(), { ...DEFAULT_PREFERENCES, shortcut: 'Ctrl+Alt+J', startAtLogin: true });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.throws(() => store.update({ shortcut: 'J' }), ValidationError);
  fs.writeFileSync(file, '{"shortcut": ');
  assert.throws(() => store.load(), (e: unknown) => e instanceof KnockerError && e.code === 'storage' && /not valid JSON/.test(e.message));
  assert.throws(() => store.update({ theme: 'dark' }), KnockerError);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"shortcut": ');
});
