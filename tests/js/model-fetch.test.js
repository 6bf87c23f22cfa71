// A model by URL is streamed into the wasm heap as it arrives: a real HTTP server sends it in
// small pieces, compressed (more bytes arrive than Content-Length says), without a length, and
// cut off mid-body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { createRecommender } from '../../js/index.js';
import { f32BundleV2, gaussianRows, itemIds } from '../../tools/bundle-fixtures.mjs';

const n = 3000, dim = 32;
const bytes = f32BundleV2(gaussianRows(n, dim, 41), itemIds(n), dim);  // 390 KB
const userVector = new Float32Array(dim).map((_, j) => Math.sin(j));
const answers = (rec) => rec.recommend({ userVector, k: n });

const sendInPieces = async (res, body, piece = 7001) => {
  for (let at = 0; at < body.length; at += piece) {
    res.write(body.subarray(at, at + piece));
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
};

async function serve(t) {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/pieces') {
      res.setHeader('content-length', bytes.length);
      await sendInPieces(res, bytes);
    } else if (req.url === '/gzip') {
      const packed = zlib.gzipSync(bytes);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': packed.length });
      await sendInPieces(res, packed, 1000);
    } else if (req.url === '/no-length') {
      await sendInPieces(res, bytes);  // chunked transfer encoding
    } else if (req.url === '/cut') {
      res.setHeader('content-length', bytes.length);
      res.write(bytes.subarray(0, 100000));
      setImmediate(() => res.socket.destroy());
    } else if (req.url === '/huge') {
      res.setHeader('content-length', 3 * 2 ** 30);  // claims 3 GiB, sends 1 KB
      res.write(bytes.subarray(0, 1024));
    } else if (req.url === '/empty') {
      res.setHeader('content-length', 0);
      res.end();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${server.address().port}`;
}

test('a model sent in pieces, compressed or without a length arrives whole', async (t) => {
  const base = await serve(t);
  const fromBytes = await createRecommender({ model: bytes, features: [] });
  const expected = answers(fromBytes);
  fromBytes.dispose();
  for (const path of ['/pieces', '/gzip', '/no-length']) {
    const progress = [];
    const rec = await createRecommender({ model: `${base}${path}`, features: [], onProgress: (p) => progress.push(p) });
    assert.deepEqual(answers(rec), expected, path);
    assert.ok(progress.length > 10, `${path}: ${progress.length} progress calls`);
    assert.ok(progress.every((p, i) => i === 0 || p.loaded > progress[i - 1].loaded), path);
    assert.equal(progress.at(-1).loaded, bytes.length, path);
    rec.dispose();
  }
});

test('a sha256 is checked on the streamed model before the core reads it', async (t) => {
  const base = await serve(t);
  const { createHash } = await import('node:crypto');
  const digest = createHash('sha256').update(bytes).digest('hex');
  const progress = [];
  const rec = await createRecommender({ model: `${base}/gzip`, features: [], sha256: digest.toUpperCase(), onProgress: (p) => progress.push(p.loaded) });
  assert.equal(rec.info.items, n);
  assert.equal(progress.at(-1), bytes.length);
  rec.dispose();
  await assert.rejects(createRecommender({ model: `${base}/pieces`, features: [], sha256: '0'.repeat(64) }),
    (e) => e.code === 'INTEGRITY' && e.message.includes(digest));
  await assert.rejects(createRecommender({ model: `${base}/pieces`, features: [], sha256: 'abc' }),
    (e) => e instanceof TypeError && /sha256 must be 64 hex characters/.test(e.message));
});

test('a body cut off, empty or missing is a clear error', async (t) => {
  const base = await serve(t);
  await assert.rejects(createRecommender({ model: `${base}/cut`, features: [] }),
    (e) => e.code === 'FETCH_FAILED' && e.message.includes(`${base}/cut`));
  await assert.rejects(createRecommender({ model: `${base}/empty`, features: [] }), (e) => e.code === 'MALFORMED_MODEL');
  await assert.rejects(createRecommender({ model: `${base}/huge`, features: [] }),
    (e) => e.code === 'TOO_LARGE' && /larger than 2 GiB \(Content-Length 3221225472\)/.test(e.message));
  await assert.rejects(createRecommender({ model: `${base}/nothing-here`, features: [] }),
    (e) => e.code === 'FETCH_FAILED' && /HTTP 404/.test(e.message));
  // The same recommender still loads afterwards: nothing was left half-held.
  const rec = await createRecommender({ model: `${base}/pieces`, features: [] });
  assert.equal(rec.info.items, n);
  rec.dispose();
});

test('pieces that arrive before the core is ready wait, then land in order', async (t) => {
  const { init } = await import('../../js/core.js');
  const { openModelInHeap } = await import('../../js/model-source.js');
  const base = await serve(t);
  const core = await init({ features: [] });
  const heapHolds = ({ ptr, length }) => length === bytes.length && Buffer.from(core.HEAPU8.subarray(ptr, ptr + length)).equals(Buffer.from(bytes));
  // Ready only once half the model has arrived; ready only after all of it; ready from the start.
  let readyAtHalf;
  const atHalf = new Promise((resolve) => { readyAtHalf = () => resolve(core); });
  const half = await openModelInHeap(atHalf, `${base}/pieces`, { onProgress: (p) => { if (p.loaded > bytes.length / 2) readyAtHalf(); } });
  assert.ok(heapHolds(half));
  core._free(half.ptr);
  let readyAtEnd;
  const atEnd = new Promise((resolve) => { readyAtEnd = () => resolve(core); });
  const late = openModelInHeap(atEnd, `${base}/pieces`, { onProgress: (p) => { if (p.loaded === bytes.length) setTimeout(readyAtEnd, 20); } });
  const whole = await late;
  assert.ok(heapHolds(whole));
  core._free(whole.ptr);
  const ready = await openModelInHeap(Promise.resolve(core), `${base}/gzip`);
  assert.ok(heapHolds(ready));
  core._free(ready.ptr);
});
