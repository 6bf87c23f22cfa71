// Node only (a page never reads local files): a model file read straight into the wasm heap,
// the header first and the rest while the core parses (cold start; see createRecommender).
import { ZhixuanError } from './errors.js';
import { MAX_BUNDLE_BYTES, mallocFor } from './model-source.js';

const ioError = (path, error) => error instanceof ZhixuanError ? error
  : new ZhixuanError('IO', `could not read model file ${path}: ${error.code ?? error.message}`);
const shrank = (path) => new ZhixuanError('IO', `could not read model file ${path}: it shrank while being read`);

/**
 * Mallocs the whole file's size in the heap and reads its header there; `reader` reads the rest.
 * @returns {{ptr: number, length: number, reader: ModelFileReader}}
 */
export function readHeaderIntoHeap(core, fs, path) {
  let fd;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw ioError(path, error);
  }
  let ptr = 0;
  try {
    const { size } = fs.fstatSync(fd);
    if (size > MAX_BUNDLE_BYTES) throw new ZhixuanError('TOO_LARGE', `model file ${path} is larger than 2 GiB`);
    const prefix = Buffer.alloc(8);
    const headerEnd = fs.readSync(fd, prefix, 0, 8, 0) === 8 ? Math.min(size, 8 + Number(prefix.readBigUInt64LE(0))) : size;
    ptr = mallocFor(core, size);
    const reader = new ModelFileReader(core, fs, fd, path, ptr, size, headerEnd);
    reader.readNow(0, headerEnd);
    return { ptr, length: size, reader };
  } catch (error) {
    if (ptr) core._free(ptr);
    fs.closeSync(fd);
    throw ioError(path, error);
  }
}

// What parsing a manifest may allocate, per byte of header (a format 1 manifest's ids, their
// JSON nodes, the id table: about 8 for short ids), plus a margin; a format 2 id tensor's
// share the core reports (idHeapBytes). At most PARSE_HEAP_CAP (beyond it the heap may grow
// during the read, which then reads again). No more than that: a heap grown past what the
// load needs costs a cold start in V8 a garbage collection (external memory pressure: 6 ms
// of CPU for a 100k x 64 F32 model, when the heap grew by 16 x the id tensor).
const PARSE_HEAP_FACTOR = 16;
const PARSE_HEAP_MARGIN = 1 << 20;
const PARSE_HEAP_CAP = 256 << 20;
// The rows are read in pieces, one per pool thread (libuv starts 4): reading into fresh heap
// pages is mostly page faults, which the cores take in parallel (4 pieces: a 100k x 64 cold
// start 4-5 ms faster than 1, 8 pieces 3 ms).
const READ_PIECES = 4;
const READ_PIECE_MIN_BYTES = 4 << 20;
// A header this large (a format 1 manifest lists every id in it) is parsed while the rest of
// the file is read; a smaller one is parsed first, so the item ids can be read next.
const PARSE_WHILE_READING_HEADER_BYTES = 256 << 10;

/**
 * Reads a model file into its heap buffer: some ranges now (the header, then the item ids),
 * the rest on libuv's thread pool while the core parses. The heap must not grow while the
 * pool writes into it (a grown heap is a new buffer: in place on 64-bit hosts, but that is
 * not promised), so readRest first claims what the parse will allocate, and reads again if
 * the heap grew anyway.
 */
class ModelFileReader {
  constructor(core, fs, fd, path, ptr, size, headerEnd) {
    Object.assign(this, { core, fs, fd, path, ptr, size, headerEnd });
    this.done = [];  // [begin, end) ranges already read
    this.closed = false;
  }

  /**
   * Starts the session's load of this file: its header parsed, then the item ids read and
   * indexed while the pool reads the rows (or, for a large header, the header parsed while
   * the pool reads everything).
   * @returns {{begun: object, manifestRead: object, read: Promise<void>}}  the session's answers
   *   (status objects) and the read, which settles once the pool is done with the buffer
   */
  loadInto(session) {
    let read = null;
    try {
      if (this.headerEnd > PARSE_WHILE_READING_HEADER_BYTES) {
        read = this.readRest(PARSE_HEAP_FACTOR * this.headerEnd);
        const begun = session.beginLoad(this.ptr, this.size);
        // A format 2 file's ids may still be arriving: finishLoad reads the manifest then.
        const idsPending = !begun.zxError && begun.idBytesEnd > begun.idBytesBegin;
        return { begun, manifestRead: begun.zxError || idsPending ? begun : session.readManifest(), read };
      }
      const begun = session.beginLoad(this.ptr, this.size);
      if (!begun.zxError) this.readNow(begun.idBytesBegin, begun.idBytesEnd);
      read = this.readRest(PARSE_HEAP_FACTOR * this.headerEnd + (begun.zxError ? 0 : begun.idHeapBytes));
      return { begun, manifestRead: begun.zxError ? begun : session.readManifest(), read };
    } catch (error) {
      if (!read) this.close();  // once reading, readRest closes the file when the pool is done
      throw error;
    }
  }

  /** Reads [begin, end) of the file now (clamped to the file). */
  readNow(begin, end) {
    begin = Math.max(0, begin);
    end = Math.min(this.size, end);
    for (let at = begin; at < end;) {
      const n = this.fs.readSync(this.fd, this.core.HEAPU8, this.ptr + at, end - at, at);
      if (n === 0) throw shrank(this.path);
      at += n;
    }
    if (end > begin) this.done.push([begin, end]);
  }

  /** The ranges not read yet, in file order. */
  missing() {
    const ranges = [];
    let at = 0;
    for (const [begin, end] of [...this.done].sort((x, y) => x[0] - y[0])) {
      if (begin > at) ranges.push([at, begin]);
      at = Math.max(at, end);
    }
    if (at < this.size) ranges.push([at, this.size]);
    return ranges;
  }

  /**
   * Starts reading everything not read yet; the promise settles (never before the pool is done
   * with the buffer) once it is all in place. `parseHeapBytes`: what the parse may allocate
   * meanwhile.
   */
  readRest(parseHeapBytes) {
    const { core } = this;
    const reserve = core._malloc(Math.min(PARSE_HEAP_CAP, parseHeapBytes + PARSE_HEAP_MARGIN));
    if (reserve) core._free(reserve);
    const ranges = this.missing().flatMap(([begin, end]) => {
      const pieces = Math.max(1, Math.min(READ_PIECES, Math.floor((end - begin) / READ_PIECE_MIN_BYTES)));
      const step = Math.ceil((end - begin) / pieces);
      return Array.from({ length: pieces }, (_, i) => [begin + i * step, Math.min(end, begin + (i + 1) * step)]);
    });
    const heapAtStart = core.HEAPU8.buffer;
    // Every range settled (not just the first failure): only then is the pool done with the buffer.
    const pending = Promise.allSettled(ranges.map(([begin, end]) => this.#readAsync(begin, end)))
      .then((results) => results.find((r) => r.status === 'rejected')?.reason ?? null);
    return (async () => {
      try {
        const error = await pending;
        if (core.HEAPU8.buffer !== heapAtStart) for (const [begin, end] of ranges) this.readNow(begin, end);
        else if (error) throw error;
      } catch (error) {
        throw ioError(this.path, error);
      } finally {
        this.close();
      }
    })();
  }

  close() {
    if (!this.closed) this.fs.closeSync(this.fd);
    this.closed = true;
  }

  #readAsync(begin, end) {
    return new Promise((resolve, reject) => {
      const step = (at) => {
        if (at >= end) return resolve();
        try {
          this.fs.read(this.fd, this.core.HEAPU8, this.ptr + at, end - at, at, (error, n) => {
            if (error) return reject(error);
            if (n === 0) return reject(shrank(this.path));
            step(at + n);
          });
        } catch (error) {
          reject(error);
        }
      };
      step(begin);
    });
  }
}
