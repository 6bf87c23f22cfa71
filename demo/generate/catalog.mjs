// The sample course catalog: every (cluster, topic, format) triple of vocabulary.mjs
// is one course, so 8 x 8 x 5 = 320 courses. Deterministic for a given seed.
import { CHANNELS, CLUSTERS, FORMATS, GIVEN_NAMES, SURNAMES } from './vocabulary.mjs';
import { rng } from './random.mjs';

const pick = (next, list) => list[Math.floor(next() * list.length)];

// Prices end in 9 like real shop prices; free courses stay at 0.
function priceOf(next, cluster, format) {
  if (format.priceFactor === 0) return 0;
  const raw = cluster.basePrice * format.priceFactor * (0.8 + 0.4 * next());
  return Math.max(9, Math.round(raw / 10) * 10 - 1);
}

function channelsOf(next) {
  const channels = CHANNELS.filter(() => next() < 0.7);
  return channels.length ? channels : ['h5'];
}

/**
 * @param {number} seed
 * @returns {{ version: string, items: object[] }} the catalog (ids c001..c320)
 */
export function generateCatalog(seed) {
  const next = rng(seed);
  const teachers = Array.from({ length: 40 }, () => `${pick(next, SURNAMES)}${pick(next, GIVEN_NAMES)}`);
  const items = [];
  CLUSTERS.forEach((cluster, clusterIndex) => {
    const clusterTeachers = teachers.slice(clusterIndex * 5, clusterIndex * 5 + 5);
    for (const [topic, topicTag] of cluster.topics) {
      const teacher = pick(next, clusterTeachers);  // one teacher per topic: a teacher's series
      for (const format of FORMATS) {
        const n = items.length + 1;
        const id = `c${String(n).padStart(3, '0')}`;
        const channels = channelsOf(next);
        const lessons = 6 + Math.floor(next() * 40);
        const item = {
          id,
          title: `${topic} ${format.suffix}`,
          description: `${cluster.name}系列课程，${teacher}主讲，共 ${lessons} 节。`,
          tags: [...new Set([cluster.tag, topicTag, format.level])],
          teacher,
          price: priceOf(next, cluster, format),
          channels,
          lessons,
          cluster: cluster.key,  // the latent label the synthetic users were drawn from (for the docs)
        };
        if (channels.includes('mini-program')) item.aliases = { 'mini-program': `mp_${1000 + n}` };
        items.push(item);
      }
    }
  });
  return { version: `catalog-${seed}`, items };
}
