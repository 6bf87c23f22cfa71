// `zhixuan convert` on other trainers' outputs (issue 18, docs/convert.md): embedding tables in
// safetensors files written the way PyTorch, JAX/flax, tinygrad and the safetensors library write
// them, in F32, F16, BF16 and F64, checked value for value against conversions done here
// independently of the core; Spark MLlib's itemFactors as CSV and as Parquet turned into CSV;
// implicit's item_factors .npy with an ids file; and every bad input named, with the tensors the
// file holds listed. Each CLI test runs with the native CLI and with the wasm CLI the package
// ships (cli-helpers.js); one that is not built skips. Last, createRecommender on a file that is
// not a bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { rng } from '../../tools/random.mjs';
import { writeSafetensors } from '../../tools/safetensors-writer.mjs';
import { nativeCli, wasmCli } from './cli-helpers.js';

const clis = [['native', nativeCli], ['wasm', wasmCli]];
const ITEMS = 6;
const DIM = 4;
const ids = Array.from({ length: ITEMS }, (_, i) => `sku-${String(i * 7).padStart(4, '0')}`);

// --- independent conversions: the value each stored element must become in the F32 bundle ---
const f32Bits = new DataView(new ArrayBuffer(4));
function bitsToF32(bits) {
  f32Bits.setUint32(0, bits >>> 0, true);
  return f32Bits.getFloat32(0, true);
}
function halfToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  return sign * (exp === 0 ? mant * 2 ** -24 : (1 + mant / 1024) * 2 ** (exp - 15));
}

// Random finite bit patterns (subnormals and signed zeros included), so every conversion path runs.
function randomHalfBits(n, next) {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let h;
    do h = Math.floor(next() * 65536); while (((h >> 10) & 0x1f) === 0x1f);
    out[i] = h;
  }
  out[0] = 0x0001;  // the smallest subnormal
  out[1] = 0x7bff;  // the largest finite half (65504)
  return out;
}
function randomBf16Bits(n, next) {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let b;
    do b = Math.floor(next() * 65536); while (((b >> 7) & 0xff) === 0xff || ((b >> 7) & 0xff) > 0xa0 || ((b >> 7) & 0xff) < 0x60);
    out[i] = b;  // exponents kept moderate: the bundle's Gram matrix V^T V must not overflow float
  }
  out[0] = 0x3f81;  // 1.0078125: a value F16 could not hold in this exponent range exactly
  return out;
}

// Each dtype: the stored typed array and the float32 value each element must become.
function table(dtype, seed) {
  const next = rng(seed);
  const n = ITEMS * DIM;
  if (dtype === 'F32') {
    const data = Float32Array.from({ length: n }, () => next() * 4 - 2);
    return { data, expected: Array.from(data) };
  }
  if (dtype === 'F16') {
    const data = randomHalfBits(n, next);
    return { data, expected: Array.from(data, halfToNumber) };
  }
  if (dtype === 'BF16') {
    const data = randomBf16Bits(n, next);
    return { data, expected: Array.from(data, (b) => bitsToF32(b << 16)) };
  }
  const data = Float64Array.from({ length: n }, () => (next() - 0.5) / 3);
  data[0] = 0.1;  // rounds to nearest float
  data[1] = 1e-40;  // a float subnormal
  return { data, expected: Array.from(data, Math.fround) };
}

// A PyTorch state_dict of a two-tower model, as `safetensors.torch.save_file(model.state_dict())`
// writes it: several tensors, an I64 counter, __metadata__ {format: pt}.
function stateDict(dtype, itemTable) {
  return writeSafetensors({
    'user_emb.weight': { dtype: 'F32', shape: [3, DIM], data: new Float32Array(3 * DIM).fill(0.5) },
    'item_emb.weight': { dtype, shape: [ITEMS, DIM], data: itemTable },
    'head.bias': { dtype: 'F32', shape: [DIM], data: new Float32Array(DIM) },
    'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: new BigInt64Array([42n]) },
  }, { format: 'pt' });
}

// The F32 rows and ids of a written bundle, read here without the core.
function readBundle(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const start = 8 + headerLength;
  const slice = (name) => bytes.subarray(start + header[name].data_offsets[0], start + header[name].data_offsets[1]);
  assert.equal(header.item_embeddings.dtype, 'F32');
  const e = slice('item_embeddings');
  const rows = new Float32Array(e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength));
  const idList = slice('item_ids').toString('utf8').split('\0').slice(0, -1);
  return { shape: header.item_embeddings.shape, rows: Array.from(rows), ids: idList };
}

function run(cli, args) {
  const r = spawnSync(cli.file, [...cli.args, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withDir(body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-convert-'));
  try {
    return body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function assertConverts(cli, dir, args, expectedRows, expectedIds) {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}.safetensors`);
  const r = run(cli, ['convert', ...args, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const bundle = readBundle(out);
  assert.deepEqual(bundle.shape, [expectedIds.length, expectedRows.length / expectedIds.length]);
  assert.deepEqual(bundle.ids, expectedIds);
  bundle.rows.forEach((v, i) => assert.ok(Object.is(v, expectedRows[i]), `element ${i}: ${v} != ${expectedRows[i]}`));
  return out;
}

for (const [name, cli] of clis) {
  test(`${name} \`zhixuan convert --tensor\` turns a safetensors embedding table in F32, F16, BF16 or F64 into a bundle, value for value`,
    { skip: !cli && `the ${name} CLI is not built` }, async () => {
      withDir((dir) => {
        const idsFile = path.join(dir, 'ids.txt');
        fs.writeFileSync(idsFile, ids.join('\n') + '\n');
        for (const [i, dtype] of ['F32', 'F16', 'BF16', 'F64'].entries()) {
          const { data, expected } = table(dtype, 100 + i);
          // PyTorch / tinygrad: a state_dict with the table among other tensors.
          const torchFile = path.join(dir, `torch-${dtype}.safetensors`);
          fs.writeFileSync(torchFile, stateDict(dtype, data));
          assertConverts(cli, dir, ['--factors', torchFile, '--tensor', 'item_emb.weight', '--ids', idsFile], expected, ids);
          // The safetensors library's numpy/JAX API with a flax Dense kernel, stored [dim, items].
          const transposed = new data.constructor(ITEMS * DIM);
          for (let r = 0; r < ITEMS; r++) for (let c = 0; c < DIM; c++) transposed[c * ITEMS + r] = data[r * DIM + c];
          const flaxFile = path.join(dir, `flax-${dtype}.safetensors`);
          fs.writeFileSync(flaxFile, writeSafetensors({ 'params.item_tower.kernel': { dtype, shape: [DIM, ITEMS], data: transposed } }));
          assertConverts(cli, dir, ['--factors', flaxFile, '--tensor', 'params.item_tower.kernel', '--transpose', '--ids', idsFile],
            expected, ids);
        }
      });
      // The converted model loads and recommends: items like a user's history come first.
      await withDir(async (dir) => {
        const idsFile = path.join(dir, 'ids.txt');
        fs.writeFileSync(idsFile, ids.join('\n'));
        const rows = new Float32Array(ITEMS * DIM);
        for (let r = 0; r < ITEMS; r++) rows[r * DIM + (r % 2)] = 1;  // even items on axis 0, odd on axis 1
        const file = path.join(dir, 'model.safetensors');
        fs.writeFileSync(file, writeSafetensors({ 'item_emb.weight': { dtype: 'F32', shape: [ITEMS, DIM], data: rows } }));
        const out = assertConverts(cli, dir, ['--factors', file, '--tensor', 'item_emb.weight', '--ids', idsFile], Array.from(rows), ids);
        const rec = await createRecommender({ model: fs.readFileSync(out), profile: false });
        try {
          const got = rec.recommend({ history: [ids[0], ids[2]], k: 1 });
          assert.equal(got.ids[0], ids[4]);
        } finally {
          rec.dispose();
        }
      });
    });

  test(`${name} \`zhixuan convert --tensor\` names what is wrong and lists the tensors the file holds`,
    { skip: !cli && `the ${name} CLI is not built` }, () => {
      withDir((dir) => {
        const idsFile = path.join(dir, 'ids.txt');
        fs.writeFileSync(idsFile, ids.join('\n'));
        const file = path.join(dir, 'model.safetensors');
        const good = stateDict('F32', table('F32', 1).data);
        fs.writeFileSync(file, good);
        const out = path.join(dir, 'out.safetensors');
        const listing = /'bn\.num_batches_tracked' I64 \[\], 'head\.bias' F32 \[4\], 'item_emb\.weight' F32 \[6, 4\], 'user_emb\.weight' F32 \[3, 4\]/;
        const fails = (args, pattern, listed = true) => {
          const r = run(cli, ['convert', '--factors', file, '--out', out, ...args]);
          assert.notEqual(r.status, 0, `expected ${args.join(' ')} to fail`);
          assert.match(r.stderr, pattern);
          if (listed) assert.match(r.stderr, listing);
          assert.ok(!fs.existsSync(out), 'a failed convert writes nothing');
        };
        fails(['--tensor', 'item_embeddings', '--ids', idsFile], /MALFORMED_DATA.*there is no tensor 'item_embeddings'/);
        fails(['--ids', idsFile], /--tensor NAME/);
        fails(['--tensor', 'head.bias', '--ids', idsFile], /'head\.bias' \(F32 \[4\]\) has rank 1: an embedding table is 2-D/);
        fails(['--tensor', 'bn.num_batches_tracked', '--ids', idsFile], /I64 \[\]\) is not a float table: convert takes F32, F16, BF16 or F64/);
        const fiveIds = path.join(dir, 'five.txt');
        fs.writeFileSync(fiveIds, ids.slice(0, 5).join('\n'));
        fails(['--tensor', 'item_emb.weight', '--ids', fiveIds], /has 6 rows but the id list has 5 ids/);
        const fourIds = path.join(dir, 'four.txt');
        fs.writeFileSync(fourIds, ids.slice(0, 4).join('\n'));
        fails(['--tensor', 'item_emb.weight', '--ids', fourIds], /has 6 rows but the id list has 4 ids; is it stored \[dim, items\]\? try --transpose/);
        fails(['--tensor', 'item_emb.weight', '--transpose', '--ids', idsFile], /has 4 rows \(transposed\) but the id list has 6 ids; it is \[items, dim\] already/);
        fails(['--tensor', 'item_emb.weight'], /--ids is required with safetensors/, false);

        // Broken containers: the safetensors layer's own reasons.
        fs.writeFileSync(file, good.subarray(0, 5));
        fails(['--tensor', 'item_emb.weight', '--ids', idsFile], /MALFORMED_MODEL.*truncated/, false);
        const longHeader = good.slice();
        new DataView(longHeader.buffer).setBigUint64(0, BigInt(good.length), true);
        fs.writeFileSync(file, longHeader);
        fails(['--tensor', 'item_emb.weight', '--ids', idsFile], /larger than the file/, false);
        const header = JSON.stringify({
          'item_emb.weight': { dtype: 'F32', shape: [ITEMS, DIM], data_offsets: [0, 96] },
          other: { dtype: 'F32', shape: [4], data_offsets: [80, 96] },
        });
        const overlapping = Buffer.alloc(8 + header.length + 96);
        overlapping.writeBigUInt64LE(BigInt(header.length), 0);
        overlapping.write(header, 8);
        fs.writeFileSync(file, overlapping);
        fails(['--tensor', 'item_emb.weight', '--ids', idsFile], /'item_emb\.weight' and 'other' overlap/, false);

        // Rows the device could not score: NaN, F16 Inf, an F64 value past float32's range.
        const nanRows = table('F32', 2).data;
        nanRows[2 * DIM + 1] = NaN;
        fs.writeFileSync(file, stateDict('F32', nanRows));
        fails(['--tensor', 'item_emb.weight', '--ids', idsFile], /row 2 holds NaN or Inf/, false);
        const infHalf = table('F16', 3).data;
        infHalf[3 * DIM] = 0xfc00;  // -Inf
        fs.writeFileSync(file, stateDict('F16', infHalf));
        fails(['--tensor', 'item_emb.weight', '--ids', idsFile], /row 3 holds NaN or Inf/, false);
        const huge = table('F64', 4).data;
        huge[5 * DIM + 3] = 1e300;
        fs.writeFileSync(file, stateDict('F64', huge));
        fails(['--tensor', 'item_emb.weight', '--ids', idsFile], /row 5 holds NaN or Inf \(or a value past float32's range\)/, false);
      });
    });

  test(`${name} \`zhixuan convert\` takes Spark MLlib's itemFactors (CSV, Parquet turned CSV) and implicit's .npy (docs/convert.md)`,
    { skip: !cli && `the ${name} CLI is not built` }, () => {
      withDir((dir) => {
        const next = rng(18);
        const sparkIds = [3, 17, 4, 250, 9, 11];
        const values = Array.from({ length: ITEMS * DIM }, () => Math.fround((next() - 0.5) * (next() < 0.2 ? 1e-4 : 2)));
        const rowOf = (r) => values.slice(r * DIM, (r + 1) * DIM);
        // Java's Float.toString: plain between 1e-3 and 1e7, else "1.2345E-5"; 9 digits round-trip.
        const javaFloat = (v) => {
          const a = Math.abs(v);
          if (a === 0 || (a >= 1e-3 && a < 1e7)) return String(Number(v.toPrecision(9)));
          return v.toExponential(8).replace(/\.?0+e/, 'e').replace('e+', 'E').replace('e', 'E');
        };

        // Spark: itemFactors.withColumn("features", col("features").cast("string")).write.csv(dir):
        // part files without a header, the array as "[a, b, ...]" in quotes; concatenated with cat.
        const part = (rows) => rows.map((r) => `${sparkIds[r]},"[${rowOf(r).map(javaFloat).join(', ')}]"`).join('\n') + '\n';
        const sparkCsv = path.join(dir, 'spark-item-factors.csv');
        fs.writeFileSync(sparkCsv, part([0, 1, 2]) + part([3, 4, 5]));
        assertConverts(cli, dir, ['--factors', sparkCsv], values, sparkIds.map(String));

        // Spark with array_join(features, ","): the values in one quoted field, comma-separated.
        const joined = path.join(dir, 'spark-joined.csv');
        fs.writeFileSync(joined, sparkIds.map((id, r) => `${id},"${rowOf(r).map(javaFloat).join(',')}"`).join('\n') + '\n');
        assertConverts(cli, dir, ['--factors', joined], values, sparkIds.map(String));

        // Parquet turned CSV by DuckDB (COPY ... TO 'f.csv' (HEADER)): a header, lists as "[a, b]".
        const duck = path.join(dir, 'duckdb.csv');
        fs.writeFileSync(duck, 'id,features\n' + sparkIds.map((id, r) => `${id},"[${rowOf(r).map((v) => String(v)).join(', ')}]"`).join('\n') + '\n');
        assertConverts(cli, dir, ['--factors', duck], values, sparkIds.map(String));

        // Parquet turned CSV by pandas after features.map(lambda a: a.tolist()): float32 values
        // widened to Python floats, printed in full (0.10000000149011612).
        const pandas = path.join(dir, 'pandas.csv');
        fs.writeFileSync(pandas, 'id,features\n' + sparkIds.map((id, r) => `${id},"[${rowOf(r).map((v) => v.toString()).join(', ')}]"`).join('\n') + '\n');
        assertConverts(cli, dir, ['--factors', pandas], values, sparkIds.map(String));

        // implicit: np.save("item_factors.npy", model.item_factors), a float32 C-order array, and
        // the item ids in row order (the categories behind the matrix columns), one per line.
        const npyHeader = (shape) => {
          let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
          while ((10 + h.length + 1) % 64) h += ' ';
          return h + '\n';
        };
        const h = npyHeader([ITEMS, DIM]);
        const npy = Buffer.alloc(10 + h.length + ITEMS * DIM * 4);
        Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(npy);
        npy.writeUInt16LE(h.length, 8);
        npy.write(h, 10, 'latin1');
        Buffer.from(Float32Array.from(values).buffer).copy(npy, 10 + h.length);
        const npyFile = path.join(dir, 'item_factors.npy');
        fs.writeFileSync(npyFile, npy);
        const idsFile = path.join(dir, 'item_ids.txt');
        fs.writeFileSync(idsFile, ids.join('\n') + '\n');
        assertConverts(cli, dir, ['--factors', npyFile, '--ids', idsFile], values, ids);
      });
    });
}

test('createRecommender on a safetensors file without item_embeddings is MALFORMED_MODEL naming its tensors and `zhixuan convert`', async () => {
  const file = stateDict('BF16', table('BF16', 5).data);
  await assert.rejects(createRecommender({ model: file }), (e) => {
    assert.ok(e instanceof ZhixuanError, `expected ZhixuanError, got ${e}`);
    assert.equal(e.code, 'MALFORMED_MODEL');
    assert.match(e.message, /no item_embeddings tensor/);
    assert.match(e.message, /'item_emb\.weight' BF16 \[6, 4\]/);
    assert.match(e.message, /'bn\.num_batches_tracked' I64 \[\]/);
    assert.match(e.message, /zhixuan convert --factors FILE\.safetensors --tensor NAME --ids ids\.txt/);
    return true;
  });
});
