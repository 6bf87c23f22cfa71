// What an app keeps with the local profile beyond its events: rec.events() (the raw events, for
// display), onboarding interests and the federated consent + privacy ledger, which come back with
// the next createRecommender of the same user and go with forget().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender, directoryStorage, memoryStorage, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const NOW = Date.now();
const ROUND = { round_id: 4, base_version: 'test-1', clip: 0.5, noise_multiplier: 1.0, noise_mode: 'central', encoding: 'f16', sampling_rate: 0.1, delta: 1e-5 };
const catalog = {
  items: Array.from({ length: 40 }, (_, i) => ({
    id: `item${i}`, title: `课程 ${i}`, tags: [i % 2 ? 'design' : 'python'], price: 10 * (i + 1),
    ...(i === 0 ? { aliases: { 'mini-program': 'mp_0' } } : {}),
  })),
};
const model = checkerboardBundle();
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zx-kept-'));
const open = (storage) => createRecommender({ model, catalog, storage, channel: 'h5' });
const isCode = (code) => (e) => e instanceof ZhixuanError && e.code === code;

test('events() lists the raw events newest first, aliases resolved, with the defaults filled in', async () => {
  const rec = await open(memoryStorage());
  assert.deepEqual(rec.events(), []);
  await rec.track({ id: 'a', type: 'view', item: 'item2', ts: NOW - 3000 });
  await rec.track({ id: 'b', type: 'favorite', item: 'mp_0', channel: 'mini-program', ts: NOW - 2000 });
  await rec.track({ type: 'purchase', item: 'item4', ts: NOW - 1000, value: 49 });
  const events = rec.events();
  assert.deepEqual(events.map((e) => [e.type, e.item, e.channel]), [['purchase', 'item4', 'h5'], ['favorite', 'item0', 'mini-program'], ['view', 'item2', 'h5']]);
  assert.equal(events[0].value, 49);
  assert.equal('value' in events[1], false);
  assert.deepEqual(events.map((e) => e.ts), [NOW - 1000, NOW - 2000, NOW - 3000]);
  assert.equal(events[2].id, 'a');
  assert.ok(typeof events[0].id === 'string' && events[0].id.length > 0, 'an event without an id gets its content id');
  assert.deepEqual(rec.events({ limit: 1 }).map((e) => e.item), ['item4']);
  assert.deepEqual(rec.events({ limit: 0 }), []);
  assert.throws(() => rec.events({ limit: -1 }), isCode('INVALID_ARGUMENT'));
  assert.throws(() => rec.events({ limit: 1.5 }), isCode('INVALID_ARGUMENT'));
  // A duplicate id is not a second event.
  assert.equal(await rec.track({ id: 'a', type: 'view', item: 'item2', ts: NOW - 3000 }), false);
  assert.equal(rec.events().length, 3);
  await rec.forget();
  assert.deepEqual(rec.events(), []);
  rec.dispose();
  assert.throws(() => rec.events(), isCode('DISPOSED'));
});

test('events() needs a profile', async () => {
  const rec = await createRecommender({ model, catalog, profile: false });
  assert.throws(() => rec.events(), isCode('UNSUPPORTED'));
  rec.dispose();
});

test('interests and the federated state come back with the profile, and forget() erases them', async () => {
  const dir = tmpDir();
  const first = await open(directoryStorage(dir));
  assert.deepEqual(first.interests(), []);
  await first.setInterests(['python', '考研']);
  await first.federated.setConsent(true, { epsilonBudget: 5 });
  await first.track({ type: 'favorite', item: 'item2', ts: NOW - 1000 });
  await first.track({ type: 'purchase', item: 'item6', ts: NOW - 500 });
  // The profile is the round's history by default: no history argument needed.
  const payload = first.federated.computeUpdate(ROUND);
  assert.ok(payload instanceof Uint8Array && payload.length > 0);
  const spent = first.federated.privacy(ROUND).epsilonSpent;
  assert.ok(spent > 0);
  // The charge is stored in the background; profile writes run in order, so once this one
  // resolves the charge before it is stored too.
  await first.federated.setConsent(true, { epsilonBudget: 5 });
  first.dispose();

  const again = await open(directoryStorage(dir));
  assert.deepEqual(again.interests(), ['python', '考研']);
  assert.equal(again.federated.consent, true);
  assert.deepEqual(again.federated.privacy(ROUND).rounds, 1);
  assert.equal(again.federated.privacy(ROUND).epsilonSpent, spent);
  assert.equal(again.federated.privacy(ROUND).budget, 5);
  assert.deepEqual(again.events().map((e) => e.item), ['item6', 'item2']);

  await again.forget();
  assert.deepEqual(again.interests(), []);
  assert.equal(again.federated.consent, false);
  assert.deepEqual(fs.readdirSync(dir).flatMap((user) => fs.readdirSync(path.join(dir, user))), []);
  again.dispose();
  const fresh = await open(directoryStorage(dir));
  assert.deepEqual(fresh.interests(), []);
  assert.equal(fresh.federated.consent, false);
  assert.equal(fresh.federated.privacy().rounds, 0);
  assert.throws(() => fresh.federated.computeUpdate(ROUND), isCode('NO_CONSENT'));
  fresh.dispose();
});

test('without events the profile gives the federated round no history', async () => {
  const rec = await open(memoryStorage());
  await rec.federated.setConsent(true);
  assert.throws(() => rec.federated.computeUpdate(ROUND), isCode('INVALID_ARGUMENT'));
  assert.equal(rec.federated.privacy(ROUND).rounds, 0, 'a refused round charges nothing');
  rec.dispose();
});

test('a damaged stored setting is skipped with a warning, not a failed load', async () => {
  const storage = memoryStorage();
  await storage.put('setting-interests', new TextEncoder().encode('{not json'));
  await storage.put('setting-federated', new TextEncoder().encode(JSON.stringify({ consent: true, ledger: 'garbage', token: null })));
  await storage.put('setting-other', new TextEncoder().encode('ignored'));
  const warnings = [];
  const warn = console.warn;
  console.warn = (message) => warnings.push(String(message));
  try {
    const rec = await open(storage);
    assert.deepEqual(rec.interests(), []);
    assert.equal(rec.federated.consent, false);
    assert.equal(rec.federated.privacy().rounds, 0);
    rec.dispose();
  } finally {
    console.warn = warn;
  }
  assert.ok(warnings.some((w) => /stored interests skipped/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /federated: stored state skipped/.test(w)), warnings.join('\n'));
});
