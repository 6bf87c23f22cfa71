// The vector a device's day of metrics becomes in a secure-aggregation round (device and server
// derive it alike from public things: the experiments file and the server's declared extras).
//
//   [ experiments part | extra block 1 | extra block 2 | ... ]
//
// Experiments part: the day's report of metrics_report.hpp (cells x 13 values), each coordinate j
// divided by its bound b_j (COORDINATE_BOUNDS, = the core's kMetricBounds) and clamped to [0, 1].
// At most max_cells cells are nonzero (the core keeps the cells with the most impressions), so the
// part's L2 norm is at most sqrt(13 max_cells).
// Extra blocks (the FAQ assistant's per-topic counts, the slot bandits' per-arm sums): each one
// {name, keys, fields, bounds, maxKeys}: keys x fields coordinates, field f divided by bounds[f]
// and clamped to [0, 1], at most maxKeys keys nonzero (the largest kept): L2 norm at most
// sqrt(fields maxKeys). A device with nothing for a block sends its zeros.
// The whole vector's L2 sensitivity (zero-out adjacency, as the federated rounds) is
//   C = sqrt(13 max_cells + sum over blocks of fields maxKeys),
// which is the secure round's clip: the quantizer's L2 clip never bites an honest vector, and a
// device that sends a larger one is clipped by its own code and the server's bounds alike.
export const REPORT_VALUES = 13;
export const METRIC_BOUNDS = Object.freeze({ impressions: 200, clicks: 20, carts: 10, purchases: 5, revenue: 2000 });
const B = METRIC_BOUNDS;
/** b_j of the 13 values of a cell (users, impressions, clicks, carts, purchases, revenue, squares, products). */
export const COORDINATE_BOUNDS = Object.freeze([1, B.impressions, B.clicks, B.carts, B.purchases, B.revenue,
  B.impressions ** 2, B.clicks ** 2, B.carts ** 2, B.purchases ** 2, B.revenue ** 2, B.clicks * B.impressions, B.purchases * B.clicks]);
export const DEFAULT_MAX_CELLS = 4;

function clamp01(x) { return x > 0 ? (x < 1 ? x : 1) : 0; }  // NaN -> 0

/**
 * The public shape: {length, sensitivity, cells, extras} from the file's layout
 * ({layout, file}) and the declared extra blocks.
 */
export function metricsVectorShape({ layout, file }, extras = []) {
  const maxCells = file?.metrics?.max_cells ?? DEFAULT_MAX_CELLS;
  let length = layout.length * REPORT_VALUES;
  let squared = REPORT_VALUES * Math.min(maxCells, layout.length);
  const blocks = [];
  for (const e of extras) {
    blocks.push({ ...e, offset: length });
    length += e.keys.length * e.fields.length;
    squared += e.fields.length * Math.min(e.maxKeys, e.keys.length);
  }
  return { length, sensitivity: Math.sqrt(Math.max(1, squared)), cells: layout.length, extras: blocks };
}

/** Keeps the `max` largest rows by their first field (ties: the first ones), zeroes the rest. */
function keepLargest(rows, max) {
  if (rows.filter((r) => r.some((v) => v > 0)).length <= max) return rows;
  const order = rows.map((r, i) => [r[0], i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, max).map(([, i]) => i);
  const keep = new Set(order);
  return rows.map((r, i) => (keep.has(i) ? r : r.map(() => 0)));
}

/**
 * The device's normalized vector (Float32Array): the day's report (values over the file's layout)
 * and, for each declared extra block, `extraValues[name]` = {key: [field values...]} (missing: zeros;
 * unknown keys: ignored; counts clipped to the block's bounds).
 */
export function normalizedVector(report, shape, extraValues = {}) {
  if (report.values.length !== shape.cells * REPORT_VALUES) throw new RangeError('the report does not have the round\'s layout');
  const out = new Float32Array(shape.length);
  for (let i = 0; i < report.values.length; i++) out[i] = clamp01(report.values[i] / COORDINATE_BOUNDS[i % REPORT_VALUES]);
  for (const block of shape.extras) {
    const given = extraValues[block.name] ?? {};
    const rows = block.keys.map((key) => block.fields.map((_, f) => clamp01(Number(given[key]?.[f] ?? 0) / block.bounds[f])));
    keepLargest(rows, block.maxKeys).forEach((row, k) => row.forEach((v, f) => { out[block.offset + k * block.fields.length + f] = v; }));
  }
  return out;
}

/**
 * The cohort's decoded sum (normalized units, secagg's `values`) back in the file's units, with the
 * variance of what is not data on each coordinate: the survivors' discrete Gaussian noise
 * (n sigma_dev^2 grid units^2) and their randomized rounding (at most 1/4 grid unit^2 each, kept
 * after the orthonormal rotation back), over s^2, times the bound squared.
 */
export function denormalizeSum(values, params, survivors, shape) {
  const scale = 2 ** params.scale_bits / params.clip;
  const perUnit = survivors * (Number(params.noise_variance) + 0.25) / (scale * scale);
  const bound = (i) => {
    if (i < shape.cells * REPORT_VALUES) return COORDINATE_BOUNDS[i % REPORT_VALUES];
    const block = shape.extras.find((b) => i >= b.offset && i < b.offset + b.keys.length * b.fields.length);
    return block.bounds[(i - block.offset) % block.fields.length];
  };
  const out = new Float64Array(shape.length);
  const noiseVar = new Float64Array(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const b = bound(i);
    out[i] = values[i] * b;
    noiseVar[i] = perUnit * b * b;
  }
  return { values: out, noiseVar };
}
