// createRecommender({ features }): the smallest wasm module holding the rooms asked for; the
// same answers on every module; a room not asked for is FEATURE_NOT_LOADED naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAssistant, createRecommender, init, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle, sampleCatalog } from '../../tools/bundle-fixtures.mjs';

const notLoaded = (feature) => (e) => e instanceof ZhixuanError && e.code === 'FEATURE_NOT_LOADED'
  && e.message.includes(`'${feature}'`) && e.message.includes('features');
const HISTORY = ['item0', 'item2'];

test('each module answers like the full one: recommend, similarItems, foldIn', async () => {
  const full = await createRecommender({ model: checkerboardBundle(), catalog: sampleCatalog });
  for (const features of [[], ['profile']]) {
    const rec = await createRecommender({ model: checkerboardBundle(), catalog: sampleCatalog, features });
    assert.deepEqual(rec.recommend({ history: HISTORY, k: 5 }), full.recommend({ history: HISTORY, k: 5 }));
    assert.deepEqual(rec.recommend({ history: HISTORY, k: 5, filter: { tags: ['python'] } }), full.recommend({ history: HISTORY, k: 5, filter: { tags: ['python'] } }));
    assert.deepEqual(rec.similarItems('item1', 4), full.similarItems('item1', 4));
    assert.deepEqual(rec.foldIn(HISTORY), full.foldIn(HISTORY));
    rec.dispose();
  }
  full.dispose();
});

test('the lean module has no profile, text or federated room, and says which option loads them', async () => {
  const lean = await createRecommender({ model: checkerboardBundle(), features: [] });
  assert.throws(() => lean.search('python'), notLoaded('text'));
  assert.throws(() => lean.addItems([{ id: 'new', title: 'x' }]), notLoaded('text'));
  assert.throws(() => lean.recommend({ history: HISTORY, diversity: 0.5 }), notLoaded('text'));
  assert.throws(() => lean.federated, notLoaded('federated'));
  await assert.rejects(async () => lean.track({ item: 'item0', type: 'view' }), notLoaded('profile'));
  assert.throws(() => lean.profile(), notLoaded('profile'));
  // Without a profile, recommend() needs a history or a vector.
  assert.throws(() => lean.recommend({ k: 3 }), (e) => e.code === 'INVALID_ARGUMENT');
  const core = await init({ features: [] });
  assert.equal(typeof core.ProfileRoom, 'undefined');
  assert.equal(typeof core.TextRoom, 'undefined');
  lean.dispose();
});

test("features: ['profile'] attaches the profile; text stays out", async () => {
  const rec = await createRecommender({ model: checkerboardBundle(), features: ['profile'] });
  assert.equal(await rec.track({ id: 'e1', item: 'item0', type: 'purchase' }), true);
  const top = rec.recommend({ k: 3 });
  assert.equal(top.ids.length, 3);
  assert.ok(!top.ids.includes('item0'), 'the profile excludes seen items');
  assert.throws(() => rec.setInterests(['python']), notLoaded('text'));
  rec.dispose();
});

test('bad features are a TypeError naming the entry', async () => {
  await assert.rejects(createRecommender({ model: checkerboardBundle(), features: 'text' }), (e) => e instanceof TypeError && /options\.features/.test(e.message));
  await assert.rejects(createRecommender({ model: checkerboardBundle(), features: ['text', 'search'] }), (e) => e instanceof TypeError && /features\[1\] is 'search'/.test(e.message));
});

test('the FAQ assistant is a module of its own: not in the recommender\'s, loaded by createAssistant, working beside a recommender', async () => {
  const full = await init();
  assert.equal(typeof full.Session, 'function');
  assert.equal(typeof full.AssistHandle, 'undefined', 'the default page does not download the assistant');
  const rec = await createRecommender({ model: checkerboardBundle(), catalog: sampleCatalog, profile: false });
  const faq = JSON.parse(readFileSync(new URL('../../demo/faq.json', import.meta.url), 'utf8'));
  const assistant = await createAssistant({ faq, recommender: rec });
  const assist = await init({ features: ['assist'] });
  assert.equal(typeof assist.AssistHandle, 'function');
  assert.equal(typeof assist.Session, 'undefined', 'the assistant\'s module holds no model');
  assert.ok(assistant.ask('怎么退款').answered);
  // The recommender is untouched by the second module: the same answers as before.
  assert.equal(rec.recommend({ history: HISTORY, k: 3 }).ids.length, 3);
  // 'assist' among the features picks the recommender's module for the rest.
  const lean = await createRecommender({ model: checkerboardBundle(), features: ['assist'] });
  assert.throws(() => lean.search('python'), notLoaded('text'));
  assert.equal(lean.recommend({ history: HISTORY, k: 3 }).ids.length, 3);
  assistant.dispose();
  lean.dispose();
  rec.dispose();
});
