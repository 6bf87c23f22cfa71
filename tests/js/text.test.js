// The text room through the public API: addItems, search, setInterests + cold lists,
// recommend({diversity, exploration}), and the native == wasm featurizer check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRecommender, init, ZhixuanError } from '../../js/index.js';
import { featurizeText, featurizeTexts } from '../../js/text.js';
import { manifest, writeSafetensors } from '../../tools/bundle-fixtures.mjs';
import { COURSES, coursesBundle, coursesCatalog } from './courses-fixture.js';

const throwsCode = (fn, code, pattern) =>
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ZhixuanError, `expected ZhixuanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });

const catalog = coursesCatalog;

const open = async (opts = {}) =>
  createRecommender({ model: await coursesBundle(opts), catalog: JSON.stringify(catalog), profile: opts.profile ?? false });

test('native == wasm featurizer: same buckets and values for the shared strings', async () => {
  const core = await init();
  const fixture = JSON.parse(readFileSync(new URL('./text_fixture.json', import.meta.url), 'utf8'));
  assert.ok(fixture.cases.length >= 10);
  for (const c of fixture.cases) {
    const unit = Uint8Array.from(Buffer.from(c.hex, 'hex'));
    const bytes = new Uint8Array(unit.length * c.times);
    for (let t = 0; t < c.times; t++) bytes.set(unit, t * unit.length);
    const v = featurizeText(core, bytes);
    assert.deepEqual(Array.from(v.indices), c.indices, `indices of ${c.hex.slice(0, 40)}`);
    assert.deepEqual(Array.from(v.values), c.values.map(Math.fround), `values of ${c.hex.slice(0, 40)}`);
  }
  // The batch entry point gives the same rows.
  const texts = ['Python 数据分析', '', '考研 🔥 the', 'C++ 入门'];
  const batch = featurizeTexts(core, texts);
  assert.equal(batch.offsets.length, texts.length + 1);
  texts.forEach((t, i) => {
    const one = featurizeText(core, t);
    assert.deepEqual(Array.from(batch.indices.subarray(batch.offsets[i], batch.offsets[i + 1])), Array.from(one.indices));
    assert.deepEqual(Array.from(batch.values.subarray(batch.offsets[i], batch.offsets[i + 1])), Array.from(one.values));
  });
});

test('addItems embeds new courses from text; they are recommendable and searchable at once', async () => {
  const rec = await open();
  const before = rec.info.items;
  assert.equal(rec.addItems([
    { id: 'py-crawler', title: 'Python 爬虫实战', tags: ['python'] },
    { id: 'kaoyan-real', title: '考研数学 真题精讲', tags: ['考研'] },
  ]), 2);
  assert.equal(rec.info.items, before + 2);
  assert.equal(rec.item('py-crawler').title, 'Python 爬虫实战');
  const recs = rec.recommend({ history: ['py-basics', 'java-web'], k: 6 });
  assert.ok(recs.ids.includes('py-crawler'), recs.ids.join());
  assert.ok(!recs.ids.slice(0, 5).includes('kaoyan-real'));
  assert.equal(rec.search('爬虫', { k: 3 }).ids[0], 'py-crawler');
  assert.ok(rec.similarItems('kaoyan-real', 3).ids.every((id) => id.startsWith('kaoyan')));
  rec.dispose();
});

test('addItems bad input: duplicates, existing ids, empty, odd text; nothing half-added', async () => {
  const rec = await open();
  const n = rec.info.items;
  throwsCode(() => rec.addItems([{ id: 'n1', title: 'a' }, { id: 'n1', title: 'b' }]), 'INVALID_ARGUMENT', /twice/);
  throwsCode(() => rec.addItems([{ id: 'n2', title: 'ok' }, { id: 'py-data', title: 'again' }]), 'INVALID_ARGUMENT', /already exists/);
  throwsCode(() => rec.addItems([{ id: '', title: 'x' }]), 'INVALID_ARGUMENT');
  throwsCode(() => rec.addItems([{ id: 'n3', title: 42 }]), 'MALFORMED_CATALOG', /items\[0\].*title/);
  assert.throws(() => rec.addItems([]), TypeError);
  assert.throws(() => rec.addItems('nope'), TypeError);
  assert.equal(rec.info.items, n);
  const huge = 'Python 课程 '.repeat(80000);  // > 1 MB of UTF-8: truncated as documented
  assert.equal(rec.addItems([
    { id: 'huge', title: huge, description: huge },
    { id: 'emoji', title: '🔥👩‍💻 \u0000\u0001\u007f 课程 \ud800' },
    { id: 'blank', title: '' },
  ]), 3);
  assert.equal(rec.info.items, n + 3);
  rec.dispose();
});

test('a bundle without a text projection: addItems is UNSUPPORTED, search still works', async () => {
  const rec = await open({ withText: false });
  throwsCode(() => rec.addItems([{ id: 'n1', title: 'Python' }]), 'UNSUPPORTED', /text_projection/);
  assert.ok(rec.search('考研', { k: 2 }).ids.every((id) => id.startsWith('kaoyan')));
  rec.dispose();
});

test('search: Chinese and English queries, filters, bad queries', async () => {
  const rec = await open();
  assert.deepEqual(new Set(rec.search('考研', { k: 3 }).ids), new Set(['kaoyan-math', 'kaoyan-eng', 'kaoyan-pol']));
  const py = rec.search('PYTHON', { k: 3 });
  assert.ok(py.ids.every((id) => rec.item(id).tags.includes('python')), py.ids.join());
  assert.ok(py.scores instanceof Float32Array);
  const web = rec.search('考研', { k: 5, filter: { channel: 'web' } });
  assert.ok(web.ids.every((id) => rec.item(id).channels.includes('web')));
  throwsCode(() => rec.search(''), 'INVALID_ARGUMENT', /empty/);
  throwsCode(() => rec.search('python', { k: 0 }), 'INVALID_ARGUMENT');
  throwsCode(() => rec.search('python', { filter: { colour: 'red' } }), 'INVALID_ARGUMENT', /unknown key/);
  assert.throws(() => rec.search(42), TypeError);
  assert.deepEqual(rec.search('the 的 🔥').ids, []);
  assert.ok(Array.isArray(rec.search('x'.repeat(1 << 20)).ids));
  rec.dispose();
});

test('cold users: popularity prior, onboarding interests and explanations', async () => {
  const rec = await open({ profile: true });
  const plain = rec.recommend({ k: 3 });
  assert.deepEqual(plain.ids, ['kaoyan-math', 'kaoyan-eng', 'py-data']);
  assert.deepEqual(plain.reasons, [{ kind: 'popular' }, { kind: 'popular' }, { kind: 'popular' }]);
  assert.equal(plain.policy, 'popularity prior');
  rec.setInterests(['python', '考研']);
  const steered = rec.recommend({ k: 6 });
  const kinds = steered.reasons.map((r) => r.interest);
  assert.ok(kinds.filter((k) => k === 'python').length >= 2, JSON.stringify(steered));
  assert.ok(kinds.filter((k) => k === '考研').length >= 2, JSON.stringify(steered));
  assert.match(steered.policy, /interests \(python, 考研\)/);
  rec.setInterests(['python']);
  const py = rec.recommendCold({ k: 2, context: { channel: 'app', hour: 20, device: 'mobile' } });
  assert.ok(py.ids.every((id) => rec.item(id).tags.includes('python')));
  throwsCode(() => rec.recommendCold({ context: { hour: 24 } }), 'INVALID_ARGUMENT', /hour/);
  throwsCode(() => rec.setInterests(new Array(65).fill('x')), 'TOO_LARGE');
  assert.throws(() => rec.setInterests([1]), TypeError);
  // Once the user has events, recommend() is the personal list again.
  await rec.track({ type: 'view', item: 'java-web' });
  const personal = rec.recommend({ k: 3 });
  assert.equal(personal.policy, undefined);
  rec.dispose();
});

test('recommend({diversity, exploration}) re-ranks: MMR mixes clusters, exploration adds long-tail items', async () => {
  const rec = await open();
  const history = ['py-basics'];
  const plain = rec.recommend({ history, k: 4 });
  assert.ok(plain.ids.every((id) => COURSES.find((c) => c[0] === id)[3] === 0), plain.ids.join());
  const mixed = rec.recommend({ history, k: 4, diversity: 0.8 });
  assert.equal(mixed.ids.length, 4);
  assert.equal(mixed.ids[0], plain.ids[0]);
  assert.ok(mixed.ids.some((id) => COURSES.find((c) => c[0] === id)[3] === 1), mixed.ids.join());
  // Head = the 3 most popular (20% of 12, rounded up): kaoyan-math, kaoyan-eng, py-data.
  const head = new Set(['kaoyan-math', 'kaoyan-eng', 'py-data']);
  const explored = rec.recommend({ history, k: 4, exploration: 0.5 });
  assert.ok(explored.ids.filter((id) => !head.has(id)).length >= 2);
  // Through the profile: every item keeps a reason, exploration slots included.
  const withProfile = await open({ profile: true });
  await withProfile.track({ type: 'view', item: 'py-basics' });
  const profiled = withProfile.recommend({ k: 4, exploration: 0.5 });
  assert.equal(profiled.reasons.length, profiled.ids.length);
  assert.ok(profiled.reasons.every((r) => r && typeof r.kind === 'string'));
  assert.ok(!profiled.ids.includes('py-basics'));
  withProfile.dispose();
  throwsCode(() => rec.recommend({ history, diversity: 2 }), 'INVALID_ARGUMENT', /diversity/);
  throwsCode(() => rec.recommend({ history, exploration: -1 }), 'INVALID_ARGUMENT', /exploration/);
  rec.dispose();
  throwsCode(() => rec.search('python'), 'DISPOSED');
});

test('a filter used again follows the catalog: items added on the device pass it (the core caches compiled filters)', async () => {
  const rec = await open();
  const filter = { tags: ['考研'] };
  const user = rec.foldIn(['kaoyan-math']);
  const before = rec.recommend({ userVector: user, k: 50, filter });
  assert.ok(before.ids.length > 0 && before.ids.every((id) => rec.item(id).tags.includes('考研')));
  assert.deepEqual(rec.recommend({ userVector: user, k: 50, filter }), before);  // the cached filter: same list
  rec.addItems([{ id: 'kaoyan-added', title: '考研数学 冲刺 真题', tags: ['考研'] }]);
  const after = rec.recommend({ userVector: user, k: 50, filter: { tags: ['考研'] } });
  assert.ok(after.ids.includes('kaoyan-added'), after.ids.join());
  assert.equal(after.ids.length, before.ids.length + 1);
  assert.ok(!rec.recommend({ userVector: user, k: 50, filter: { tags: ['python'] } }).ids.includes('kaoyan-added'));
});
