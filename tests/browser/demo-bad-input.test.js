// The course page when things go wrong: it always says what happened and still shows the
// popularity list shipped with the catalog, never a blank page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './harness.js';
import { listIds, openDemo, screenshot, waitForReady } from './demo-helpers.js';

const generated = process.env.ZX_DEMO_DATA ?? join(repoRoot, 'demo', 'generated');
const send = (status, type, body, headers = {}) => (req, res) => {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
};

async function expectFallback(t, { routes, initScript, notice, shot }) {
  const { server, page, pageErrors } = await openDemo(t, { routes, initScript });
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'fallback');
  assert.match(await page.textContent('#notice'), notice);
  assert.equal(await page.getAttribute('#rec-list', 'data-source'), 'popular');
  const catalog = JSON.parse(readFileSync(join(generated, 'catalog.json'), 'utf8'));
  assert.deepEqual(await listIds(page), catalog.popular.slice(0, 12));
  await screenshot(page, shot);
  // The rest of the page still works: a course page with neighbours from the popularity list.
  await page.click('#rec-list li.course');
  await page.waitForSelector('#also-list li.course');
  assert.deepEqual(pageErrors, []);
}

test('a missing bundle: a message and the popularity list', async (t) => {
  await expectFallback(t, { routes: { '/data/model.safetensors': send(404, 'text/plain', 'not found') }, notice: /推荐模型下载失败.*FETCH_FAILED/, shot: 'demo-fallback-missing' });
});

test('a corrupt bundle: a message and the popularity list', async (t) => {
  const bytes = readFileSync(join(generated, 'model.safetensors'));
  const corrupt = Buffer.from(bytes);
  corrupt.writeBigUInt64LE(BigInt(corrupt.length * 4), 0);  // header length past the end of the file
  await expectFallback(t, { routes: { '/data/model.safetensors': send(200, 'application/octet-stream', corrupt) }, notice: /推荐模型文件已损坏.*MALFORMED_MODEL/, shot: 'demo-fallback-corrupt' });
});

test('a catalog made for another model version: a message and the popularity list', async (t) => {
  const catalog = JSON.parse(readFileSync(join(generated, 'catalog.json'), 'utf8'));
  catalog.model_version = 'some-other-version';
  await expectFallback(t, { routes: { '/data/catalog.json': send(200, 'application/json', JSON.stringify(catalog)) }, notice: /版本不一致.*MODEL_MISMATCH/, shot: 'demo-fallback-mismatch' });
});

test('wasm blocked by the content security policy: a message and the popularity list', async (t) => {
  const html = readFileSync(join(repoRoot, 'demo', 'index.html'));
  const csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'";  // no 'wasm-unsafe-eval'
  await expectFallback(t, { routes: { '/': send(200, 'text/html; charset=utf-8', html, { 'content-security-policy': csp }) }, notice: /WebAssembly.*WASM_LOAD_FAILED/, shot: 'demo-fallback-wasm-blocked' });
});

test('storage denied (private mode): the page says so and still personalizes for the visit', async (t) => {
  const deny = () => {
    const refuse = () => { throw new DOMException('The user denied permission to access the database.', 'SecurityError'); };
    Object.defineProperty(window, 'indexedDB', { get: () => ({ open: refuse, deleteDatabase: refuse, databases: async () => [] }) });
  };
  const { server, page, pageErrors } = await openDemo(t, { initScript: deny });
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'model');
  assert.match(await page.textContent('#notice'), /不允许保存数据/);
  const [first] = await listIds(page);
  await page.click(`#rec-list li[data-id="${first}"] button.fav`);
  await page.waitForSelector('#rec-list[data-source="model"]');
  assert.ok(!(await listIds(page)).includes(first));
  await screenshot(page, 'demo-storage-denied');
  assert.deepEqual(pageErrors, []);
});

test('no catalog at all: a clear message and a retry button, not a blank page', async (t) => {
  const { server, page } = await openDemo(t, { routes: { '/data/catalog.json': send(500, 'text/plain', 'boom') } });
  await page.goto(`${server.base}/?nosw`);
  await page.waitForSelector('body[data-state="no-catalog"]');
  assert.match(await page.textContent('#view'), /课程目录加载失败/);
  assert.ok(await page.isVisible('#view button'));
});
