// Everything the page asks of the SDK, in one place. Methods other rooms are adding
// (track/profile/forget, search, setInterests, alsoBought, federated) are feature-detected,
// so the page works with every version of the package; until the SDK keeps a profile,
// the page keeps the events and folds them in with recommend({ history }).
// Every SDK call is awaited, so the same code runs in worker mode (async methods).

/** Confidence weights of the sample model's training data (demo/generate/interactions.mjs). */
export const EVENT_WEIGHTS = { view: 1, click: 1, favorite: 2, add_to_cart: 2, purchase: 4 };
export const CHANNEL = 'h5';
const REASON_SIMILARITY_FLOOR = 0.15;
const HALF_LIFE_MS = 14 * 86_400_000;

const has = (obj, name) => !!obj && typeof obj[name] === 'function';

export class Engine {
  /** @param {{ rec: object | null, catalog: object, store: object, events: object[], interests: string[] }} */
  constructor({ rec, catalog, store, events, interests }) {
    this.rec = rec;
    this.catalog = catalog;
    this.byId = new Map(catalog.items.map((item) => [item.id, item]));
    this.store = store;
    this.events = events;
    this.interests = interests;
    this.similarCache = new Map();
  }

  /**
   * Uses a loaded recommender. Whether it keeps a profile is asked, not assumed: the methods
   * exist on every Recommender, but one made without profile storage answers UNSUPPORTED.
   */
  async attach(rec) {
    this.rec = rec;
    this.similarCache.clear();
    this.profileWorks = false;
    this.interestsWork = false;
    if (has(rec, 'track') && has(rec, 'profile')) {
      try {
        await rec.profile();
        this.profileWorks = true;
      } catch { /* no profile in this build or this recommender */ }
    }
    if (has(rec, 'setInterests')) {
      try {
        await rec.setInterests(this.interests);
        this.interestsWork = true;
      } catch { /* a bundle or build without the text model */ }
    }
  }

  get features() {
    const rec = this.rec;
    return {
      model: !!rec,
      profile: !!rec && this.profileWorks === true,
      search: has(rec, 'search'),
      alsoBought: has(rec, 'alsoBought'),
      interests: this.interestsWork === true,
      forget: this.profileWorks === true && has(rec, 'forget'),
      federated: !!rec?.federated && has(rec.federated, 'participate'),
    };
  }

  /** Item id -> strongest weight, the history recommend() folds in. */
  history() {
    const strongest = new Map();
    for (const e of this.events) strongest.set(e.item, Math.max(strongest.get(e.item) ?? 0, EVENT_WEIGHTS[e.type] ?? 1));
    return strongest;
  }

  has(type, item) {
    return this.events.some((e) => e.type === type && e.item === item);
  }

  async track(type, item) {
    const event = { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`, type, item, channel: CHANNEL, ts: Date.now() };
    this.events.push(event);
    await this.store.addEvent(event);
    if (this.features.profile) await this.rec.track(event);
  }

  async setInterests(tags) {
    this.interests = tags;
    await this.store.setSetting('interests', tags);
    if (this.features.interests) await this.rec.setInterests(tags);
  }

  async forget() {
    this.events = [];
    this.interests = [];
    this.similarCache.clear();
    // The page's own records go whatever the SDK answers.
    try {
      if (this.features.forget) await this.rec.forget();
      else if (this.features.federated) await this.rec.federated.setConsent(false);  // no round is charged any more
    } finally {
      await this.store.forget();
    }
  }

  // The catalog's popularity list; without a model, courses of the chosen interests come first.
  popular(k, exclude = new Set()) {
    const ids = this.catalog.popular.filter((id) => !exclude.has(id) && this.byId.has(id));
    const liked = ids.filter((id) => this.tagReason(id));
    return [...liked, ...ids.filter((id) => !this.tagReason(id))].slice(0, k)
      .map((id) => ({ id, reason: this.tagReason(id) ?? '热门好课 · 很多同学在学' }));
  }

  /** The "为你推荐" list: [{ id, reason }]. */
  async recommend(k = 12) {
    const history = this.history();
    if (!this.rec) return { source: 'popular', items: this.popular(k, new Set(history.keys())) };
    // The SDK's own profile (and its cold start, once it has one); else the page's history.
    if (this.features.profile && (history.size || this.features.interests)) {
      const result = await this.rec.recommend({ k, reasons: true });
      const cold = !history.size;
      return { source: cold && !this.interests.length ? 'popular' : 'model', items: await this.explain(result, history) };
    }
    if (history.size) {
      const result = await this.rec.recommend({ history: [...history].map(([item, weight]) => ({ item, weight })), k });
      return { source: 'model', items: await this.explain(result, history) };
    }
    if (this.interests.length) {
      // Cold start: interests picked at onboarding, as a light pseudo-history of their best-known courses.
      const seeds = this.interests.flatMap((tag) => this.catalog.popular.filter((id) => this.byId.get(id)?.tags?.includes(tag)).slice(0, 3));
      if (seeds.length) {
        const result = await this.rec.recommend({ history: seeds.map((item) => ({ item, weight: 0.5 })), excludeSeen: false, k });
        return { source: 'model', items: result.ids.map((id) => ({ id, reason: this.tagReason(id) ?? '符合你选择的兴趣' })) };
      }
    }
    return { source: 'popular', items: this.popular(k) };
  }

  tagReason(id) {
    const tag = this.byId.get(id)?.tags?.find((t) => this.interests.includes(t));
    return tag ? `你关注「${tag}」` : null;
  }

  async similarity(id) {
    if (!this.similarCache.has(id)) {
      const { ids, scores } = await this.rec.similarItems(id, this.catalog.items.length);
      this.similarCache.set(id, new Map(ids.map((other, i) => [other, scores[i]])));
    }
    return this.similarCache.get(id);
  }

  // The reason of each item: the SDK's when it gives one, else the recent history item most like it.
  async explain(result, history) {
    const recent = [...history.keys()].slice(-8);
    const maps = await Promise.all(recent.filter((id) => this.byId.has(id)).map(async (id) => [id, await this.similarity(id)]));
    return Promise.all(result.ids.map(async (id, i) => {
      const given = result.reasons?.[i];
      if (typeof given === 'string' && given) return { id, reason: given };
      const because = given?.item ?? given?.because;
      if (because && this.byId.has(because)) return { id, reason: this.becauseText(because) };
      if (given?.tag) return { id, reason: `你常看「${given.tag}」类课程` };
      if (given?.kind === 'interest' && given.interest) return { id, reason: `你关注「${given.interest}」` };
      if (given?.kind === 'context') return { id, reason: '此刻很多同学在学' };
      if (given?.kind === 'popular' && !history.size) return { id, reason: this.tagReason(id) ?? '热门好课 · 很多同学在学' };
      let best = null;
      let bestScore = REASON_SIMILARITY_FLOOR;
      for (const [source, sims] of maps) {
        const s = sims.get(id) ?? 0;
        if (s > bestScore) { best = source; bestScore = s; }
      }
      return { id, reason: best ? this.becauseText(best) : this.tagReason(id) ?? '与你的学习兴趣相近' };
    }));
  }

  becauseText(id) {
    const verb = this.has('purchase', id) ? '买过' : this.has('favorite', id) ? '收藏过' : '看过';
    return `因为你${verb}《${this.byId.get(id).title}》`;
  }

  /** "学过这门课的人也买了": the bundle's association rules when the SDK serves them, else embedding neighbours. */
  async alsoBought(id, k = 6) {
    if (!this.rec) return { source: 'popular', ids: this.popular(k, new Set([id])).map((x) => x.id) };
    if (this.features.alsoBought) {
      try {
        const result = await Promise.resolve().then(() => this.rec.alsoBought(id, k)).catch((error) => {
          if (error instanceof TypeError) return this.rec.alsoBought(id, { k });  // an options-object signature
          throw error;
        });
        if (result?.ids?.length) return { source: 'alsoBought', ids: result.ids.slice(0, k) };
      } catch { /* a bundle without pairs: fall through to neighbours */ }
    }
    return { source: 'similar', ids: (await this.rec.similarItems(id, k)).ids };
  }

  async search(query, k = 20) {
    if (this.rec && has(this.rec, 'search')) {
      try {
        const result = await this.rec.search(query, { k });
        return { source: 'sdk', ids: result.ids };
      } catch { /* no text model in this bundle or build: match titles here */ }
    }
    return { source: 'page', ids: substringSearch(this.catalog, query, k) };
  }

  /** The readable profile: the SDK's when it has one, else computed here from the page's events. */
  async profile() {
    if (this.features.profile) {
      try {
        return { source: 'sdk', ...normalizeProfile(await this.rec.profile(), this) };
      } catch { /* fall back to the page's view */ }
    }
    return { source: 'page', ...pageProfile(this) };
  }
}

// Bigrams of the query found in a course's text, popular courses first among equals.
function substringSearch(catalog, query, k) {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const grams = new Set();
  for (const word of q.split(/\s+/)) {
    if (word.length <= 2) grams.add(word);
    for (let i = 0; i + 2 <= word.length; i++) grams.add(word.slice(i, i + 2));
  }
  const rank = new Map(catalog.popular.map((id, i) => [id, i]));
  return catalog.items
    .map((item) => {
      const text = `${item.title} ${item.tags?.join(' ')} ${item.teacher ?? ''}`.toLowerCase();
      let score = text.includes(q) ? 10 : 0;
      for (const g of grams) if (text.includes(g)) score += 1;
      return { id: item.id, score };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || (rank.get(a.id) ?? 1e9) - (rank.get(b.id) ?? 1e9))
    .slice(0, k)
    .map((x) => x.id);
}

function tierOf(prices, catalog) {
  if (!prices.length) return null;
  const sorted = catalog.items.map((i) => i.price).filter((p) => p > 0).sort((a, b) => a - b);
  const q = (f) => sorted[Math.floor(f * (sorted.length - 1))];
  const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
  return mean < q(1 / 3) ? '低' : mean < q(2 / 3) ? '中' : '高';
}

function pageProfile(engine) {
  const now = Date.now();
  const tags = new Map();
  const channels = new Map();
  const levels = new Set(['入门', '进阶', '训练营']);
  for (const e of engine.events) {
    const item = engine.byId.get(e.item);
    channels.set(e.channel, (channels.get(e.channel) ?? 0) + 1);
    if (!item) continue;
    const w = (EVENT_WEIGHTS[e.type] ?? 1) * 0.5 ** ((now - e.ts) / HALF_LIFE_MS);
    for (const tag of item.tags ?? []) if (!levels.has(tag)) tags.set(tag, (tags.get(tag) ?? 0) + w);
  }
  for (const tag of engine.interests) tags.set(tag, (tags.get(tag) ?? 0) + 0.5);
  const top = [...tags].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([tag, weight]) => ({ tag, weight }));
  const prices = engine.events.filter((e) => e.type === 'purchase').map((e) => engine.byId.get(e.item)?.price).filter((p) => typeof p === 'number');
  return {
    tags: top,
    tier: tierOf(prices, engine.catalog),
    segment: top.length ? `${top[0].tag} 学习者` : null,
    channels: [...channels].map(([channel, count]) => ({ channel, count })),
    events: engine.events.length,
  };
}

// The SDK's profile (core/src/profile/profile_summary.cpp: tags [{tag, weight, share}], spending {tier},
// segment {name, index} | null, channels [{channel, count}], recency {total_events}), read
// leniently so a renamed field falls back to the page's own view instead of breaking the panel.
function normalizeProfile(p, engine) {
  const fallback = pageProfile(engine);
  const tags = Array.isArray(p?.tags) ? p.tags.map((t) => (Array.isArray(t) ? { tag: t[0], weight: t[1] } : { tag: t.tag ?? t.name, weight: t.weight ?? t.share ?? 0 })) : fallback.tags;
  const tierNames = { budget: '低', low: '低', mid: '中', medium: '中', premium: '高', high: '高', unknown: null, none: null };
  const tierRaw = p?.spending?.tier ?? p?.spendingTier ?? p?.tier;
  const tier = typeof tierRaw === 'string' ? (tierRaw in tierNames ? tierNames[tierRaw] : tierRaw) : fallback.tier;
  const segment = p?.segment === null ? null
    : typeof p?.segment === 'string' ? p.segment
      : p?.segment?.name ?? (Number.isInteger(p?.segment?.index) ? `分群 #${p.segment.index + 1}` : fallback.segment);
  const channels = Array.isArray(p?.channels) ? p.channels.map((c) => ({ channel: c.channel ?? c.name, count: c.count ?? 0 }))
    : p?.channels && typeof p.channels === 'object' ? Object.entries(p.channels).map(([channel, v]) => ({ channel, count: typeof v === 'number' ? v : v?.count ?? 0 }))
      : fallback.channels;
  return {
    tags: tags.filter((t) => t.tag).slice(0, 8),
    tier,
    segment,
    channels,
    events: p?.recency?.total_events ?? p?.recency?.totalEvents ?? fallback.events,
  };
}
