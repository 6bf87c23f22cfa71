// A smoke run of the in-page scoring benchmark (bench/engines-scoring.bench.mjs) in the engine
// under test ($ZX_ENGINE), at a size small enough for CI: every contender (zhixuan F32, F16, I8,
// tfjs-wasm, onnxruntime-web) loads in the page from the bench's server, and the F32 peers find
// the ten rows zhixuan F32 finds, so the benchmark's figures compare the same work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentBrowser, engine, newPage, skip } from './engine-harness.js';
import { startPageServer } from '../../bench/lib/page-server.mjs';

test(`${engine}: the scoring benchmark's page loads zhixuan and both peers, and the F32 contenders agree`, { skip }, async (t) => {
  const server = await startPageServer();
  t.after(() => server.close());
  const page = await newPage(t);
  await page.goto(`${server.base}/bench/page/scoring.html`);
  await page.waitForFunction(() => window.zxBenchReady === true, null, { timeout: 30000 });
  const result = await page.evaluate(async () => {
    const bench = window.zxBench;
    bench.makeData(2000, 32);
    const prepared = {};
    for (const name of bench.names) prepared[name] = await bench.prepare(name);
    bench.dropRows();
    const tops = {};
    for (const name of bench.names.filter((n) => !prepared[n].error)) {
      tops[name] = [];
      for (let q = 0; q < 4; q++) tops[name].push((await bench.sample({ name, reps: 1, start: q, k: 10 })).rows);
    }
    const info = await bench.info();
    await bench.disposeAll();
    return { prepared, tops, info };
  });
  t.diagnostic(`${engine} ${currentBrowser().version}: cross-origin isolated ${result.info.crossOriginIsolated}, I8 kernel ${result.info.i8Kernel}`);
  for (const [name, p] of Object.entries(result.prepared)) assert.equal(p.error, undefined, `${name}: ${p.error}`);
  const reference = result.tops['zhixuan F32'];
  assert.equal(reference.length, 4);
  assert.ok(reference.every((rows) => rows.length === 10 && new Set(rows).size === 10));
  // The peers sum in another order (a near-tie may swap places, not leave the ten).
  const sorted = (tops) => tops.map((rows) => [...rows].sort((a, b) => a - b));
  for (const name of ['tfjs-wasm', 'onnxruntime-web']) assert.deepEqual(sorted(result.tops[name]), sorted(reference), name);
  // F16 and I8 rank their rounded rows: (most of) the exact top 10.
  const hits = (name) => result.tops[name].reduce((sum, rows, i) => sum + rows.filter((r) => reference[i].includes(r)).length, 0);
  assert.ok(hits('zhixuan F16') >= 38, `F16 recall@10 ${hits('zhixuan F16') / 40}`);
  assert.ok(hits('zhixuan I8') >= 32, `I8 recall@10 ${hits('zhixuan I8') / 40}`);
});
