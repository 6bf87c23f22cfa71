// participate() through secure aggregation: the device's policy checks, the ledger charge (q = 1
// unless the device itself drew its participation with probability q from crypto.getRandomValues)
// and the one crossing into the wasm core for the masked input (fold-in, gradient, clip, rotation,
// rounding, discrete Gaussian noise, masks).
import { ZhixuanError } from '../errors.js';
import { randomBytes } from './secagg-crypto.js';
import { runSecureRound } from './secagg-client.js';

/**
 * Draws the device's own participation: true with probability q (uniform u32 from
 * crypto.getRandomValues < q * 2^32). Only a device that drew may count amplification by sampling.
 */
export function drawParticipation(q) {
  if (q === undefined || q === null) return { sampled: true, q: 1 };
  if (typeof q !== 'number' || !(q > 0 && q <= 1)) throw new ZhixuanError('INVALID_ARGUMENT', 'participationRate must be in (0, 1]');
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return { sampled: word[0] < q * 2 ** 32, q };
}

/** The config the ledger is charged with: the device's own q (1 unless it drew), never the server's. */
export function ledgerConfig(round, { q, noiseMultiplier }) {
  return JSON.stringify({ round_id: round.round_id ?? 0, base_version: round.base_version ?? 'x', delta: round.delta ?? 1e-5, noise_multiplier: noiseMultiplier, sampling_rate: q });
}

export async function participateSecure(federated, { server, history, round, fetch: fetchImpl, policy = {}, q = 1, dropAfter = null }) {
  const core = federated._core();
  const engine = federated._rec._live();
  const { rows, weights } = federated._rec._history(history ?? federated._historySource?.() ?? federated._kept?.history() ?? []);
  if (rows.length === 0) return { status: 'declined', reason: 'no-history' };
  const roundJson = JSON.stringify(round);
  const chargeJson = (z) => ledgerConfig(round, { q, noiseMultiplier: z });
  const chargeable = (z) => {
    const status = core.federatedLedgerStatus(federated._ledger, chargeJson(z));
    return { affordable: status.affordable, epsilonAfter: status.epsilonAfter, budget: status.budget };
  };
  const charge = (z) => {
    federated._ledger = core.federatedLedgerCharge(federated._ledger, chargeJson(z)).ledger;
    federated._save().catch((error) => console.warn(`zhixuan federated: ledger not stored (${error.message})`));
  };
  const maskedInput = (params, index, peers, secrets, selfSeed) => core.secaggMaskedInput(
    engine, rows, weights, roundJson, JSON.stringify(params), index, randomBytes(32), selfSeed, peers, secrets).masked;
  // Registered only once the round passes the declared checks (a device that declines never registers).
  const token = () => federated._clientToken(server, fetchImpl);
  // A server that lost its client list refuses the token at advertise, the first message
  // (nothing sent, nothing charged): register again and take part once more.
  const run = () => runSecureRound({ core, server, token, round, maskedInput, chargeable, charge, policy, fetch: fetchImpl, dropAfter });
  try {
    const result = await run().catch(async (error) => {
      if (error?.code !== 'UNKNOWN_CLIENT') throw error;
      await federated._clientToken(server, fetchImpl, { renew: true });
      return run();
    });
    if (result.status === 'completed' || result.status === 'dropped') {
      result.epsilonSpent = core.federatedLedgerStatus(federated._ledger, chargeJson(0)).epsilonSpent;
    }
    return result;
  } catch (error) {
    // The cohort closed before this device advertised: not an error of the device.
    if (error instanceof ZhixuanError && ['OUT_OF_STAGE', 'STALE_ROUND'].includes(error.code)) return { status: 'declined', reason: 'round-in-progress' };
    throw error;
  }
}
