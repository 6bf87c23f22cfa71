// Shared by the engine tests: the engine under test ($ZX_ENGINE: chromium, firefox or webkit;
// scripts/test.sh runs this folder once per engine), one browser per test file, a fresh tab per
// test, and helpers that work the same through every engine's driver (tools/browsers.mjs).
import { after, before } from 'node:test';
import { mkdirSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { ENGINES, engineMissing, launchEngine } from '../../tools/browsers.mjs';
import { repoRoot } from '../browser/harness.js';
import { ensureDemoData } from '../../tools/demo-data.mjs';
import { startDemoServer } from '../../demo/serve.mjs';

export const engine = process.env.ZX_ENGINE ?? 'chromium';
if (!ENGINES.includes(engine)) throw new Error(`ZX_ENGINE=${engine}: one of ${ENGINES.join(', ')}`);

/** Why this engine's tests skip here (it is not installed), or false. */
export const skip = engineMissing(engine) ? `${engine} is not installed: ${engineMissing(engine)}` : false;

let browser;
before(async () => { if (!skip) browser = await launchEngine(engine); });
after(async () => { await browser?.close(); });

/** The browser of this file (launched once), e.g. for its version. */
export const currentBrowser = () => browser;

/** A fresh tab, closed after the test. Each test serves from its own port: its own origin, so
 * IndexedDB, caches and service workers start empty. */
export async function newPage(t) {
  const page = await browser.newPage();
  t.after(() => page.close().catch(() => {}));
  return page;
}

/** The course page's server (demo/serve.mjs, every request recorded), closed after the test. */
export async function startDemo(t, options = {}) {
  ensureDemoData();
  const server = await startDemoServer({ ...options, dataDir: process.env.ZX_DEMO_DATA, packageDir: process.env.ZX_DEMO_PACKAGE });
  t.after(() => server.close());
  return server;
}

/** Waits until the course page has settled: model loaded (or failed) and a list rendered. */
export async function waitForReady(page) {
  await page.waitForFunction(() => ['model', 'fallback'].includes(document.body.dataset.state) && Boolean(window.__zx?.timings?.ready), null, { timeout: 30000 });
  await page.waitForSelector('#rec-list li.course');
}

export function listIds(page, selector = '#rec-list') {
  return page.evaluate((s) => [...document.querySelectorAll(`${s} li.course`)].map((li) => li.dataset.id), selector);
}

/** Clicks the first `selector` element whose text is `text` (a real click, through the driver). */
export async function clickText(page, selector, text) {
  const found = await page.evaluate(({ selector, text }) => {
    const element = [...document.querySelectorAll(selector)].find((e) => e.textContent.trim() === text);
    if (element) element.dataset.zxClick = '1';
    return Boolean(element);
  }, { selector, text });
  if (!found) throw new Error(`no ${selector} with the text ${text}`);
  await page.click('[data-zx-click="1"]');
  await page.evaluate(() => { for (const e of document.querySelectorAll('[data-zx-click]')) delete e.dataset.zxClick; });
}

export const artifacts = join(repoRoot, 'tests', 'artifacts');

/** Writes tests/artifacts/<engine>-<name>.png. */
export function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  return page.screenshot(join(artifacts, `${engine}-${name}.png`));
}

/**
 * An HTTP proxy on 127.0.0.1 in front of `target` (a URL) recording every request it passes on:
 * what a page sends to another origin, seen where it arrives, in every engine. Closed after the test.
 */
export async function startRecordingProxy(t, target) {
  const requests = [];
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method, path: req.url, headers: req.headers, body });
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => { res.statusCode = 502; res.end(); });
    forward.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  const url = new URL(target);
  url.port = String(server.address().port);
  return { url: url.href, requests };
}
