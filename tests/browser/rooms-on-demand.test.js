// Rooms loaded when first used (README): the course page in Chromium fetches, before its first
// personal list, one recommender module and none of the parts it has not used yet (the FAQ
// assistant's module, secure aggregation's client); opening the 客服 panel fetches the
// assistant's module then, and it answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, waitForReady } from './demo-helpers.js';

const packageFile = (url) => new URL(url).pathname.match(/\/zhixuan\/(?:esm|dist)\/([\w.-]+)$/)?.[1] ?? null;

test('the course page fetches one recommender module before its first list; the assistant module only when the 客服 panel opens', async (t) => {
  const { server, page, pageErrors } = await openDemo(t);
  const fetched = [];
  page.on('request', (request) => {
    const file = packageFile(request.url());
    if (file) fetched.push(file);
  });
  await page.goto(`${server.base}/`);
  await waitForReady(page);  // the list drawn once the model is up (a new visitor's: popular, re-ranked by it)
  assert.equal(await page.getAttribute('body', 'data-state'), 'model');
  const beforeFirstList = [...new Set(fetched)];
  const wasm = beforeFirstList.filter((f) => f.endsWith('.wasm'));
  assert.deepEqual(wasm, ['zhixuan-core.wasm'], `one recommender module before the first list: ${beforeFirstList.join(', ')}`);
  for (const unused of ['zhixuan-assist.wasm', 'zhixuan-assist.mjs', 'secagg.js', 'assist.js']) {
    assert.ok(!beforeFirstList.includes(unused), `${unused} is not fetched before it is used: ${beforeFirstList.join(', ')}`);
  }

  await page.click('#assist-open');
  await page.fill('#assist-input', '怎么退款');
  await page.press('#assist-input', 'Enter');
  await page.waitForSelector('#assist-log .assist-msg.bot[data-answered]', { timeout: 20000 });
  const afterPanel = [...new Set(fetched)];
  assert.ok(afterPanel.includes('zhixuan-assist.wasm'), `the panel fetched the assistant's module: ${afterPanel.join(', ')}`);
  assert.ok(!afterPanel.includes('zhixuan-core-lean.wasm') && !afterPanel.includes('zhixuan-core-profile.wasm'),
    `no second recommender module: ${afterPanel.join(', ')}`);
  assert.deepEqual(pageErrors, []);
  console.log(`# before the first list: ${beforeFirstList.join(', ')}; after the 客服 panel: + ${afterPanel.filter((f) => !beforeFirstList.includes(f)).join(', ')}`);
});
