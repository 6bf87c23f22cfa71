// rec.federated on the device: consent, the payload, the privacy ledger, forget().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const ROUND = { round_id: 4, base_version: 'test-1', clip: 0.5, noise_multiplier: 1.0, noise_mode: 'central', encoding: 'f16', sampling_rate: 0.1, delta: 1e-5 };
const HISTORY = ['item0', 'item2', { item: 'item4', weight: 2 }];

async function device() {
  const rec = await createRecommender({ model: checkerboardBundle() });
  return rec;
}

test('no consent, no update', async () => {
  const rec = await device();
  assert.equal(rec.federated.consent, false);
  assert.throws(() => rec.federated.computeUpdate(ROUND, { history: HISTORY }), (e) => e instanceof ZhixuanError && e.code === 'NO_CONSENT');
  assert.deepEqual(await rec.federated.participate({ server: 'http://127.0.0.1:9' }), { status: 'declined', reason: 'no-consent' });
});

test('computeUpdate returns the versioned payload: header, dense f16 rows, CRC', async () => {
  const rec = await device();
  rec.federated.setConsent(true);
  const payload = rec.federated.computeUpdate(ROUND, { history: HISTORY });
  assert.ok(payload instanceof Uint8Array);
  // 43 fixed bytes + 'test-1' + 40 rows x 16 dims x 2 bytes + 4 CRC bytes
  assert.equal(payload.length, 43 + 6 + 40 * 16 * 2 + 4);
  assert.equal(new TextDecoder().decode(payload.subarray(0, 4)), 'ZXFU');
  const view = new DataView(payload.buffer, payload.byteOffset);
  assert.equal(view.getBigUint64(8, true), 4n);
  assert.equal(view.getUint32(36, true), 40);
  const int8 = rec.federated.computeUpdate({ ...ROUND, encoding: 'int8' }, { history: HISTORY });
  assert.equal(int8.length, 43 + 6 + 40 * 4 + 40 * 16 + 4);
  // Two updates never share a nonce.
  assert.notDeepEqual(payload.subarray(16, 32), int8.subarray(16, 32));
});

test('bad round configs and histories are refused before anything is computed', async () => {
  const rec = await device();
  rec.federated.setConsent(true);
  assert.throws(() => rec.federated.computeUpdate({ ...ROUND, base_version: 'test-0' }, { history: HISTORY }), (e) => e.code === 'MODEL_MISMATCH');
  assert.throws(() => rec.federated.computeUpdate({ ...ROUND, clip: -1 }, { history: HISTORY }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => rec.federated.computeUpdate({ ...ROUND, noise_mode: 'loud' }, { history: HISTORY }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => rec.federated.computeUpdate(null, { history: HISTORY }), TypeError);
  assert.throws(() => rec.federated.computeUpdate(ROUND, { history: [] }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => rec.federated.computeUpdate(ROUND, { history: ['nope'] }), (e) => e.code === 'UNKNOWN_ITEM');
  assert.throws(() => rec.federated.computeUpdate(ROUND), (e) => e.code === 'INVALID_ARGUMENT');
  assert.equal(rec.federated.privacy(ROUND).rounds, 0, 'refused rounds are not charged');
});

test('the ledger charges each update and declines once the budget is spent', async () => {
  const rec = await device();
  rec.federated.setConsent(true, { epsilonBudget: 5 });
  let made = 0;
  for (let i = 0; i < 1000; i++) {
    try {
      rec.federated.computeUpdate(ROUND, { history: HISTORY });
      made++;
    } catch (error) {
      assert.equal(error.code, 'PRIVACY_BUDGET_SPENT');
      break;
    }
  }
  const privacy = rec.federated.privacy(ROUND);
  assert.ok(made > 0 && made < 1000, `made ${made}`);
  assert.equal(privacy.rounds, made);
  assert.ok(privacy.epsilonSpent <= 5 && privacy.epsilonAfterNextRound > 5, JSON.stringify(privacy));
  assert.equal(privacy.affordable, false);
  // Noise-free rounds have no finite epsilon: a device with a budget declines them.
  const fresh = await device();
  fresh.federated.setConsent(true, { epsilonBudget: 100 });
  assert.throws(() => fresh.federated.computeUpdate({ ...ROUND, noise_mode: 'none' }, { history: HISTORY }), (e) => e.code === 'PRIVACY_BUDGET_SPENT');
});

test('the state round-trips; forget() withdraws consent and stops charging', async () => {
  const rec = await device();
  rec.federated.setConsent(true, { epsilonBudget: 5 });
  rec.federated.computeUpdate(ROUND, { history: HISTORY });
  const state = rec.federated.exportState();
  const other = await device();
  other.federated.importState(state);
  assert.equal(other.federated.privacy(ROUND).rounds, 1);
  assert.throws(() => other.federated.importState({ ledger: '{"budget":1}' }), (e) => e.code === 'MALFORMED_PAYLOAD');

  rec.federated._forget();  // what rec.forget() calls
  assert.equal(rec.federated.consent, false);
  assert.throws(() => rec.federated.computeUpdate(ROUND, { history: HISTORY }), (e) => e.code === 'NO_CONSENT');
  assert.equal(rec.federated.privacy(ROUND).rounds, 1, 'nothing charged after forget');
  assert.deepEqual(await rec.federated.participate({ server: 'http://127.0.0.1:9' }), { status: 'declined', reason: 'no-consent' });
});
