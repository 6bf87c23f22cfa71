// The cold-start load path: a local file read straight into the wasm heap and adopted by the
// core, the manifest and the full id list copied out of wasm only when asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle, checkerboardRows, f32Bundle, f32BundleV2, i8Bundle, gaussianRows, idTensor, itemIds, manifest, sampleCatalog, writeSafetensors } from '../../tools/bundle-fixtures.mjs';

function tempFile(bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-cold-test-'));
  const file = path.join(dir, 'model.safetensors');
  fs.writeFileSync(file, bytes);
  return file;
}

test('a bundle read from a file gives the same answers as the same bytes in memory', async () => {
  for (const bytes of [checkerboardBundle(), i8Bundle(gaussianRows(50, 8, 3), itemIds(50), 8)]) {
    const file = tempFile(bytes);
    const fromFile = await createRecommender({ model: file, catalog: sampleCatalog, profile: false });
    const fromBytes = await createRecommender({ model: bytes, catalog: sampleCatalog, profile: false });
    const userVector = fromBytes.foldIn(['item1', 'item2']);
    assert.deepEqual(fromFile.recommend({ userVector, k: 7 }), fromBytes.recommend({ userVector, k: 7 }));
    assert.deepEqual(fromFile.recommend({ history: ['item0', 'mp-2'], k: 5 }), fromBytes.recommend({ history: ['item0', 'mp-2'], k: 5 }));
    assert.deepEqual(fromFile.info, fromBytes.info);
    fromFile.dispose();
    fromBytes.dispose();
  }
});

test('a file large enough to be read in pieces on several pool threads arrives whole', async () => {
  const n = 80000, dim = 64;  // 20.5 MB of rows: four pieces
  const bytes = f32BundleV2(gaussianRows(n, dim, 5), itemIds(n), dim);
  const fromFile = await createRecommender({ model: tempFile(bytes), profile: false });
  const fromBytes = await createRecommender({ model: bytes, profile: false });
  // Every row's score: a piece read short or at the wrong offset changes some.
  const userVector = new Float32Array(dim).map((_, j) => Math.cos(j));
  const all = (rec) => rec.recommend({ userVector, k: n });
  assert.deepEqual(all(fromFile), all(fromBytes));
  fromFile.dispose();
  fromBytes.dispose();
});

test('if the heap grows while the pool reads into it, the rows are read again into the new heap', async () => {
  const { readHeaderIntoHeap } = await import('../../js/model-file.js');
  const bytes = f32BundleV2(gaussianRows(20000, 64, 9), itemIds(20000), 64);  // 5 MB: two pieces
  const file = tempFile(bytes);
  // A stand-in core: a heap that a parse can outgrow (a grown wasm heap is a new buffer).
  let heap = new Uint8Array(bytes.length + (1 << 20));
  let top = 16;
  const core = {
    get HEAPU8() { return heap; },
    _malloc(n) { const at = top; top += n; return at; },
    _free() {},
  };
  // The pool's reads land a turn later, into the buffer they were handed.
  let syncReads = 0;
  const slowFs = {
    ...fs,
    read: (...args) => setImmediate(() => fs.read(...args)),
    readSync: (...args) => { syncReads++; return fs.readSync(...args); },
  };
  const { ptr, reader } = readHeaderIntoHeap(core, slowFs, file);
  const read = reader.readRest(reader.headerEnd);
  const before = syncReads;
  const grown = new Uint8Array(heap.length * 2);
  grown.set(heap);  // the rows are not in yet
  heap = grown;
  await read;
  assert.ok(syncReads > before, 'the missing ranges were read again');
  assert.ok(Buffer.from(heap.subarray(ptr, ptr + bytes.length)).equals(Buffer.from(bytes)));
});

test('a format 2 file\'s ids are parsed in the heap the core asked to keep free: the rows are read once', async () => {
  const { readHeaderIntoHeap } = await import('../../js/model-file.js');
  const { init } = await import('../../js/index.js');
  const core = await init({ features: [] });
  const n = 50000, dim = 16;
  const bytes = f32BundleV2(gaussianRows(n, dim, 7), itemIds(n), dim);
  let syncReads = 0;
  const countingFs = { ...fs, readSync: (...args) => { syncReads++; return fs.readSync(...args); } };
  const { reader } = readHeaderIntoHeap(core, countingFs, tempFile(bytes));
  const session = new core.Session();
  try {
    const { begun, manifestRead, read } = reader.loadInto(session);
    const readsSoFar = syncReads;  // the header and the id tensor
    await read;
    // Had the parse outgrown what was kept free, the heap would have grown under the pool's
    // reads and the rows been read again.
    assert.equal(syncReads, readsSoFar);
    assert.equal(manifestRead.zxError, undefined);
    // The id table and each id's start, not 16 bytes per byte of ids as before (a heap grown
    // past what the load needs costs V8 a garbage collection).
    const idBytes = begun.idBytesEnd - begun.idBytesBegin;
    assert.ok(begun.idHeapBytes > 0 && begun.idHeapBytes < 4 * idBytes, `${begun.idHeapBytes} for ${idBytes} bytes of ids`);
    session.finishLoad('', false);
    assert.equal(session.info().items, n);
  } finally {
    session.delete();
  }
});

test('a format 2 bundle (ids as a tensor) answers as its format 1 twin, from a file and from bytes', async () => {
  const ids = itemIds(40);
  const rows = checkerboardRows(40, 16);
  const v1 = await createRecommender({ model: f32Bundle(rows, ids, 16), catalog: sampleCatalog, profile: false });
  for (const model of [f32BundleV2(rows, ids, 16), tempFile(f32BundleV2(rows, ids, 16))]) {
    const v2 = await createRecommender({ model, catalog: sampleCatalog, profile: false });
    assert.deepEqual(v2.recommend({ history: ['item0', 'mp-2'], k: 6 }), v1.recommend({ history: ['item0', 'mp-2'], k: 6 }));
    assert.deepEqual(v2.similarItems('item5', 4), v1.similarItems('item5', 4));
    assert.equal(v2.manifest.format_version, 2);
    assert.equal(v2.manifest.item_ids, undefined);
    v2.dispose();
  }
  v1.dispose();
  const manifest = JSON.stringify({ format_version: 2, model_version: 'bad', dim: 16 });
  const broken = { ...idTensor(ids), data: idTensor(ids).data.slice(0, -1) };
  broken.shape = [broken.data.length];
  const bad = writeSafetensors({ item_embeddings: { dtype: 'F32', shape: [40, 16], data: rows }, item_ids: broken }, { 'zhixuan.manifest': manifest });
  await assert.rejects(createRecommender({ model: tempFile(bad) }), (e) => e.code === 'MALFORMED_MODEL' && /item_ids tensor does not end with a 0 byte/.test(e.message));
});

test('a large header is parsed while the rows are read, in both formats', async () => {
  const ids = itemIds(30000);  // a format 1 manifest of 30k ids: a header over 256 KB
  const rows = gaussianRows(30000, 8, 5);
  const big = { notes: 'x'.repeat(300 << 10) };  // a format 2 manifest made large by other keys
  const v2 = (() => {
    const { item_ids: _, ...rest } = JSON.parse(manifest(ids, 8, big));
    return writeSafetensors({ item_embeddings: { dtype: 'F32', shape: [ids.length, 8], data: rows }, item_ids: idTensor(ids) },
      { 'zhixuan.manifest': JSON.stringify({ ...rest, format_version: 2 }) });
  })();
  const inMemory = await createRecommender({ model: f32Bundle(rows, ids, 8), profile: false });
  const expected = inMemory.recommend({ history: ['item7', 'item29999'], k: 8 });
  for (const bytes of [f32Bundle(rows, ids, 8), v2]) {
    const rec = await createRecommender({ model: tempFile(bytes), profile: false });
    assert.deepEqual(rec.recommend({ history: ['item7', 'item29999'], k: 8 }), expected);
    assert.equal(rec.info.items, 30000);
    rec.dispose();
  }
  inMemory.dispose();
  const duplicate = [...ids];
  duplicate[29999] = 'item3';
  await assert.rejects(createRecommender({ model: tempFile(f32Bundle(rows, duplicate, 8)) }), (e) => e.code === 'MALFORMED_MODEL' && /'item3' appears twice/.test(e.message));
});

test('the manifest is parsed on demand and ids come out right before and after the full list', async () => {
  const rec = await createRecommender({ model: tempFile(checkerboardBundle()), profile: false });
  assert.equal('manifest' in rec.info, false);
  const userVector = rec.foldIn(['item0']);
  const first = rec.recommend({ userVector, k: 5 });  // ids of the result rows only
  assert.equal(rec.manifest.item_ids.length, 40);
  assert.equal(rec.manifest.model_version, 'test-1');
  assert.strictEqual(rec.manifest, rec.manifest);
  rec.similarItems('item3', 2);  // needs the id -> row map: the full list comes out
  assert.deepEqual(rec.recommend({ userVector, k: 5 }), first);
  rec.dispose();
  assert.throws(() => rec.manifest, (e) => e instanceof ZhixuanError && e.code === 'DISPOSED');
});

test('a missing, empty or broken model file is a clear error', async () => {
  const missing = path.join(os.tmpdir(), 'zx-cold-test-does-not-exist.safetensors');
  await assert.rejects(createRecommender({ model: missing }), (e) => e instanceof ZhixuanError && e.code === 'IO' && e.message.includes('ENOENT'));
  await assert.rejects(createRecommender({ model: tempFile(new Uint8Array(0)) }), (e) => e.code === 'MALFORMED_MODEL' && /truncated/.test(e.message));
  const truncated = checkerboardBundle().slice(0, 100);
  await assert.rejects(createRecommender({ model: tempFile(truncated) }), (e) => e.code === 'MALFORMED_MODEL');
  // A broken catalog next to a good model: the model's heap buffer is released, the error is the catalog's.
  await assert.rejects(createRecommender({ model: tempFile(checkerboardBundle()), catalog: '{"items": [' }), (e) => e.code === 'MALFORMED_CATALOG');
  await assert.rejects(createRecommender({ model: tempFile(checkerboardBundle()), catalog: path.join(os.tmpdir(), 'zx-no-catalog.json') }), (e) => e.code === 'IO');
});

test('a sha256 check still applies to a file path', async () => {
  const bytes = checkerboardBundle();
  const file = tempFile(bytes);
  const digest = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
  const rec = await createRecommender({ model: file, sha256: digest, profile: false });
  rec.dispose();
  await assert.rejects(createRecommender({ model: file, sha256: '0'.repeat(64) }), (e) => e.code === 'INTEGRITY');
});

test('several files loading at once load intact', async () => {
  const n = 20000, dim = 32;
  const bundles = [1, 2, 3].map((seed) => f32Bundle(gaussianRows(n, dim, seed), itemIds(n), dim));
  const files = bundles.map(tempFile);
  const recs = await Promise.all(files.map((model) => createRecommender({ model, profile: false })));
  const userVector = gaussianRows(1, dim, 9);
  for (let i = 0; i < recs.length; i++) {
    const fromBytes = await createRecommender({ model: bundles[i], profile: false });
    assert.deepEqual(recs[i].recommend({ userVector, k: 20 }), fromBytes.recommend({ userVector, k: 20 }));
    fromBytes.dispose();
    recs[i].dispose();
  }
});

test('a header length past the end of the file is still MALFORMED_MODEL', async () => {
  const bytes = checkerboardBundle();
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, BigInt(bytes.byteLength), true);
  await assert.rejects(createRecommender({ model: tempFile(bytes) }), (e) => e.code === 'MALFORMED_MODEL' && /larger than the file/.test(e.message));
});

test('a bundle without item_gram (the README recipe) folds users in like one that ships it, the profile too', async () => {
  const n = 700, dim = 12;  // more rows than one block of the core's gram kernel
  const rows = gaussianRows(n, dim, 9);
  const ids = itemIds(n);
  const gram = new Float32Array(dim * dim);
  for (let j = 0; j < dim; j++) {
    for (let k = 0; k < dim; k++) {
      let sum = 0;
      for (let r = 0; r < n; r++) sum += rows[r * dim + j] * rows[r * dim + k];
      gram[j * dim + k] = sum;
    }
  }
  const { item_ids: _, ...rest } = JSON.parse(manifest(ids, dim));
  const bundle = (withGram) => writeSafetensors({
    item_embeddings: { dtype: 'F32', shape: [n, dim], data: rows }, item_ids: idTensor(ids),
    ...(withGram ? { item_gram: { dtype: 'F32', shape: [dim, dim], data: gram } } : {}),
  }, { 'zhixuan.manifest': JSON.stringify({ ...rest, format_version: 2 }) });
  const shipped = await createRecommender({ model: bundle(true), features: ['profile'], profile: false });
  const computed = await createRecommender({ model: tempFile(bundle(false)), features: ['profile'] });
  const history = ['item3', 'item40', 'item600'];
  const a = shipped.foldIn(history), b = computed.foldIn(history);
  for (let j = 0; j < dim; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-4 * (1 + Math.abs(a[j])), `${j}: ${a[j]} vs ${b[j]}`);
  assert.deepEqual(computed.recommend({ history, k: 10 }).ids, shipped.recommend({ history, k: 10 }).ids);
  // The profile's incremental fold-in takes the computed gram too.
  for (const item of history) await computed.track({ item, type: 'purchase' });
  assert.equal(computed.recommend({ k: 10 }).ids.length, 10);
  shipped.dispose();
  computed.dispose();
});
