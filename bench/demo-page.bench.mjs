// The course page's load in Chromium: navigation start -> first list (popularity or personal)
// and -> model ready, on a first visit (fresh profile) and on a reload (service worker cache,
// a returning user with history). Usage: node bench/demo-page.bench.mjs [runs=5]
// (ZX_DEMO_PACKAGE / ZX_DEMO_DATA: another build of the package / another generated folder)
import { launchBrowser } from '../tools/chromium.mjs';
import { ensureDemoData } from '../tools/demo-data.mjs';
import { startDemoServer } from '../demo/serve.mjs';

const runs = Number(process.argv[2] ?? 5);
ensureDemoData();
const server = await startDemoServer({ packageDir: process.env.ZX_DEMO_PACKAGE, dataDir: process.env.ZX_DEMO_DATA });
const rows = { first: [], reload: [] };
for (let i = 0; i < runs; i++) {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.base}/`);
  await page.waitForFunction(() => window.__zx?.timings?.ready && window.__zx.offline);
  rows.first.push(await page.evaluate(() => window.__zx.timings));
  await page.click('#onboarding button:text-is("跳过")');
  await page.click('#rec-list li.course button.fav');
  await page.reload();
  await page.waitForFunction(() => window.__zx?.timings?.ready);
  rows.reload.push(await page.evaluate(() => window.__zx.timings));
  await browser.close();
}
await server.close();
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, list] of Object.entries(rows)) {
  const firstList = median(list.map((t) => t.firstList));
  const ready = median(list.map((t) => t.modelReady));
  console.log(`${name.padEnd(6)} median of ${runs}: first list ${firstList.toFixed(0)} ms, model ready ${ready.toFixed(0)} ms (after navigation start)`);
}
