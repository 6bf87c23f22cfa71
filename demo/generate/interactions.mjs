// Synthetic learners with a known latent structure (documented in demo/README.md):
//   - each user has a main interest cluster (and, for 40%, a second one at 25% weight);
//   - each event picks a cluster from that mixture (5% of events: any cluster, as noise),
//     then a course inside it by the course's popularity (Zipf over a fixed random order);
//   - every event is a view; some become favourites, and purchases depend on the user's
//     spending tier (low / mid / high) against the course price;
//   - each user mostly uses one channel.
// One CSV row per (user, course): the strongest interaction's weight (view 1, favourite 2,
// purchase 4) and the time of the last event.
import { CHANNELS, CLUSTERS } from './vocabulary.mjs';
import { rng, weightedIndex } from './random.mjs';

export const EVENT_WEIGHTS = { view: 1, favorite: 2, purchase: 4 };
const TIERS = [
  { name: 'low', share: 0.4, buys: (price) => (price < 100 ? 0.35 : 0.05) },
  { name: 'mid', share: 0.4, buys: (price) => (price < 300 ? 0.3 : 0.1) },
  { name: 'high', share: 0.2, buys: () => 0.35 },
];
const START_TS = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/**
 * @param {{ items: object[] }} catalog from generateCatalog
 * @param {{ seed: number, users?: number }} options
 * @returns {{ rows: {user,item,weight,ts}[], users: {id, clusters, tier, channel}[] }}
 */
export function generateInteractions(catalog, { seed, users = 2400 }) {
  const next = rng(seed);
  const byCluster = CLUSTERS.map((c) => catalog.items.filter((item) => item.cluster === c.key));
  // Course popularity inside its cluster: Zipf (s = 0.9) over a seeded shuffle.
  const popularity = byCluster.map((courses) => {
    const order = courses.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {  // Fisher-Yates
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const weights = new Array(courses.length);
    order.forEach((courseIndex, rank) => { weights[courseIndex] = 1 / (rank + 1) ** 0.9; });
    return weights;
  });
  const clusterShare = CLUSTERS.map((_, i) => 1 / (i + 2) ** 0.4);  // some clusters are bigger

  const rows = [];
  const people = [];
  for (let u = 0; u < users; u++) {
    const main = weightedIndex(next, clusterShare);
    let second = -1;
    if (next() < 0.4) do second = Math.floor(next() * CLUSTERS.length); while (second === main);
    const tier = TIERS[weightedIndex(next, TIERS.map((t) => t.share))];
    const channel = CHANNELS[weightedIndex(next, [3, 4, 2, 3])];
    const id = `u${String(u + 1).padStart(4, '0')}`;
    people.push({ id, clusters: second < 0 ? [CLUSTERS[main].key] : [CLUSTERS[main].key, CLUSTERS[second].key], tier: tier.name, channel });

    const strongest = new Map();  // item -> { weight, ts }
    const events = 5 + Math.floor(-Math.log(Math.max(next(), 1e-9)) * 8);
    let ts = START_TS + Math.floor(next() * 200 * DAY);
    for (let e = 0; e < events; e++) {
      let cluster = second >= 0 && next() < 0.25 ? second : main;
      if (next() < 0.05) cluster = Math.floor(next() * CLUSTERS.length);
      const course = byCluster[cluster][weightedIndex(next, popularity[cluster])];
      let weight = EVENT_WEIGHTS.view;
      if (next() < 0.2) weight = EVENT_WEIGHTS.favorite;
      if (next() < tier.buys(course.price)) weight = EVENT_WEIGHTS.purchase;
      ts += Math.floor(next() * 3 * DAY);
      const before = strongest.get(course.id);
      strongest.set(course.id, { weight: Math.max(weight, before?.weight ?? 0), ts });
    }
    for (const [item, { weight, ts: last }] of strongest) rows.push({ user: id, item, weight, ts: last });
  }
  return { rows, users: people };
}

/** The CSV `zhixuan train --interactions` reads. */
export function interactionsCsv(rows) {
  return `user,item,weight,ts\n${rows.map((r) => `${r.user},${r.item},${r.weight},${r.ts}`).join('\n')}\n`;
}

/** Item ids by number of distinct users, most popular first (the catalog's cold-start list). */
export function popularityRanking(rows, k) {
  const counts = new Map();
  for (const r of rows) counts.set(r.item, (counts.get(r.item) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([id]) => id);
}
