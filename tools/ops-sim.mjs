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
  const reports = simulatedReports(core, file, options);
  return postReports(url, reports, await clientTokens(url, reports.length));
}

// The simulated phones' client tokens at a server: phone i keeps token i from day to day, as a
// device keeps its registration (so a run registers as many clients as its largest day has phones).
const phoneTokens = new Map();

export async function clientTokens(url, count) {
  let tokens = phoneTokens.get(url) ?? [];
  // Another server may have come up at a reused address since: the metrics endpoint checks the
  // token before the body (401 for a token it never issued, 415 for this text body), storing nothing.
  if (tokens.length && (await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${tokens[0]}` }, body: 'probe' })).status === 401) tokens = [];
  phoneTokens.set(url, tokens);
  while (tokens.length < count) tokens.push(...await Promise.all(Array.from({ length: Math.min(50, count - tokens.length) }, () => registerClient(url))));
  return tokens.slice(0, count);
}

/**
 * The same day through the secure metrics rounds: the phones join the day's round in cohorts of
 * the server's cohort target (each with its own client token and keys, all in this process);
 * a remainder smaller than the server's minimum cohort takes the local-noise fallback, as a phone
 * would. The simulated phones' ledgers are unlimited. `pollMs`: how often a phone asks for the
 * round's stage. Resolves {secure, local, cohorts}.
 */
export async function postSecureDay(core, url, file, { pollMs = 100, ...options }) {
  const reports = simulatedReports(core, file, options);
  const tokens = await clientTokens(url, reports.length);
  const phones = reports.map((report, i) => ({ report, token: tokens[i] }));
  const out = { secure: 0, local: 0, cohorts: 0 };
  while (phones.length) {
    const response = await fetch(`${url}/v1/secagg-metrics/round?day=${options.day}`);
    if (!response.ok) throw new Error(`no metrics round for day ${options.day}: ${response.status} ${await response.text()}`);
    const round = await response.json();
    const target = round.secure.cohort_target - round.secure.members;
    if (phones.length < round.secure.min_cohort || !(target > 0)) {
      const rest = phones.splice(0);
      out.local += await postReports(url, rest.map((p) => p.report), rest.map((p) => p.token));
      break;
    }
    const batch = phones.splice(0, target);
    const results = await Promise.all(batch.map(({ report, token }) => sendSecureMetrics({
      core, server: url, report, file, token, policy: { pollMs, minCohort: 2 },
      ledger: { chargeable: () => ({ affordable: true }), charge: () => {} },
    })));
    const done = results.filter((r) => r.status === 'completed').length;
    if (done === 0) throw new Error(`no simulated phone completed the metrics round: ${JSON.stringify(results[0])}`);
    out.secure += done;
    out.cohorts++;
  }
  return out;
}

// Each report from its own phone (client token), noised by the SDK's local-noise fallback.
async function postReports(url, reports, tokens) {
  for (const [i, report] of reports.entries()) {
    const response = await fetch(`${url}/v1/metrics`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` }, body: JSON.stringify(noisedReport(report)),
    });
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
