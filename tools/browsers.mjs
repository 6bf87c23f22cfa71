// One page driver over the three browser engines users have, for the engine tests (tests/engines)
// and any page benchmark that should run beyond Chromium: Chromium (Debian's, through
// playwright-core), Firefox (Debian's firefox-esr, over WebDriver BiDi through puppeteer-core) and
// WebKit (Debian's WebKitGTK through WebKitWebDriver, WebDriver classic: the same WebCore and
// JavaScriptCore as Safari). Every page offers the same few calls: goto, evaluate (one JSON
// argument, JSON result, async functions awaited), waitForFunction, waitForSelector, click,
// screenshot. What a page sends is recorded by the test's server (or a recording proxy), not by
// the driver: that works in every engine and sees what really arrived.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser as launchChromium } from './chromium.mjs';

export const ENGINES = Object.freeze(['chromium', 'firefox', 'webkit']);

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.WEBKIT_BROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB_RUN = '/usr/bin/xvfb-run';

/** Why `engine` cannot run on this machine (the apt package to install), or null when it can. */
export function engineMissing(engine) {
  if (engine === 'chromium') return existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') ? null : 'chromium (apt)';
  if (engine === 'firefox') return existsSync(FIREFOX) ? null : 'firefox-esr (apt)';
  if (engine === 'webkit') {
    if (!existsSync(WEBKIT_DRIVER) || !existsSync(MINIBROWSER)) return 'webkit2gtk-driver (apt)';
    return process.env.DISPLAY || existsSync(XVFB_RUN) ? null : 'xvfb (apt): WebKitGTK needs a display';
  }
  throw new TypeError(`unknown engine '${engine}': one of ${ENGINES.join(', ')}`);
}

/** Launches `engine` with a fresh profile: { engine, version, newPage(), close() }. */
export async function launchEngine(engine) {
  const missing = engineMissing(engine);
  if (missing) throw new Error(`${engine} is not installed here: ${missing}`);
  if (engine === 'chromium') return launchChromiumEngine();
  if (engine === 'firefox') return launchFirefox();
  return launchWebKit();
}

/** Polls `test` every 50 ms until it returns a truthy value or `timeout` ms pass. */
async function poll(test, timeout, what) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await test();
      if (value) return value;
    } catch (error) {
      lastError = error;  // a navigation in progress: try again
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? ` (${lastError.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The calls every engine's page shares, on top of goto / evaluate / click / screenshot. */
function withWaits(page) {
  page.waitForFunction = (fn, arg, { timeout = 20000 } = {}) => poll(() => page.evaluate(fn, arg), timeout, String(fn).slice(0, 120));
  page.waitForSelector = (selector, { timeout = 20000 } = {}) =>
    poll(() => page.evaluate((s) => document.querySelector(s) !== null, selector), timeout, selector);
  return page;
}

async function launchChromiumEngine() {
  const browser = await launchChromium();
  return {
    engine: 'chromium',
    version: browser.context.browser()?.version() ?? (await chromiumVersion()),
    async newPage() {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 390, height: 844 });
      return withWaits({
        goto: (url) => page.goto(url).then(() => {}),
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        click: (selector) => page.click(selector),
        screenshot: (path) => page.screenshot({ path }).then(() => path),
        close: () => page.close(),
      });
    },
    close: async () => { await browser.close(); await rm(browser.userDataDir, { recursive: true, force: true }); },
  };
}

async function chromiumVersion() {
  const out = await run(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']);
  return out.trim().replace(/^Chromium\s*/, '');
}

async function launchFirefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const userDataDir = await mkdtemp(join(tmpdir(), 'zx-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir,
    // A test server on 127.0.0.1 only: no update checks, telemetry or remote settings traffic.
    extraPrefsFirefox: { 'network.proxy.allow_hijacking_localhost': false, 'app.update.enabled': false, 'toolkit.telemetry.enabled': false },
  });
  return {
    engine: 'firefox',
    version: (await browser.version()).replace(/^firefox\//i, ''),
    async newPage() {
      const page = await browser.newPage();
      await page.setViewport({ width: 390, height: 844 });
      return withWaits({
        goto: (url) => page.goto(url, { waitUntil: 'load' }).then(() => {}),
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        click: (selector) => page.click(selector),
        screenshot: (path) => page.screenshot({ path }).then(() => path),
        close: () => page.close(),
      });
    },
    close: async () => { await browser.close(); await rm(userDataDir, { recursive: true, force: true }); },
  };
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/**
 * WebKitWebDriver (under xvfb-run when there is no display) and one MiniBrowser session. WebDriver
 * classic has one current window per session: each page switches to its window before a command,
 * and a script runs to its end before the next command starts (so pages take turns).
 */
async function launchWebKit() {
  const port = await freePort();
  const command = process.env.DISPLAY ? [WEBKIT_DRIVER, `--port=${port}`] : [XVFB_RUN, '-a', WEBKIT_DRIVER, `--port=${port}`];
  // Its own process group, so that close() ends xvfb-run, Xvfb, the driver and the browser together.
  const driver = spawn(command[0], command.slice(1), { stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => driver.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const json = await response.json();
    if (json.value?.error) throw new Error(`WebKitWebDriver ${method} ${path}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  };
  const stop = async () => {
    try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already gone */ }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  };
  let session;
  try {
    await poll(() => fetch(`${base}/status`).then((r) => r.ok), 15000, 'WebKitWebDriver to listen');
    session = await call('POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const sessionPath = `/session/${session.sessionId}`;
  await call('POST', `${sessionPath}/timeouts`, { script: 60000, pageLoad: 30000 });
  let current = await call('GET', `${sessionPath}/window`);
  // Closing the last window would end the session: a closed page's window is blanked and reused.
  const idle = [current];
  return {
    engine: 'webkit',
    version: `WebKitGTK ${session.capabilities.browserVersion}`,
    async newPage() {
      const handle = idle.pop() ?? (await call('POST', `${sessionPath}/window/new`, { type: 'tab' })).handle;
      const use = async () => {
        if (current !== handle) { await call('POST', `${sessionPath}/window`, { handle }); current = handle; }
      };
      await use();
      await call('POST', `${sessionPath}/window/rect`, { width: 390, height: 844 }).catch(() => {});
      return withWaits({
        goto: async (url) => { await use(); await call('POST', `${sessionPath}/url`, { url }); },
        async evaluate(fn, arg) {
          await use();
          // The result travels as JSON; an exception comes back as {failed} and is thrown here (a
          // field named `error` would be taken by WebKitWebDriver for its own error).
          const script = `const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => (${fn})(arguments[0]))
              .then((value) => done({ value: value === undefined ? null : value }),
                    (e) => done({ failed: { name: String(e && e.name), message: String(e && e.message || e), stack: String(e && e.stack) } }));`;
          const result = await call('POST', `${sessionPath}/execute/async`, { script, args: [arg ?? null] });
          if (result?.failed) throw new Error(`page: ${result.failed.name}: ${result.failed.message}\n${result.failed.stack}`);
          return result?.value;
        },
        async click(selector) {
          await use();
          const element = await call('POST', `${sessionPath}/element`, { using: 'css selector', value: selector });
          await call('POST', `${sessionPath}/element/${Object.values(element)[0]}/click`, {});
        },
        async screenshot(path) {
          await use();
          await writeFile(path, Buffer.from(await call('GET', `${sessionPath}/screenshot`), 'base64'));
          return path;
        },
        async close() {
          await use();
          await call('POST', `${sessionPath}/url`, { url: 'about:blank' });
          idle.push(handle);
        },
      });
    },
    close: async () => {
      await call('DELETE', sessionPath).catch(() => {});
      await stop();
    },
  };
}
