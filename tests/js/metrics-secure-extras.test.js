// The FAQ assistant's per-topic counts and the slot bandits' per-arm sums ride in the metrics
// round as extra blocks of the same vector (js/metrics-extras.js): the server stores their cohort
// sums (real assistant, real rec.slots, real server), the device sends each count once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAssistant } from '../../js/index.js';
import { extraBlocks } from '../../js/metrics-extras.js';
import { deviceWithDay, metricsFile, metricsServer, today } from './metrics-secure-helpers.js';

const FAQ = JSON.parse(readFileSync(new URL('../../demo/faq.json', import.meta.url), 'utf8'));
const TOPICS = ['退款', '人工客服', '支付'];
const QUESTIONS = ['转人工', '你们食堂的红烧肉好吃吗', '火星上有没有分校区', '我要找真人客服'];
const BANDITS = {
  channels: ['web', 'app'],
  slots: [{ slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, split_by: ['channel'],
    arms: [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }] }],
};

test('assistant topics and bandit arms: their cohort sums are stored, each count is sent once', async () => {
  const file = metricsFile({ noise: 1e-5, bandits: BANDITS });
  const { server, url } = await metricsServer({ file, cohort: 3, assistTopics: TOPICS });
  const devices = [];
  const assistants = [];
  try {
    const expectAssist = new Map();
    const expectSlots = new Map();
    for (let i = 0; i < 3; i++) {
      const rec = await deviceWithDay(i, { file, renders: 1, clicks: 1, budget: 1e12 });
      devices.push(rec);
      let now = 1764633600;
      rec.slots._setClock(() => now);
      rec.slots.load(file);
      for (let r = 0; r < 3 + i; r++) {
        const choice = rec.slots.choose('banner', { channel: r % 2 ? 'web' : 'zz' });
        if (r % 2 === 0) rec.slots.reward(choice.renderId, { type: 'click' });
        now += 1;
      }
      now += 700;
      rec.slots.advance();
      for (const s of rec.slots.stats().slots[0].arms) {
        for (const c of s.cells) {
          const key = `${s.id}|${['web', 'app'].includes(c.cell) ? c.cell : 'other'}`;
          const row = expectSlots.get(key) ?? [0, 0];
          expectSlots.set(key, [row[0] + c.n, row[1] + c.sum]);
        }
      }
      const assistant = await createAssistant({ faq: FAQ });
      assistants.push(assistant);
      for (const q of QUESTIONS.slice(0, 1 + i)) assistant.ask(q);
      for (const [topic, counts] of Object.entries(assistant.stats().byTopic)) {
        const key = TOPICS.includes(topic) ? topic : '其他';
        const row = expectAssist.get(key) ?? [0, 0];
        expectAssist.set(key, [row[0] + counts.handedOver, row[1] + counts.unanswered]);
      }
    }
    assert.ok(expectAssist.size >= 2 && expectSlots.size >= 3, 'the fixture exercises several keys');
    const results = await Promise.all(devices.map((rec, i) => rec.experiments.send({ server: url, assistant: assistants[i], slots: rec.slots, policy: { pollMs: 30, minCohort: 3 } })));
    for (const r of results) assert.deepEqual(r.secure, [today() - 1]);
    for (const a of assistants) assert.equal(a.stats().asked, 0, 'counts are reset once sent');

    const assist = server.ops.store.extras(file.version, 'assist');
    assert.deepEqual(assist.map((r) => r.key).sort(), [...TOPICS, '其他'].sort(), 'the whole declared layout, zeros included');
    for (const row of assist) {
      assert.equal(row.reports, 3);
      const want = expectAssist.get(row.key) ?? [0, 0];
      assert.deepEqual(row.sums.map((v) => Math.round(v) + 0), want, row.key);
    }
    const slots = server.ops.store.extras(file.version, 'slots:banner');
    const blocks = extraBlocks(file, { assistTopics: TOPICS });
    assert.deepEqual(slots.map((r) => r.key).sort(), blocks.find((b) => b.name === 'slots:banner').keys.slice().sort());
    for (const row of slots) {
      const want = expectSlots.get(row.key) ?? [0, 0];
      assert.deepEqual(row.sums.slice(0, 2).map((v) => Math.round(v) + 0), want, row.key);
    }
  } finally {
    for (const d of devices) d.dispose();
    for (const a of assistants) a.dispose();
    await server.close();
  }
});

test('the bandits\' sums are sent as differences: the next report carries only what came after', async () => {
  const { slotsValues } = await import('../../js/metrics-extras.js');
  const blocks = extraBlocks({ bandits: BANDITS });
  const stats = (n, sum) => ({ slots: [{ slot: 'banner', arms: [{ id: 'personal', cells: [{ cell: 'web', n, sum, sumSq: sum }] }] }] });
  assert.deepEqual(slotsValues(stats(5, 2), null, blocks), { 'slots:banner': { 'personal|web': [5, 2, 2] } });
  assert.deepEqual(slotsValues(stats(8, 3), stats(5, 2), blocks), { 'slots:banner': { 'personal|web': [3, 1, 1] } });
  // A context value the file does not declare counts as 'other'.
  const odd = { slots: [{ slot: 'banner', arms: [{ id: 'popular', cells: [{ cell: 'tv', n: 1, sum: 1, sumSq: 1 }] }] }] };
  assert.deepEqual(slotsValues(odd, null, blocks), { 'slots:banner': { 'popular|other': [1, 1, 1] } });
});
