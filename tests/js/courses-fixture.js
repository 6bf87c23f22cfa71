// Twelve courses in two clusters, programming (axis 0) and exam prep (axis 1), with a
// popularity prior and a text projection built by hand from the core's own hashes (a
// cluster's words point to its axis): the text room's fixture, and the swap test's.
import { init } from '../../js/index.js';
import { featurizeText } from '../../js/text.js';
import { manifest, writeSafetensors } from '../../tools/bundle-fixtures.mjs';

export const COURSES = [
  ['py-basics', 'Python 零基础入门', ['python', '编程'], 0, 120],
  ['py-data', 'Python 数据分析实战', ['python', '数据分析'], 0, 300],
  ['java-web', 'Java 后端开发实战', ['java', '编程'], 0, 80],
  ['cpp-intro', 'C++ 从入门到精通', ['c++', '编程'], 0, 60],
  ['ml-intro', '机器学习入门', ['python', '机器学习'], 0, 150],
  ['fe-react', 'React 前端开发', ['前端', '编程'], 0, 40],
  ['kaoyan-math', '考研数学 强化课', ['考研', '数学'], 1, 500],
  ['kaoyan-eng', '考研英语 阅读精讲', ['考研', '英语'], 1, 400],
  ['kaoyan-pol', '考研政治 冲刺', ['考研', '政治'], 1, 250],
  ['ielts', '雅思口语 突破', ['雅思', '英语'], 1, 90],
  ['cet6', '英语六级 听力', ['英语', '考试'], 1, 70],
  ['gaokao', '高中物理 力学', ['高考', '物理'], 1, 30],
];
export const DIM = 4;
export const coursesCatalog = {
  version: 't1',
  items: COURSES.map(([id, title, tags], i) => ({ id, title, tags, channels: [i % 2 ? 'web' : 'app'] })),
};

/**
 * The bundle. `version` names the model; `tilt` moves every row along axis 3 by tilt x row,
 * so another tilt is a retrained model of the same courses.
 */
export async function coursesBundle({ withText = true, version = 'test-1', tilt = 0 } = {}) {
  const core = await init();
  const ids = COURSES.map((c) => c[0]);
  const rows = new Float32Array(ids.length * DIM);
  COURSES.forEach(([, , , cluster], i) => {
    rows[i * DIM + cluster] = 1;
    rows[i * DIM + 2] = 0.01 * i;
    rows[i * DIM + 3] = tilt * i;
  });
  const tensors = {
    item_embeddings: { dtype: 'F32', shape: [ids.length, DIM], data: rows },
    item_popularity: { dtype: 'F32', shape: [ids.length], data: Float32Array.from(COURSES.map((c) => c[4])) },
  };
  const extra = { model_version: version };
  if (withText) {
    const axisOf = new Map();
    const words = { 0: ['python', '编程', '爬虫', 'java', '开发'], 1: ['考研', '数学', '英语', '真题'] };
    for (const [axis, list] of Object.entries(words)) {
      for (const w of list) {
        const v = featurizeText(core, w);
        v.indices.forEach((b, k) => axisOf.set(b, [Number(axis), Math.sign(v.values[k])]));
      }
    }
    const buckets = Int32Array.from([...axisOf.keys()].sort((a, b) => a - b));
    const w = new Float32Array(buckets.length * DIM);
    buckets.forEach((b, k) => { const [axis, sign] = axisOf.get(b); w[k * DIM + axis] = 2 * sign; });
    Object.assign(tensors, {
      text_buckets: { dtype: 'I32', shape: [buckets.length], data: buckets },
      text_idf: { dtype: 'F32', shape: [buckets.length], data: new Float32Array(buckets.length).fill(1) },
      text_projection: { dtype: 'F32', shape: [buckets.length, DIM], data: w },
      text_projection_bias: { dtype: 'F32', shape: [DIM], data: new Float32Array(DIM) },
    });
    extra.text = { hash_bits: 18, docs: ids.length };
  }
  return writeSafetensors(tensors, { 'zhixuan.manifest': manifest(ids, DIM, extra) });
}
