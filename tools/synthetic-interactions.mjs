// A seeded synthetic interaction log for training at scale (issue 18): `user,item` CSV rows with
// power-law (Zipf) item popularity and taste clusters, so the factors have something to learn.
//
//   node tools/synthetic-interactions.mjs --out FILE.csv [--interactions 20000000] [--users 1000000]
//        [--items 100000] [--seed 18] [--zipf 1.0] [--clusters 64]
//
// How a row is drawn (the same file on every machine for the same arguments):
// - every user gets one row first, so all --users ids appear; the rest of the rows pick their user
//   with probability proportional to 1 / (rank + 100)^0.5 over a seeded shuffle of the users (at
//   1M users and 20M rows the heaviest user has about 1,000 rows, the median about 15);
// - each user belongs to one of --clusters taste clusters (user index mod clusters); half of the
//   rows pick an item from the global popularity curve P(rank r) ∝ 1 / (r + 1)^zipf, half from the
//   same curve over the cluster's own permutation of the items (rank r -> (r * stride + offset) mod
//   items), so popular items are shared and the rest of a user's items follow their cluster.
// Items no row happens to pick do not appear (the trainer indexes the ids it sees); the generator
// prints how many were drawn. Rows may repeat a (user, item) pair; the trainer sums them.
// rank * stride < items^2 stays exact in a double for any catalog below 9e7 items.
import fs from 'node:fs';
import { rng } from './random.mjs';

const opts = { out: '', interactions: '20000000', users: '1000000', items: '100000', seed: '18', zipf: '1.0', clusters: '64' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opts) || argv[i + 1] === undefined) {
    console.error(`unknown or valueless option ${argv[i]}`);
    process.exit(2);
  }
  opts[key] = argv[i + 1];
}
if (!opts.out) {
  console.error('usage: node tools/synthetic-interactions.mjs --out FILE.csv [--interactions N] [--users U] [--items I] [--seed S]');
  process.exit(2);
}
const N = Number(opts.interactions), U = Number(opts.users), I = Number(opts.items);
const zipf = Number(opts.zipf), clusters = Number(opts.clusters);
if (!(N >= U && U >= 1 && I >= 1 && clusters >= 1)) {
  console.error('need interactions >= users >= 1, items >= 1, clusters >= 1');
  process.exit(2);
}
const next = rng(Number(opts.seed));

// Cumulative weights, sampled by binary search.
function cumulative(n, weight) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cdf[r] = total += weight(r);
  for (let r = 0; r < n; r++) cdf[r] /= total;
  return cdf;
}
function draw(cdf) {
  const x = next();
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}
function shuffled(n) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const itemCdf = cumulative(I, (r) => 1 / Math.pow(r + 1, zipf));
const userCdf = cumulative(U, (r) => 1 / Math.pow(r + 100, 0.5));
const userByRank = shuffled(U);
const itemByRank = shuffled(I);
// A cluster's permutation of ranks: r -> (r * stride + offset) mod I with stride coprime to I.
const gcd = (a, b) => (b ? gcd(b, a % b) : a);
const strides = new Int32Array(clusters), offsets = new Int32Array(clusters);
for (let c = 0; c < clusters; c++) {
  let s = 1 + Math.floor(next() * (I - 1));
  while (gcd(s, I) !== 1) s = (s % (I - 1)) + 1;
  strides[c] = s;
  offsets[c] = Math.floor(next() * I);
}

const fd = fs.openSync(opts.out, 'w');
fs.writeSync(fd, 'user,item\n');
const seenItems = new Uint8Array(I);
let chunk = [];
function emit(user) {
  const rank = draw(itemCdf);
  const c = user % clusters;
  const item = next() < 0.5 ? itemByRank[rank] : itemByRank[(rank * strides[c] + offsets[c]) % I];
  seenItems[item] = 1;
  chunk.push(`u${user},i${item}\n`);
  if (chunk.length === 65536) {
    fs.writeSync(fd, chunk.join(''));
    chunk = [];
  }
}
for (let u = 0; u < U; u++) emit(u);
for (let k = U; k < N; k++) emit(userByRank[draw(userCdf)]);
fs.writeSync(fd, chunk.join(''));
fs.closeSync(fd);
let items = 0;
for (const s of seenItems) items += s;
console.log(`wrote ${opts.out}: ${N} rows, ${U} users, ${items} of ${I} items drawn, seed ${opts.seed}`);
