// Sequence grammars: knockd 0.8's exact `Sequence` grammar (reference §1.4) and our strict one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  SEQ_MAX,
  asciiUpper,
  atoi,
  atoiDetailed,
  cTrim,
  formatSequence,
  parseKnockdSequence,
  parseStrictSequence,
  sameSequence,
  splitLikeFgets,
} from '../src/config/sequence-grammar.js';
import type { Knock } from '../src/types.js';

const tcp = (port: number): Knock => ({ port, proto: 'tcp' });
const udp = (port: number): Knock => ({ port, proto: 'udp' });

function ok(value: string): { knocks: Knock[]; warnings: string[] } {
  const r = parseKnockdSequence(value);
  if ('error' in r) assert.fail(`unexpected error for ${JSON.stringify(value)}: ${r.error}`);
  return r;
}

function err(value: string): { error: string; item?: number; itemText?: string; detail?: string } {
  const r = parseKnockdSequence(value);
  if (!('error' in r)) assert.fail(`expected an error for ${JSON.stringify(value)}`);
  return r;
}

describe('atoi (glibc semantics)', () => {
  it('reads plain decimal numbers', () => {
    assert.equal(atoi('42'), 42);
    assert.equal(atoi('0'), 0);
    assert.equal(atoi('007'), 7);
  });
  it('skips leading C whitespace and takes one optional sign', () => {
    assert.equal(atoi('  \t\n\v\f\r42'), 42);
    assert.equal(atoi('+7'), 7);
    assert.equal(atoi('-3'), -3);
    assert.equal(atoi('- 5'), 0);
    assert.equal(atoi('+-5'), 0);
  });
  it('stops at the first non-digit ("5s" is 5, "1 2" is 1, "0x50" is 0)', () => {
    assert.equal(atoi('5s'), 5);
    assert.equal(atoi('1 2'), 1);
    assert.equal(atoi('0x50'), 0);
    assert.equal(atoi('8000 # comment'), 8000);
  });
  it('reads non-numbers and the empty string as 0', () => {
    assert.equal(atoi('abc'), 0);
    assert.equal(atoi(''), 0);
    assert.equal(atoi('   '), 0);
  });
  it('keeps the low 32 bits of the long (the cast to int wraps)', () => {
    assert.equal(atoi('2147483647'), 2147483647);
    assert.equal(atoi('2147483648'), -2147483648);
    assert.equal(atoi('4294967296'), 0);
    assert.equal(atoi('4294967297'), 1);
    assert.equal(atoi('99999999999'), 1215752191);
  });
  it('saturates at the 64-bit limits before the cast (strtol)', () => {
    assert.equal(atoi('99999999999999999999'), -1);
    assert.equal(atoi('-99999999999999999999'), 0);
    assert.equal(atoi('9223372036854775807'), -1);
  });
  it('reports what it noticed', () => {
    assert.deepEqual(atoiDetailed('5s'), { value: 5, noDigits: false, trailing: 's', overflow: false });
    assert.deepEqual(atoiDetailed(' 12 '), { value: 12, noDigits: false, trailing: '', overflow: false });
    assert.equal(atoiDetailed('abc').noDigits, true);
    assert.equal(atoiDetailed('4294967296').overflow, true);
  });
});

describe('parseKnockdSequence (knockd 0.8, §1.4)', () => {
  it('reads PORT and PORT:PROTO items, TCP by default', () => {
    const r = ok('7000,8000:udp,9000');
    assert.deepEqual(r.knocks, [tcp(7000), udp(8000), tcp(9000)]);
    assert.deepEqual(r.warnings, []);
  });
  it('trims the protocol and ignores its case ("7000 : TCP ,  8000:Udp")', () => {
    const r = ok('7000 : TCP ,  8000:Udp');
    assert.deepEqual(r.knocks, [tcp(7000), udp(8000)]);
    assert.deepEqual(r.warnings, []);
  });
  it('reads the reference example -1,abc,,0x50,65535,7000, as 65535,0,0,0,65535,7000,0', () => {
    const r = ok('-1,abc,,0x50,65535,7000,');
    assert.deepEqual(r.knocks.map((k) => k.port), [65535, 0, 0, 0, 65535, 7000, 0]);
    assert.ok(r.knocks.every((k) => k.proto === 'tcp'));
    assert.equal(r.warnings.length, 5);
  });
  it('casts negative ports to 16 bits unsigned (-1 is 65535, -65535 is 1), with a warning', () => {
    assert.deepEqual(ok('-1').knocks, [tcp(65535)]);
    assert.deepEqual(ok('-65535').knocks, [tcp(1)]);
    assert.deepEqual(ok('-65536').knocks, [tcp(0)]);
    assert.match(ok('-1').warnings[0], /^sequence item "-1" is read as port 65535 \(knockd wraps negative numbers/);
  });
  it('reads a non-numeric item as port 0, with a warning', () => {
    const r = ok('abc');
    assert.deepEqual(r.knocks, [tcp(0)]);
    assert.deepEqual(r.warnings, ['sequence item "abc" is read as port 0 (knockd reads non-numbers as 0)']);
  });
  it('reads an empty value, a doubled and a trailing comma as port-0 knocks', () => {
    assert.deepEqual(ok('').knocks, [tcp(0)]);
    assert.deepEqual(ok('1,,2').knocks, [tcp(1), tcp(0), tcp(2)]);
    const r = ok('1,2,');
    assert.deepEqual(r.knocks, [tcp(1), tcp(2), tcp(0)]);
    assert.match(r.warnings[0], /^sequence item 3 is empty and is read as port 0/);
  });
  it('stops a port at the first non-digit ("0x50" is 0, "8000 # c" is 8000), with a warning', () => {
    assert.deepEqual(ok('0x50').knocks, [tcp(0)]);
    const r = ok('8000 # c');
    assert.deepEqual(r.knocks, [tcp(8000)]);
    assert.match(r.warnings[0], /is read as port 8000 \(knockd stops reading the number at "# c"\)/);
  });
  it('wraps numbers that overflow the int instead of rejecting them', () => {
    assert.deepEqual(ok('4294967296').knocks, [tcp(0)]);
    assert.deepEqual(ok('99999999999999999999').knocks, [tcp(65535)]);
    assert.match(ok('4294967296').warnings[0], /overflows/);
  });
  it('warns about an explicit port 0', () => {
    assert.deepEqual(ok('0').knocks, [tcp(0)]);
    assert.match(ok('0').warnings[0], /port 0/);
  });
  it('rejects a port above 65535 with knockd\'s text, the port as written', () => {
    const r = err('7000,70000');
    assert.equal(r.error, 'port 70000 is invalid');
    assert.equal(r.item, 2);
    assert.equal(r.itemText, '70000');
    assert.equal(err('65536').error, 'port 65536 is invalid');
    assert.equal(err('7000, 70000 :udp').error, 'port  70000  is invalid');
  });
  it('rejects 99999999999 (the int keeps 1215752191, which is above 65535)', () => {
    assert.equal(err('99999999999').error, 'port 99999999999 is invalid');
  });
  it('rejects an unknown protocol', () => {
    const r = err('7000,8000:icmp');
    assert.equal(r.error, 'unknown protocol in knock sequence');
    assert.equal(r.item, 2);
    assert.match(r.detail ?? '', /icmp/);
  });
  it('rejects an empty protocol after ":" ("80:")', () => {
    assert.equal(err('80:').error, 'unknown protocol in knock sequence');
  });
  it('ignores fields after a second ":", with a warning', () => {
    const r = ok('1:udp:junk');
    assert.equal(r.knocks[0].proto, 'udp');
    assert.match(r.warnings[0], /\("junk"\) is ignored/);
    // "2::x": empty protocol field is an error even if more follows
    assert.equal(err('2::x').error, 'unknown protocol in knock sequence');
  });
  it('accepts 32 items and rejects a 33rd', () => {
    const many = (n: number): string => Array.from({ length: n }, (_, i) => String(1000 + i)).join(',');
    assert.equal(ok(many(SEQ_MAX)).knocks.length, 32);
    const r = err(many(33));
    assert.equal(r.error, 'too many ports in knock sequence');
    assert.equal(r.item, 33);
    // a trailing comma after 32 items is a 33rd (empty) item
    assert.equal(err(many(32) + ',').error, 'too many ports in knock sequence');
  });
  it('checks items in order: an error before the 33rd item wins', () => {
    const items = Array.from({ length: 40 }, (_, i) => String(1000 + i));
    items[4] = '70000';
    assert.equal(err(items.join(',')).error, 'port 70000 is invalid');
  });
  it('allows repeated ports', () => {
    assert.deepEqual(ok('6000,6000,6001').knocks, [tcp(6000), tcp(6000), tcp(6001)]);
  });
});

describe('parseStrictSequence (our CLI/app grammar)', () => {
  it('accepts comma-separated items', () => {
    assert.deepEqual(parseStrictSequence('7000,8000:udp,9000'), { knocks: [tcp(7000), udp(8000), tcp(9000)] });
  });
  it('accepts whitespace-separated and mixed items, any case of protocol', () => {
    assert.deepEqual(parseStrictSequence('  7000 8000:UDP\t9000:Tcp '), { knocks: [tcp(7000), udp(8000), tcp(9000)] });
    assert.deepEqual(parseStrictSequence('7000, 8000:udp 9000'), { knocks: [tcp(7000), udp(8000), tcp(9000)] });
  });
  it('rejects an empty sequence', () => {
    assert.match((parseStrictSequence('  ') as { error: string }).error, /empty/);
  });
  it('names the offending item and position for a bad port', () => {
    assert.deepEqual(parseStrictSequence('7000,80x'), { error: 'item 2 ("80x"): port must be a number from 1 to 65535' });
    assert.deepEqual(parseStrictSequence('0'), { error: 'item 1 ("0"): port must be a number from 1 to 65535' });
    assert.deepEqual(parseStrictSequence('1 65536'), { error: 'item 2 ("65536"): port must be a number from 1 to 65535' });
    assert.deepEqual(parseStrictSequence('-1'), { error: 'item 1 ("-1"): port must be a number from 1 to 65535' });
    assert.deepEqual(parseStrictSequence('+80'), { error: 'item 1 ("+80"): port must be a number from 1 to 65535' });
    assert.deepEqual(parseStrictSequence(':udp'), { error: 'item 1 (":udp"): port must be a number from 1 to 65535' });
  });
  it('names the offending item for a bad protocol', () => {
    assert.deepEqual(parseStrictSequence('7000 8000:icmp'), { error: 'item 2 ("8000:icmp"): protocol must be tcp or udp' });
    assert.deepEqual(parseStrictSequence('8000:'), { error: 'item 1 ("8000:"): protocol must be tcp or udp' });
    assert.deepEqual(parseStrictSequence('8000:udp:x'), { error: 'item 1 ("8000:udp:x"): protocol must be tcp or udp' });
  });
  it('rejects empty items (doubled, leading or trailing commas)', () => {
    assert.deepEqual(parseStrictSequence('7000,,8000'), { error: 'item 2 (""): empty item (two commas in a row)' });
    assert.deepEqual(parseStrictSequence('7000,'), { error: 'item 2 (""): empty item (a trailing comma)' });
    assert.deepEqual(parseStrictSequence(',7000'), { error: 'item 1 (""): empty item (a leading comma)' });
  });
  it('accepts 1 to 32 items', () => {
    const items = (n: number): string => Array.from({ length: n }, (_, i) => String(1 + i)).join(' ');
    assert.equal((parseStrictSequence(items(32)) as { knocks: Knock[] }).knocks.length, 32);
    assert.deepEqual(parseStrictSequence(items(33)), { error: 'too many items: 33 (at most 32)' });
  });
});

describe('formatSequence', () => {
  it('writes tcp without suffix and udp with ":udp"', () => {
    assert.equal(formatSequence([tcp(7000), udp(8000), tcp(9000)]), '7000,8000:udp,9000');
    assert.equal(formatSequence([]), '');
  });
  it('round-trips through both grammars', () => {
    const knocks = [udp(1), tcp(65535), udp(22)];
    assert.deepEqual(parseStrictSequence(formatSequence(knocks)), { knocks });
    assert.deepEqual(ok(formatSequence(knocks)).knocks, knocks);
  });
  it('sameSequence compares knock by knock', () => {
    assert.equal(sameSequence([tcp(1), udp(2)], [tcp(1), udp(2)]), true);
    assert.equal(sameSequence([tcp(1), udp(2)], [tcp(1), tcp(2)]), false);
    assert.equal(sameSequence([tcp(1)], [tcp(1), tcp(1)]), false);
  });
});

describe('lexical helpers', () => {
  it('cTrim trims only C whitespace (not NBSP)', () => {
    assert.equal(cTrim(' \t\v\f\r\nx y\r\n'), 'x y');
    assert.equal(cTrim('\u00a0x\u00a0'), '\u00a0x\u00a0');
  });
  it('asciiUpper changes only a-z (toupper in the C locale)', () => {
    assert.equal(asciiUpper('seq_Timeout'), 'SEQ_TIMEOUT');
    assert.equal(asciiUpper('\u017fequence'), '\u017fEQUENCE');
  });
  it('splitLikeFgets splits at newlines, keeping byte offsets', () => {
    const lines = splitLikeFgets(Buffer.from('a\r\nbc\n\nd'));
    assert.deepEqual(lines, [
      { line: 1, offset: 0, text: 'a\r' },
      { line: 2, offset: 3, text: 'bc' },
      { line: 3, offset: 6, text: '' },
      { line: 4, offset: 7, text: 'd' },
    ]);
  });
  it('splitLikeFgets continues a line longer than 4095 bytes as the next line', () => {
    const lines = splitLikeFgets(Buffer.from('x'.repeat(4100) + '\ny\n'));
    assert.deepEqual(lines.map((l) => [l.line, l.text.length]), [[1, 4095], [2, 5], [3, 1]]);
    assert.equal(lines[1].offset, 4095);
  });
  it('splitLikeFgets: a line of exactly 4095 bytes leaves its newline as an extra empty line', () => {
    const lines = splitLikeFgets(Buffer.from('x'.repeat(4095) + '\ny\n'));
    assert.deepEqual(lines.map((l) => [l.line, l.text]), [[1, 'x'.repeat(4095)], [2, ''], [3, 'y']]);
  });
  it('splitLikeFgets cuts a line at a NUL byte (C strings end there)', () => {
    const lines = splitLikeFgets(Buffer.from('ab\0cd\n\0x\n'));
    assert.deepEqual(lines.map((l) => l.text), ['ab', '']);
  });
  it('splitLikeFgets treats a lone CR as ordinary text (old Mac files are one line)', () => {
    assert.equal(splitLikeFgets(Buffer.from('[a]\rsequence=1\r')).length, 1);
  });
});
