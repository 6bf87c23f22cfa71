#!/usr/bin/env node
// Serves the course page on localhost, laid out as a deployed app would be:
//   /                 demo/ (index.html, app.js, style.css, sw.js, lib/)
//   /zhixuan/esm/…    the package's ESM bundle (esm/), /zhixuan/dist/… its wasm build (dist/)
//   /data/…           the generated catalog and model (only those two files)
//   /fed/…            proxied to the aggregation server when one runs (--aggregator URL)
// No request leaves the machine. Usage: node demo/serve.mjs [--port 8080] [--aggregator URL]
import { createServer, request as httpRequest } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.safetensors': 'application/octet-stream',
  '.webmanifest': 'application/manifest+json',
};
const DATA_FILES = new Set(['catalog.json', 'model.safetensors']);

// URL path -> file on disk, or null when the path is outside what the page may load.
function fileFor(pathname, dataDir, packageDir) {
  const mounts = [['/zhixuan/esm/', join(packageDir, 'esm')], ['/zhixuan/dist/', join(packageDir, 'dist')], ['/', join(repoRoot, 'demo')]];
  if (pathname.startsWith('/data/')) {
    const name = pathname.slice('/data/'.length);
    return DATA_FILES.has(name) ? join(dataDir, name) : null;
  }
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const rest = pathname.slice(prefix.length) || 'index.html';
    const path = normalize(join(dir, rest));
    if (!path.startsWith(dir)) return null;
    if (prefix === '/' && (rest.startsWith('generated') || rest.startsWith('generate/') || rest === 'serve.mjs')) return null;
    return path;
  }
  return null;
}

function proxy(req, res, body, aggregator, pathname, search) {
  const target = new URL(pathname.slice('/fed'.length) + search, aggregator);
  const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'AGGREGATOR_DOWN', message: `the aggregation server did not answer: ${error.code ?? error.message}` }));
  });
  upstream.end(body);
}

/**
 * @param {{ port?: number, dataDir?: string, packageDir?: string, aggregator?: string, routes?: Record<string, Function> }} options
 *   packageDir: where the package's esm/ and dist/ come from (default: this repository);
 *   routes answer chosen paths first (tests use them to serve broken bundles); every request is recorded.
 */
export async function startDemoServer({ port = 0, dataDir = join(repoRoot, 'demo', 'generated'), packageDir = repoRoot, aggregator, routes = {} } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method, path: url.pathname, search: url.search, headers: req.headers, body });
    if (routes[url.pathname]) return routes[url.pathname](req, res, body);
    if (url.pathname.startsWith('/fed/') || url.pathname === '/fed') {
      if (aggregator) return proxy(req, res, body, aggregator, url.pathname, url.search);
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'NO_AGGREGATOR', message: 'no aggregation server runs with this demo' }));
    }
    const path = fileFor(decodeURIComponent(url.pathname), dataDir, packageDir);
    if (!path) { res.statusCode = 404; return res.end('not found'); }
    try {
      const file = (await stat(path)).isDirectory() ? join(path, 'index.html') : path;
      const data = await readFile(file);
      res.setHeader('content-type', MIME[extname(file)] ?? 'application/octet-stream');
      res.setHeader('cache-control', 'no-cache');
      res.end(data);
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, requests, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, aggregator: { type: 'string' }, data: { type: 'string' } } });
  const { base } = await startDemoServer({ port: Number(values.port), aggregator: values.aggregator, dataDir: values.data && resolve(values.data) });
  console.log(`知选课堂 demo: ${base}/${values.aggregator ? `  (federated rounds via ${values.aggregator})` : ''}`);
}
