// rec.slots with the rest of the SDK: rec.track's events attributed to a bandit's render (shown())
// are its rewards, and with a profile the bandit's state survives a reload; a damaged stored state
// is a named error and the posterior starts from the file's priors instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender, directoryStorage, memoryStorage, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const T0 = 1764633600;
const FILE = {
  version: 'slots-kept-1',
  bandits: {
    channels: ['web', 'app'],
    slots: [
      { slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, exploration: 0.1, samples: 200, split_by: ['channel'],
        arms: [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }] },
      { slot: 'rail', model: 'funnel', delay_window_seconds: 600, exploration: 0.1, samples: 200, split_by: ['channel'],
        prior: { alpha: 1, beta: 1, mean: 0, kappa: 1, shape: 1, scale: 100 },
        arms: [{ id: 'new', strategy: 'new' }, { id: 'long', strategy: 'long_tail' }] },
    ],
  },
};

// One clock for the bandit and the attribution (seconds), moved by the test.
function withClock(rec) {
  const clock = { now: T0 };
  rec.slots._setClock(() => clock.now);
  rec.experiments._setClock(() => clock.now);
  return clock;
}

const cellOf = (stats, slot, arm, cell) => stats.slots.find((s) => s.slot === slot).arms.find((a) => a.id === arm).cells.find((c) => c.cell === cell);

test("rec.track's clicks and purchases attributed to a shown render are the bandit's rewards", async () => {
  const rec = await createRecommender({ model: checkerboardBundle(), storage: memoryStorage(), userId: 'slots-track' });
  const clock = withClock(rec);
  rec.slots.load(FILE);
  const banner = rec.slots.choose('banner', { channel: 'web' });
  assert.equal(banner.channel, 'web');
  assert.equal(rec.slots.shown(banner, ['item0', 'item1']), banner.renderId);
  const rail = rec.slots.choose('rail', { channel: 'app' });
  rec.slots.shown(rail, ['item2', 'item3']);

  clock.now += 5;
  await rec.track({ type: 'click', item: 'item1', channel: 'web', ts: clock.now * 1000 });
  // The banner's 0/1 reward applied at once: its render is closed with one success.
  assert.equal(cellOf(rec.slots.stats(), 'banner', banner.arm, 'web').sum, 1);
  assert.equal(rec.slots.stats().pending, 1, 'the rail waits for its window');
  await rec.track({ type: 'view', item: 'item2', channel: 'app', ts: clock.now * 1000 });  // not a reward
  await rec.track({ type: 'click', item: 'item9', channel: 'app', ts: clock.now * 1000 });  // not shown: unattributed
  await rec.track({ type: 'click', item: 'item3', channel: 'app', ts: clock.now * 1000 });
  await rec.track({ type: 'purchase', item: 'item3', channel: 'app', value: 59, ts: clock.now * 1000 });
  clock.now += 601;
  rec.slots.advance();
  const arm = rec.slots.stats().slots[1].arms.find((a) => a.id === rail.arm);
  assert.deepEqual([arm.cells.find((c) => c.cell === 'app').sum, arm.value.clicks, arm.value.purchases, arm.value.sum], [1, 1, 1, 59]);
  const other = rec.slots.stats().slots[1].arms.find((a) => a.id !== rail.arm);
  assert.equal(other.value.clicks, 0, 'the arm not shown learned nothing');
  // An experiment's own render (not the bandit's) is attributed but rewards no bandit.
  rec.experiments.load({ version: 'e1', slots: ['shelf'], experiments: [] });
  rec.experiments.setUser({ stableId: 'u1', channel: 'web' });
  rec.experiments.recordRender('shelf', ['item5']);
  const before = JSON.stringify(rec.slots.stats());
  await rec.track({ type: 'click', item: 'item5', channel: 'web', ts: clock.now * 1000 });
  assert.equal(JSON.stringify(rec.slots.stats()), before);
  assert.throws(() => rec.slots.shown({ arm: 'x' }, ['item0']), (e) => e instanceof ZhixuanError && e.code === 'INVALID_ARGUMENT');
  rec.dispose();
});

test("the bandit's state is kept with the profile: statistics and renders in their window survive a reload; forget() erases them", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zx-slots-kept-'));
  const open = () => createRecommender({ model: checkerboardBundle(), storage: directoryStorage(dir), userId: 'slots-kept' });
  const first = await open();
  const clock = withClock(first);
  first.slots.load(FILE);
  for (let i = 0; i < 40; i++) {
    const c = first.slots.choose('banner', { channel: i % 2 ? 'web' : 'app' });
    if (c.arm === 'personal') first.slots.reward(c.renderId, { type: 'click' });
    clock.now += 1;
  }
  const waiting = first.slots.choose('rail', { channel: 'web' });
  first.slots.reward(waiting.renderId, { type: 'purchase', value: 49 });
  const learned = first.slots.stats();
  // What it reported is kept too (a folded file takes exactly that out: slots-reported.js).
  first.slots._markReported({ version: 'v1', day: 20000, round: 7 }, learned);
  const reported = structuredClone(first.slots._reported);
  await first.slots.flush();
  first.dispose();

  const again = await open();
  withClock(again).now = clock.now + 10;
  assert.deepEqual(again.slots.slotNames(), ['banner', 'rail'], 'the kept file is in force without a fetch');
  assert.deepEqual(again.slots.stats(), learned);
  assert.equal(again.slots.restoreError, null);
  assert.deepEqual(again.slots._reported, reported, 'the reported sums survive the reload');
  // The render made before the reload still takes its reward, and closes into the posterior.
  assert.equal(again.slots.reward(waiting.renderId, { type: 'purchase', value: 10 }), 'added');
  const after = again.slots;
  after._setClock(() => clock.now + 700);
  after.advance();
  const arm = after.stats().slots[1].arms.find((a) => a.id === waiting.arm);
  assert.deepEqual([arm.value.clicks, arm.value.purchases, arm.value.sum], [1, 1, 59]);
  await after.flush();
  await again.forget();
  again.dispose();

  const erased = await open();
  assert.deepEqual(erased.slots.slotNames(), [], 'forget() erased the kept file and state');
  erased.dispose();
});

test('a damaged slots state is MALFORMED_PAYLOAD and never reaches a posterior', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zx-slots-bad-'));
  const open = () => createRecommender({ model: checkerboardBundle(), storage: directoryStorage(dir), userId: 'slots-bad' });
  const rec = await open();
  withClock(rec);
  rec.slots.load(FILE);
  const c = rec.slots.choose('banner', { channel: 'web' });
  rec.slots.reward(c.renderId, { type: 'click' });
  const good = rec.slots.exportState();
  const before = rec.slots.stats();
  const state = JSON.parse(good);
  const damaged = [
    'not json', '{}', JSON.stringify({ ...state, format: 'other' }),
    JSON.stringify({ ...state, clock: -1 }),
    good.replace(/"cells":\{"web":\[1(\.0)?,/, '"cells":{"web":[-1,'),
    good.replace(/"cells":\{"web":\[1(\.0)?,/, '"cells":{"web":[1e999,'),
    JSON.stringify({ ...state, pending: [{ r: 'x' }] }),
    JSON.stringify({ ...state, recent: [{ r: '12', s: 'banner', w: 'yes' }] }),
  ];
  assert.notEqual(damaged[4], good, 'the negative count was written');
  for (const text of damaged) {
    assert.throws(() => rec.slots.importState(text), (e) => e instanceof ZhixuanError && e.code === 'MALFORMED_PAYLOAD', text.slice(0, 60));
    assert.deepEqual(rec.slots.stats(), before, 'a rejected state changes nothing');
  }
  // A damaged record in the profile: the bandit starts from the file's priors and names the error.
  await rec.slots.flush();  // the writes queued by choose and reward land first
  await rec._profile.setSetting('slots', { file: JSON.stringify(FILE), state: damaged[4] });
  rec.dispose();
  const reloaded = await open();
  const warn = console.warn;
  const warnings = [];
  console.warn = (message) => warnings.push(message);
  let fresh;
  try { fresh = reloaded.slots; } finally { console.warn = warn; }
  assert.equal(fresh.restoreError?.code, 'MALFORMED_PAYLOAD');
  assert.match(warnings.join('\n'), /slots state skipped/);
  assert.deepEqual(fresh.slotNames(), ['banner', 'rail'], 'the kept file is in force');
  assert.equal(fresh.stats().slots[0].arms.every((a) => a.cells.every((x) => x.n === 0)), true);
  // A damaged record of the reported sums: the good state is not half-restored beside it.
  await fresh.flush();
  await reloaded._profile.setSetting('slots', { file: JSON.stringify(FILE), state: good, reported: { base: null, sent: [{ version: 'v1', day: 'x' }] } });
  reloaded.dispose();
  const third = await open();
  console.warn = () => {};
  let kept;
  try { kept = third.slots; } finally { console.warn = warn; }
  assert.equal(kept.restoreError?.code, 'MALFORMED_PAYLOAD');
  assert.equal(kept.stats().slots[0].arms.every((a) => a.cells.every((x) => x.n === 0)), true);
  assert.deepEqual(kept._reported, { base: null, sent: [] });
  third.dispose();
});
