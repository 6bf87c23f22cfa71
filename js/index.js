// zhixuan: on-device recommendations. The only public entry point.
import { ZhixuanError, check } from './errors.js';
import { checkFeatures, init, initRecommenderCore, loadRooms } from './core.js';
import { openModelInHeap, readCatalogText } from './model-source.js';
import { Recommender } from './recommender.js';
import { checkObject } from './validate.js';

/**
 * Loads a model bundle (and optionally the catalog) and returns a Recommender
 * whose calls are synchronous.
 */
export async function createRecommender(options) {
  if (options?.worker === true) {
    // Worker mode: the same API, async, scoring off the main thread (loaded only when asked for).
    const { createWorkerRecommender } = await import('./worker/client.js');
    return createWorkerRecommender(options);
  }
  const { model, catalog, sha256, onProgress, wasmUrl, wasmBinary } = checkObject(options, 'options');
  if (model === undefined || model === null) throw new TypeError('options.model is required (bytes, URL or file path)');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  const features = checkFeatures(options.features);  // which module: see js/core.js
  // The core compiles while the model and the catalog are fetched (or the file opened).
  const coreReady = initRecommenderCore(features, { wasmUrl, wasmBinary });
  const catalogRead = readCatalogText(catalog);
  catalogRead.catch(() => {});  // awaited below; a model error may come first
  const [core, rooms, { ptr, length, reader }] = await Promise.all([
    coreReady, loadRooms(features), openModelInHeap(coreReady, model, { sha256, onProgress })]);
  const session = new core.Session();
  // The session takes the buffer over (rows are used where they were read). A file comes in
  // steps (js/model-file.js): the core parses while the thread pool reads the rows, and the
  // catalog may still be on its way meanwhile.
  let read = Promise.resolve();
  let catalogText;
  try {
    let begun, manifestRead;
    if (reader) {
      ({ begun, manifestRead, read } = reader.loadInto(session));
    } else {
      begun = manifestRead = session.beginLoad(ptr, length);  // finishLoad reads the manifest
    }
    // Settled before anything can free the buffer: the thread pool may still be writing into it.
    const [readResult, catalogResult] = await Promise.allSettled([read, catalogRead]);
    check(begun);
    if (readResult.status === 'rejected') throw readResult.reason;
    check(manifestRead);
    if (catalogResult.status === 'rejected') throw catalogResult.reason;
    catalogText = catalogResult.value;
    session.finishLoad(catalogText ?? '', catalogText !== null);
  } catch (error) {
    await read.catch(() => {});
    session.delete();
    throw error;
  }
  const entries = new Map();
  if (catalogText !== null) {
    const parsed = JSON.parse(catalogText);  // the core validated it already
    for (const item of Array.isArray(parsed) ? parsed : parsed.items) entries.set(String(item.id), item);
  }
  const rec = new Recommender(core, session, entries, rooms);
  if (rooms.profile && options.profile !== false) {
    try {
      rec._attachProfile(await rooms.profile.UserProfile.open(core, session, options));
      if (rec._localProfile()) await rec._restoreKept();
    } catch (error) {
      rec.dispose();
      throw error;
    }
  }
  return rec;
}

/**
 * An on-device FAQ assistant (js/assist.js, loaded on first use): answers with a calibrated
 * confidence, hands over below the threshold, answers "this course" from the catalog.
 */
export async function createAssistant(options) {
  const { createAssistant: create } = await import('./assist.js');
  return create(options);
}

export { ZhixuanError, Recommender, init };
export { memoryStorage, indexedDBStorage } from './storage/index.js';
export { directoryStorage } from './storage/directory.js';
