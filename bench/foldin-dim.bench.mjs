// The device's fold-in of one history against the dim, in wasm (Node 20, the package's module):
// what a large-dim model (`zhixuan train --tune --max-dim 1024`) costs a phone-class device per
// history. Exact: the d x d system is formed and Cholesky-factored (d^3 / 3), as it ships.
// 3,600 items (Online Retail's size), gaussian rows, a history of H items (default 20);
// the d = 128 default printed first as the baseline, then the ratio of each dim to it.
//   node bench/foldin-dim.bench.mjs [history=20] [dims=128,256,512,1024]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRecommender } from '../js/index.js';
import { f32BundleV2, gaussianRows, itemIds } from '../tools/bundle-fixtures.mjs';

const historySize = Number(process.argv[2] ?? 20);
const dims = (process.argv[3] ?? '128,256,512,1024').split(',').map(Number);
const items = 3600;
const ids = itemIds(items);
const history = Array.from({ length: historySize }, (_, i) => ids[(i * 173) % items]);

let baseline = 0;
for (const dim of dims) {
  const rec = await createRecommender({ model: f32BundleV2(gaussianRows(items, dim, 5).map((v) => v * 0.1), ids, dim), profile: false });
  rec.foldIn(history);  // warm-up
  const times = [];
  const deadline = performance.now() + 4000;  // about 4 s per dim, at least 5 fold-ins
  while (times.length < 5 || performance.now() < deadline) {
    const t0 = performance.now();
    rec.foldIn(history);
    times.push(performance.now() - t0);
    if (times.length >= 200) break;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  if (!baseline) baseline = median;
  console.log(`d=${dim}: fold-in of ${historySize} items ${median.toFixed(2)} ms median (min ${times[0].toFixed(2)}, ` +
    `${times.length} runs), ${(median / baseline).toFixed(1)}x d=${dims[0]}; load ${os.loadavg()[0].toFixed(2)}`);
  rec.dispose();
}
