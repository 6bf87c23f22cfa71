// Runs inside a fresh project that installed the packed tarball.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as zhixuan from 'zhixuan';
import { createRecommender, ZhixuanError } from 'zhixuan';

const shipped = readdirSync('node_modules/zhixuan/dist').sort();
assert.deepEqual(shipped, ['zhixuan-assist.mjs', 'zhixuan-assist.wasm', 'zhixuan-cli.cjs', 'zhixuan-cli.wasm',
  'zhixuan-core-lean.mjs', 'zhixuan-core-lean.wasm', 'zhixuan-core-profile.mjs', 'zhixuan-core-profile.wasm',
  'zhixuan-core.mjs', 'zhixuan-core.wasm', 'zhixuan-kernels.mjs', 'zhixuan-server.mjs', 'zhixuan-server.wasm'],
  'the package ships exactly the page modules (lean, profile, full, assistant), the relaxed-SIMD kernels, the server module, the CLI for Node and their wasm');
// The API is the bundle (esm/): one module a page loads at once, one chunk per part loaded on demand.
assert.ok(import.meta.resolve('zhixuan').endsWith('/node_modules/zhixuan/esm/index.js'), import.meta.resolve('zhixuan'));
assert.deepEqual(readdirSync('node_modules/zhixuan/esm').sort(),
  ['assist.js', 'client.js', 'federated.js', 'index.js', 'model-file.js', 'ops.js', 'profile.js', 'secagg.js', 'text.js', 'worker.js']);
assert.deepEqual(readdirSync('node_modules/zhixuan/js').sort(),
  ['bin', 'errors.js', 'federated', 'index.d.ts', 'metrics-extras.js', 'metrics-vector.js', 'server'],
  'js/ ships only the types, the CLI, the aggregation server and the modules it shares with the device');
// Every value the types promise is there at run time, as what they say it is.
const types = readFileSync('node_modules/zhixuan/js/index.d.ts', 'utf8');
const promised = [...new Set([...types.matchAll(/^export (?:declare )?(function|class) (\w+)/gm)].map((m) => m[2]))];
assert.ok(promised.length >= 7, promised.join());
for (const name of promised) assert.equal(typeof zhixuan[name], 'function', `index.d.ts exports ${name}`);
const rec = await createRecommender({ model: './model.safetensors' });
const { ids, scores } = rec.recommend({ history: ['item0', 'item2'], k: 5 });
assert.equal(ids.length, 5);
assert.ok(ids.every((id) => Number(id.slice(4)) % 2 === 0), `checkerboard: even items expected, got ${ids}`);
assert.ok(scores instanceof Float32Array);
assert.throws(() => rec.recommend({ history: ['nope'] }), ZhixuanError);
rec.dispose();

// The lean module (features: []): the same answers; a room it lacks is a clear error.
const lean = await createRecommender({ model: './model.safetensors', features: [] });
assert.deepEqual(lean.recommend({ history: ['item0', 'item2'], k: 5 }).ids, ids);
assert.throws(() => lean.search('python'), (e) => e instanceof ZhixuanError && e.code === 'FEATURE_NOT_LOADED' && /features/.test(e.message));
lean.dispose();
console.log('2 passed, 0 failed');
