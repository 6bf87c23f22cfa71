// The extra blocks of the metrics vector (js/metrics-vector.js): the FAQ assistant's per-topic
// counts (issue 16) and the slot bandits' per-arm sums (issue 15) ride in the same secure round as
// the experiment metrics: more coordinates of one vector, one ledger charge a day (one Gaussian
// release of the whole vector costs half the RDP of two releases at the same noise multiplier),
// at the price of a larger L2 sensitivity for all (see docs/experiments.md).
//
// Both sides derive the blocks from public things: the experiments file ("bandits") and the
// topics the server declares (`zhixuan serve --assist-topics`). The layout is fixed, so which keys a
// device fills reveals nothing (the rest are zeros).
//   assist:        keys = topics + '其他', fields [handedOver, unanswered], bounds 20 a day, 4 keys
//   slots:<slot>:  keys = arm|cell for every arm and context cell of the slot (cells: the product
//                  of the split_by values declared in the file, each with 'other'; '' unsplit),
//                  fields [n, sum, sumSq] of the rewards since the last report, bounds by model
//                  (beta 50/50/50, gaussian 50/2000/2000^2, lognormal 50/400/3200, funnel: the
//                  clicks', as beta), 4 keys.
//   slots:<slot>:value (funnel slots): keys = arm ids, fields [clicks, purchases, sum, sumSq] (what
//                  the arm's clicks were worth, pooled over cells), bounds 50/50/2000/2000^2, 4 keys.
// Linear slots (theta, not sums) are not reported.
export const OTHER_TOPIC = '其他';
const SLOT_BOUNDS = { beta: [50, 50, 50], gaussian: [50, 2000, 2000 ** 2], lognormal: [50, 400, 3200], funnel: [50, 50, 50] };
const MAX_KEYS = 4;
const FUNNEL_VALUE = ['clicks', 'purchases', 'sum', 'sumSq'];

function cellsOf(bandits, splitBy = []) {
  let cells = [''];
  for (const dimension of splitBy) {
    const declared = dimension === 'channel' ? bandits.channels : dimension === 'segment' ? bandits.segments : dimension === 'device' ? ['mobile', 'desktop', 'tablet'] : [];
    const values = [...(declared ?? []), 'other'];
    cells = cells.flatMap((c) => values.map((v) => (c === '' ? v : `${c}|${v}`)));
  }
  return cells;
}

/** The blocks of a file (parsed experiments file) and the server's declared assistant topics. */
export function extraBlocks(file, { assistTopics = null } = {}) {
  const blocks = [];
  if (Array.isArray(assistTopics) && assistTopics.length) {
    blocks.push({ name: 'assist', keys: [...new Set([...assistTopics, OTHER_TOPIC])], fields: ['handedOver', 'unanswered'], bounds: [20, 20], maxKeys: MAX_KEYS });
  }
  const bandits = file?.bandits;
  for (const slot of bandits?.slots ?? []) {
    const bounds = SLOT_BOUNDS[slot.model ?? 'beta'];
    if (!bounds) continue;
    const cells = cellsOf(bandits, slot.split_by);
    blocks.push({ name: `slots:${slot.slot}`, keys: slot.arms.flatMap((a) => cells.map((c) => `${a.id}|${c}`)), fields: ['n', 'sum', 'sumSq'], bounds, maxKeys: MAX_KEYS });
    if (slot.model === 'funnel') blocks.push({ name: `slots:${slot.slot}:value`, keys: slot.arms.map((a) => a.id), fields: FUNNEL_VALUE, bounds: [50, 50, 2000, 2000 ** 2], maxKeys: MAX_KEYS });
  }
  return blocks;
}

/** rec.assistant stats() -> {assist: {topic: [handedOver, unanswered]}} (unknown topics count as '其他'). */
export function assistValues(stats, blocks) {
  const block = blocks.find((b) => b.name === 'assist');
  if (!block || !stats) return {};
  const known = new Set(block.keys);
  const out = {};
  for (const [topic, counts] of Object.entries(stats.byTopic ?? {})) {
    const key = known.has(topic) ? topic : OTHER_TOPIC;
    const row = out[key] ?? [0, 0];
    row[0] += counts.handedOver ?? 0;
    row[1] += counts.unanswered ?? 0;
    out[key] = row;
  }
  return { assist: out };
}

/** The key of a stats cell in the declared layout: each part not declared becomes 'other'. */
function cellKey(cell, declaredCells) {
  if (declaredCells.has(cell)) return cell;
  const parts = cell.split('|');
  const mapped = parts.map((p, i) => ([...declaredCells].some((d) => d.split('|')[i] === p) ? p : 'other')).join('|');
  return declaredCells.has(mapped) ? mapped : null;
}

/**
 * rec.slots stats() minus the stats already reported (`previous`, or null) -> {'slots:<slot>':
 * {arm|cell: [n, sum, sumSq]}}: the sums are additive, so a day's part is a difference.
 */
export function slotsValues(stats, previous, blocks) {
  const out = {};
  const before = new Map();
  for (const s of previous?.slots ?? []) {
    for (const a of s.arms) {
      for (const c of a.cells ?? []) before.set(`${s.slot}/${a.id}/${c.cell}`, c);
      if (a.value) before.set(`${s.slot}/${a.id}/:value`, a.value);
    }
  }
  for (const s of stats?.slots ?? []) {
    const block = blocks.find((b) => b.name === `slots:${s.slot}`);
    if (!block) continue;
    const declared = new Set(block.keys.map((k) => k.slice(k.indexOf('|') + 1)));
    const values = {};
    for (const a of s.arms) {
      for (const c of a.cells) {
        const cell = cellKey(c.cell, declared);
        if (cell === null) continue;
        const was = before.get(`${s.slot}/${a.id}/${c.cell}`) ?? { n: 0, sum: 0, sumSq: 0 };
        const key = `${a.id}|${cell}`;
        const row = values[key] ?? [0, 0, 0];
        row[0] += Math.max(0, c.n - was.n);
        row[1] += Math.max(0, c.sum - was.sum);
        row[2] += Math.max(0, c.sumSq - was.sumSq);
        values[key] = row;
      }
    }
    out[block.name] = values;
    const valueBlock = blocks.find((b) => b.name === `slots:${s.slot}:value`);
    if (!valueBlock) continue;
    const perArm = {};
    for (const a of s.arms) {
      if (!a.value) continue;
      const was = before.get(`${s.slot}/${a.id}/:value`);
      perArm[a.id] = FUNNEL_VALUE.map((f) => Math.max(0, a.value[f] - (was?.[f] ?? 0)));
    }
    out[valueBlock.name] = perArm;
  }
  return out;
}
