// A simulated experiment for the server and dashboard tests and the demo's dashboard: device-days made by the devices'
// own code (the ops room's OpsRuntime: assignment, render, attribution, the day's report), sent
// to a real server either through the day's secure metrics rounds (postSecureDay: the SDK's own
// sendSecureMetrics, one simulated phone per report, the server sees only cohort sums) or noised
// by the SDK's local-noise fallback (postSimulatedDay: noisedReport, posted alone). Behaviour (who
// clicks) comes from a seeded PRNG; the privacy noise from the CSPRNG, as on a device.
import { noisedReport } from '../js/ops.js';
import { sendSecureMetrics } from '../js/federated/secagg-metrics.js';
import { registerClient } from '../js/federated/transport.js';
import { rng } from './bundle-fixtures.mjs';

export const SIM_SLOT = '为你推荐';

export function simExperimentsFile({ version = 'sim-1', noise = 0.02 } = {}) {
  return {
    version,
    model_versions: [],
    slots: [SIM_SLOT, 'banner'],
    channels: ['web', 'mini-program'],
    metrics: { noise_multiplier: noise, max_cells: 4, delta: 1e-6 },
    experiments: [{
      id: 'diversity', salt: 'diversity-2026-12', slots: [SIM_SLOT], description: '为你推荐：多样性 0 对 0.3',
      variants: [{ id: 'control', control: true, weight: 50, params: { diversity: 0 } }, { id: 'div03', weight: 50, params: { diversity: 0.3 } }],
    }],
  };
}

const EMPTY_STATE = JSON.stringify({ format: 'zhixuan-attribution-1', window_s: 86400, impressions: [], days: [] });

/**
 * Posts one simulated day: `users` devices, each shown `k` items in the slot, clicking each with
 * its variant's CTR and buying a clicked item with probability `buy` at `price`. `dropVariant`
 * loses that share of one variant's reports (broken assignment, for the SRM check).
 */
export async function postSimulatedDay(core, url, file, options) {
  return postReports(url, simulatedReports(core, file, options));
}

/**
 * The same day through the secure metrics rounds: the phones join the day's round in cohorts of
 * the server's cohort target (each with its own client token and keys, all in this process);
 * a remainder smaller than the server's minimum cohort takes the local-noise fallback, as a phone
 * would. The simulated phones' ledgers are unlimited. Resolves {secure, local, cohorts}.
 */
export async function postSecureDay(core, url, file, options) {
  const reports = simulatedReports(core, file, options);
  const out = { secure: 0, local: 0, cohorts: 0 };
  while (reports.length) {
    const round = await (await fetch(`${url}/v1/secagg-metrics/round?day=${options.day}`)).json();
    const target = round.secure.cohort_target - round.secure.members;
    if (reports.length < round.secure.min_cohort || !(target > 0)) {
      out.local += await postReports(url, reports.splice(0));
      break;
    }
    const batch = reports.splice(0, target);
    const results = await Promise.all(batch.map(async (report) => sendSecureMetrics({
      core, server: url, report, file, token: await registerClient(url), policy: { pollMs: 100, minCohort: 2 },
      ledger: { chargeable: () => ({ affordable: true }), charge: () => {} },
    })));
    const done = results.filter((r) => r.status === 'completed').length;
    if (done === 0) throw new Error(`no simulated phone completed the metrics round: ${JSON.stringify(results[0])}`);
    out.secure += done;
    out.cohorts++;
  }
  return out;
}

async function postReports(url, reports) {
  for (const report of reports) {
    const response = await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(noisedReport(report)) });
    if (response.status !== 202) throw new Error(`report refused: ${response.status} ${await response.text()}`);
  }
  return reports.length;
}

/** One simulated day's clipped reports (not noised), one per phone. */
export function simulatedReports(core, file, { day, users, seed = 1, ctr = { control: 0.05, div03: 0.07 }, k = 10, buy = 0.2, price = 99, drop = null, userOffset = 0, experiment = 'diversity', slot = SIM_SLOT, channels = ['web', 'mini-program'] }) {
  const runtime = new core.OpsRuntime();
  const random = rng(seed + day);
  const reports = [];
  try {
    const loaded = runtime.load(JSON.stringify(file));
    for (let u = 0; u < users; u++) {
      runtime.restoreState(EMPTY_STATE);
      const stableId = `sim-${userOffset + u}`;
      const channel = random() < 0.7 ? channels[0] : channels[1];
      const now = day * 86400 + 3600 + u;
      const { arms } = JSON.parse(runtime.slot(slot, { stableId, channel, isNew: false, segment: '', now }));
      const variant = arms.find(([e]) => e === experiment)?.[1];
      if (drop && variant === drop.variant && random() < drop.share) continue;
      const items = Array.from({ length: k }, (_, i) => `c${i}`);
      runtime.addRender({ renderId: String(u + 1), slot, list: 'recommend', channel, time: now, arms, items });
      for (const item of items) {
        if (random() < (ctr[variant] ?? 0.05)) {
          runtime.observe('click', item, 0, now + 10);
          if (random() < buy) runtime.observe('purchase', item, price, now + 20);
        }
      }
      reports.push(JSON.parse(runtime.report(day).report));
    }
  } finally {
    runtime.delete();
  }
  return reports;
}
