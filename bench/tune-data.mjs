// A seeded synthetic interaction data set the project has never tuned on, written as a split
// directory with the protocol of ../shared/EVALUATION.md (train.csv, test_history.csv,
// test_target.csv), for `zhixuan train --tune` against a tuned EASE (bench/tune-eval.mjs).
//
// Not drawn from iALS's own model (a low-rank matrix plus noise would flatter it). Each user's
// items are a Plackett-Luce draw without replacement (Gumbel top-k) over
//   log w_ui = (0.4 + m_u) * log pop_i + tau * <taste_u, topics_i>
// - popularity pop_i: Zipf (rank^-0.9) over a random order of the items;
// - topics: 24 topics; an item has a main topic and, half the time, a second one at half weight;
//   a user likes 1-3 topics with exponential weights; tau = 4 makes tastes sharp (nonlinear in
//   the dot product);
// - m_u in [0, 1]: how mainstream the user is (popularity matters more for some users);
// - activity: lognormal, median 25 items, clamped to 5..400;
// - series: 30% of the items come in series of 2-5 sharing a main topic; a user who takes one
//   item of a series takes another of it with probability 0.5 (item-to-item structure);
// - noise: 5% of each user's items are drawn by popularity alone.
//
//   node bench/tune-data.mjs OUT_DIR [--users 2500] [--items 3000] [--seed 2026]
import { rng } from '../tools/random.mjs';
import { writeProtocolSplit } from './lib/protocol-split.mjs';

const [out, ...rest] = process.argv.slice(2);
const opts = { users: '2500', items: '3000', seed: '2026' };
for (let i = 0; i < rest.length; i += 2) opts[rest[i].replace(/^--/, '')] = rest[i + 1];
if (!out) {
  console.error('usage: node bench/tune-data.mjs OUT_DIR [--users 2500] [--items 3000] [--seed 2026]');
  process.exit(2);
}
const users = Number(opts.users), items = Number(opts.items);
const next = rng(Number(opts.seed));
const gauss = () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
const topics = 24, tau = 4;

// Items: popularity, topics, series.
const order = [...Array(items).keys()];
for (let i = items - 1; i > 0; i--) {
  const j = Math.floor(next() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
const logPop = new Float64Array(items);
order.forEach((item, rank) => (logPop[item] = -0.9 * Math.log(rank + 1)));
const itemTopics = Array.from({ length: items }, () => {
  const main = Math.floor(next() * topics);
  const second = next() < 0.5 ? Math.floor(next() * topics) : -1;
  return { main, second };
});
const seriesOf = new Int32Array(items).fill(-1);
const series = [];
for (let i = 0; i < items;) {
  if (next() < 0.3 / 3.5) {  // ~30% of the items in series of mean size 3.5
    const size = 2 + Math.floor(next() * 4);
    const members = [];
    for (let k = 0; k < size && i < items; k++, i++) {
      itemTopics[i].main = itemTopics[members[0] ?? i].main;
      seriesOf[i] = series.length;
      members.push(i);
    }
    series.push(members);
  } else {
    i++;
  }
}

// Users: tastes, mainstreamness, activity; Gumbel top-k draws.
const positives = [];
const logW = new Float64Array(items);
for (let u = 0; u < users; u++) {
  const taste = new Float64Array(topics);
  const liked = 1 + Math.floor(next() * 3);
  for (let k = 0; k < liked; k++) taste[Math.floor(next() * topics)] += -Math.log(Math.max(next(), 1e-12));
  const norm = Math.hypot(...taste);
  const mainstream = next();
  const activity = Math.min(400, Math.max(5, Math.round(Math.exp(Math.log(25) + 0.9 * gauss()))));
  for (let i = 0; i < items; i++) {
    const t = itemTopics[i];
    const affinity = (taste[t.main] + (t.second >= 0 ? 0.5 * taste[t.second] : 0)) / norm;
    logW[i] = (0.4 + mainstream) * logPop[i] + tau * affinity - Math.log(-Math.log(Math.max(next(), 1e-12)));
  }
  const noise = Math.round(0.05 * activity);
  const ranked = [...Array(items).keys()].sort((a, b) => logW[b] - logW[a]);
  const chosen = new Set(ranked.slice(0, activity - noise));
  for (const i of [...chosen]) {
    if (seriesOf[i] >= 0 && next() < 0.5) {
      const members = series[seriesOf[i]];
      chosen.add(members[Math.floor(next() * members.length)]);
    }
  }
  while (chosen.size < activity + 0) {  // popularity-only noise (and refill after series overlaps)
    let best = -1, bestW = -Infinity;
    for (let k = 0; k < 8; k++) {  // a cheap popularity-biased pick: best of 8 Gumbel-perturbed draws
      const i = Math.floor(next() * items);
      const w = logPop[i] - Math.log(-Math.log(Math.max(next(), 1e-12)));
      if (w > bestW) (best = i), (bestW = w);
    }
    chosen.add(best);
  }
  for (const i of chosen) positives.push([u, i]);
}

// The EVALUATION.md split.
const byUser = new Map();
for (const [u, i] of positives) (byUser.get(u) ?? byUser.set(u, []).get(u)).push(i);
const { trainUsers, trainItems, trainRows, heldOut } = writeProtocolSplit(out, byUser);
console.log(`${out}: ${positives.length} positives of ${users} users x ${items} items (seed ${opts.seed}); ` +
  `train ${trainUsers} users, ${trainItems} items, ${trainRows} rows; ${heldOut} test users`);
