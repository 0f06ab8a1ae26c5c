// Fuzz targets for the app's import and profile parsers (electron/core): knockd.conf import,
// profile export files, ~/.ssh/config import, time-door shares, ~/.fwknoprc import (SPA), and
// profile validation. Each may
// only return its result or throw a KnockerError; nothing else, and never hang.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FuzzTarget, Rng, TargetFactory, mutateBytes, mutateLines } from '../../../server-agent/test/fuzz/fuzz-kit.js';
import { importKnockdText } from '../../../electron/core/imports/knockd-import.js';
import { parseExport } from '../../../electron/core/imports/profile-transfer.js';
import { validateDraft } from '../../../electron/core/profile-schema.js';
import type { ProfileInput } from '../../../electron/core/profile-schema.js';
import { importSshConfig, matchPattern, splitConfigLine } from '../../../electron/core/imports/ssh-config-import.js';
import { readTimeShare } from '../../../electron/core/time-door.js';
import { importFwknoprc } from '../../../electron/core/imports/fwknoprc-import.js';
import { KnockerError } from '../../../electron/core/errors.js';
import type { FieldProblem } from '../../../electron/core/errors.js';

function onlyKnockerErrors(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof KnockerError)) throw e;
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0);
  }
}

function checkProblems(problems: readonly FieldProblem[]): void {
  assert.ok(Array.isArray(problems) && problems.length > 0, 'a refusal without a problem');
  for (const p of problems) {
    assert.equal(typeof p.field, 'string');
    assert.equal(typeof p.message, 'string');
    assert.ok(p.message.length > 0);
  }
}

/** validateDraft: a normalised draft or named problems, for any value at all. */
function checkValidate(input: unknown, prefix = ''): void {
  const r = validateDraft(input as ProfileInput, { fieldPrefix: prefix, requireSequence: false });
  if ('problems' in r) {
    checkProblems(r.problems);
    return;
  }
  const d = r.draft;
  assert.equal(typeof d.name, 'string');
  assert.ok(d.name.trim().length > 0);
  assert.equal(typeof d.host, 'string');
  assert.ok(['auto', 'ipv4', 'ipv6'].includes(d.family));
  assert.ok(Number.isInteger(d.delayMs) && d.delayMs >= 0);
  assert.ok(Number.isInteger(d.waitTimeoutMs) && d.waitTimeoutMs >= 0);
  assert.equal(typeof d.knockAgain, 'boolean');
  assert.ok(Number.isInteger(d.ssh.port) && d.ssh.port >= 1 && d.ssh.port <= 65535);
  assert.ok(Array.isArray(d.ssh.options) && d.ssh.options.every((o) => typeof o === 'string'));
  for (const k of d.sequence ?? []) assert.ok(Number.isInteger(k.port) && k.port >= 1 && k.port <= 65535 && (k.proto === 'tcp' || k.proto === 'udp'));
}

function polluted(): boolean {
  return (Object.prototype as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).host !== undefined;
}

// ---- knockd.conf import ----------------------------------------------------------------------------

const KNOCKD_CONFS = [
  `[options]\n\tUseSyslog\n\n[openSSH]\n\tsequence    = 7000,8000,9000\n\tseq_timeout = 5\n\tcommand     = /sbin/iptables -A INPUT -s %IP% -p tcp --dport 22 -j ACCEPT\n\ttcpflags    = syn\n\n[closeSSH]\n\tsequence    = 9000,8000,7000\n\tseq_timeout = 5\n\tcommand     = /sbin/iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT\n\ttcpflags    = syn\n`,
  `[opencloseSSH]\n  sequence = 2222:udp,3333:tcp,4444:udp\n  seq_timeout = 15\n  tcpflags = syn\n  start_command = /usr/bin/firewall-cmd --add-rich-rule='rule family="ipv4" source address="%IP%" port protocol="tcp" port="2222" accept'\n  cmd_timeout = 10\n  stop_command = /usr/bin/firewall-cmd --remove-rich-rule='rule family="ipv4" source address="%IP%" port protocol="tcp" port="2222" accept'\n`,
  `[vip]\n  Sequence = 1234,5678,9012\n  Target = 192.0.2.10\n  Command = iptables -I INPUT -s %IP% -p tcp --dport 443 -j ACCEPT\n[v6]\n  Sequence = 1,2,3\n  Target = 2001:db8::10\n  Command_6 = ip6tables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT\n[otp]\n  One_Time_Sequences = /etc/knockd/otp\n`,
];
const CONF_LINES = ['[options]', '[door]', 'sequence = 0,65535', 'sequence = 22,22,22', 'Target = ::ffff:10.0.0.1', 'Target = not an address', 'command = ssh -p 2200', 'command = iptables --dport 70000', 'tcpflags = !syn', 'seq_timeout = 99999', 'Open = 22/tcp'];

const UNSAFE_PATH = /\/(dev|proc|sys|run)\b/g;

export function knockdImportTarget(): FuzzTarget<{ text: Buffer; opts: { host?: string; family?: 'auto' | 'ipv4' | 'ipv6'; namePrefix?: string } }> {
  return {
    gen(rng: Rng) {
      const base = rng.pick(KNOCKD_CONFS);
      let text = rng.chance(0.5)
        ? mutateBytes(rng, Buffer.from(base), { dict: CONF_LINES.map((l) => Buffer.from(l)), maxLen: 16384 })
        : Buffer.from(mutateLines(rng, base, { dictLines: CONF_LINES, others: KNOCKD_CONFS }));
      text = Buffer.from(text.toString('latin1').replace(UNSAFE_PATH, '/tmp'), 'latin1');
      const opts: { host?: string; family?: 'auto' | 'ipv4' | 'ipv6'; namePrefix?: string } = {};
      if (rng.chance(0.7)) opts.host = rng.pick(['server.example', '192.0.2.1', '2001:db8::1', '[2001:db8::1]', '', ' ', 'a'.repeat(300), 'bad host', '::ffff:1.2.3.4']);
      if (rng.chance(0.3)) opts.family = rng.pick(['auto', 'ipv4', 'ipv6'] as const);
      if (rng.chance(0.3)) opts.namePrefix = rng.pick(['', 'x-', 'n'.repeat(100), '\u0000']);
      return { text, opts };
    },
    run({ text, opts }) {
      onlyKnockerErrors(() => {
        const r = importKnockdText(text, 'fuzz.conf', opts);
        assert.ok(Array.isArray(r.candidates) && Array.isArray(r.skipped) && Array.isArray(r.warnings));
        for (const c of r.candidates) {
          assert.equal(typeof c.input.name, 'string');
          assert.ok(Array.isArray(c.input.sequence));
          assert.equal(typeof c.source, 'string');
          checkValidate(c.input);
        }
        for (const s of r.skipped) assert.ok(typeof s.source === 'string' && typeof s.reason === 'string' && s.reason.length > 0);
      });
    },
    show: (x) => JSON.stringify({ text: x.text.toString('latin1'), opts: x.opts }),
  };
}

// ---- profile export files and validation -----------------------------------------------------------

const PROFILES: unknown[] = [
  { name: 'web1', host: 'web1.example', family: 'auto', delayMs: 0, waitTimeoutMs: 10000, knockAgain: true, ssh: { port: 22, options: [] }, sequence: '7000,8000,9000' },
  { name: 'db', host: '2001:db8::5', family: 'ipv6', delayMs: 200, waitTimeoutMs: 0, knockAgain: false, ssh: { user: 'admin', port: 2222, identityFile: '~/.ssh/id_ed25519', options: ['ServerAliveInterval=30'], jumpHost: 'bastion.example:2200' }, sequence: '1111:udp,2222,3333:udp' },
  { name: 'clock', host: '192.0.2.7', time: { door: 'clock', step: 30, length: 4, ports: '20000-40000', protocols: 'tcp,udp' }, timeSecret: Buffer.alloc(32, 1).toString('base64url') },
  { name: 'fw', host: '192.0.2.8', spa: { port: 62201, access: 'tcp/22,udp/53', allowIp: 'source', fwTimeout: 60, username: 'alice' }, spaKeys: { keyBase64: Buffer.alloc(32, 2).toString('base64'), hmacKeyBase64: Buffer.alloc(64, 3).toString('base64'), hmacType: 'sha512', mode: 'ctr' } },
];

// { toString: 'x' }: an object whose toString is not a function (a JSON file can hold one).
const ODD_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -0, NaN, 65536, '', ' ', 'x'.repeat(5000), '\u0000', '7000,8000', [], [1, 2], {}, { length: 3 }, { toString: 'x' }, { valueOf: 1, toString: null }, '__proto__', { __proto__: { polluted: 1 } }, '[::1]', 'ipv5', '0x16'];

function mutateValue(rng: Rng, v: unknown, depth = 0): unknown {
  if (depth > 6 || rng.chance(0.15)) return rng.pick(ODD_VALUES);
  if (Array.isArray(v)) {
    const a = v.map((x) => (rng.chance(0.3) ? mutateValue(rng, x, depth + 1) : x));
    if (rng.chance(0.2)) a.push(mutateValue(rng, rng.pick(ODD_VALUES), depth + 1));
    return a;
  }
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (rng.chance(0.1)) continue;
      o[rng.chance(0.05) ? rng.pick(['__proto__', 'constructor', 'NAME', k + ' ', '']) : k] = rng.chance(0.3) ? mutateValue(rng, x, depth + 1) : x;
    }
    if (rng.chance(0.1)) o[rng.pick(['extra', 'ssh', 'time', 'sequence', 'timeSecret'])] = rng.pick(ODD_VALUES);
    return o;
  }
  return rng.chance(0.5) ? rng.pick(ODD_VALUES) : v;
}

export function exportTarget(): FuzzTarget<string> {
  return {
    gen(rng: Rng): string {
      const doc = { format: 'knocker-profiles', version: 1, exportedAt: '2026-01-01T00:00:00.000Z', includesSecrets: true, profiles: PROFILES.filter(() => rng.chance(0.7)) };
      const r = rng.int(10);
      if (r < 5) return JSON.stringify(mutateValue(rng, doc));
      if (r < 8) return mutateBytes(rng, Buffer.from(JSON.stringify(doc, null, rng.chance(0.5) ? 2 : 0)), { maxLen: 32768 }).toString(rng.chance(0.8) ? 'utf8' : 'latin1');
      if (r < 9) return JSON.stringify(PROFILES.map((p) => mutateValue(rng, p)));
      return rng.bytes(rng.small(512)).toString('latin1');
    },
    run(text: string): void {
      onlyKnockerErrors(() => {
        const cands = parseExport(text, 'fuzz.json');
        assert.ok(Array.isArray(cands));
        for (const c of cands) {
          assert.equal(typeof c.fieldPrefix, 'string');
          checkValidate(c.input, c.fieldPrefix);
        }
      });
      // Any JSON value straight into the validator.
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
      checkValidate(value);
      if (Array.isArray(value)) for (const v of value.slice(0, 8)) checkValidate(v);
      assert.ok(!polluted(), 'Object.prototype was modified');
    },
    show: (t) => JSON.stringify(t),
  };
}

// ---- ~/.ssh/config import ----------------------------------------------------------------------------

const SSH_CONFIGS = [
  `Host *\n    ServerAliveInterval 30\n\nHost web1 web1.example\n    HostName 192.0.2.11\n    User deploy\n    Port 2222\n    IdentityFile ~/.ssh/id_ed25519\n\nHost db\n    HostName db.internal\n    ProxyJump bastion\n\nHost bastion\n    HostName bastion.example.org\n    User jump\n`,
  `# global\nUser me\nInclude conf.d/*\n\nMatch host *.corp exec "true"\n    User corp\n\nHost "quoted name" plain\n    HostName=10.0.0.2\n    Port=22\nHost !neg pos*\n    Port 2200\n`,
];
// Not here: a pattern with many '*' next to a long alias (Host *a*a*a*a*a*a*a*a*a*a*a*ab and
// Host aaaa... of 40+ chars): matchPattern's regular expression backtracks for minutes (reported;
// add 'Host ' + '*a'.repeat(12) + 'b' back once it is fixed).
const SSH_LINES = ['Host *', 'Host a b c', 'Host', 'HostName', 'HostName ::1', 'Port 0', 'Port 65536', 'Port abc', 'User ""', 'Include conf.d/*', 'Include config', 'Include extra.conf', 'Match all', 'ProxyJump a,b,c', 'IdentityFile "~/my key"', '\tHost\t=\tx', 'Host *a*b?c', 'Host ' + 'a'.repeat(60)];

export function sshConfigTarget(scratch: string): FuzzTarget<{ main: string; extra: string }> {
  const home = path.join(scratch, 'home');
  fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
  const safe = (t: string) =>
    t
      // Include only within the scratch home: no absolute paths, no way up.
      .replace(/^(\s*include\b)(.*)$/gim, (_m, k: string, rest: string) => k + rest.replace(/(^|\s)\/+/g, '$1').replace(/\.\./g, '.'))
      .replace(UNSAFE_PATH, '/tmp');
  return {
    gen(rng: Rng) {
      const mut = (base: string) =>
        rng.chance(0.5) ? mutateBytes(rng, Buffer.from(base), { dict: SSH_LINES.map((l) => Buffer.from(l + '\n')), maxLen: 16384 }).toString('utf8') : mutateLines(rng, base, { dictLines: SSH_LINES, others: SSH_CONFIGS });
      return { main: safe(mut(rng.pick(SSH_CONFIGS))), extra: safe(mut(rng.pick(SSH_CONFIGS))) };
    },
    run({ main, extra }) {
      fs.writeFileSync(path.join(home, '.ssh', 'config'), main);
      fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'extra.conf'), extra);
      fs.writeFileSync(path.join(home, '.ssh', 'extra.conf'), extra);
      onlyKnockerErrors(() => {
        const cands = importSshConfig(undefined, { home });
        assert.ok(Array.isArray(cands));
        for (const c of cands) {
          assert.equal(typeof c.input.name, 'string');
          assert.equal(typeof c.input.host, 'string');
          checkValidate(c.input);
        }
      });
      for (const line of main.split('\n').slice(0, 50)) {
        const s = splitConfigLine(line);
        if (s) assert.ok(typeof s.keyword === 'string' && Array.isArray(s.args));
        assert.equal(typeof matchPattern('web1.example', line.slice(0, 64)), 'boolean');
      }
    },
    show: (x) => JSON.stringify(x),
  };
}

// ---- time-door shares (what knocker-agent secret new prints) ------------------------------------------

const SECRET = Buffer.alloc(32, 9).toString('base64url');
const SHARES = [
  `door: clock\nhost: server.example\nsecret: ${SECRET}\nstep: 30\nlength: 4\nports: 20000-40000\nprotocols: tcp,udp`,
  `knocker://time-door?v=1&door=clock&secret=${SECRET}&step=30&length=4&ports=20000-40000&protocols=tcp&host=192.0.2.1`,
];

export function timeShareTarget(): FuzzTarget<string> {
  return {
    gen(rng: Rng): string {
      const base = rng.pick(SHARES);
      return rng.chance(0.5)
        ? mutateBytes(rng, Buffer.from(base), { dict: ['%', '%zz', '&', '=', 'v=2', '\n', ':', '-', '0', '99999999999', 'knocker://'].map((t) => Buffer.from(t)), maxLen: 8192 }).toString('utf8')
        : mutateLines(rng, base, { dictLines: ['step: 0', 'length: 100', 'ports: 5-1', 'protocols: icmp', 'secret: AAAA', 'door:', 'host:'], others: SHARES });
    },
    run(text: string): void {
      const r = readTimeShare(text);
      if ('problems' in r) {
        checkProblems(r.problems);
        // The secret field's value never appears in a problem.
        const m = /(?:^|[?&\n])\s*secret\s*[=:]\s*([A-Za-z0-9_-]{16,})/i.exec(text);
        if (m) assert.ok(r.problems.every((p) => !p.message.includes(m[1])), 'a problem repeats the secret');
        return;
      }
      const t = r.share.time;
      assert.ok(Buffer.isBuffer(r.share.secret) && r.share.secret.length >= 16);
      assert.ok(Number.isInteger(t.step) && t.step > 0);
      assert.ok(Number.isInteger(t.length) && t.length > 0);
      assert.ok(Number.isInteger(t.portLo) && Number.isInteger(t.portHi) && 1 <= t.portLo && t.portLo <= t.portHi && t.portHi <= 65535);
      assert.ok(t.protocols.length > 0 && t.protocols.every((p) => p === 'tcp' || p === 'udp'));
    },
  };
}

// ---- ~/.fwknoprc import (SPA profiles) ---------------------------------------------------------------

const RC_KEY = Buffer.alloc(32, 4).toString('base64');
const RC_HMAC = Buffer.alloc(64, 5).toString('base64');
const FWKNOPRCS = [
  `[default]\nSPOOF_USER bob\n\n[srv]\nSPA_SERVER 192.0.2.1\nACCESS tcp/22, udp/53 ; ports\nALLOW_IP resolve\nKEY_BASE64: ${RC_KEY}\nHMAC_KEY_BASE64 ${RC_HMAC}\nHMAC_DIGEST_TYPE sha512\nENCRYPTION_MODE ctr\nFW_TIMEOUT 30\n`,
  `[a]\nSPA_SERVER h.example\nKEY passphrase\nHMAC_KEY other\nUSE_GPG N\nNAT_ACCESS 10.0.0.1:22\n[b]\nSPA_SERVER 192.0.2.2\nUSE_GPG Y\n`,
];
const RC_LINES = ['[', '[]', '[x', '[default]', 'ACCESS TCP/22', 'ACCESS tcp/0', 'ALLOW_IP 010.0.0.1', 'ALLOW_IP source', 'SPA_SERVER_PORT 70000', 'SPA_SERVER_PROTO http', 'FW_TIMEOUT -1', 'KEY_BASE64 ab$c', 'HMAC_KEY_BASE64 ' + RC_KEY, 'SPOOF_USER a:b', 'SPOOF_USER ' + 'u'.repeat(60), 'GPG_SIGNER me', 'DIGEST_TYPE md4', '# c', '; c', 'KEY'];

export function fwknoprcTarget(): FuzzTarget<string> {
  return {
    gen(rng: Rng): string {
      const base = rng.pick(FWKNOPRCS);
      return rng.chance(0.5)
        ? mutateBytes(rng, Buffer.from(base), { dict: RC_LINES.map((l) => Buffer.from(l)), maxLen: 8192 }).toString('utf8')
        : mutateLines(rng, base, { dictLines: RC_LINES, others: FWKNOPRCS });
    },
    run(text: string): void {
      onlyKnockerErrors(() => {
        const r = importFwknoprc(text, 'rc');
        for (const i of r.invalid) {
          checkProblems(i.problems);
          // Problems name FILE:LINE and never repeat a key.
          assert.ok(i.problems.every((p) => p.field.startsWith('rc')), JSON.stringify(i.problems));
          assert.ok(i.problems.every((p) => !p.message.includes(RC_HMAC) && !p.message.includes(RC_KEY)), 'a problem repeats a key');
        }
        for (const c of r.candidates) {
          const v = validateDraft(c.input);
          assert.ok('draft' in v && v.draft.spa && v.draft.spaKeys, 'a candidate that does not validate');
        }
        for (const s of r.skipped) assert.ok(s.reason.length > 0);
      });
    },
  };
}

export const APP_TARGETS: Record<string, TargetFactory> = {
  fwknoprc: fwknoprcTarget,
  'knockd-import': knockdImportTarget,
  'profile-export': exportTarget,
  'ssh-config': sshConfigTarget,
  'time-share': timeShareTarget,
};
