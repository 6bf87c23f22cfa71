// Shared by the real-browser tests: a static HTTP server over the repository on
// 127.0.0.1, and Debian's Chromium (tools/chromium.mjs, shared with the benchmarks).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

export { launchBrowser } from '../../tools/chromium.mjs';

export const repoRoot = resolve(new URL('../..', import.meta.url).pathname);

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.safetensors': 'application/octet-stream',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Serves `root` (default: the repository) on 127.0.0.1; `routes` may answer
 * extra paths: { '/x': (req, res) => ... }. Every request is recorded in `requests`.
 */
export async function startStaticServer({ root = repoRoot, routes = {} } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    requests.push({ method: req.method, path: url.pathname, search: url.search, headers: req.headers, body: Buffer.concat(chunks) });
    if (routes[url.pathname]) return routes[url.pathname](req, res, Buffer.concat(chunks));
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(root)) { res.statusCode = 403; return res.end(); }
    try {
      const file = (await stat(path)).isDirectory() ? join(path, 'index.html') : path;
      const body = await readFile(file);
      res.setHeader('content-type', MIME[extname(file)] ?? 'application/octet-stream');
      res.setHeader('cache-control', 'no-store');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, requests, close: () => new Promise((r) => server.close(r)) };
}
