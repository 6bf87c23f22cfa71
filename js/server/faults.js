// Fault points for the crash tests (tools/server-faults.mjs): with ZHIXUAN_FAULT_POINTS=a,b set,
// the server stops for ZHIXUAN_FAULT_PAUSE_MS (default 2000) at each named point it reaches,
// after printing `zhixuan fault point: NAME` on stderr, so a test can kill -9 it exactly there
// (SQLite's own crash tests stop at chosen instants the same way). Unset: a no-op.
//   update:stored         an update is committed, its 202 not yet sent
//   aggregate:start       the quorum is in, the aggregator has not summed yet
//   close:in-transaction  the next model is written inside the round's closing transaction
//   close:committed       the round's close is committed, the server has not reopened yet
const points = new Set((process.env.ZHIXUAN_FAULT_POINTS ?? '').split(',').filter(Boolean));
const pauseMs = Number(process.env.ZHIXUAN_FAULT_PAUSE_MS ?? 2000);

export function faultPoint(name) {
  if (!points.has(name)) return;
  process.stderr.write(`zhixuan fault point: ${name}\n`);
  // Synchronous on purpose: nothing else in the process moves while the test takes aim.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
}
