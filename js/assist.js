// The FAQ assistant: createAssistant({ faq, catalog?, recommender? }). Validates and
// converts; the core matches, calibrates and decides when to hand over
// (core/include/zhixuan/assist/). Questions never leave the device: only counts per topic are
// kept (assistant.stats()), never the text.
import { ZhixuanError } from './errors.js';
import { init } from './core.js';
import { checkObject } from './validate.js';

const encoder = new TextEncoder();
const MAX_FAQ_BYTES = 32 * 1024 * 1024;  // core: kMaxFaqBytes
const MAX_CATALOG_BYTES = 256 * 1024 * 1024;
const MAX_QUESTION_BYTES = 2048;  // core: kMaxQuestionBytes
const OTHER_TOPIC = '其他';

/** A FAQ or catalog given as an object or JSON text: its JSON text. */
function jsonTextOf(value, name, maxBytes, code) {
  let text;
  if (typeof value === 'string') text = value;
  else if (value && typeof value === 'object') {
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new ZhixuanError(code, `${name} could not be serialized: ${error.message}`);
    }
  } else throw new TypeError(`${name} must be an object or a JSON string`);
  if (text.length > maxBytes) throw tooLarge(name, maxBytes);  // UTF-8 is at least one byte a unit
  return text;
}

const tooLarge = (name, maxBytes) => new ZhixuanError('TOO_LARGE', `${name} is larger than ${maxBytes / 1024 / 1024} MiB`);

/**
 * A catalog's text and its UTF-8 bytes, size-checked. The bytes cross into wasm as they are
 * (embind copies a Uint8Array; a string it would measure and encode in a JS loop).
 */
function jsonText(value, name, maxBytes, code) {
  const text = jsonTextOf(value, name, maxBytes, code);
  const bytes = encoder.encode(text);
  if (bytes.length > maxBytes) throw tooLarge(name, maxBytes);
  return { text, bytes };
}

/**
 * The text as UTF-8 in the module's heap (TextEncoder.encodeInto: no intermediate array, no
 * copy in). The caller frees ptr. Past maxBytes it is freed here and TOO_LARGE thrown.
 */
function utf8InHeap(core, text, name, maxBytes) {
  const capacity = Math.max(1, Math.min(3 * text.length, maxBytes + 1));  // <= 3 bytes a UTF-16 unit
  const ptr = core._malloc(capacity);
  const { read, written } = encoder.encodeInto(text, core.HEAPU8.subarray(ptr, ptr + capacity));
  if (read < text.length || written > maxBytes) {
    core._free(ptr);
    throw tooLarge(name, maxBytes);
  }
  return { ptr, length: written };
}

function checkThreshold(value) {
  if (value === undefined) return -1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ZhixuanError('INVALID_ARGUMENT', `options.threshold must be a number in [0, 1], got ${String(value)}`);
  }
  return value;
}

/** The catalog items of a recommender, for course-aware answers when no catalog is given. */
function catalogOfRecommender(rec) {
  rec._live();  // DISPOSED if it was
  const items = rec._catalog instanceof Map ? [...rec._catalog.values()] : [];
  return items.length ? { items } : null;
}

export class Assistant {
  /** @internal use createAssistant() */
  constructor(handle, faq, catalog) {
    this._handle = handle;
    this._entries = faq;  // entries[i] as answers show them (a copy)
    this._catalog = catalog;  // id -> {title}, or null
    this._stats = { asked: 0, answered: 0, handedOver: 0, unanswered: 0, byTopic: new Map() };
  }

  _live() {
    if (!this._handle) throw new ZhixuanError('DISPOSED', 'this assistant was disposed');
    return this._handle;
  }

  /** {entries, threshold, hasCatalog} */
  info() {
    return this._live().info();
  }

  /**
   * Answers a question on the device. Below the threshold it does not answer and offers the
   * hand-over (转人工) with the best suggestions.
   * @param {string} question
   * @param {{ course?: string }} [options] the course the page shows, for "this course" questions
   */
  ask(question, options = {}) {
    const handle = this._live();
    if (typeof question !== 'string') throw new TypeError('question must be a string');
    const { course } = checkObject(options, 'options');
    if (course !== undefined && typeof course !== 'string') throw new TypeError('options.course must be a string');
    if (question.trim() === '') throw new ZhixuanError('INVALID_ARGUMENT', 'question is empty');
    if (question.length > MAX_QUESTION_BYTES || encoder.encode(question).length > MAX_QUESTION_BYTES) {
      throw new ZhixuanError('TOO_LARGE', `question is longer than ${MAX_QUESTION_BYTES} bytes`);
    }
    const raw = handle.ask(question, course ?? '');
    const entryView = (index) => {
      const e = this._entries[index];
      return { id: e.id, question: e.question, tags: [...e.tags], links: e.links.map((l) => ({ ...l })), intent: e.intent };
    };
    const suggestions = Array.from(raw.suggestions, (index, i) => ({ ...entryView(index), score: raw.suggestionScores[i] }));
    const entry = raw.entry >= 0 ? entryView(raw.entry) : null;
    const result = {
      answered: raw.answered,
      handover: raw.handover,
      confidence: raw.confidence,
      answer: raw.answered ? raw.answer : null,
      fromCourse: raw.fromCourse,
      intent: raw.intent || null,
      entry,
      links: entry ? entry.links : [],
      suggestions,
      relatedCourses: raw.relatedCourses.map((id) => {
        const item = this._catalog?.get(id);
        return { id, title: item?.title ?? id };
      }),
    };
    this._count(raw.topic || OTHER_TOPIC, result);
    return result;
  }

  /** Counts only: the question's text is never kept. */
  _count(topic, result) {
    const s = this._stats;
    s.asked += 1;
    if (result.answered) s.answered += 1;
    if (result.handover) s.handedOver += 1;
    if (!result.answered) s.unanswered += 1;
    if (!result.handover) return;
    const t = s.byTopic.get(topic) ?? { handedOver: 0, unanswered: 0 };
    t.handedOver += 1;
    if (!result.answered) t.unanswered += 1;
    s.byTopic.set(topic, t);
  }

  /**
   * Aggregates of what was asked on this device: totals, and per topic (the first tag of the
   * best-matching entry, '其他' when nothing matched) the questions handed over and those left
   * unanswered. No question text is ever stored.
   */
  stats() {
    const s = this._stats;
    const byTopic = {};
    for (const [topic, counts] of [...s.byTopic].sort((a, b) => b[1].handedOver - a[1].handedOver)) byTopic[topic] = { ...counts };
    return { asked: s.asked, answered: s.answered, handedOver: s.handedOver, unanswered: s.unanswered, byTopic };
  }

  /** Clears the counts (e.g. after they were reported). */
  resetStats() {
    this._stats = { asked: 0, answered: 0, handedOver: 0, unanswered: 0, byTopic: new Map() };
  }

  /** Frees the wasm memory; later calls throw DISPOSED. */
  dispose() {
    if (this._handle) {
      this._handle.delete();
      this._handle = null;
    }
  }
}

/**
 * Builds an on-device FAQ assistant.
 * @param {{ faq: object | string, catalog?: object | string, recommender?: object, threshold?: number,
 *   wasmUrl?: string | URL, wasmBinary?: Uint8Array }} options
 */
export async function createAssistant(options) {
  const { faq, catalog, recommender, wasmUrl, wasmBinary } = checkObject(options, 'options');
  if (faq === undefined || faq === null) throw new TypeError('options.faq is required (the FAQ object or its JSON text)');
  const threshold = checkThreshold(options.threshold);
  const faqText = jsonTextOf(faq, 'options.faq', MAX_FAQ_BYTES, 'MALFORMED_FAQ');
  let catalogSource = catalog;
  if (catalogSource === undefined && recommender !== undefined) {
    if (!recommender || typeof recommender.item !== 'function') throw new TypeError('options.recommender must be a Recommender');
    catalogSource = catalogOfRecommender(recommender) ?? undefined;
  }
  const catalogJson = catalogSource === undefined || catalogSource === null
    ? null : jsonText(catalogSource, 'options.catalog', MAX_CATALOG_BYTES, 'MALFORMED_CATALOG');
  const catalogText = catalogJson?.text ?? null;
  const core = await init({ features: ['assist'], wasmUrl, wasmBinary });
  if (typeof core.AssistHandle !== 'function') {
    throw new ZhixuanError('UNSUPPORTED', 'this build of the wasm core has no assist room (wasm/bind_assist.cpp)');
  }
  const faqUtf8 = utf8InHeap(core, faqText, 'options.faq', MAX_FAQ_BYTES);
  let handle;
  try {
    handle = new core.AssistHandle(faqUtf8.ptr, faqUtf8.length, catalogJson?.bytes ?? '', catalogJson !== null, threshold);
  } finally {
    core._free(faqUtf8.ptr);
  }
  try {
    handle.status();
  } catch (error) {
    handle.delete();
    throw error;
  }
  // The core validated both. For display, a copy of what answers show (ids, questions, links,
  // titles): an object given by the caller is read once here, a string parsed once more.
  const faqValue = typeof faq === 'string' ? JSON.parse(faqText) : faq;
  const entries = (Array.isArray(faqValue) ? faqValue : faqValue.entries).map((e) => ({
    id: e.id, question: e.question, tags: [...(e.tags ?? [])], links: (e.links ?? []).map((l) => ({ title: l.title, url: l.url })),
    intent: e.intent ?? null,
  }));
  let items = null;
  if (catalogText !== null) {
    const parsed = typeof catalogSource === 'string' ? JSON.parse(catalogText) : catalogSource;
    items = new Map((Array.isArray(parsed) ? parsed : parsed.items).map((item) => [String(item.id), { title: item.title }]));
  }
  return new Assistant(handle, entries, items);
}
