// Time-based sequences: the documented vectors, an independent implementation (Python's hmac)
// on random inputs, the share formats, config keys, and the windows the agent accepts.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { deriveSequence, windowAt, specProblems, TimeSequenceSpec } from '../src/time-doors/time-sequence.js';
import { encodeSecret, decodeSecret, parseShare, shareLink, shareText, writeNewSecretFile, readSecretFile } from '../src/time-doors/time-secret.js';
import { TimeDoorWindows } from '../src/time-doors/time-door-windows.js';
import { formatSequence } from '../src/config/sequence-grammar.js';
import { parseKnockdConfig } from '../src/config/knockd-config.js';
import { secretCommand } from '../src/time-doors/secret-command.js';
import { Door } from '../src/types.js';

const SECRET = Buffer.from([...Array(32).keys()]);
const DEFAULT: TimeSequenceSpec = { step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] };

/** The vectors of docs/time-based-sequences.md, read from the document itself. */
function documentedVectors(): Array<{ door: string; window: number; spec: TimeSequenceSpec; sequence: string }> {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/time-based-sequences.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| `[^`]+` \| \d+ \|/.test(l));
  return rows.map((row) => {
    const c = row.split('|').slice(1, -1).map((s) => s.trim().replace(/`/g, ''));
    const [lo, hi] = c[4].split('-').map(Number);
    return { door: c[0], window: Number(c[1]), spec: { step: Number(c[2]), length: Number(c[3]), portLo: lo, portHi: hi, protocols: c[5].split(',') as TimeSequenceSpec['protocols'] }, sequence: c[6] };
  });
}

describe('time-based sequences', () => {
  it('derives the documented test vectors', () => {
    const vectors = documentedVectors();
    assert.equal(vectors.length, 5);
    for (const v of vectors) assert.equal(formatSequence(deriveSequence(SECRET, v.door, v.window, v.spec)), v.sequence, `${v.door} window ${v.window}`);
  });

  it('agrees with an independent implementation (Python hmac) on random inputs', () => {
    const py = `
import hmac, hashlib, struct, sys, json
for case in json.load(sys.stdin):
    secret = bytes.fromhex(case['secret']); out = []; block = 0
    while len(out) < case['length']:
        msg = b'knocker-time-v1\\0' + case['door'].encode() + b'\\0' + struct.pack('>Q', case['window']) + bytes([block])
        mac = hmac.new(secret, msg, hashlib.sha256).digest(); o = 0
        while o + 5 <= len(mac) and len(out) < case['length']:
            n = struct.unpack('>I', mac[o:o+4])[0]
            p = case['protocols'][mac[o+4] % len(case['protocols'])]
            out.append(str(case['lo'] + n % (case['hi'] - case['lo'] + 1)) + ('' if p == 'tcp' else ':udp')); o += 5
        block += 1
    print(','.join(out))
`;
    const cases = Array.from({ length: 50 }, (_, i) => {
      const lo = 1 + Math.floor(Math.random() * 60000);
      return {
        secret: randomBytes(16 + (i % 17)).toString('hex'),
        door: ['openSSH', 'web', 'Tür ü', 'a b c'][i % 4],
        window: Math.floor(Math.random() * 2 ** 40),
        length: 1 + (i % 32),
        lo,
        hi: Math.min(65535, lo + 255 + Math.floor(Math.random() * 5000)),
        protocols: [['tcp'], ['udp'], ['tcp', 'udp']][i % 3],
      };
    });
    const lines = execFileSync('python3', ['-c', py], { input: JSON.stringify(cases) }).toString().trim().split('\n');
    cases.forEach((c, i) => {
      const ours = deriveSequence(Buffer.from(c.secret, 'hex'), c.door, c.window, { step: 30, length: c.length, portLo: c.lo, portHi: c.hi, protocols: c.protocols as TimeSequenceSpec['protocols'] });
      assert.equal(formatSequence(ours), lines[i], JSON.stringify(c));
    });
  });

  it('windows: floor(seconds / step)', () => {
    assert.equal(windowAt(0, 30), 0);
    assert.equal(windowAt(29_999, 30), 0);
    assert.equal(windowAt(30_000, 30), 1);
    assert.equal(windowAt(Date.UTC(2026, 10, 25, 16, 30, 0), 30), 59854140);
  });

  it('rejects weak or malformed parameters, naming each', () => {
    assert.deepEqual(specProblems({ step: 1, length: 0, portLo: 100, portHi: 200, protocols: [] }), [
      'step 1: whole seconds from 5 to 3600',
      'length 0: from 1 to 32 knocks',
      'ports 100-200: at least 256 ports, or sequences are easy to guess',
      'protocols: tcp, udp or both',
    ]);
    assert.throws(() => deriveSequence(Buffer.alloc(8), 'd', 0, DEFAULT), /at least 16 bytes/);
  });

  it('share text and link carry everything, and both parse back', () => {
    const share = { door: 'openSSH', secret: SECRET, spec: DEFAULT, host: 'ssh.example.org' };
    for (const form of [shareText(share), shareLink(share)]) {
      const r = parseShare(form);
      assert.deepEqual(r.problems, []);
      assert.deepEqual(r.share, share);
    }
    assert.equal(encodeSecret(SECRET), 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
    assert.deepEqual(decodeSecret('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'), SECRET);
    assert.deepEqual(parseShare('door: d\nsecret: short\nports: 1-2').problems, [
      'secret: missing or not base64url of at least 16 bytes',
      'step: missing or not a whole number',
      'length: missing or not a whole number',
    ]);
    assert.deepEqual(parseShare('door: d\nsecret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\nstep: 30\nlength: 4\nports: 1-2').problems, [
      'ports 1-2: at least 256 ports, or sequences are easy to guess',
    ]);
    assert.match(parseShare('knocker://time-door?v=2').problems[0], /version 2 is not supported/);
  });

  it('config: Time_ keys make a door without Sequence; the secret file is read and checked', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktime-'));
    try {
      const secretFile = path.join(dir, 'd.secret');
      writeNewSecretFile(secretFile, SECRET);
      assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
      assert.deepEqual(readSecretFile(secretFile).secret, SECRET);
      const conf = `[d]\n  Time_Secret_File = ${secretFile}\n  Time_Step = 60\n  Time_Length = 5\n  Time_Ports = 30000-31000\n  Time_Protocols = udp\n  TCPFlags = syn,!ack\n  Open = 22/tcp\n`;
      const ok = parseKnockdConfig(conf, 'k.conf');
      assert.deepEqual(ok.problems, []);
      assert.deepEqual(ok.config?.doors[0].time, { secretFile, secret: SECRET, step: 60, length: 5, portLo: 30000, portHi: 31000, protocols: ['udp'], line: 2 });
      fs.chmodSync(secretFile, 0o644);
      assert.match(parseKnockdConfig(conf, 'k.conf').problems[0].message, /can be read by other users \(mode 644\)/);
      const bad = parseKnockdConfig(`[d]\n  Sequence = 1,2,3\n  Time_Secret_File = ${dir}/missing\n  Time_Ports = 5-6\n`, 'k.conf');
      const messages = bad.problems.map((p) => `${p.line}: ${p.message}`);
      assert.ok(messages.some((m) => m.includes('derives its sequence: remove Sequence')), messages.join('\n'));
      assert.ok(messages.some((m) => m.includes('No such file or directory') && m.includes('secret new')), messages.join('\n'));
      assert.ok(messages.some((m) => m.includes('Time_Ports 5-6: at least 256 ports')), messages.join('\n'));
      assert.equal(bad.config, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('secret new: writes a 0600 file, refuses to overwrite it, prints a link that parses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksecret-'));
    try {
      const file = path.join(dir, 'sub', 'door.secret');
      const conf = path.join(dir, 'knockd.conf');
      fs.writeFileSync(conf, '[options]\n  UseSyslog\n');
      let out = '';
      const sink = { write: (s: string) => (out += s) };
      assert.equal(secretCommand(['new', 'door', '--file', file, '--host', 'h.example', '-c', conf], sink, sink), 0, out);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      // A time door is strict: the printed door carries TCPFlags, or the agent would refuse it.
      assert.match(out, /\n {4}TCPFlags = syn,!ack\n/);
      const link = out.split('\n').find((l) => l.startsWith('knocker://')) as string;
      const share = parseShare(link).share!;
      assert.deepEqual(share.secret, readSecretFile(file).secret);
      assert.equal(share.host, 'h.example');
      let err = '';
      const errSink = { write: (s: string) => (err += s) };
      assert.equal(secretCommand(['new', 'door', '--file', file, '-c', conf], errSink, errSink), 1);
      assert.match(err, /exists: remove it first/);
      // The door's Time_ settings and secret path come from the config when it has them.
      const conf2 = path.join(dir, 'knockd2.conf');
      const file2 = path.join(dir, 'from-conf.secret');
      fs.writeFileSync(conf2, `[door2]\n  Time_Secret_File = ${file2}\n  Time_Step = 60\n  Time_Length = 6\n  Time_Ports = 30000-30999\n  Time_Protocols = udp\n`);
      out = '';
      assert.equal(secretCommand(['new', 'door2', '-c', conf2], sink, sink), 0, out);
      assert.ok(fs.existsSync(file2));
      const share2 = parseShare(out.split('\n').find((l) => l.startsWith('knocker://')) as string).share!;
      assert.deepEqual(share2.spec, { step: 60, length: 6, portLo: 30000, portHi: 30999, protocols: ['udp'] });
      assert.equal(secretCommand(['new', 'door', '--ports', '1-10', '--file', path.join(dir, 'x'), '-c', conf], errSink, errSink), 1);
      assert.match(err, /at least 256 ports/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('time door windows', () => {
  const door: Door = {
    name: 'td',
    line: 1,
    sequence: [],
    seqTimeout: 25,
    cmdTimeout: 10,
    tcpFlags: { set: 0, clear: 0 },
    time: { secretFile: '/x', secret: SECRET, ...DEFAULT, line: 2 },
  };
  const plain: Door = { name: 'plain', line: 5, sequence: [{ port: 7000, proto: 'tcp' }], seqTimeout: 25, cmdTimeout: 10, tcpFlags: { set: 0, clear: 0 } };
  const at = (w: number, into = 0) => w * 30_000 + into;

  it('accepts the previous, current and next window; the filter also holds the one after', () => {
    const tw = new TimeDoorWindows([plain, door]);
    const active = tw.active(at(1000, 12_000));
    assert.equal(active[0], plain);
    assert.deepEqual(active.slice(1).map((d) => tw.windowOf(d)?.window), [999, 1000, 1001]);
    assert.deepEqual(active.slice(1).map((d) => formatSequence(d.sequence)), [999, 1000, 1001].map((w) => formatSequence(deriveSequence(SECRET, 'td', w, DEFAULT))));
    assert.deepEqual(tw.forFilter(at(1000)).slice(1).map((d) => tw.windowOf(d)?.window), [999, 1000, 1001, 1002]);
    assert.equal(tw.nextChange(at(1000, 12_000)), at(1001));
  });

  it('keeps a window\'s door object while the window stays accepted (attempts survive)', () => {
    const tw = new TimeDoorWindows([door]);
    const before = tw.active(at(1000));
    tw.forFilter(at(1000));
    const after = tw.active(at(1001));
    tw.forFilter(at(1001));
    assert.equal(after[0], before[1], 'window 1000 is the same object');
    assert.equal(after[1], before[2], 'window 1001 is the same object');
  });

  it('a used window is never accepted again', () => {
    const tw = new TimeDoorWindows([door]);
    tw.markUsed('td', 1000);
    assert.deepEqual(tw.active(at(1000)).map((d) => tw.windowOf(d)?.window), [999, 1001]);
    assert.equal(tw.isUsed('td', 1000), true);
  });
});
