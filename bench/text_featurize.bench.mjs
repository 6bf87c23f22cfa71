// Featurizing course titles in wasm (issue 5: 1,000 titles <= 20 ms on the device).
//   node bench/text_featurize.bench.mjs [--module DIR] [--reps 20]
// Measures, for the same 1,000 mixed Chinese/English titles as
// bench/native/text_featurize_bench.cpp (best of --reps runs):
//   0. featurizeTexts: all 1,000 in one call (strings in, CSR typed arrays out): the featurizer;
//   1. featurizeText per title from JS: UTF-8 encoding + crossing into wasm + tokenizing,
//      hashing, TF and normalization + copying the sparse vector out;
//   2. rec.addItems of 1,000 catalog entries: JSON per item, parsing in the core,
//      featurizing with the bundle's IDF, projecting to d=64 and appending the rows.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const root = path.resolve(opt('--module', path.join(path.dirname(fileURLToPath(import.meta.url)), '..')));
const reps = Number(opt('--reps', 20));
const { createRecommender, init } = await import(pathToFileURL(path.join(root, 'js/index.js')).href);
const { featurizeText, featurizeTexts } = await import(pathToFileURL(path.join(root, 'js/text.js')).href);
const { writeSafetensors, manifest, gaussianRows } = await import(pathToFileURL(path.join(root, 'tools/bundle-fixtures.mjs')).href);

const subjects = ['Python', 'Java', '考研数学', '考研英语', '雅思口语', '机器学习', '数据分析', 'PPT 设计',
  '高中物理', 'C++ 编程', '日语 N2', '摄影', 'Excel 函数', '产品经理', '深度学习', 'React 前端'];
const kinds = ['零基础入门', '实战训练营', '精讲课', '强化冲刺班', '30 天速成', '从入门到精通', '进阶专题', '2024 全程班'];
const extras = ['（附源码）', '：面试必备', '| 名师带学', ' - 第 3 版', '🔥限时特惠', '', '：小白也能学会', ' for beginners'];
const titles = Array.from({ length: 1000 }, (_, i) =>
  `${subjects[i % 16]} ${kinds[Math.floor(i / 16) % 8]}${extras[(Math.floor(i / 128) + i) % 8]} ${i}`);

// Best wall time and best CPU time (user + system of this process) over the reps: the
// machine is shared, and CPU time is what the call costs when it has a core to itself.
const best = (fn) => {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn(r);
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e3);
  }
  return `${wall.toFixed(2)} ms wall, ${cpu.toFixed(2)} ms CPU`;
};

const core = await init();
featurizeTexts(core, titles);
const batchMs = best(() => featurizeTexts(core, titles));
console.log(`wasm featurizeTexts, 1000 titles in one call: best of ${reps} = ${batchMs}`);
let features = 0;
const featurizeMs = best(() => {
  features = 0;
  for (const t of titles) features += featurizeText(core, t).indices.length;
});
console.log(`wasm featurizeText, 1000 titles: best of ${reps} = ${featurizeMs} (${(features / 1000).toFixed(1)} features/title)`);

// A bundle with a text model: 2,000 items, d = 64, projection rows for the buckets of the titles' tokens.
const dim = 64;
const n = 2000;
const ids = Array.from({ length: n }, (_, i) => `c${i}`);
const buckets = new Set();
for (const t of titles) for (const b of featurizeText(core, t).indices) buckets.add(b);
const sorted = Int32Array.from([...buckets].sort((a, b) => a - b));
const bundle = writeSafetensors({
  item_embeddings: { dtype: 'F32', shape: [n, dim], data: gaussianRows(n, dim, 1) },
  text_buckets: { dtype: 'I32', shape: [sorted.length], data: sorted },
  text_idf: { dtype: 'F32', shape: [sorted.length], data: new Float32Array(sorted.length).fill(2) },
  text_projection: { dtype: 'F32', shape: [sorted.length, dim], data: gaussianRows(sorted.length, dim, 2) },
  text_projection_bias: { dtype: 'F32', shape: [dim], data: new Float32Array(dim) },
}, { 'zhixuan.manifest': manifest(ids, dim, { text: { hash_bits: 18, docs: n } }) });
const rec = await createRecommender({ model: bundle, profile: false });
rec.search('warm up', { k: 1 });
const addMs = best((r) => rec.addItems(titles.map((title, i) => ({ id: `new-${r}-${i}`, title, tags: ['课程'] }))));
console.log(`wasm rec.addItems, 1000 catalog entries (featurize + embed d=64 + append): best of ${reps} = ${addMs}`);
rec.dispose();
