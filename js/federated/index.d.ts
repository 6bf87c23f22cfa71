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
  | { status: 'declined'; reason: 'no-consent' | 'privacy-budget' | 'no-history' | 'model-changed'; epsilonSpent?: number };

export interface FederatedState {
  consent: boolean;
  forgotten: boolean;
  ledger: string | null;
  token: string | null;
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
  /** Epsilon spent so far, and after one more round of `roundConfig`. */
  privacy(roundConfig?: RoundConfig): PrivacyStatus;
  /**
   * The update payload for a round (charges the ledger). Throws `NO_CONSENT`,
   * `PRIVACY_BUDGET_SPENT`, `MODEL_MISMATCH` (round for another model version) or `INVALID_ARGUMENT`.
   */
  computeUpdate(roundConfig: RoundConfig, options?: { history?: HistoryEntry[] }): Uint8Array;
  /** POSTs a payload; resolves to the server's `{round, accepted, quorum}`. */
  submit(options: { server: string; roundConfig: RoundConfig; payload: Uint8Array; fetch?: typeof fetch }): Promise<{ round: number; accepted: number; quorum: number }>;
  /** One round end to end (picks up a newer model first); declined rounds resolve, not reject. */
  participate(options: { server: string; history?: HistoryEntry[]; fetch?: typeof fetch }): Promise<ParticipateResult>;
  /** Consent, ledger and client token for the profile's storage. */
  exportState(): FederatedState;
  importState(state: FederatedState): void;
}
