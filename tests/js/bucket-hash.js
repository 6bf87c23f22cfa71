// The documented bucket hash (core/include/zhixuan/ops/bucket.hpp), written again here from its
// text, so tests check the SDK's assignment against the documentation, not against itself.
export function bucketOf(salt, id) {
  const M = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(`${salt}:${id}`)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & M;
  }
  h ^= h >> 33n; h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n; h = (h * 0xc4ceb9fe1a85ec53n) & M;
  h ^= h >> 33n;
  return Number(h % 10000n);
}

/** A stable id whose bucket under `salt` falls in [from, to). */
export function idInBuckets(salt, from, to, prefix = 'u') {
  for (let i = 0; ; i++) {
    const id = `${prefix}${i}`;
    const bucket = bucketOf(salt, id);
    if (bucket >= from && bucket < to) return id;
  }
}
