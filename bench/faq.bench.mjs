// The FAQ assistant in wasm (issue 16: an answer for a 5,000-entry FAQ in <= 2 ms, the index
// built in <= 50 ms).
//   node bench/faq.bench.mjs [--module DIR] [--entries 5000] [--questions 500] [--reps 5] [--seed 16] [--write-faq FILE]
// --write-faq writes the synthetic FAQ as JSON and exits (the native build bench reads it:
// build/native/assist_build_bench FILE).
// The FAQ is synthetic and seeded (topics x objects x phrasings, with paraphrases, like
// demo/faq.json but 70 times larger); the questions are generated from the same vocabulary in
// other phrasings. Printed beside two baselines: the demo's 70-entry FAQ in the same code, and
// a plain JS scan of character-bigram overlap over the 5,000 entries (what a page would do
// without the SDK).
//   build: createAssistant({faq}) after the module is loaded: JSON out, parse, normalize,
//          tokenize and index every question and paraphrase (best of --reps);
//   answer: assistant.ask(question) per question (CPU time per answer over all questions; wall
//          median and p95; after one warm-up pass).
// Build is best of --reps (CPU and wall separately).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const root = path.resolve(opt('--module', path.join(path.dirname(fileURLToPath(import.meta.url)), '..')));
const entryCount = Number(opt('--entries', 5000));
const questionCount = Number(opt('--questions', 500));
const reps = Number(opt('--reps', 5));
const seed = Number(opt('--seed', 16));
const { createAssistant, init } = await import(pathToFileURL(path.join(root, 'js/index.js')).href);

function rng(s) {  // mulberry32: reproducible synthetic data (not privacy-related)
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = rng(seed);
const pick = (list) => list[Math.floor(next() * list.length)];
const TOPICS = ['退款', '发票', '证书', '回放', '视频', '账号', '密码', '手机号', '优惠券', '支付', '会员', '训练营',
  '作业', '课件', '直播', '分期', '拼团', '学生认证', '企业采购', '下载', '倍速', '学习进度', '老师答疑', '课程有效期'];
const OBJECTS = ['Python 课', '考研数学', '雅思口语', 'Excel 数据分析', '小程序开发', 'PMP 项目管理', '基金定投', '手机摄影',
  'React 实战', '机器学习', '日语 N2', 'UI 设计', '408 计算机综合', '商务英语', 'Photoshop', '统计学'];
const ASKS = ['怎么申请', '在哪里看', '为什么不能用', '多久能处理好', '有什么要求', '可以修改吗', '失败了怎么办', '需要多少钱',
  '能不能退', '有没有期限', '怎么联系', '可以转给别人吗'];
const PLACES = ['App 上', '网页端', '小程序里', '电脑上', '手机上', ''];
const question = (t, o, a) => `${pick(PLACES)}${o}的${t}${a}`;
const faq = {
  version: `bench-${seed}`,
  entries: Array.from({ length: entryCount }, (_, i) => {
    const t = TOPICS[i % TOPICS.length];
    const o = OBJECTS[Math.floor(i / TOPICS.length) % OBJECTS.length];
    const a = ASKS[Math.floor(i / (TOPICS.length * OBJECTS.length)) % ASKS.length];
    return {
      id: `e${i}`,
      question: question(t, o, a),
      paraphrases: [`${t}${a}（${o}）`, `请问${o}${t}的问题`, `${o} ${t} ${pick(ASKS)}`],
      answer: `关于${o}的${t}：请在「我的」页面找到对应入口操作，编号 ${i}。`,
      tags: [t, o],
    };
  }),
};
if (opt('--write-faq')) {
  fs.writeFileSync(opt('--write-faq'), JSON.stringify(faq));
  process.exit(0);
}
const questions = Array.from({ length: questionCount }, () => `${pick(['你好，', '请问', '', '急！'])}${pick(OBJECTS)}${pick(TOPICS)}${pick(ASKS)}？`);
const demoFaq = JSON.parse(fs.readFileSync(path.join(root, 'demo/faq.json'), 'utf8'));

await init({ features: ['assist'] });

async function measure(name, faqObject) {
  // createAssistant awaits only the (already loaded) module: the rest is synchronous work.
  let build = Infinity;
  let buildCpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const a = await createAssistant({ faq: faqObject });
    build = Math.min(build, performance.now() - t0);
    buildCpu = Math.min(buildCpu, cpuMs(process.cpuUsage(c0)));
    a.dispose();
  }
  const live = await createAssistant({ faq: faqObject });
  for (const q of questions) live.ask(q);  // warm-up
  const c0 = process.cpuUsage();
  const times = questions.map((q) => {
    const t = performance.now();
    live.ask(q);
    return performance.now() - t;
  }).sort((x, y) => x - y);
  const answerCpu = cpuMs(process.cpuUsage(c0)) / questions.length;
  live.dispose();
  return { name, build, buildCpu, answerCpu, median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
}

// CPU time of this process (user + system): what the work costs when it has a core to itself
// (the machine is shared; wall time is printed too).
const cpuMs = ({ user, system }) => (user + system) / 1000;

// Baseline: character-bigram overlap, a linear scan in plain JS.
function bigrams(text) {
  const chars = [...text.replace(/[\s\p{P}]/gu, '')];
  const out = new Set(chars);
  for (let i = 1; i < chars.length; i++) out.add(chars[i - 1] + chars[i]);
  return out;
}
function scanBaseline() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const index = faq.entries.map((e) => bigrams([e.question, ...e.paraphrases].join(' ')));
  const build = performance.now() - t0;
  const buildCpu = cpuMs(process.cpuUsage(c0));
  const ask = (q) => {
    const g = bigrams(q);
    let best = -1;
    let bestScore = -1;
    index.forEach((set, i) => {
      let s = 0;
      for (const x of g) if (set.has(x)) s++;
      if (s > bestScore) { bestScore = s; best = i; }
    });
    return best;
  };
  for (const q of questions) ask(q);
  const c1 = process.cpuUsage();
  const times = questions.map((q) => {
    const t = performance.now();
    ask(q);
    return performance.now() - t;
  }).sort((x, y) => x - y);
  const answerCpu = cpuMs(process.cpuUsage(c1)) / questions.length;
  return { name: `JS bigram-overlap scan, ${entryCount} entries`, build, buildCpu, answerCpu, median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
}

const rows = [
  await measure(`assistant (wasm), ${entryCount} entries`, faq),
  await measure(`assistant (wasm), demo FAQ ${demoFaq.entries.length} entries`, demoFaq),
  scanBaseline(),
];
const fields = faq.entries.reduce((n, e) => n + 1 + e.paraphrases.length, 0);
console.log(`FAQ bench: ${entryCount} synthetic entries (${fields} questions and paraphrases, seed ${seed}), ${questionCount} questions, node ${process.version}`);
console.log(`${'contender'.padEnd(44)} ${'build cpu'.padStart(10)} ${'build wall'.padStart(11)} ${'answer cpu'.padStart(11)} ${'answer wall med'.padStart(16)} ${'wall p95'.padStart(9)}  (ms)`);
for (const r of rows) {
  console.log(`${r.name.padEnd(44)} ${r.buildCpu.toFixed(1).padStart(10)} ${r.build.toFixed(1).padStart(11)} ${r.answerCpu.toFixed(3).padStart(11)} ${r.median.toFixed(3).padStart(16)} ${r.p95.toFixed(3).padStart(9)}`);
}
console.log('bars (issue 16): build <= 50 ms, answer <= 2 ms for 5,000 entries');
