// The page benchmarks' HTTP server on 127.0.0.1: the repository's esm/, dist/, bench/ and tools/
// (the package, the page and its data code) and the peers' browser builds from node_modules
// (tfjs-core, tfjs-backend-wasm, onnxruntime-web, their wasm files included). Cross-origin
// isolated (COOP + COEP), as onnxruntime-web's threaded wasm build wants SharedArrayBuffer and
// every engine then gives performance.now() its finest resolution.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SERVED = ['/esm/', '/dist/', '/bench/', '/tools/', '/node_modules/@tensorflow/', '/node_modules/onnxruntime-web/dist/'];
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Starts the server: { base, close() }. */
export async function startPageServer() {
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    const path = normalize(join(repoRoot, pathname));
    if (!SERVED.some((prefix) => pathname.startsWith(prefix)) || !path.startsWith(repoRoot)) { res.statusCode = 404; return res.end(); }
    try {
      const body = await readFile(path);
      res.writeHead(200, {
        'content-type': MIME[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}
