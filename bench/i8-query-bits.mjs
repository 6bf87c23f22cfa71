// How many bits the I8 kernel's query needs: recall@10 against the exact F32 ranking when the
// int8 rows meet the query quantized to 7 bits (what one relaxed-SIMD dot per 16 bytes allows:
// its second operand must stay in [0, 127], so a signed query gets 6 bits and a sign, shifted
// up by 64), 8 bits (+-127) and 14 bits (+-8191, the core's quantization, which the relaxed
// kernel keeps with two dots). Plain JS, exact integer sums; the scoring bench's data and seeds.
//   node bench/i8-query-bits.mjs [--n 1000000] [--dim 64] [--queries 60]
import os from 'node:os';
import { gaussian, quantizeI8 } from './lib/data.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean));
const n = Number(args.n ?? 1e6), dim = Number(args.dim ?? 64), count = Number(args.queries ?? 60);
const LEVELS = { '7-bit (+-63)': 63, '8-bit (+-127)': 127, '14-bit (+-8191)': 8191 };

// The top 10 rows under each of `scorers` (called as scorer(r)), in one pass over the rows.
function top10s(scorers) {
  const best = scorers.map(() => []);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < scorers.length; t++) {
      const s = scorers[t](r), b = best[t];
      if (b.length < 10 || s > b[9][0]) {
        b.push([s, r]);
        b.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
        if (b.length > 10) b.pop();
      }
    }
  }
  return best.map((b) => b.map(([, r]) => r));
}

console.log(`# I8 query bits — ${new Date().toISOString()}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${n}x${dim}, ${count} queries (seeds of the scoring bench's recall set)`);
const rows = gaussian(n * dim, 12345 + n + dim);
const { q: q8, scales } = quantizeI8(rows, n, dim);
const hits = Object.fromEntries(Object.keys(LEVELS).map((k) => [k, 0]));
let rowsHits = 0;
for (let i = 0; i < count; i++) {
  const query = gaussian(dim, 500000 + i);
  const max = Math.max(...query.map(Math.abs));
  const quantized = Object.values(LEVELS).map((levels) => query.map((x) => Math.round((x / max) * levels)));
  const dot = (a, r) => { let s = 0; for (let j = 0; j < dim; j++) s += a[r * dim + j] * query[j]; return s; };
  const intDot = (qi, r) => { let s = 0; for (let j = 0; j < dim; j++) s += q8[r * dim + j] * qi[j]; return s * scales[r]; };
  const [exact, dequantized, ...perLevel] = top10s([(r) => dot(rows, r), (r) => dot(q8, r) * scales[r], ...quantized.map((qi) => (r) => intDot(qi, r))]);
  const inExact = new Set(exact);
  rowsHits += dequantized.filter((r) => inExact.has(r)).length;
  Object.keys(LEVELS).forEach((name, t) => { hits[name] += perLevel[t].filter((r) => inExact.has(r)).length; });
  if ((i + 1) % 10 === 0) console.error(`${i + 1} queries`);
}
console.log(`int8 rows, exact float query: recall@10 ${(rowsHits / (10 * count)).toFixed(4)}`);
for (const [name, h] of Object.entries(hits)) console.log(`int8 rows, ${name} query: recall@10 ${(h / (10 * count)).toFixed(4)}`);
