import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError } from '../errors.js';
import { launchTerminal, onPath, planTerminalLaunch, splitTemplate } from './terminal-launcher.js';
import { tempDir } from '../../testing/temp-dir.js';

const argv = ['ssh', '-p', '22', '-o', 'HostKeyAlias=web 1', '10.0.0.1'];
const only = (...names: string[]) => (p: string) => names.includes(p);

test('Linux: $TERMINAL first, then the usual terminals in order', () => {
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', env: { TERMINAL: 'alacritty' }, exists: only('alacritty', 'xterm') }), {
    file: 'alacritty',
    args: ['--title', 'Knocker', '-e', ...argv],
    terminal: 'alacritty',
  });
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', env: {}, exists: only('gnome-terminal', 'xterm') }).args, ['--title', 'Knocker', '--', ...argv]);
  assert.equal(planTerminalLaunch(argv, { platform: 'linux', env: {}, exists: only('x-terminal-emulator', 'xterm') }).file, 'x-terminal-emulator');
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', env: {}, exists: only('konsole') }).args, ['-e', ...argv]);
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', env: { TERMINAL: 'my-term' }, exists: only('my-term') }).args, ['-e', ...argv]);
  assert.throws(
    () => planTerminalLaunch(argv, { platform: 'linux', env: { TERMINAL: 'gone' }, exists: only() }),
    (e: unknown) => e instanceof KnockerError && e.code === 'terminal' && /\$TERMINAL \(gone\), x-terminal-emulator, gnome-terminal, konsole, xterm/.test(e.message),
  );
});

test('macOS: Terminal or iTerm through osascript', () => {
  const t = planTerminalLaunch(argv, { platform: 'darwin', env: {} });
  assert.equal(t.file, 'osascript');
  assert.match(t.args[1], /tell application "Terminal"/);
  assert.match(t.args[1], /do script "ssh -p 22 -o 'HostKeyAlias=web 1' 10\.0\.0\.1"/);
  const i = planTerminalLaunch(['ssh', 'a"b'], { platform: 'darwin', env: { TERM_PROGRAM: 'iTerm.app' } });
  assert.match(i.args[1], /tell application "iTerm"/);
  assert.match(i.args[1], /command "ssh 'a\\"b'"/);
  assert.match(planTerminalLaunch(argv, { platform: 'darwin', env: {}, terminal: 'iterm' }).args[1], /iTerm/);
});

test('Windows: Windows Terminal when installed, else cmd', () => {
  const wt = planTerminalLaunch(['ssh', 'a;b'], { platform: 'win32', env: {}, exists: only('wt.exe') });
  assert.deepEqual(wt, { file: 'wt.exe', args: ['new-tab', '--title', 'Knocker', 'ssh', 'a\\;b'], terminal: 'wt' });
  const cmd = planTerminalLaunch(['ssh', 'a b'], { platform: 'win32', env: {}, exists: only() });
  assert.equal(cmd.file, 'cmd.exe');
  assert.equal(cmd.windowsVerbatimArguments, true);
  assert.deepEqual(cmd.args, ['/d', '/c', 'start', 'Knocker', 'cmd.exe', '/k', 'ssh "a b"']);
});

test('templates: {args}, {command}, {title}', () => {
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', terminal: 'kitty --title "{title}" {args}' }), {
    file: 'kitty',
    args: ['--title', 'Knocker', ...argv],
    terminal: 'template "kitty --title "{title}" {args}"',
  });
  assert.deepEqual(planTerminalLaunch(['ssh', 'h'], { platform: 'linux', terminal: "tilix -e '{command}'" }).args, ['-e', 'ssh h']);
  const bad = (tpl: string, re: RegExp) =>
    assert.throws(() => planTerminalLaunch(argv, { platform: 'linux', terminal: tpl }), (e: unknown) => e instanceof KnockerError && e.field === 'terminal' && re.test(e.message));
  bad('xterm {cmd}', /unknown placeholder \{cmd\}/);
  bad('xterm {title}', /must contain \{args\} or \{command\}/);
  bad('xterm -e"{args}"', /word of its own/);
  bad('xterm "{args}', /unclosed/);
  assert.deepEqual(splitTemplate(`a "b c" 'd "e"' f\\g`), ['a', 'b c', 'd "e"', 'f\\g']);
  // A named terminal with options of its own.
  assert.deepEqual(planTerminalLaunch(['ssh'], { platform: 'linux', terminal: 'xterm -fa Mono' }).args, ['-fa', 'Mono', '-e', 'ssh']);
});

test('launching: the terminal really starts and runs the command', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const term = path.join(dir, 'fake-term');
  const out = path.join(dir, 'out');
  // A "terminal" that runs its -e command and records its arguments.
  fs.writeFileSync(term, `#!/bin/sh\nprintf '%s\\n' "$@" > "${out}.args"\n[ "$1" = -e ] && shift\n"$@" > "${out}" 2>&1\n`, { mode: 0o755 });
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, TERMINAL: 'fake-term' };
  assert.ok(onPath('fake-term', env, 'linux'));
  const plan = planTerminalLaunch(['sh', '-c', 'echo "hello from the terminal"'], { platform: 'linux', env });
  const { pid } = await launchTerminal(plan, env);
  assert.ok(pid > 0);
  for (let i = 0; i < 100 && !(fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('hello')); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(fs.readFileSync(out, 'utf8'), 'hello from the terminal\n');
  assert.equal(fs.readFileSync(`${out}.args`, 'utf8'), '-e\nsh\n-c\necho "hello from the terminal"\n');
});

test('launching a terminal that does not exist fails with its name', async () => {
  await assert.rejects(
    launchTerminal({ file: '/nonexistent/term', args: [], terminal: 'fake' }),
    (e: unknown) => e instanceof KnockerError && e.code === 'terminal' && /fake \(\/nonexistent\/term\)/.test(e.message),
  );
});
