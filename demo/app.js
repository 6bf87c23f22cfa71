// 知选课堂: the course page. It uses zhixuan exactly as an app would (the package's ESM build
// through an import map) and nothing else: events go to the SDK's profile (rec.track, kept in
// IndexedDB by the SDK), lists and their reasons come from rec.recommend, search, also-bought,
// onboarding interests, 我的画像 and the privacy controls from the SDK too. The page only
// renders; whenever the model cannot run it shows the catalog's popularity list, saying why.
import { interestChart } from './lib/chart.js';
import { mountAssistant } from './lib/assistant-panel.js';

const params = new URLSearchParams(location.search);
// ?model= / ?catalog= try another bundle or catalog of this site (other origins are ignored).
const sameOrigin = (value, fallback) => (value && new URL(value, location.href).origin === location.origin ? value : fallback);
const MODEL_URL = sameOrigin(params.get('model'), './data/model.safetensors');
const CATALOG_URL = sameOrigin(params.get('catalog'), './data/catalog.json');
const FED_SERVER = new URL('./fed/', location.href).href;
const $ = (selector) => document.querySelector(selector);
// What the page did, for its tests (and a curious reader's console): timings, sources, errors, the SDK object.
const debug = (window.__zx = { timings: {}, source: null, errors: [], recommender: () => rec });

// The package loads in parallel with the catalog, so the popularity list can show before it
// is parsed; the wasm core starts compiling as soon as it is (createRecommender reuses it).
const zhixuan = import('zhixuan');
if (!params.has('worker')) zhixuan.then((m) => m.init()).catch(() => {});
const createRecommender = async (options) => (await zhixuan).createRecommender(options);

let rec = null;      // the SDK's Recommender (a worker proxy with ?worker: every call is awaited)
let catalog = null;
let byId = new Map();
let clusterOfTag = new Map();
let failure = null;  // why the model is not running, shown on every view
let storeNotice = null;
let onboardingSkipped = false;  // for this visit
let acted = new Map();  // item -> Set of event types, from rec.events(), read once per render

// ---------- small DOM helpers ----------
function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}
const priceText = (p) => (p === 0 ? '免费' : `¥${p}`);

function notice(text, kind = 'warn') {
  const box = $('#notice');
  box.hidden = !text;
  box.className = `notice ${kind === 'error' ? 'error' : ''}`;
  box.textContent = text ?? '';
}
function showNotices() {
  const parts = [failure, storeNotice].filter(Boolean);
  notice(parts.join(' '), failure ? 'error' : 'warn');
}

function progress(loaded, total) {
  const box = $('#progress');
  box.hidden = false;
  const fraction = total ? Math.min(1, loaded / total) : 0;
  box.querySelector('.progress-bar').style.width = `${Math.round(fraction * 100)}%`;
  box.querySelector('.progress-text').textContent = total
    ? `正在下载推荐模型 ${(loaded / 1024).toFixed(0)} / ${(total / 1024).toFixed(0)} KB`
    : `正在下载推荐模型 ${(loaded / 1024).toFixed(0)} KB`;
}

const MODEL_FAILURES = new Set(['FETCH_FAILED', 'MALFORMED_MODEL', 'INTEGRITY', 'MODEL_MISMATCH', 'MALFORMED_CATALOG', 'WASM_LOAD_FAILED', 'TOO_LARGE', 'INVALID_ARGUMENT']);

// A clear sentence for each way the model can fail; the page then serves the popularity list.
function explainFailure(error) {
  const code = error?.code ?? '';
  const detail = error?.message ? `（${code || error.name}: ${error.message}）` : '';
  const lead = {
    FETCH_FAILED: '推荐模型下载失败，',
    MALFORMED_MODEL: '推荐模型文件已损坏，',
    INTEGRITY: '推荐模型校验失败，',
    MODEL_MISMATCH: '课程目录与推荐模型的版本不一致，',
    MALFORMED_CATALOG: '课程目录格式有误，',
    WASM_LOAD_FAILED: '浏览器未能运行 WebAssembly（可能被禁用），',
  }[code] ?? '个性化推荐暂不可用，';
  return `${lead}先为你展示热门课程。${detail}`;
}

// ---------- what the SDK answers, turned into text ----------
const POPULAR_REASON = '热门好课 · 很多同学在学';

// Calls the SDK; a room this bundle or build lacks (search, interests, also-bought, federated)
// answers `fallback` instead of breaking the view.
async function ask(call, fallback) {
  try {
    return await call();
  } catch (error) {
    debug.errors.push(`${error?.code ?? ''} ${error?.message ?? error}`);
    return fallback;
  }
}

// What the user did with each item, from the SDK's profile (button states, reason verbs).
async function actedByItem() {
  const map = new Map();
  if (!rec) return map;
  for (const event of await ask(() => rec.events({ limit: 1000 }), [])) {
    if (!map.has(event.item)) map.set(event.item, new Set());
    map.get(event.item).add(event.type);
  }
  return map;
}
const did = (type, id) => acted.get(id)?.has(type) ?? false;

function becauseText(id) {
  const verb = did('purchase', id) ? '买过' : did('favorite', id) ? '收藏过' : '看过';
  return `因为你${verb}《${byId.get(id)?.title ?? id}》`;
}

// The SDK's reason of a list item (js/index.d.ts `Reason`) as a sentence.
function reasonText(reason) {
  switch (reason?.kind) {
    case 'item': return becauseText(reason.item);
    case 'tag': return `你常看「${reason.tag}」类课程`;
    case 'interest': return `你关注「${reason.interest}」`;
    case 'context': return '此刻很多同学在学';
    case 'explore': return '换换口味 · 探索新方向';
    case 'popular': return POPULAR_REASON;
    default: return '与你的学习兴趣相近';
  }
}

// The catalog's own popularity list: what the page shows while (or because) the model cannot run.
const popular = (k, exclude = new Set()) => catalog.popular.filter((id) => !exclude.has(id) && byId.has(id)).slice(0, k);

// ---------- course cards ----------
const LEVEL_TAGS = new Set(['入门', '进阶', '训练营']);
function cover(item) {
  const [area = ''] = item.tags ?? [];
  const topic = item.tags?.find((tag, i) => i > 0 && !LEVEL_TAGS.has(tag)) ?? area;
  return h('div', { class: `cover c-${item.cluster ?? clusterOfTag.get(area) ?? 'career'}` }, h('span', {}, h('b', {}, topic), h('br'), h('small', {}, area)));
}

function actionButtons(item) {
  const fav = did('favorite', item.id);
  const bought = did('purchase', item.id);
  return h('div', { class: 'actions' },
    h('button', { class: `fav ${fav ? 'on' : ''}`, type: 'button', disabled: !rec, 'aria-pressed': String(fav), onclick: (e) => act(e, 'favorite', item.id) }, fav ? '♥ 已收藏' : '♡ 收藏'),
    h('button', { class: `buy ${bought ? 'on' : ''}`, type: 'button', disabled: !rec || bought, onclick: (e) => act(e, 'purchase', item.id) }, bought ? '已购买' : item.price === 0 ? '免费学' : '购买'));
}

function courseCard(id, reason) {
  const item = byId.get(id);
  if (!item) return null;
  return h('li', { class: 'course', 'data-id': id, onclick: () => openCourse(id) },
    cover(item),
    h('div', {},
      h('h3', {}, item.title),
      h('div', { class: 'meta' }, h('span', {}, item.teacher ?? ''), h('span', { class: `price ${item.price === 0 ? 'free' : ''}` }, priceText(item.price))),
      reason ? h('div', { class: 'reason' }, reason) : null,
      actionButtons(item)));
}

// Every event goes to the SDK's profile; the next list is folded in from it on the device.
async function track(type, item) {
  if (!rec) return;
  try {
    await rec.track({ type, item });
  } catch (error) {
    notice(`这次操作没有记下来：${error.message}`);
  }
}

async function act(event, type, id) {
  event.stopPropagation();
  if (type === 'purchase' && did('purchase', id)) return;
  await track(type, id);
  await render();
}

async function openCourse(id) {
  await track('click', id);
  location.hash = `#/course/${encodeURIComponent(id)}`;
}

// ---------- views ----------
function onboarding() {
  const chosen = new Set();
  const tags = [...clusterOfTag.keys()];
  const chips = tags.map((tag) => h('button', { class: 'chip', type: 'button', 'aria-pressed': 'false', onclick: (e) => {
    if (chosen.has(tag)) chosen.delete(tag); else chosen.add(tag);
    e.currentTarget.setAttribute('aria-pressed', String(chosen.has(tag)));
  } }, tag));
  return h('section', { class: 'onboarding', id: 'onboarding' },
    h('p', {}, '你好！选几个感兴趣的方向，马上为你推荐合适的课程：'),
    h('div', { class: 'chips' }, chips),
    h('button', { class: 'btn primary', type: 'button', id: 'onboarding-done', onclick: async () => {
      // Kept by the SDK with the profile: they steer its cold-start list until the first events.
      if (chosen.size) await ask(() => rec.setInterests([...chosen]));
      onboardingSkipped = !chosen.size;
      await render();
    } }, '开始推荐'),
    ' ',
    h('button', { class: 'btn', type: 'button', onclick: async () => { onboardingSkipped = true; await render(); } }, '跳过'));
}

// ---------- the live A/B experiment (rec.experiments; demo/experiments.json on the server) ----------
const HOME_SLOT = '为你推荐';
let experimentsOn = false;  // a file is in force (fetched now, or the last good one kept with the profile)

// The id experiments assign by: one per browser here; an app would use its account id, so every
// device of the user sees the same variant.
function stableId() {
  try {
    let id = localStorage.getItem('zx-demo-stable-id');
    if (!id) localStorage.setItem('zx-demo-stable-id', (id = crypto.randomUUID()));
    return id;
  } catch {
    return (stableId.visit ??= crypto.randomUUID());
  }
}

// Fetches the file (offline: the kept one stays in force), says who the user is, and sends the
// finished days' metrics when the user has consented (noised aggregates, charged to the ledger).
async function setupExperiments(target) {
  const refreshed = await ask(() => target.experiments.refresh({ server: FED_SERVER }), null);
  const isNew = (await ask(() => target.events({ limit: 1 }), [])).length === 0;
  await ask(() => target.experiments.setUser({ stableId: stableId(), channel: 'h5', isNew }), null);
  const version = await ask(() => target.experiments.version, null);
  experimentsOn = Boolean(version);
  debug.experiments = { refreshed: refreshed?.status ?? null, version };
  if (experimentsOn && (await federatedStatus())?.consent) debug.experiments.sent = await ask(() => target.experiments.send({ server: FED_SERVER, slots: true }), null);
}

// The "为你推荐" list: the SDK's own (its profile's fold-in, or its cold start while the profile
// has no events: popularity + onboarding interests), each item with the SDK's reason. With an
// experiments file it is the slot's list: the same recommend() with the variant's params, its
// render recorded so clicks and purchases are attributed to the variant on the device.
async function personalList(k, exclude = []) {
  if (!rec) return { source: 'popular', cold: false, items: popular(k).map((id) => ({ id, reason: POPULAR_REASON })) };
  const interests = await ask(() => rec.interests(), []);
  let result;
  try {
    result = (experimentsOn && await ask(() => rec.experiments.recommend(HOME_SLOT, { k, exclude }), null)) || await rec.recommend({ k, exclude });
  } catch (error) {
    debug.errors.push(`${error?.code ?? ''} ${error?.message ?? error}`);
    notice(`个性化推荐暂不可用，先为你展示热门课程。（${error?.code ?? error?.name}: ${error?.message}）`, 'error');
    return { source: 'popular', cold: false, items: popular(k).map((id) => ({ id, reason: POPULAR_REASON })) };
  }
  const cold = acted.size === 0 && interests.length === 0;
  debug.experiment = result.arms ? { arms: result.arms, params: result.params, renderId: result.renderId } : null;
  return { source: cold ? 'popular' : 'model', cold, arms: result.arms ?? [], items: result.ids.map((id, i) => ({ id, reason: reasonText(result.reasons?.[i]) })) };
}

// The banner above 为你推荐: which list fills it is learned on the device by the slot bandit that
// the experiments file declares (its "bandits" member; rec.slots, docs/slots.md). The choice's
// render is recorded with shown(), so a click on the banner reaches the bandit through rec.track.
const BANNER_SLOT = '精选横幅';
const BANNER_TITLES = { personal: '为你精选', popular: '大家都在学', long_tail: '小众好课' };
const BANNER_SIZE = 3;

async function bannerIds(strategy, k) {
  if (strategy === 'popular') return popular(k);
  // The long tail: the user's own ranking of the courses outside the 50 most popular.
  const exclude = strategy === 'long_tail' ? catalog.popular.slice(0, 50) : [];
  return (await ask(() => rec.recommend({ k, exclude }), { ids: [] })).ids;
}

async function bannerSlot() {
  if (!rec || !experimentsOn) return null;
  const choice = await ask(() => rec.slots.choose(BANNER_SLOT, { channel: 'h5', position: 0 }), null);
  if (!choice) return null;
  const ids = await bannerIds(choice.strategy, BANNER_SIZE);
  if (!ids.length) return null;
  await ask(() => rec.slots.shown(choice, ids), null);
  debug.slot = { arm: choice.arm, propensity: choice.propensity, renderId: choice.renderId, ids };
  return { choice, ids };
}

function bannerView({ choice, ids }) {
  return h('section', { class: 'banner', id: 'slot-banner', 'data-arm': choice.arm },
    h('h2', {}, BANNER_TITLES[choice.arm] ?? '精选',
      h('small', { title: '这一栏放什么由本机的多臂老虎机根据你的点击学习决定，点击不离开本机' }, `本机学习选择 · 概率 ${choice.propensity.toFixed(2)}`)),
    h('ol', { class: 'list banner-list' }, ids.map((id) => courseCard(id))));
}

async function homeView() {
  const started = performance.now();
  const banner = await bannerSlot();
  const { source, cold, items, arms = [] } = await personalList(12, banner?.ids ?? []);
  debug.source = source;
  debug.lastRecommendMs = performance.now() - started;
  const list = h('ol', { class: 'list', id: 'rec-list', 'data-source': source }, items.map(({ id, reason }) => courseCard(id, reason)));
  return [
    cold && !onboardingSkipped ? onboarding() : null,
    banner ? bannerView(banner) : null,
    h('h2', {}, '为你推荐', h('small', {}, source === 'model' ? '根据你在本机的学习记录实时计算' : '热门课程'),
      arms.length ? h('span', { class: 'ab-tag', id: 'ab-variant', title: '本机分配的 A/B 实验分组' }, `实验 ${arms.map(([, variant]) => variant).join(' · ')}`) : null),
    list,
  ];
}

// "学过这门课的人也买了": the bundle's association rules (rec.alsoBought), else the course's
// embedding neighbours (rec.similarItems) when the bundle ships none.
async function alsoBought(id, k) {
  if (!rec) return { source: 'popular', ids: popular(k, new Set([id])) };
  const rules = await ask(() => rec.alsoBought(id, k), null);
  if (rules?.ids?.length) return { source: 'alsoBought', ids: rules.ids };
  return { source: 'similar', ids: (await ask(() => rec.similarItems(id, k), { ids: [] })).ids };
}

async function courseView(id) {
  const item = byId.get(id);
  if (!item) return [h('p', { class: 'empty' }, '没有找到这门课程。'), h('a', { class: 'btn', href: '#/' }, '返回推荐')];
  const also = await alsoBought(id, 6);
  return [
    h('article', { class: 'detail', id: 'course-detail', 'data-id': id },
      cover(item),
      h('h1', {}, item.title),
      h('div', { class: 'meta' }, h('span', {}, `主讲：${item.teacher ?? '—'}`), h('span', {}, `${item.lessons ?? '?'} 节`), h('span', { class: `price ${item.price === 0 ? 'free' : ''}` }, priceText(item.price))),
      h('p', {}, item.description ?? ''),
      h('div', { class: 'meta' }, (item.tags ?? []).map((t) => h('span', {}, `#${t}`))),
      actionButtons(item)),
    h('h2', {}, '学过这门课的人也买了', h('small', {}, { alsoBought: '根据购买组合', similar: '根据相似学员', popular: '热门课程' }[also.source])),
    h('ol', { class: 'list', id: 'also-list', 'data-source': also.source }, also.ids.map((other) => courseCard(other))),
  ];
}

async function searchView(query) {
  $('#search-input').value = query;
  if (!query.trim()) return [h('h2', {}, '搜索'), h('p', { class: 'empty' }, '输入课程名、老师或标签，例如「Python」「考研」「雅思」。')];
  let ids;
  try {
    if (!rec) throw new Error(failure ?? '推荐模型未加载');
    ({ ids } = await rec.search(query, { k: 20 }));
  } catch (error) {
    return [h('h2', {}, `“${query}” 的搜索结果`), h('p', { class: 'empty' }, `本机搜索暂不可用（${error?.code ?? ''} ${error?.message ?? error}）。`)];
  }
  return [
    h('h2', {}, `“${query}” 的搜索结果`, h('small', {}, '本机语义检索')),
    ids.length ? h('ol', { class: 'list', id: 'search-list' }, ids.map((id) => courseCard(id))) : h('p', { class: 'empty' }, '没有找到相关课程，换个关键词试试。'),
  ];
}

const TIER_NAMES = { budget: '低', mid: '中', premium: '高' };
const CHANNEL_NAMES = { h5: 'H5 页面', web: '网页', app: 'App', 'mini-program': '小程序', 'offline-store': '线下门店' };

async function meView() {
  if (!rec) {
    return [h('h2', {}, '我的画像', h('small', {}, '只保存在这台设备上')),
      h('section', { class: 'panel', id: 'profile-panel', 'data-source': 'none' }, h('p', { class: 'small' }, failure ?? '推荐模型未加载，暂时没有画像。'))];
  }
  // The SDK's profile summary (js/index.d.ts UserProfileSummary), shown as it is.
  const profile = await rec.profile();
  const fed = await federatedStatus();
  const tags = profile.tags.filter((t) => !LEVEL_TAGS.has(t.tag)).slice(0, 8);
  const tier = TIER_NAMES[profile.spending?.tier];
  const segment = profile.segment ? profile.segment.name ?? `分群 #${profile.segment.index + 1}` : '—';
  return [
    h('h2', {}, '我的画像', h('small', {}, '只保存在这台设备上')),
    h('section', { class: 'panel', id: 'profile-panel', 'data-source': 'sdk' },
      h('h3', {}, '兴趣标签'),
      tags.length ? interestChart(tags) : h('p', { class: 'small' }, '还没有学习记录。浏览、收藏或购买课程后，这里会显示你的兴趣。'),
      h('dl', { class: 'facts' },
        h('dt', {}, '消费层级'), h('dd', { id: 'tier' }, tier ?? '暂无购买'),
        h('dt', {}, '用户分群'), h('dd', { id: 'segment' }, segment),
        h('dt', {}, '活跃渠道'), h('dd', {}, profile.channels.length ? profile.channels.map((c) => `${CHANNEL_NAMES[c.channel] ?? c.channel} ${c.count} 次`).join('，') : '—'),
        h('dt', {}, '本机记录'), h('dd', {}, `${profile.recency.total_events} 条行为`),
        h('dt', {}, '模型版本'), h('dd', { id: 'model-version' }, (await rec.info).modelVersion))),
    h('section', { class: 'panel', id: 'privacy-panel' },
      h('h3', {}, '隐私'),
      h('label', { class: 'switch' }, '参与联邦学习（只上传加噪的模型更新）',
        h('input', { type: 'checkbox', id: 'fed-consent', disabled: !fed, checked: !!fed?.consent, onchange: (e) => setConsent(e.currentTarget.checked) })),
      h('p', { class: 'small', id: 'epsilon' }, fed
        ? `隐私预算已用 ε = ${Number(fed.epsilonSpent ?? 0).toFixed(2)}${fed.budget ? ` / ${fed.budget}` : ''}（${fed.rounds ?? 0} 轮）`
        : '当前 SDK 版本未提供联邦学习；你的行为数据从不离开本机。'),
      h('button', { class: 'btn', type: 'button', id: 'fed-round', disabled: !fed?.consent, onclick: runRound }, '参与一轮联邦训练'),
      await experimentFacts(),
      h('p', { class: 'small', id: 'fed-status' }, ''),
      h('hr', {}),
      h('p', { class: 'small' }, '“忘记我”会删除本机保存的全部浏览、收藏、购买记录、兴趣与隐私账本。'),
      h('button', { class: 'btn danger', type: 'button', id: 'forget', onclick: (e) => confirmForget(e.currentTarget) }, '忘记我')),
  ];
}

// The user's A/B variant and what a day of its metrics costs (js/index.d.ts Experiments).
async function experimentFacts() {
  if (!experimentsOn) return null;
  const variant = await ask(() => rec.experiments.variant('diversity-home'), null);
  const epsilon = await ask(() => rec.experiments.epsilonPerDay(), null);
  return h('p', { class: 'small', id: 'ab-facts' }, `A/B 实验「为你推荐」：你在 ${variant ?? '—'} 组。`
    + `开启联邦学习后，每天结束时只上报该实验的加噪汇总（点击、购买次数与金额），每天的隐私成本 ε = ${epsilon === null ? '—' : epsilon.toFixed(1)}，计入上方的隐私预算。`);
}

// Consent and the privacy ledger, as the SDK keeps them (with the profile); null without the room.
async function federatedStatus() {
  return ask(async () => ({ consent: (await rec.federated.consent) === true, ...(await rec.federated.privacy()) }), null);
}

async function setConsent(on) {
  try {
    await rec.federated.setConsent(on);
  } catch (error) {
    notice(`无法更改联邦学习设置：${error.message}`);
  }
  await render();
}

const ROUND_STATUS = {
  'no-consent': '未开启联邦学习，本轮跳过。',
  'privacy-budget': '隐私预算已用完，本设备不再参与。',
  'no-history': '本机还没有学习记录，本轮跳过。',
  'model-changed': '服务器模型刚刚更新，请再试一次。',
};

async function runRound() {
  const status = $('#fed-status');
  const before = (await rec.info).modelVersion;
  status.textContent = '正在本机计算模型更新（只上传加噪的梯度）…';
  try {
    // The history is the SDK's profile; only the clipped, noised update leaves the device. One
    // phone is no cohort for secure aggregation: the demo's server takes plain updates.
    const result = await rec.federated.participate({ server: FED_SERVER, aggregation: 'plain' });
    let text = result?.status === 'submitted'
      ? `已提交第 ${result.round} 轮更新（${result.bytes} 字节）。`
      : ROUND_STATUS[result?.reason] ?? `本轮未参与（${result?.reason ?? '未知原因'}）。`;
    const after = await pickUpServerModel(result?.status === 'submitted' ? 6 : 1);
    text += ` 模型版本：${before} → ${after}`;
    status.textContent = text;
    debug.federated = { result, before, after };
    await render();
    $('#fed-status').textContent = text;
  } catch (error) {
    status.textContent = `本轮未完成：${error.message}`;
    debug.federated = { error: error.message };
  }
}

// When the server has aggregated a newer model, load it: a new recommender over the same
// storage, so the SDK brings the profile, interests and privacy ledger along.
// After a submitted update the server may still be aggregating: ask a few times.
async function pickUpServerModel(attempts) {
  const current = (await rec.info).modelVersion;
  let round = null;
  for (let i = 0; i < attempts; i++) {
    if (i) await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await fetch(`${FED_SERVER}v1/round`, { cache: 'no-store' });
    if (!response.ok) return current;
    round = await response.json();
    if (round.base_version && round.base_version !== current) break;
  }
  if (!round?.base_version || round.base_version === current) return current;
  const old = rec;
  // The new one first: if it cannot load, the page keeps the old one. Nothing is tracked in between.
  const next = await createRecommender({ model: `${FED_SERVER}v1/model`, catalog, worker: params.has('worker'), channel: 'h5', storage: storageChoice });
  await ask(() => old.experiments.flush(), null);  // the new recommender reads the attribution state from the profile
  await setupExperiments(next);
  rec = next;
  await old.dispose();
  return (await next.info).modelVersion;
}

function confirmForget(button) {
  button.replaceWith(h('button', { class: 'btn danger', type: 'button', id: 'forget-confirm', onclick: async () => {
    // The SDK erases its whole local record: events, interests, consent and ledger.
    await rec.forget();
    onboardingSkipped = false;
    location.hash = '#/';
    await render();
    notice('已删除本机的全部记录。');
  } }, '确认删除全部本机记录'));
}

// ---------- routing ----------
let renderSerial = 0;
let lastPath = null;
async function render() {
  const serial = ++renderSerial;
  const hash = location.hash || '#/';
  const [path, query = ''] = hash.slice(1).split('?');
  let tab = 'home';
  let nodes;
  try {
    acted = await actedByItem();
    if (path.startsWith('/course/')) nodes = await courseView(decodeURIComponent(path.slice('/course/'.length)));
    else if (path === '/search') { tab = 'search'; nodes = await searchView(new URLSearchParams(query).get('q') ?? ''); }
    else if (path === '/me') { tab = 'me'; nodes = await meView(); }
    else nodes = await homeView();
  } catch (error) {
    console.error(error);
    debug.errors.push(String(error?.message ?? error));
    nodes = [h('p', { class: 'notice error' }, `页面出错：${error?.message ?? error}`), h('a', { class: 'btn', href: '#/' }, '返回推荐')];
  }
  if (serial !== renderSerial) return;  // a newer render started meanwhile
  $('#view').replaceChildren(...nodes.flat().filter(Boolean));
  if (tab !== 'search') $('#search-input').value = '';
  if (path !== lastPath) window.scrollTo(0, 0);
  lastPath = path;
  for (const a of document.querySelectorAll('.tabs a')) a.classList.toggle('active', a.dataset.tab === tab);
  if (!debug.timings.firstList && $('#rec-list')) debug.timings.firstList = performance.now();
  if (!debug.timings.modelList && $('#rec-list[data-source="model"]')) debug.timings.modelList = performance.now();
  document.body.dataset.rendered = String(serial);
}

// ---------- offline ----------
async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || params.has('nosw')) return;
  try {
    await navigator.serviceWorker.register('./sw.js');
    const ready = await navigator.serviceWorker.ready;
    // Everything this visit loaded (page, modules, wasm, catalog, bundle) goes into the offline cache.
    const urls = [location.href.split('#')[0], ...performance.getEntriesByType('resource').map((e) => e.name)]
      .filter((u) => u.startsWith(location.origin) && !u.includes('/fed/'));
    const channel = new MessageChannel();
    const done = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    ready.active.postMessage({ type: 'cache', urls }, [channel.port2]);
    debug.offline = await done;
  } catch (error) {
    debug.offline = { error: String(error?.message ?? error) };
  }
}

// ---------- start ----------
async function loadCatalog() {
  const response = await fetch(CATALOG_URL);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const loaded = await response.json();
  if (!Array.isArray(loaded.items)) throw new Error('no items');
  loaded.popular = Array.isArray(loaded.popular) ? loaded.popular : loaded.items.map((i) => i.id);
  return loaded;
}

let storageChoice;  // undefined: the SDK's default (IndexedDB); 'memory' when the browser refuses it

async function start() {
  try {
    catalog = await loadCatalog();
    debug.timings.catalog = performance.now();
  } catch (error) {
    document.body.dataset.state = 'no-catalog';
    $('#view').replaceChildren(h('p', { class: 'notice error' }, `课程目录加载失败（${error.message}），请检查网络后重试。`),
      h('button', { class: 'btn primary', type: 'button', onclick: () => location.reload() }, '重新加载'));
    return;
  }
  byId = new Map(catalog.items.map((item) => [item.id, item]));
  clusterOfTag = new Map(catalog.items.map((item) => [item.tags?.[0], item.cluster]));
  mountAssistant({ zhixuan, catalog });  // 客服: the on-device FAQ assistant (demo/lib/assistant-panel.js)
  // The popularity list shows at once; the personal one replaces it when the model is ready.
  await render();

  try {
    const options = {
      model: MODEL_URL, catalog, worker: params.has('worker'), channel: 'h5',
      onProgress: ({ loaded, total }) => progress(loaded, total),
    };
    try {
      rec = await createRecommender(options);
    } catch (error) {
      // Not the model or the wasm: the SDK's profile storage refused (private mode). Keep the
      // profile in memory for this visit; if that fails too, the first error is the one to show.
      if (MODEL_FAILURES.has(error?.code)) throw error;
      storageChoice = 'memory';
      rec = await createRecommender({ ...options, storage: storageChoice }).catch(() => { throw error; });
      storeNotice = '浏览器不允许保存数据（可能是隐私模式），本次的学习记录只在当前页面有效。';
    }
    debug.timings.modelReady = performance.now();
    // The experiments file never holds the first list back more than 1.5 s (a slow network):
    // until it is in force the list is the control's, and nothing is recorded for it.
    await Promise.race([setupExperiments(rec), new Promise((resolve) => setTimeout(resolve, 1500))]);
    document.body.dataset.state = 'model';
  } catch (error) {
    failure = explainFailure(error);
    debug.errors.push(`${error?.code ?? ''} ${error?.message ?? error}`);
    document.body.dataset.state = 'fallback';
  }
  $('#progress').hidden = true;
  showNotices();
  await render();
  debug.timings.ready = performance.now();
  registerServiceWorker();
}

window.addEventListener('hashchange', () => render());
$('#search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  location.hash = `#/search?q=${encodeURIComponent($('#search-input').value)}`;
});
start();
