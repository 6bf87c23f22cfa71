// Deterministic randomness for the generator: mulberry32 (tools/random.mjs, shared with tests and benchmarks).
export { rng } from '../../tools/random.mjs';

/** Index drawn with probability proportional to weights[i]. */
export function weightedIndex(next, weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}
