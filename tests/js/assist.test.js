// The FAQ assistant through the public API: answers, hand-over, course-aware answers,
// follow-up courses, counts without text, and bad input answered with named errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAssistant, ZhixuanError } from '../../js/index.js';

const FAQ = JSON.parse(readFileSync(new URL('../../demo/faq.json', import.meta.url), 'utf8'));
const CATALOG = {
  items: [
    { id: 'km1', title: '考研数学 零基础入门', tags: ['考研', '考研数学', '入门'], teacher: '王老师', price: 199, lessons: 30 },
    { id: 'km2', title: '考研数学 30 天训练营', tags: ['考研', '考研数学', '训练营'], teacher: '王老师', price: 999, lessons: 45 },
    { id: 'ke1', title: '考研英语 进阶精讲', tags: ['考研', '考研英语'], teacher: '李老师', price: 399, lessons: 20 },
    { id: 'py1', title: 'Python 零基础入门', tags: ['Python', '入门'], teacher: '张老师', price: 0, lessons: 12 },
  ],
};

const throwsCode = async (promiseOrFn, code, pattern) => {
  const check = (e) => {
    assert.ok(e instanceof ZhixuanError, `expected ZhixuanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
  if (typeof promiseOrFn === 'function') assert.throws(promiseOrFn, check);
  else await assert.rejects(promiseOrFn, check);
};

test('a colloquial question gets its answer, intent and links', async () => {
  const assistant = await createAssistant({ faq: FAQ, catalog: CATALOG });
  const a = assistant.ask('买错课了 钱能退给我吗');
  assert.equal(a.answered, true);
  assert.equal(a.handover, false);
  assert.equal(a.intent, 'refund');
  assert.ok(a.entry.id.startsWith('refund'), a.entry.id);
  assert.ok(a.confidence > assistant.info().threshold && a.confidence <= 1);
  assert.ok(a.answer.length > 0);
  assert.ok(Array.isArray(a.links));
  assistant.dispose();
});

test('traditional characters, full-width letters and typos still match', async () => {
  const assistant = await createAssistant({ faq: FAQ });
  assert.equal(assistant.ask('怎麼找回密碼').suggestions[0].id, 'reset-password');
  assert.equal(assistant.ask('优惠卷用不了').suggestions[0].id, 'coupon-unusable');
  assert.equal(assistant.ask('ＶＩＰ会员有啥权益').suggestions[0].id, 'membership');
  assistant.dispose();
});

test('an off-topic question is handed over with at most three suggestions', async () => {
  const assistant = await createAssistant({ faq: FAQ });
  const a = assistant.ask('你们食堂的红烧肉好吃吗');
  assert.equal(a.answered, false);
  assert.equal(a.handover, true);
  assert.equal(a.answer, null);
  assert.ok(a.suggestions.length <= 3);
  assistant.dispose();
});

test('the calibrated hand-over: a near miss on a known topic is handed over, a paraphrase answered', async () => {
  // Written for this test (in neither split of the fixture). Each near miss shares its topic with
  // an entry, which stays the first suggestion, but asks what no entry answers (VR 眼镜, 美元);
  // the calibration of the fifth pass answered both.
  const assistant = await createAssistant({ faq: FAQ });
  const threshold = assistant.info().threshold;
  for (const [q, near] of [['直播课能用VR眼镜看吗', 'replay-where'], ['发票能开成美元吗', 'invoice-company']]) {
    const a = assistant.ask(q);
    assert.equal(a.answered, false, q);
    assert.equal(a.handover, true, q);
    assert.ok(a.confidence < threshold, `${q}: ${a.confidence}`);
    assert.equal(a.suggestions[0].id, near, q);
  }
  const paraphrase = assistant.ask('视频能不能调成两倍速播放');
  assert.equal(paraphrase.answered, true);
  assert.equal(paraphrase.entry.id, 'video-speed');
  assert.ok(paraphrase.confidence >= threshold);
  assistant.dispose();
});

test('on a course page "this course" is answered from the catalog entry', async () => {
  const assistant = await createAssistant({ faq: FAQ, catalog: JSON.stringify(CATALOG) });
  const onPage = assistant.ask('这门课多久能学完', { course: 'km1' });
  assert.equal(onPage.answered, true);
  assert.equal(onPage.fromCourse, true);
  assert.match(onPage.answer, /考研数学 零基础入门/);
  assert.match(onPage.answer, /30 节/);
  const generic = assistant.ask('这门课多久能学完');
  assert.equal(generic.fromCourse, false);
  assert.doesNotMatch(generic.answer, /零基础入门/);
  const teacher = assistant.ask('这门课是谁讲的', { course: 'ke1' });
  assert.match(teacher.answer, /李老师/);
  assistant.dispose();
});

test('a question about 考研数学 offers the matching courses', async () => {
  const assistant = await createAssistant({ faq: FAQ, catalog: CATALOG });
  const a = assistant.ask('有没有考研数学的课');
  assert.deepEqual(a.relatedCourses.slice(0, 2).map((c) => c.id), ['km1', 'km2']);
  assert.equal(a.relatedCourses[0].title, '考研数学 零基础入门');
  assistant.dispose();
});

test('stats are counts per topic, never the text', async () => {
  const assistant = await createAssistant({ faq: FAQ });
  const secret = '我的身份证号是110101199001011234能退款吗';
  assistant.ask(secret);
  assistant.ask('火星上有没有分校区');
  assistant.ask('转人工');
  const stats = assistant.stats();
  assert.equal(stats.asked, 3);
  assert.equal(stats.answered + stats.unanswered, 3);
  assert.ok(stats.handedOver >= 2);  // off-topic + asked for a human
  const total = Object.values(stats.byTopic).reduce((n, t) => n + t.handedOver, 0);
  assert.equal(total, stats.handedOver);
  const serialized = JSON.stringify(stats);
  assert.ok(!serialized.includes('110101'), serialized);
  assert.ok(!serialized.includes('火星'), serialized);
  assistant.resetStats();
  assert.equal(assistant.stats().asked, 0);
  assistant.dispose();
});

test('bad input: named errors, nothing crosses half-checked', async () => {
  await assert.rejects(createAssistant({}), TypeError);
  await assert.rejects(createAssistant(), TypeError);
  await assert.rejects(createAssistant({ faq: 42 }), TypeError);
  await throwsCode(createAssistant({ faq: '{"entries": [' }), 'MALFORMED_FAQ', /not valid JSON/);
  await throwsCode(createAssistant({ faq: { entries: [{ id: 'a', question: 'q' }] } }), 'MALFORMED_FAQ', /entries\[0\].*answer/);
  await throwsCode(createAssistant({ faq: [{ id: 'a', question: 'q', answer: 'a', intent: 'DROP TABLE' }] }), 'MALFORMED_FAQ', /intent/);
  await throwsCode(createAssistant({ faq: [{ id: 'a', question: 'q', answer: 'a', links: [{ title: 't', url: 'javascript:x' }] }] }),
    'MALFORMED_FAQ', /url/);
  await throwsCode(createAssistant({ faq: 'x'.repeat(32 * 1024 * 1024 + 1) }), 'TOO_LARGE');
  // Under the limit in UTF-16 units, over it in UTF-8 bytes (what crosses into wasm).
  await throwsCode(createAssistant({ faq: '退'.repeat(12 * 1024 * 1024) }), 'TOO_LARGE');
  await throwsCode(createAssistant({ faq: FAQ, catalog: { items: [{ id: 'a', lessons: 'many' }] } }), 'MALFORMED_CATALOG', /items\[0\]/);
  await throwsCode(createAssistant({ faq: FAQ, threshold: 2 }), 'INVALID_ARGUMENT', /threshold/);
  await assert.rejects(createAssistant({ faq: FAQ, recommender: {} }), TypeError);
  const cyclic = { entries: [] };
  cyclic.self = cyclic;
  await throwsCode(createAssistant({ faq: cyclic }), 'MALFORMED_FAQ', /serialized/);

  const assistant = await createAssistant({ faq: FAQ });
  assert.throws(() => assistant.ask(42), TypeError);
  assert.throws(() => assistant.ask(undefined), TypeError);
  assert.throws(() => assistant.ask('退款', { course: 7 }), TypeError);
  assert.throws(() => assistant.ask('退款', 'c1'), TypeError);
  await throwsCode(() => assistant.ask('   '), 'INVALID_ARGUMENT', /empty/);
  await throwsCode(() => assistant.ask('退'.repeat(700)), 'TOO_LARGE');  // 2,100 UTF-8 bytes
  assert.equal(assistant.ask('\ud800退款').handover !== undefined, true);  // a lone surrogate is tolerated
  assert.equal(assistant.ask('退款', { course: 'no-such-course' }).fromCourse, false);
  assistant.dispose();
  await throwsCode(() => assistant.ask('退款'), 'DISPOSED');
  assistant.dispose();  // twice is fine
});

test('a FAQ given as JSON text answers exactly like the same FAQ as an object', async () => {
  const fromObject = await createAssistant({ faq: FAQ });
  const fromText = await createAssistant({ faq: JSON.stringify(FAQ) });
  for (const q of ['發票怎麼開', '退款多久到账', '证书在哪下载', '今天天气怎么样']) {
    const a = fromObject.ask(q);
    const b = fromText.ask(q);
    assert.deepEqual(b, a, q);
  }
  fromObject.dispose();
  fromText.dispose();
});

test('a lower threshold answers more, a threshold of 1 answers nothing', async () => {
  const strict = await createAssistant({ faq: FAQ, threshold: 1 });
  assert.equal(strict.ask('怎么申请退款').answered, false);
  const lenient = await createAssistant({ faq: FAQ, threshold: 0 });
  const weak = '课程';  // matches many entries, none well
  assert.equal(lenient.ask(weak).answered, true);
  assert.equal(strict.ask(weak).answered, false);
  assert.equal(lenient.info().threshold, 0);
  strict.dispose();
  lenient.dispose();
});
