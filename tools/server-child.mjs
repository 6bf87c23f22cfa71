// `zhixuan serve` as a child process for the load and crash tools: start it on a data directory,
// read its address, watch its stderr, kill it with SIGKILL.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../js/server/cli.js', import.meta.url));

/** Starts `zhixuan serve ARGS`; resolves with {child, url, pid, onStderrLine(fn)} once it listens (onLine(line, child) sees stderr from the start). */
export function startServerChild(args, { env = {}, onLine = null } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const listeners = new Set(onLine ? [onLine] : []);
    let out = '';
    let err = '';
    let pending = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (https?:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1], pid: child.pid, onStderrLine: (fn) => listeners.add(fn), stderr: () => err });
    });
    child.stderr.on('data', (d) => {
      err += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) for (const fn of listeners) fn(line, child);
    });
    child.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}) before listening: ${err}`)));
  });
}

/** kill -9; resolves once the process is gone. */
export function killHard(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

/** Peak resident memory of a live process (VmHWM), in bytes; null when unreadable. */
export async function peakRss(pid) {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) * 1024;
  } catch {
    return null;
  }
}
