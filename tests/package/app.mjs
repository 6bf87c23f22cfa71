// Runs inside a fresh project that installed the packed tarball.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRecommender, ZhixuanError } from 'zhixuan';

const shipped = readdirSync('node_modules/zhixuan/dist').sort();
assert.deepEqual(shipped, ['zhixuan-core.mjs', 'zhixuan-core.wasm'], 'the package ships exactly the module and its wasm');
const rec = await createRecommender({ model: './model.safetensors' });
const { ids, scores } = rec.recommend({ history: ['item0', 'item2'], k: 5 });
assert.equal(ids.length, 5);
assert.ok(ids.every((id) => Number(id.slice(4)) % 2 === 0), `checkerboard: even items expected, got ${ids}`);
assert.ok(scores instanceof Float32Array);
assert.throws(() => rec.recommend({ history: ['nope'] }), ZhixuanError);
rec.dispose();
console.log('1 passed, 0 failed');
