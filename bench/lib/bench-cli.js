'use strict';
// Small helpers every bench script shares: option parsing with --help text, counts like "1m",
// the load average printed beside each figure, and aligned result tables.
const fs = require('fs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function loadavg() {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** "1k" -> 1000, "1m" -> 1000000, "2500" -> 2500. */
function parseCount(text) {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(String(text).trim());
  if (!m) throw new Error(`not a count: ${text}`);
  const mult = { '': 1, k: 1e3, m: 1e6 }[m[2].toLowerCase()];
  return Math.round(Number(m[1]) * mult);
}

function fmtCount(n) {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** Minimal --name value / --flag parser. */
function parseOptions(argv, spec) {
  const o = {};
  for (const [k, v] of Object.entries(spec)) o[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      o.help = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec)) throw new Error(`unknown option ${a}`);
    const s = spec[m[1]];
    if (s.flag) {
      o[m[1]] = true;
      continue;
    }
    const v = m[2] !== undefined ? m[2] : argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    o[m[1]] = s.parse ? s.parse(v) : v;
  }
  return o;
}

function usageText(name, spec) {
  const lines = [`usage: node bench/${name} [options]`];
  for (const [k, v] of Object.entries(spec)) lines.push(`  --${k}${v.flag ? '' : ' ' + (v.arg || 'V')}`.padEnd(26) + `${v.help} (default: ${v.flag ? 'off' : v.show ?? v.default})`);
  return lines.join('\n');
}

/** Render rows (arrays of strings) as an aligned text table. */
function table(header, rows) {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { sleep, loadavg, parseCount, fmtCount, parseOptions, usageText, table };
