// The server's unmasking off the HTTP thread. Summing a cohort's masked inputs and removing every
// mask stream is seconds of CPU (about 16 s for 1000 devices at 5k x 64); run on the main thread
// it would leave every other request waiting. A worker_thread holds the streaming unmasker
// (core SecAggStream) and the main thread feeds it one message at a time, awaiting each answer:
// between two, the HTTP server answers, and no more than one masked input is in flight.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadCore } from './core.js';

const ROLE = 'zhixuan-secagg-unmask';

/** One worker, kept for the server's life and unref'd (it never holds the process open). */
export class UnmaskWorker {
  constructor() {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE } });
    this.worker.unref();
    this.pending = new Map();
    this.seq = 0;
    this.failure = null;
    this.worker.on('message', ({ seq, result, error }) => {
      const call = this.pending.get(seq);
      this.pending.delete(seq);
      if (error) call?.reject(Object.assign(new Error(error.message), { code: error.code }));
      else call?.resolve(result);
    });
    const fail = (error) => {
      this.failure = error;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the unmasking worker exited (code ${code})`)));
  }

  _call(op, args = {}) {
    if (this.failure) return Promise.reject(this.failure);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ seq, op, args });
    });
  }

  /** The same calls as core.SecAggStream, each a promise; a core error rejects with its message and code. */
  open(params) { return this._call('open', { params }); }
  addMasked(bytes, seed) { return this._call('masked', { bytes, seed }); }
  addCorrection(survivor, dropped, secret) { return this._call('correction', { survivor, dropped, secret }); }
  /** {modular: Uint32Array, values: Float64Array}; the stream is closed either way. */
  finish() { return this._call('finish'); }
  /** Drops an unfinished stream (after a failure). */
  discard() { return this._call('discard'); }

  close() { return this.worker.terminate(); }
}

/** `current` while it works, else a new worker (one that exited or crashed stays failed). */
export function usableWorker(current) {
  return current && !current.failure ? current : new UnmaskWorker();
}

if (!isMainThread && workerData?.role === ROLE) {
  const corePromise = loadCore();
  let stream = null;
  const drop = () => { stream?.delete(); stream = null; };
  const run = async ({ op, args }) => {
    const core = await corePromise;
    if (op === 'open') {
      drop();
      stream = new core.SecAggStream();
      stream.open(args.params);
      return null;
    }
    if (op === 'discard') { drop(); return null; }
    if (!stream) throw new Error('no unmasking is open');
    if (op === 'masked') { stream.addMasked(args.bytes, args.seed); return null; }
    if (op === 'correction') { stream.addCorrection(args.survivor, args.dropped, args.secret); return null; }
    if (op === 'finish') {
      try {
        const sum = stream.finish();
        return { modular: sum.modular, values: sum.values };
      } finally {
        drop();
      }
    }
    throw new Error(`unknown unmasking call '${op}'`);
  };
  // Messages are answered in order: each waits for the one before it.
  let queue = Promise.resolve();
  parentPort.on('message', (message) => {
    queue = queue.then(() => run(message)).then(
      (result) => parentPort.postMessage({ seq: message.seq, result }),
      (error) => parentPort.postMessage({ seq: message.seq, error: { message: error.message, code: error.code } }),
    );
  });
}
