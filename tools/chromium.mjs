// Debian's Chromium driven by playwright-core, headless with a fresh profile directory: what
// the browser tests and the page benchmarks run the page in.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Launches Chromium ($CHROMIUM_PATH, default /usr/bin/chromium) with a fresh profile. */
export async function launchBrowser() {
  const userDataDir = await mkdtemp(join(tmpdir(), 'zx-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { context, userDataDir, close: () => context.close() };
}
