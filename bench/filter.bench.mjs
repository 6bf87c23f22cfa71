// A recommend() with a filter, repeated: the core compiles a filter once (Session::CompileFilter:
// parsed, its row mask built over the catalog) and serves the same filter text from a cache.
// Timed side by side in one process:
//   same filter   - one filter again and again (a cache hit after the first call);
//   new filter    - 32 different tag filters in turn (more than the cache keeps: every call
//                   parses and scans the catalog, what every call cost before the cache);
//   no filter     - the catalog's default (available items only), also compiled once.
//
//   node bench/filter.bench.mjs [--items 100000] [--dim 64] [--runs 200] [--against DIR]
//
// --against: also measure another checkout (its esm/ or js/ entry with its built dist/), e.g.
// the tree before the cache; its "same filter" is what a repeated filter cost there.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { gaussian, itemIds, makeBundle } from './lib/data.mjs';
import { packageEntry, zhixuanEntry } from './lib/contenders.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const n = Number(args.items ?? 100000);
const dim = Number(args.dim ?? 64);
const runs = Number(args.runs ?? 200);
const TAGS = 32;

// Every item has 3 of 64 tags, a price and two of three channels: the filters below keep about
// one item in seven.
const ids = itemIds(n);
const catalog = {
  model_version: `bench-${n}x${dim}`,
  items: ids.map((id, i) => ({
    id, title: `item ${i}`, price: (i * 37) % 500,
    tags: [`t${i % 64}`, `t${(i * 7) % 64}`, `t${(i * 13) % 64}`],
    channels: i % 3 ? ['web', 'app'] : ['app', 'mini-program'],
  })),
};
const model = makeBundle(gaussian(n * dim, 7), n, dim, 'F32', { withGram: true });
const queries = Array.from({ length: 16 }, (_, q) => Float32Array.from(gaussian(dim, 100 + q)));
const filterOf = (t) => ({ tags: [`t${t}`], maxPrice: 400, channel: 'web' });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(rec, filterAt) {
  for (let i = 0; i < 20; i++) rec.recommend({ userVector: queries[i % queries.length], k: 10, filter: filterAt(i) });
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    rec.recommend({ userVector: queries[i % queries.length], k: 10, filter: filterAt(i) });
    samples.push((performance.now() - t0) * 1000);
  }
  return median(samples);
}

const trees = [['this tree', zhixuanEntry()]];
if (args.against) trees.push([`against ${args.against}`, packageEntry(path.resolve(args.against))]);
console.log(`recommend({userVector, k: 10, filter}) on ${n} items x ${dim} with a catalog, median of ${runs} calls (µs)\n`);
console.log('| tree | same filter | new filter each call | no filter |');
console.log('|---|---|---|---|');
for (const [label, entry] of trees) {
  const { createRecommender } = await import(pathToFileURL(entry).href);
  const rec = await createRecommender({ model, catalog, features: [] });
  const same = time(rec, () => filterOf(5));
  const fresh = time(rec, (i) => filterOf(i % TAGS));
  const none = time(rec, () => undefined);
  console.log(`| ${label} | ${same.toFixed(0)} | ${fresh.toFixed(0)} | ${none.toFixed(0)} |`);
  rec.dispose();
}
