// One day of metrics through secure aggregation (js/server/metrics-rounds.js): the day's clipped
// report (metrics_report.hpp) and the extra blocks (js/metrics-extras.js) become one normalized
// vector (js/metrics-vector.js), which the wasm core quantizes, noises with this device's share
// of the distributed discrete Gaussian and masks in one call (secaggMaskValues); the four stages
// are the model rounds' (secagg-client.js) under /v1/secagg-metrics/. The server learns only the
// cohort's sum.
//
// The device checks before it pays what it checks for a model round (cohort, threshold,
// neighbours, effective noise multiplier, budget), plus: the round sums this day of this file
// version, its clip is the vector's L2 sensitivity and its length the vector's. The ledger is
// charged one Gaussian release at the effective noise multiplier (q = 1) just before the masked
// input leaves.
import { ZhixuanError } from '../errors.js';
import { metricsVectorShape, normalizedVector } from '../metrics-vector.js';
import { randomBytes } from './secagg-crypto.js';
import { runSecureRound } from './secagg-client.js';
import { failure, serverUrl } from './transport.js';

/** Defaults of the device's metrics policy (besides secagg-client.js SECURE_DEFAULTS). */
export const METRICS_POLICY_DEFAULTS = Object.freeze({
  cohortWaitMs: 60_000,  // waits this long for the cohort to form, then the day takes the local-noise fallback
});

/** The ledger's mechanism of one day (one Gaussian release, q = 1) at noise multiplier z. */
export function metricsMechanism(z, delta) {
  return { round_id: 0, base_version: 'metrics', sampling_rate: 1, noise_multiplier: z, delta };
}

/** GET the open metrics round of `day`; null when the server has none (then: the local fallback). */
export async function fetchMetricsRound(server, day, fetchImpl) {
  const response = await fetchImpl(serverUrl(server, `v1/secagg-metrics/round?day=${day}`), { cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw await failure(response, 'metrics round');
  return response.json();
}

/**
 * Sends `report` (rec.experiments.report(day)) and the extra blocks' values (`extraValues(blocks)`,
 * from the blocks the round declares) through the day's secure round.
 * Resolves {status: 'completed'|'declined'|'aborted'|'dropped', reason?, ...}; 'declined' with
 * reason 'no-secure-round' or 'cohort-too-small' is where the caller may fall back to local noise.
 */
/** The device's federated ledger as the round's {chargeable(z), charge(z)} (one release a day at the file's delta). */
export function federatedLedger(core, federated, delta) {
  const mechanism = (z) => JSON.stringify(metricsMechanism(z, delta));
  return {
    chargeable: (z) => {
      const status = core.federatedLedgerStatus(federated._ledger, mechanism(z));
      return { affordable: status.affordable, epsilonAfter: status.epsilonAfter, budget: status.budget };
    },
    charge: (z) => {
      federated._ledger = core.federatedLedgerCharge(federated._ledger, mechanism(z)).ledger;
      federated._save().catch((error) => console.warn(`zhixuan metrics: ledger not stored (${error.message})`));
    },
  };
}

export async function sendSecureMetrics({ core, federated, server, report, file, extraValues = () => ({}), fetch: fetchImpl = globalThis.fetch, policy = {}, dropAfter = null, onVector = null, ledger = federatedLedger(core, federated, report.delta), token = null }) {
  const round = await fetchMetricsRound(server, report.day, fetchImpl);
  if (!round) return { status: 'declined', reason: 'no-secure-round' };
  if (round.kind !== 'metrics' || round.day !== report.day || round.experiments_version !== report.experiments_version) {
    return { status: 'declined', reason: 'round-mismatch', round: round.round_id };
  }
  const shape = metricsVectorShape({ layout: report.layout, file }, round.extras ?? []);
  if (Math.abs(shape.sensitivity - round.sensitivity) > 1e-9 * shape.sensitivity || round.cells !== report.layout.length) {
    return { status: 'declined', reason: 'round-mismatch', round: round.round_id };
  }
  const vector = normalizedVector(report, shape, extraValues(shape.extras));
  onVector?.(vector, shape);  // tests: what this device put in
  const { chargeable, charge } = ledger;
  const maskedInput = (params, index, peers, secrets, selfSeed) => {
    if (params.length !== shape.length || Math.abs(params.clip - shape.sensitivity) > 1e-9 * shape.sensitivity) {
      throw new ZhixuanError('SERVER_MISBEHAVED', 'the metrics round\'s params do not match its declared shape');
    }
    return core.secaggMaskValues(vector, JSON.stringify(params), index, randomBytes(32), selfSeed, peers, secrets).masked;
  };
  const clientToken = token ?? (() => federated._clientToken(server, fetchImpl));  // registers only past the checks
  const p = { ...METRICS_POLICY_DEFAULTS, ...policy };
  try {
    return await runSecureRound({
      core, server, token: clientToken, round: { round_id: round.round_id, secure: round.secure }, maskedInput, chargeable, charge,
      policy: { ...policy, advertiseWaitMs: p.cohortWaitMs }, fetch: fetchImpl, dropAfter, base: 'v1/secagg-metrics',
    });
  } catch (error) {
    if (!(error instanceof ZhixuanError)) throw error;
    // The cohort did not form in time (nothing was charged or sent but keys), or closed before
    // this device came: the day is still unreported.
    if (error.code === 'ROUND_TIMEOUT' && error.stage === 'advertise') return { status: 'declined', reason: 'cohort-too-small', round: round.round_id };
    // This device already waited in this round's advertise stage (an earlier send gave up on it).
    if (error.code === 'DUPLICATE_MESSAGE' && error.afterAdvertise === false) return { status: 'declined', reason: 'cohort-too-small', round: round.round_id };
    if (['OUT_OF_STAGE', 'STALE_ROUND'].includes(error.code)) return { status: 'declined', reason: 'round-in-progress', round: round.round_id };
    throw error;
  }
}
