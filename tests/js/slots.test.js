// rec.slots on the built full module: the bandits of the experiments file choose per render with
// an exact propensity, learn per channel from rewards, name every bad input, and never let a
// rejected reward change the posterior.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { rng } from '../../tools/random.mjs';

const T0 = 1764633600;

function slotsFile(overrides = {}) {
  return {
    version: 'slots-t1',
    bandits: {
      channels: ['web', 'app'],
      slots: [
        { slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, exploration: 0.1, samples: 300,
          split_by: ['channel'], examination: [1, 0.6],
          arms: [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }, { id: 'promo', strategy: 'promoted', item: 'c1' }] },
        { slot: 'shelf', model: 'lognormal', delay_window_seconds: 600,
          arms: [{ id: 'a', item: 'c1' }, { id: 'b', item: 'c2' }] },
      ],
      ...overrides,
    },
  };
}

async function device(file = slotsFile()) {
  const rec = await createRecommender({ model: checkerboardBundle(), profile: false });
  let now = T0;
  rec.slots._setClock(() => now);
  rec.slots.load(file);
  return { rec, tick: (s) => { now += s; }, at: () => now };
}

function throwsCode(fn, code, pattern) {
  assert.throws(fn, (error) => error instanceof ZhixuanError && error.code === code && (!pattern || pattern.test(error.message)));
}

test('a choice returns the arm, its exact propensity and a render id', async () => {
  const { rec } = await device();
  assert.deepEqual(rec.slots.slotNames(), ['banner', 'shelf']);
  const choice = rec.slots.choose('banner', { channel: 'web' });
  assert.ok(['personal', 'popular', 'promo'].includes(choice.arm));
  assert.ok(choice.probabilities instanceof Float64Array && choice.probabilities.length === 3);
  assert.ok(Math.abs(choice.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.equal(choice.propensity, choice.probabilities[['personal', 'popular', 'promo'].indexOf(choice.arm)]);
  for (const p of choice.probabilities) assert.ok(p >= 0.1 / 3 - 1e-12);
  assert.match(choice.renderId, /^[0-9]+$/);
  if (choice.arm === 'promo') assert.equal(choice.item, 'c1');
  rec.dispose();
});

test('the bandit learns a different best arm per channel from clicks', async () => {
  const { rec, tick } = await device();
  const random = rng(5);
  for (let i = 0; i < 2000; i++) {
    const channel = i % 2 ? 'web' : 'app';
    const c = rec.slots.choose('banner', { channel });
    const best = channel === 'web' ? 'personal' : 'popular';
    if (random() < (c.arm === best ? 0.3 : 0.05)) assert.equal(rec.slots.reward(c.renderId, { type: 'click' }), 'applied');
    tick(1);
  }
  tick(700);
  rec.slots.advance();
  assert.ok(rec.slots.choose('banner', { channel: 'web' }).probabilities[0] > 0.8);
  assert.ok(rec.slots.choose('banner', { channel: 'app' }).probabilities[1] > 0.8);
  const banner = rec.slots.stats().slots[0];
  assert.equal(banner.renders, 2002);
  const web = banner.arms[0].cells.find((c) => c.cell === 'web');
  assert.ok(Math.abs(web.mean - 0.3) < 0.06, `personal on web: ${web.mean}`);
  rec.dispose();
});

test('rewards follow the delay window: duplicate, ignored, late', async () => {
  const { rec, tick } = await device();
  const c = rec.slots.choose('banner', { channel: 'web' });
  assert.equal(rec.slots.reward(c.renderId, { type: 'purchase', value: 9 }), 'ignored');
  assert.equal(rec.slots.reward(c.renderId, { type: 'click' }), 'applied');
  assert.equal(rec.slots.reward(c.renderId, { type: 'click' }), 'duplicate');
  const silent = rec.slots.choose('shelf', {});
  assert.equal(rec.slots.reward(silent.renderId, { type: 'purchase', value: 49 }), 'added');
  tick(601);
  assert.equal(rec.slots.reward(silent.renderId, { type: 'purchase', value: 10 }), 'late');
  const shelf = rec.slots.stats().slots[1];
  const cell = shelf.arms.find((a) => a.chosen === 1).cells[0];
  assert.equal(cell.n, 1);
  assert.ok(Math.abs(cell.sum - Math.log1p(49)) < 1e-9);
  rec.dispose();
});

test('bad input is a named error and leaves the posterior as it was', async () => {
  const { rec } = await device();
  const c = rec.slots.choose('shelf', {});
  const before = JSON.stringify(rec.slots.stats());
  throwsCode(() => rec.slots.reward(c.renderId, { type: 'purchase', value: NaN }), 'INVALID_ARGUMENT', /amount/);
  throwsCode(() => rec.slots.reward(c.renderId, { type: 'purchase', value: -3 }), 'INVALID_ARGUMENT');
  throwsCode(() => rec.slots.reward('123456', { type: 'click' }), 'UNKNOWN_RENDER');
  throwsCode(() => rec.slots.reward('not-an-id', { type: 'click' }), 'UNKNOWN_RENDER');
  throwsCode(() => rec.slots.reward(c.renderId, { type: 'view' }), 'INVALID_ARGUMENT', /event.type/);
  throwsCode(() => rec.slots.choose('nowhere', {}), 'UNKNOWN_SLOT', /nowhere/);
  throwsCode(() => rec.slots.choose('banner', { hour: 25 }), 'INVALID_ARGUMENT', /hour/);
  throwsCode(() => rec.slots.choose('banner', { score: Infinity }), 'INVALID_ARGUMENT', /score/);
  throwsCode(() => rec.slots.choose('banner', { armScores: [1, 2] }), 'INVALID_ARGUMENT', /armScores/);
  assert.equal(JSON.stringify(rec.slots.stats()), before);

  const unknown = slotsFile();
  unknown.bandits.slots[0].arms[1].strategy = 'trending';
  throwsCode(() => rec.slots.load(unknown), 'UNKNOWN_STRATEGY', /trending/);
  throwsCode(() => rec.slots.load({ bandits: { slots: [{ slot: 's', arms: [] }] } }), 'MALFORMED_EXPERIMENTS', /arms/);
  assert.deepEqual(rec.slots.slotNames(), ['banner', 'shelf']);  // the good config stays
  rec.dispose();
});

test('a clock that goes back is clamped: nothing re-opens, nothing closes early', async () => {
  const { rec, tick } = await device();
  const c = rec.slots.choose('banner', { channel: 'web' });
  tick(-86400);  // the device clock is reset a day back
  assert.equal(rec.slots.reward(c.renderId, { type: 'click' }), 'applied');
  tick(86400 + 10);
  const later = rec.slots.choose('banner', { channel: 'web' });
  tick(-3600);
  rec.slots.advance();
  assert.equal(rec.slots.stats().pending, 1, 'the later render waits for its window, measured on the latest time');
  assert.equal(rec.slots.reward(later.renderId, { type: 'click' }), 'applied');
  rec.dispose();
});

test('rec.slots after dispose throws DISPOSED', async () => {
  const { rec } = await device();
  rec.dispose();
  assert.throws(() => rec.slots.choose('banner', {}), (e) => e.code === 'DISPOSED');
});
