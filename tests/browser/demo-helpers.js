// Shared by the course-page tests: the generated sample data, the demo server, a phone-sized
// page, and screenshots written to tests/artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, repoRoot } from './harness.js';
import { ensureDemoData } from '../../tools/demo-data.mjs';
import { startDemoServer } from '../../demo/serve.mjs';

export { ensureDemoData };

export const artifacts = join(repoRoot, 'tests', 'artifacts');

// What the course page may fetch: static files, and the experiments file (public, the same for
// every user). Anything else, a query string or a body would be personal data leaving.
export const STATIC_PATH = /^\/($|index\.html$|app\.js$|style\.css$|sw\.js$|lib\/[\w-]+\.js$|zhixuan\/(esm|dist)\/[\w/.-]+$|data\/(catalog\.json|model\.safetensors)$|fed\/v1\/experiments$|favicon\.ico$)/;

/** A demo server + a fresh Chromium profile + a phone-sized page; closed after the test. */
export async function openDemo(t, { routes, initScript } = {}) {
  ensureDemoData();
  const server = await startDemoServer({ routes, dataDir: process.env.ZX_DEMO_DATA, packageDir: process.env.ZX_DEMO_PACKAGE });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); });
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  if (initScript) await page.addInitScript(initScript);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { server, browser, page, pageErrors };
}

/** Waits until the page has settled: model loaded (or failed) and a list rendered. */
export async function waitForReady(page) {
  await page.waitForFunction(() => ['model', 'fallback'].includes(document.body.dataset.state) && window.__zx?.timings?.ready, null, { timeout: 20000 });
  await page.waitForSelector('#rec-list li.course');
}

export async function listIds(page, selector = '#rec-list') {
  return page.$$eval(`${selector} li.course`, (items) => items.map((li) => li.dataset.id));
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Rows of every object store of every IndexedDB database of the page's origin. */
export async function storedRows(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of db.objectStoreNames) {
        out[`${name}/${store}`] = await new Promise((resolve) => {
          const request = db.transaction(store).objectStore(store).count();
          request.onsuccess = () => resolve(request.result);
        });
      }
      db.close();
    }
    return out;
  });
}
