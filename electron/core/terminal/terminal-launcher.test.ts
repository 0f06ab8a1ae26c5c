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
    (e: unknown) => e instanceof KnockerError && e.code === 'terminal' && /\$TERMINAL \(gone\), xdg-terminal-exec, x-terminal-emulator, ptyxis, gnome-terminal, kgx, konsole, xterm/.test(e.message),
  );
});

test('Linux: xdg-terminal-exec (the user\'s choice), Ptyxis (Fedora 41+), GNOME Console (kgx)', () => {
  const plan = (...names: string[]) => planTerminalLaunch(argv, { platform: 'linux', env: {}, exists: only(...names) });
  assert.deepEqual(plan('xdg-terminal-exec', 'x-terminal-emulator', 'ptyxis'), { file: 'xdg-terminal-exec', args: ['--', ...argv], terminal: 'xdg-terminal-exec' });
  assert.deepEqual(plan('ptyxis', 'gnome-terminal', 'kgx'), { file: 'ptyxis', args: ['--new-window', '--', ...argv], terminal: 'ptyxis' });
  assert.deepEqual(plan('kgx', 'xterm'), { file: 'kgx', args: ['--title', 'Knocker', '--', ...argv], terminal: 'kgx' });
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', terminal: 'ptyxis', exists: only() }).args, ['--new-window', '--', ...argv]);
  assert.deepEqual(planTerminalLaunch(argv, { platform: 'linux', terminal: '/usr/bin/kgx', title: 'web' }).args, ['--title', 'web', '--', ...argv]);
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

test('Windows: Windows Terminal when installed, else cmd.exe starting ssh.exe in a new console', () => {
  const wt = planTerminalLaunch(['ssh', 'a;b'], { platform: 'win32', env: {}, exists: only('wt.exe') });
  assert.deepEqual(wt, { file: 'wt.exe', args: ['new-tab', '--title', 'Knocker', '--', 'ssh', 'a\\;b'], terminal: 'wt' });
  const cmd = planTerminalLaunch(['ssh.exe', 'a b', 'C:\\Users\\bob smith\\'], { platform: 'win32', env: {}, exists: only() });
  assert.equal(cmd.file, 'cmd.exe');
  assert.equal(cmd.windowsVerbatimArguments, true);
  // No nested command string: `start` runs ssh.exe itself; the trailing backslash is doubled
  // inside the quotes so ssh.exe does not read \" as a quote.
  assert.deepEqual(cmd.args, ['/d', '/v:off', '/c', 'start', '"Knocker"', 'ssh.exe', '"a b"', '"C:\\Users\\bob smith\\\\"']);
});

// What cmd.exe does with the command line: the words it would run as commands. Outside quotes,
// an unescaped & | or a ( ) < > starts or redirects another command; ^ escapes the next
// character; inside quotes only % and ! would still expand (refused before we get here).
function cmdCommands(line: string): string[] {
  const commands: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '^') {
      cur += line[++i] ?? '';
      continue;
    }
    if (!quoted && /[&|<>()]/.test(ch)) {
      commands.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  commands.push(cur.trim());
  return commands.filter(Boolean);
}

test('Windows: hostile names, users and option values never reach cmd.exe as commands', () => {
  const hostile = [
    ['ssh.exe', '-l', 'bob&whoami', 'host'],
    ['ssh.exe', '-o', 'ServerAliveInterval=30|calc.exe', 'host'],
    ['ssh.exe', '-o', 'SetEnv=A=1 & calc.exe', 'host'],
    ['ssh.exe', '-l', 'a^b', '(host)', '<in', '>out'],
  ];
  for (const a of hostile) {
    const plan = planTerminalLaunch(a, { platform: 'win32', env: {}, exists: only(), title: 'x" & calc.exe & "' });
    const line = plan.args.join(' ');
    const cmds = cmdCommands(line);
    assert.equal(cmds.length, 1, `${line} splits into ${JSON.stringify(cmds)}`);
    assert.match(cmds[0], /^\/d \/v:off \/c start "x_ _ calc.exe _ _" ssh\.exe /);
  }
  // Each argument reaches ssh.exe as it was (cmd.exe drops the ^, MSVCRT the quotes).
  const args = planTerminalLaunch(['ssh.exe', '-l', 'bob&whoami', '-o', 'SetEnv=A=1 & calc.exe'], { platform: 'win32', env: {}, exists: only() }).args;
  assert.deepEqual(args.slice(5), ['ssh.exe', '-l', 'bob^&whoami', '-o', '"SetEnv=A=1 & calc.exe"']);
  // What cmd.exe cannot pass safely is refused, naming it: a quote, % or ! (they expand even
  // inside quotes), a newline.
  for (const [bad, what] of [['x" & calc & "', '"'], ['%PATH%', '%'], ['!x!', '!'], ['a\nb', 'control character 0x0a']]) {
    for (const exists of [only(), only('wt.exe')]) {
      assert.throws(
        () => planTerminalLaunch(['ssh.exe', '-l', bad, 'host'], { platform: 'win32', env: {}, exists }),
        (e: unknown) => e instanceof KnockerError && e.code === 'terminal' && e.message.includes(JSON.stringify(bad)) && e.message.includes(`it contains ${what}`),
        `${bad} with ${exists('wt.exe') ? 'wt' : 'cmd'}`,
      );
    }
  }
  // wt.exe: the title is made harmless too, and ';' is escaped in title-free argv.
  assert.deepEqual(planTerminalLaunch(['ssh', 'h'], { platform: 'win32', env: {}, exists: only('wt.exe'), title: 'a;b"c' }).args, ['new-tab', '--title', 'a_b_c', '--', 'ssh', 'h']);
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

test('macOS: osascript\'s exit status is awaited; a refused launch (-1743) is an error with its text', async (t) => {
  const mac = planTerminalLaunch(argv, { platform: 'darwin', env: {} });
  assert.equal(mac.waitForExit, true);
  assert.equal(planTerminalLaunch(argv, { platform: 'darwin', env: {}, terminal: 'iterm' }).waitForExit, true);
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  // Stand-ins for osascript: one refused as macOS does without the Automation permission, one
  // that succeeds after a while (the launch is not reported before it exits).
  const denied = path.join(dir, 'osascript-denied');
  fs.writeFileSync(denied, `#!/bin/sh\necho "36:120: execution error: Not authorized to send Apple events to Terminal. (-1743)" >&2\nexit 1\n`, { mode: 0o755 });
  await assert.rejects(
    launchTerminal({ ...mac, file: denied }),
    (e: unknown) => e instanceof KnockerError && e.code === 'terminal' && /Not authorized to send Apple events to Terminal\. \(-1743\)/.test(e.message) && /Privacy & Security > Automation/.test(e.hint ?? ''),
  );
  const slow = path.join(dir, 'osascript-ok');
  const marker = path.join(dir, 'done');
  fs.writeFileSync(slow, `#!/bin/sh\nsleep 0.3\ntouch "${marker}"\n`, { mode: 0o755 });
  await launchTerminal({ ...mac, file: slow });
  assert.ok(fs.existsSync(marker), 'resolved only after osascript exited');
  const hang = path.join(dir, 'osascript-hang');
  fs.writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  await assert.rejects(launchTerminal({ ...mac, file: hang }, process.env, 300), /no answer within 0\.3 s/);
});

test('launching a terminal that does not exist fails with its name', async () => {
  await assert.rejects(
    launchTerminal({ file: '/nonexistent/term', args: [], terminal: 'fake' }),
    (e: unknown) => e instanceof KnockerError && e.code === 'terminal' && /fake \(\/nonexistent\/term\)/.test(e.message),
  );
});
