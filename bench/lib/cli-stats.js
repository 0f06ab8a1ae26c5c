'use strict';
// Small helpers the timing benchmarks share: a command-line option's value, a median.

/** The value after `--name` on the command line, or the default. */
function option(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** The median of a list of numbers (not sorted in place). */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

module.exports = { option, median };
