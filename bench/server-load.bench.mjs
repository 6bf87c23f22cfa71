// The aggregation server under load (tools/server-load.mjs): DEVICES real HTTP clients on
// loopback upload into one round at once; `zhixuan serve` in its own process. Printed beside the
// baseline of the same server taking one device at a time: acknowledgement latency p50/p99, the
// burst's wall time, the server's peak resident memory; and the exactly-once checks.
// Usage: node bench/server-load.bench.mjs [--devices 2000] [--sequential 50] [--rows 200] [--dim 32] [--reps 1]
import os from 'node:os';
import { runLoad } from '../tools/server-load.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1]]] : acc), []));
const devices = Number(args.devices ?? 2000);
const sequential = Number(args.sequential ?? 50);
const rows = Number(args.rows ?? 200);
const dim = Number(args.dim ?? 32);
const reps = Number(args.reps ?? 1);

const ms = (x) => `${x.toFixed(1)} ms`;
const mb = (x) => (x === null ? '?' : `${(x / 2 ** 20).toFixed(0)} MiB`);
console.log(`server load: ${devices} devices at once after ${sequential} one at a time, model ${rows} x ${dim}; load average ${os.loadavg()[0].toFixed(1)}`);
let failed = false;
for (let rep = 0; rep < reps; rep++) {
  const r = await runLoad({ devices, sequential, rows, dim });
  console.log(`payload ${r.payloadBytes} bytes`);
  console.log('| acknowledgement latency | one device at a time (baseline) | all at once |');
  console.log('|---|---:|---:|');
  console.log(`| p50 | ${ms(r.sequentialP50)} | ${ms(r.p50)} |`);
  console.log(`| p99 | ${ms(r.sequentialP99)} | ${ms(r.p99)} |`);
  console.log(`| max | | ${ms(r.max)} |`);
  console.log(`burst of ${devices}: ${ms(r.wallMs)} wall (${(devices / (r.wallMs / 1000)).toFixed(0)} updates/s); server peak RSS ${mb(r.peakRss)} (before the burst ${mb(r.rssBeforeBurst)})`);
  const ok = r.acknowledged === r.total && r.failures.length === 0 && r.countsExact && r.closedAccepted === r.total && r.integrity === 'ok';
  console.log(`exactly once: ${r.acknowledged}/${r.total} acknowledged (202), failures ${JSON.stringify(r.failures.slice(0, 5))}, ` +
    `counts 1..${r.total} each once: ${r.countsExact}, closed round holds ${r.closedAccepted}, integrity_check ${r.integrity} -> ${ok ? 'OK' : 'BROKEN'}`);
  failed ||= !ok;
}
process.exit(failed ? 1 : 0);
