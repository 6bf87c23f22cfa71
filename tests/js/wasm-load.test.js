// Where the wasm core comes from: the package's dist/ (default), `wasmUrl` or `wasmBinary`; and
// what a missing, corrupt or mismatched module gets. One process: a failed start is retried
// by the next call, a successful one is kept (so the good module comes last).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRecommender } from '../../js/index.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const dist = new URL('../../dist/', import.meta.url);
const lean = fs.readFileSync(new URL('zhixuan-core-lean.wasm', dist));
const wasmLoadFailed = (pattern) => (error) => error.code === 'WASM_LOAD_FAILED' && pattern.test(error.message);

test('a corrupt, mismatched or missing wasm module is WASM_LOAD_FAILED, and a later good one still starts', async () => {
  const model = checkerboardBundle();
  const truncated = lean.subarray(0, lean.length >> 1);
  await assert.rejects(createRecommender({ model, features: [], wasmBinary: truncated }), wasmLoadFailed(/could not start/));
  // A valid module that is not this glue's: it compiles, and instantiating it fails.
  const server = fs.readFileSync(new URL('zhixuan-server.wasm', dist));
  await assert.rejects(createRecommender({ model, features: [], wasmBinary: server }), wasmLoadFailed(/could not start/));
  await assert.rejects(createRecommender({ model, features: [], wasmUrl: new URL('no-such-module.wasm', dist) }), wasmLoadFailed(/no-such-module/));

  const rec = await createRecommender({ model, features: [], wasmBinary: lean });
  assert.deepEqual(rec.recommend({ history: ['item0', 'item2'], k: 3 }).ids.length, 3);
  rec.dispose();
});
