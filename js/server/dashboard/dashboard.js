// The operator dashboard: renders /ops/api/summary (experiments.js) and re-renders on every
// server-sent event. Every chart is an SVG drawn here; no library, nothing from a CDN. Data is
// inserted as text nodes only.
import { renderSlots } from './slots-panel.js';

const COLORS = ['#486581', '#d9822b', '#2f9e44', '#9c36b5', '#c92a2a', '#1098ad'];
const SVG = 'http://www.w3.org/2000/svg';
const METRICS = [
  ['ctr', '点击率 CTR', (v) => `${(v * 100).toFixed(2)}%`],
  ['cvr', '转化率 CVR（购买/点击）', (v) => `${(v * 100).toFixed(2)}%`],
  ['revenuePerUser', '人均收入（元）', (v) => `¥${v.toFixed(2)}`],
];
const VERDICT = { better: '显著提升', worse: '显著下降', inconclusive: '尚无定论', 'no-data': '暂无数据' };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

const dateOf = (day) => new Date(day * 86400000).toISOString().slice(5, 10);
const pct = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const num = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('zh-CN') : '—');

function stat(label, value, testid) {
  return el('div', { class: 'stat', 'data-testid': testid }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value));
}

// One metric over the days: a line per variant with its 95% band.
function chart(experiment, metric, label, format) {
  const W = 360, H = 200, L = 58, R = 20, T = 10, B = 26;  // R leaves room for the last date label
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  const points = experiment.series.map((p) => ({ day: p.day, byVariant: p.variants }));
  const values = [];
  for (const p of points) for (const v of experiment.variants) {
    const m = p.byVariant[v.id]?.[metric];
    if (m) values.push(m.low, m.high);
  }
  if (points.length === 0 || values.length === 0) {
    const t = svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#6b7785', 'font-size': 13 });
    t.textContent = '暂无数据';
    root.append(t);
    return root;
  }
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-12) { hi += 1e-6; lo -= 1e-6; }
  const pad = (hi - lo) * 0.08;
  lo -= pad; hi += pad;
  const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
  const y = (v) => T + ((hi - v) * (H - T - B)) / (hi - lo);
  for (let g = 0; g <= 4; g++) {
    const v = lo + ((hi - lo) * g) / 4;
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e4e7eb' }));
    const t = svg('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7785' });
    t.textContent = format(v);
    root.append(t);
  }
  const step = Math.max(1, Math.ceil(points.length / 6));
  points.forEach((p, i) => {
    if (i % step !== 0 && i !== points.length - 1) return;
    const t = svg('text', { x: x(i), y: H - 8, 'text-anchor': 'middle', 'font-size': 10, fill: '#6b7785' });
    t.textContent = dateOf(p.day);
    root.append(t);
  });
  experiment.variants.forEach((variant, vi) => {
    const color = COLORS[vi % COLORS.length];
    const series = points.map((p, i) => ({ i, m: p.byVariant[variant.id]?.[metric] })).filter((s) => s.m);
    if (series.length === 0) return;
    const band = [...series.map((s) => `${x(s.i)},${y(s.m.high)}`), ...series.slice().reverse().map((s) => `${x(s.i)},${y(s.m.low)}`)].join(' ');
    root.append(svg('polygon', { points: band, fill: color, 'fill-opacity': 0.15, stroke: 'none', 'data-band': variant.id }));
    root.append(svg('polyline', { points: series.map((s) => `${x(s.i)},${y(s.m.value)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    for (const s of series) root.append(svg('circle', { cx: x(s.i), cy: y(s.m.value), r: 2.5, fill: color }));
  });
  return root;
}

function verdictTable(experiment) {
  const table = el('table', { 'data-testid': `verdicts-${experiment.id}` });
  table.append(el('tr', {}, el('th', {}, '实验组'), el('th', {}, '指标'), el('th', {}, '对照组'), el('th', {}, '实验组'),
    el('th', {}, '相对变化'), el('th', {}, '差值 95% 区间'), el('th', {}, '序贯 p 值'), el('th', {}, '结论')));
  for (const c of experiment.comparisons) {
    for (const [metric, label, format] of METRICS) {
      const d = c[metric];
      const control = experiment.totals[experiment.control][metric];
      const treatment = experiment.totals[c.variant][metric];
      table.append(el('tr', {},
        el('td', {}, c.variant), el('td', {}, label),
        el('td', {}, control ? format(control.value) : '—'), el('td', {}, treatment ? format(treatment.value) : '—'),
        el('td', {}, d ? pct(d.relative) : '—'),
        // 'no-data' (too few reports, or noise leaves a rate undefined) has a verdict but no interval.
        el('td', {}, Number.isFinite(d?.low) && Number.isFinite(d?.high) ? `[${format(d.low)}, ${format(d.high)}]` : '—'),
        el('td', {}, Number.isFinite(d?.sequentialP) ? d.sequentialP.toFixed(3) : '—'),
        el('td', { class: d?.verdict ?? 'inconclusive', 'data-verdict': d?.verdict ?? 'no-data' }, VERDICT[d?.verdict ?? 'no-data'])));
    }
  }
  return table;
}

function breakdown(title, groups, experiment, testid) {
  const table = el('table', { 'data-testid': testid });
  table.append(el('tr', {}, el('th', {}, title), ...experiment.variants.map((v) => el('th', {}, `${v.id} 曝光`)), ...experiment.variants.map((v) => el('th', {}, `${v.id} CTR`))));
  for (const [key, byVariant] of Object.entries(groups)) {
    table.append(el('tr', {}, el('td', {}, key),
      ...experiment.variants.map((v) => el('td', {}, num(byVariant[v.id]?.impressions))),
      ...experiment.variants.map((v) => el('td', {}, byVariant[v.id]?.ctr ? `${(byVariant[v.id].ctr.value * 100).toFixed(2)}%` : '—'))));
  }
  return table;
}

function noiseCost(experiment) {
  const table = el('table', { 'data-testid': `noise-${experiment.id}` });
  table.append(el('tr', {}, el('th', {}, '组'), el('th', {}, '指标'), el('th', {}, '区间半宽（含噪声）'), el('th', {}, '不含噪声'), el('th', {}, '噪声占方差')));
  for (const v of experiment.variants) {
    for (const [metric, label, format] of METRICS) {
      const m = experiment.totals[v.id][metric];
      if (!m) continue;
      const share = m.noiseShare ?? 0;
      table.append(el('tr', {}, el('td', {}, v.id), el('td', {}, label), el('td', {}, `±${format(m.halfWidth)}`), el('td', {}, m.dataVarianceClamped ? '噪声过大，无法估计' : `±${format(m.halfWidthWithoutNoise)}`),
        el('td', {}, (() => {
          const span = el('span', { class: 'noise' });
          const bar = el('span', { class: 'bar noise-part' });
          bar.style.width = `${Math.round(share * 80)}px`;
          span.append(bar, ` ${(share * 100).toFixed(0)}%`);
          return span;
        })())));
    }
  }
  return table;
}

function experimentCard(experiment) {
  const card = el('section', { class: 'card', 'data-testid': `experiment-${experiment.id}` });
  card.append(el('h2', {}, experiment.id === '__holdout__' ? '长期对照组（holdout）' : `实验 ${experiment.id}`));
  const meta = el('div', { class: 'meta' }, `${experiment.description ? `${experiment.description} · ` : ''}层：${experiment.layer ?? '独立'} · 坑位：${experiment.slots?.join('、') ?? '全部'} · 天数：${experiment.days.length}`);
  card.append(meta);
  const chips = el('div');
  experiment.variants.forEach((v, i) => {
    const chip = el('span', { class: 'variant-chip' }, `${v.id}${v.control ? '（对照）' : ''} · 权重 ${v.weight} · ${JSON.stringify(v.params ?? {})} · 用户 ${num(experiment.totals[v.id]?.users)}`);
    chip.style.background = COLORS[i % COLORS.length];
    chips.append(chip);
  });
  card.append(chips);
  const srm = experiment.srm;
  card.append(el('div', { class: `banner ${srm.flagged ? 'alert' : 'ok'}`, 'data-testid': `srm-${experiment.id}`, 'data-flagged': String(srm.flagged) },
    srm.flagged ? `⚠ 样本比例失衡（SRM）：χ² = ${srm.chi2.toFixed(1)}，p = ${srm.p.toExponential(2)}，分流可能有误，结论不可信` : `样本比例正常：χ² = ${srm.chi2.toFixed(2)}，p = ${srm.p.toFixed(3)}`));
  card.append(el('h3', {}, '序贯检验结论（mSPRT，α = 0.05）'), verdictTable(experiment));
  const charts = el('div', { class: 'charts' });
  for (const [metric, label, format] of METRICS) {
    const box = el('div', { class: 'chart', 'data-testid': `chart-${experiment.id}-${metric}` }, el('div', { class: 'title' }, `${label}（累计，阴影为 95% 区间）`));
    box.append(chart(experiment, metric, label, format));
    charts.append(box);
  }
  card.append(el('h3', {}, '随时间变化'), charts);
  card.append(el('h3', {}, '隐私噪声的代价'), noiseCost(experiment));
  card.append(el('h3', {}, '分坑位'), breakdown('坑位', experiment.bySlot, experiment, `slots-${experiment.id}`));
  card.append(el('h3', {}, '分渠道'), breakdown('渠道', experiment.byChannel, experiment, `channels-${experiment.id}`));
  return card;
}

// Where the numbers come from: secure-aggregation cohorts (the server saw only their sums) and
// device-days noised on the device (the fallback when no cohort formed).
function transportLabel(privacy) {
  if (!privacy) return '—';
  const parts = [];
  if (privacy.secureDeviceDays) parts.push(`安全聚合 ${num(privacy.secureDeviceDays)} 台·日 / ${num(privacy.secureCohorts)} 组`);
  if (privacy.localDeviceDays) parts.push(`本地加噪 ${num(privacy.localDeviceDays)} 台·日`);
  return parts.length ? parts.join('，') : '—';
}

function render(summary) {
  const overview = document.getElementById('overview');
  const eps = summary.privacy?.epsilonPerDay;
  overview.replaceChildren(
    stat('实验配置版本', summary.experimentsVersion ?? '未发布', 'experiments-version'),
    stat('当前模型', summary.modelVersion ?? '—', 'model-version'),
    stat('已收到的设备日报告', num(summary.reports ?? 0), 'reports'),
    stat('每日隐私开销 ε', eps === undefined || eps === null ? '—' : Number.isFinite(eps) ? eps.toFixed(2) : '∞', 'epsilon'),
    stat('数据来源', transportLabel(summary.privacy), 'transport'),
    stat('更新时间', new Date(summary.generatedAt).toLocaleTimeString('zh-CN', { hour12: false }), 'updated'));
  document.getElementById('experiments').replaceChildren(...summary.experiments.map(experimentCard));
  renderSlots(document.getElementById('slots'), summary.slots ?? [], el);
  const models = document.getElementById('models');
  models.replaceChildren(el('tr', {}, el('th', {}, '#'), el('th', {}, '版本'), el('th', {}, '发布时间')),
    ...summary.models.slice().reverse().map((m) => el('tr', {}, el('td', {}, m.seq), el('td', {}, m.version), el('td', {}, new Date(m.created_at).toLocaleString('zh-CN', { hour12: false })))));
  const rounds = document.getElementById('rounds');
  rounds.replaceChildren(el('tr', {}, el('th', {}, '轮次'), el('th', {}, '状态'), el('th', {}, '接收更新'), el('th', {}, '产出模型')),
    ...summary.rounds.map((r) => el('tr', {}, el('td', {}, r.id), el('td', {}, r.state === 'open' ? '进行中' : '已完成'), el('td', {}, r.accepted ?? '—'), el('td', {}, r.next_version ?? '—'))));
  const metricsRounds = document.getElementById('metrics-rounds');
  const state = { open: '进行中', done: '已汇总', aborted: '已中止' };
  metricsRounds.replaceChildren(el('tr', {}, el('th', {}, '轮次'), el('th', {}, '日期'), el('th', {}, '状态'), el('th', {}, '参与设备')),
    ...(summary.metricsRounds ?? []).map((r) => el('tr', {}, el('td', {}, r.id), el('td', {}, new Date(r.day * 86400000).toISOString().slice(0, 10)), el('td', {}, state[r.state] ?? r.state), el('td', {}, r.survivors ?? '—'))));
  document.body.dataset.reports = String(summary.reports ?? 0);
}

function connect() {
  const live = document.getElementById('live');
  const source = new EventSource('/ops/api/events');
  source.onopen = () => { live.textContent = '实时 ●'; live.className = 'live on'; };
  source.onmessage = (event) => render(JSON.parse(event.data));
  source.onerror = () => { live.textContent = '重新连接中…'; live.className = 'live off'; };
}

connect();
