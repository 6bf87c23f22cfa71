// The course page's 客服 panel in Chromium: answers on the device with links, offers 转人工
// when unsure, answers "这门课多久能学完" from the course on screen, and no typed question
// ever appears in a request the page sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDemo, screenshot, waitForReady } from './demo-helpers.js';
import { repoRoot } from './harness.js';

async function ask(page, question) {
  const before = await page.$$eval('#assist-log .assist-msg.bot[data-answered]', (n) => n.length);
  await page.fill('#assist-input', question);
  await page.press('#assist-input', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#assist-log .assist-msg.bot[data-answered]').length > n, before);
  const last = (await page.$$('#assist-log .assist-msg.bot[data-answered]')).at(-1);
  return {
    answered: (await last.getAttribute('data-answered')) === 'true',
    handover: (await last.getAttribute('data-handover')) === 'true',
    entry: await last.getAttribute('data-entry'),
    text: await last.innerText(),
    node: last,
  };
}

test('the 客服 panel answers on the device, hands over when unsure, and sends no question anywhere', async (t) => {
  const { server, page, pageErrors } = await openDemo(t);
  const sent = [];
  page.on('request', (request) => sent.push({ url: request.url(), body: request.postData() ?? '', headers: JSON.stringify(request.headers()) }));
  await page.goto(`${server.base}/`);
  await waitForReady(page);

  const catalog = JSON.parse(readFileSync(join(repoRoot, 'demo', 'generated', 'catalog.json'), 'utf8'));
  const course = catalog.items.find((item) => item.tags.includes('考研数学') && item.lessons > 0);
  await page.goto(`${server.base}/#/course/${course.id}`);
  await page.waitForSelector('#course-detail');
  await page.click('#assist-open');
  await page.waitForSelector('#assist-panel:not([hidden])');

  const questions = [];
  // "This course": answered from the catalog entry of the course on screen.
  questions.push('这门课多久能学完');
  const length = await ask(page, questions.at(-1));
  assert.equal(length.answered, true, length.text);
  assert.ok(length.text.includes(course.title), length.text);
  assert.ok(length.text.includes(`${course.lessons} 节`), length.text);
  assert.match(length.text, /来自本课程信息/);

  // A platform question: answered with its links and the intent's action.
  questions.push('我要开发票，在哪里申请');
  const invoice = await ask(page, questions.at(-1));
  assert.equal(invoice.answered, true, invoice.text);
  assert.equal(invoice.entry, 'invoice-how');
  assert.ok(await invoice.node.$('a.assist-link[href="/me/invoices"]'));
  assert.ok(await invoice.node.$('a.assist-action[data-intent="invoice"]'));

  // A question about a subject brings its courses.
  questions.push('有没有考研数学的课程推荐');
  const kaoyan = await ask(page, questions.at(-1));
  assert.ok((await kaoyan.node.$$('a.assist-course')).length > 0, kaoyan.text);
  await screenshot(page, 'assistant-course-answer');

  // Unsure: no answer, suggestions and 转人工.
  questions.push('食堂的红烧肉今天咸不咸');
  const unsure = await ask(page, questions.at(-1));
  assert.equal(unsure.answered, false, unsure.text);
  assert.equal(unsure.handover, true);
  assert.ok(await unsure.node.$('#assist-human'));
  await screenshot(page, 'assistant-handover');
  await (await unsure.node.$('#assist-human')).click();
  await page.waitForSelector('#assist-panel[data-handover="requested"]');

  // Counts only: the page's assistant keeps no text.
  const stats = await page.evaluate(() => window.__zx.assistant.stats());
  assert.equal(stats.asked, questions.length);
  assert.ok(stats.handedOver >= 1);
  for (const q of questions) assert.ok(!JSON.stringify(stats).includes(q));

  // No request the page sent (URL, body or headers) holds a question, raw or encoded.
  await page.waitForTimeout(300);
  assert.ok(sent.length > 0);
  for (const q of questions) {
    const forms = [q, encodeURIComponent(q), encodeURI(q), JSON.stringify(q).slice(1, -1)];
    for (const r of sent) for (const form of forms) {
      assert.ok(!r.url.includes(form) && !r.body.includes(form) && !r.headers.includes(form), `"${q}" appears in a request to ${r.url}`);
    }
  }
  assert.deepEqual(pageErrors, []);
});
