// CPU time of every process this one started, and their children (a browser and its renderer,
// GPU, network and web processes), from /proc/<pid>/task/<tid>/schedstat (nanoseconds on a
// CPU). In a page, performance.now() counts the waits for a core too; on a shared machine this
// is the cost of the work itself. Linux only: null elsewhere.
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;  // gone meanwhile
  }
}

/** The pids below `root` (default: this process), found by walking /proc's parent links. */
export function descendants(root = process.pid) {
  let pids;
  try { pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number); } catch { return null; }
  const children = new Map();
  for (const pid of pids) {
    const parent = parentOf(pid);
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out = [];
  for (let queue = [root]; queue.length;) {
    for (const child of children.get(queue.shift()) ?? []) { out.push(child); queue.push(child); }
  }
  return out;
}

/** Milliseconds of CPU the given processes' threads have used so far (null off Linux). */
export function cpuMsOf(pids) {
  if (!pids) return null;
  let ns = 0;
  for (const pid of pids) {
    let tids;
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread ended */ }
    }
  }
  return ns / 1e6;
}
