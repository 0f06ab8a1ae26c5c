'use strict';
// Per-process CPU and memory figures from /proc (Linux only).
const fs = require('fs');

const CLK_TCK = 100; // USER_HZ: the unit of utime/stime in /proc/PID/stat on Linux

function readStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  // Fields after "pid (comm) ": state is field 3, ppid 4, utime 14, stime 15.
  const f = text.slice(close + 2).split(' ');
  return { comm, state: f[0], ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]) };
}

/** utime+stime of a process (all its threads), in clock ticks (10 ms); undefined when gone. */
function cpuTicks(pid) {
  const s = readStat(pid);
  return s ? s.utime + s.stime : undefined;
}

/**
 * Time on CPU of the process's live threads in ns, from /proc/PID/task/TID/schedstat: the same
 * quantity as utime+stime at nanosecond resolution (threads that already exited are missing).
 */
function cpuNs(pid) {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let total = 0;
  for (const tid of tids) {
    try {
      total += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* thread ended meanwhile */
    }
  }
  return total;
}

/** VmHWM and VmRSS in KiB. */
function memory(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const get = (k) => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return { hwmKiB: get('VmHWM'), rssKiB: get('VmRSS') };
}

/** Live child processes of pid (scan of /proc), as [{pid, comm}]. */
function childrenOf(pid) {
  const res = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s && s.ppid === pid && s.state !== 'Z') res.push({ pid: Number(name), comm: s.comm });
  }
  return res;
}

module.exports = { CLK_TCK, readStat, cpuTicks, cpuNs, memory, childrenOf };
