// Helpers of the secure-metrics tests: a server with secure metrics rounds on 127.0.0.1 (real
// HTTP, real SQLite) and devices that are real recommenders (rec.experiments) with a day of
// renders, clicks and purchases behind them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

export const SLOT = '为你推荐';
export const TOKEN = 'm'.repeat(32);

export function metricsFile({ noise = 1, version = 'sec-1', bandits = undefined } = {}) {
  return {
    version,
    model_versions: [],
    slots: [SLOT, 'banner'],
    channels: ['web', 'app'],
    metrics: { noise_multiplier: noise, max_cells: 4, delta: 1e-6 },
    experiments: [{
      id: 'div', salt: 'div-salt', slots: [SLOT],
      variants: [{ id: 'control', control: true, weight: 50, params: {} }, { id: 'div03', weight: 50, params: { diversity: 0.3 } }],
    }],
    ...(bandits ? { bandits } : {}),
  };
}

export async function metricsServer({ file = metricsFile(), cohort, metricsSecure = {}, dataDir = mkdtempSync(path.join(tmpdir(), 'zx-msec-')), ...options } = {}) {
  const logs = [];
  const server = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir, port: 0, experimentsText: JSON.stringify(file), operatorToken: TOKEN,
    requestsPerIpPerMinute: 1e6, registrationsPerIpPerMinute: 1e6, log: (m) => logs.push(m),
    metricsSecure: metricsSecure === false ? false : { minCohort: 3, stageMs: 8000, deadlineMs: 20_000, ...(cohort ? { cohortTarget: cohort } : {}), ...metricsSecure }, ...options,
  });
  return { server, url: server.url, dataDir, logs };
}

export const today = () => Math.floor(Date.now() / 86400000);

/**
 * A device with yesterday behind it: `renders` renders of the slot (k = 5 items), `clicks` clicks
 * on the first items of the last render, `purchases` of them bought at `price`.
 */
export async function deviceWithDay(i, { file = metricsFile(), renders = 1, clicks = 0, purchases = 0, price = 99, channel = i % 2 ? 'web' : 'app', budget = 1000 } = {}) {
  const rec = await createRecommender({ model: checkerboardBundle(), profile: false });
  rec.experiments.load(file);
  rec.experiments.setUser({ stableId: `device-${i}`, channel });
  const at = (today() - 1) * 86400 + 3600 + i;
  rec.experiments._setClock(() => at);
  let list = null;
  for (let r = 0; r < renders; r++) list = rec.experiments.recommend(SLOT, { k: 5, history: ['item0'] });
  for (let c = 0; c < clicks; c++) rec.experiments.track({ type: 'click', item: list.ids[c], ts: (at + 10) * 1000 });
  for (let p = 0; p < purchases; p++) rec.experiments.track({ type: 'purchase', item: list.ids[p], value: price, ts: (at + 20) * 1000 });
  rec.experiments._setClock(() => Date.now() / 1000);
  rec.federated.setConsent(true, { epsilonBudget: budget });
  return rec;
}

/** The stored cells of a version summed per (experiment, variant, slot, channel) key. */
export function storedCells(server, version) {
  return new Map(server.ops.store.cells(version).map((c) => [`${c.experiment}/${c.variant}/${c.slot}/${c.channel}`, c]));
}

/** The devices' clipped reports summed the same way (what the cohort sum must equal). */
export function trueSums(reports) {
  const out = new Map();
  for (const r of reports) {
    r.layout.forEach(([e, v, s, ch], c) => {
      const key = `${e}/${v}/${s}/${ch}`;
      const sums = out.get(key) ?? new Array(13).fill(0);
      for (let j = 0; j < 13; j++) sums[j] += r.values[c * 13 + j];
      out.set(key, sums);
    });
  }
  return out;
}
