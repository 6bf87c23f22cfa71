// Seeded randomness (mulberry32) for fixtures, benchmarks and the demo generator: the same numbers on every machine.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianRows(n, dim, seed) {
  const next = rng(seed);
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < rows.length; i++) {
    const u = Math.max(next(), 1e-12);
    rows[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return rows;
}
