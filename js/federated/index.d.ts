// Types of rec.federated (js/federated/index.js). The Recommender declares
// `readonly federated: Federated` (wired by the integrator in js/index.d.ts).
import type { HistoryEntry } from '../index.js';

/** The round config the aggregation server publishes at GET /v1/round. */
export interface RoundConfig {
  round_id: number;
  /** The model version updates must be computed against. */
  base_version: string;
  /** L2 bound C of one update. */
  clip?: number;
  /** sigma: noise stddev = sigma * C, on the sum (central) or per device (local). */
  noise_multiplier?: number;
  noise_mode?: 'central' | 'local' | 'none';
  encoding?: 'f16' | 'int8';
  /** Public window of rows chosen by the server (0/absent: every row). */
  row_offset?: number;
  row_count?: number;
  server_learning_rate?: number;
  /** q and delta of the server's accountant: the device's ledger charges under them. */
  sampling_rate?: number;
  delta?: number;
  [key: string]: unknown;
}

export interface PrivacyStatus {
  rounds: number;
  epsilonSpent: number;
  budget: number | null;
  epsilonAfterNextRound?: number;
  affordable?: boolean;
}

export type ParticipateResult =
  | { status: 'submitted'; round: number; accepted: number; bytes: number; epsilonSpent: number }
  | { status: 'completed'; round: number; index: number; cohort: number; threshold: number; neighbours: number; survivors: number; bytes: number; effectiveNoiseMultiplier: number; modelVersion: string; epsilonSpent: number }
  | { status: 'aborted' | 'dropped'; round: number; reason?: string }
  | { status: 'declined'; reason: 'no-consent' | 'privacy-budget' | 'no-history' | 'model-changed' | 'not-sampled' | 'plain-aggregation'
      | 'cohort-too-small' | 'threshold-too-low' | 'neighbours-too-few' | 'noise-too-low' | 'round-window' | 'round-in-progress' | 'unsupported-curve'; epsilonSpent?: number; [detail: string]: unknown };

/** What a device accepts from a secure round before it pays (defaults in brackets). */
export interface SecurePolicy {
  /** Fewest devices in the cohort [10]. */
  minCohort?: number;
  /** Lowest effective noise multiplier (noise of any t survivors over the L2 sensitivity) [0]. */
  minNoiseMultiplier?: number;
  /** Fraction of the cohort that may drop; with `corruption` it sets the fewest neighbours the device accepts (SecAgg+) [0.1]. */
  dropout?: number;
  /** Fraction of the cohort that may collude with the server [0.1]. */
  corruption?: number;
  /** How often the device asks the server for the stage, ms [150]. */
  pollMs?: number;
  /** Gives up (as a dropout) after this long, ms [900000]. */
  maxWaitMs?: number;
}

export interface FederatedState {
  consent: boolean;
  forgotten: boolean;
  ledger: string | null;
  /** The client token and the server that issued it (a token is only ever sent to its issuer). */
  token: string | null;
  tokenServer: string | null;
}

/**
 * Opt-in federated learning of the item embeddings. The user vector is folded in on the
 * device and never leaves it; only the clipped (optionally noised), quantized gradient payload
 * is sent. A privacy ledger declines rounds once the epsilon budget is spent.
 */
export class Federated {
  /** Opt in or out for this profile; `epsilonBudget` (default 8, `Infinity` for none) caps the total epsilon. Resolves once stored with the profile (at once without one). */
  setConsent(consent: boolean, options?: { epsilonBudget?: number }): Promise<void>;
  readonly consent: boolean;
  /** Where computeUpdate/participate read the local history when none is passed (default: the recommender's profile, if it keeps one). */
  setHistorySource(source: (() => HistoryEntry[]) | null): void;
  /** Epsilon spent so far, and after one more round of `roundConfig` (charged with q = `participationRate`, default 1). */
  privacy(roundConfig?: RoundConfig, options?: { participationRate?: number }): PrivacyStatus;
  /**
   * The update payload for a round (charges the ledger). Throws `NO_CONSENT`,
   * `PRIVACY_BUDGET_SPENT`, `MODEL_MISMATCH` (round for another model version) or `INVALID_ARGUMENT`.
   */
  computeUpdate(roundConfig: RoundConfig, options?: { history?: HistoryEntry[]; participationRate?: number }): Uint8Array;
  /** POSTs a payload; resolves to the server's `{round, accepted, quorum}`. */
  submit(options: { server: string; roundConfig: RoundConfig; payload: Uint8Array; fetch?: typeof fetch }): Promise<{ round: number; accepted: number; quorum: number }>;
  /**
   * One round end to end (picks up a newer model first); declined rounds resolve, not reject.
   * Secure aggregation by default: the server learns only the cohort's sum; `aggregation: 'plain'`
   * is needed to send an update a server sees alone. The ledger charges q = 1 unless
   * `participationRate` q is given: then the device itself draws (crypto.getRandomValues) whether it
   * takes part, with probability q, and declines with 'not-sampled' otherwise.
   */
  participate(options: { server: string; history?: HistoryEntry[]; fetch?: typeof fetch; aggregation?: 'secure' | 'plain'; participationRate?: number; secure?: SecurePolicy }): Promise<ParticipateResult>;
  /** Consent, ledger and client token for the profile's storage. */
  exportState(): FederatedState;
  importState(state: FederatedState): void;
}
