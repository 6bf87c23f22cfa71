// The server's half of the slot bandits' loop (issue 15): the devices' posterior sums for a file
// version arrive as cohort sums of the metrics rounds' extra blocks (metric_extras: `slots:<slot>`
// keyed arm|cell, and a funnel's `slots:<slot>:value` keyed by arm, fields clicks, purchases, sum,
// sumSq; js/metrics-extras.js). Summed
// over the version's days they are folded by the core (FoldSlotStats, slot_priors.hpp) into the
// priors of the next file, which the server then ships: tomorrow every device starts from what
// all of them learned. The sums carry the rounds' Gaussian noise: a coordinate below 0 is read as 0.
import { extraBlocks } from '../metrics-extras.js';

const clamp = (v) => Math.max(0, v);

/**
 * The summed statistics of a file version in FoldSlotStats' shape (days up to `throughDay`, all
 * by default), how many device-days made them, and which days.
 */
export function slotStatsOf(store, version, file, { throughDay = Infinity } = {}) {
  const slots = [];
  const days = new Set();
  let reports = 0;
  for (const block of extraBlocks(file)) {
    if (!block.name.startsWith('slots:') || block.name.endsWith(':value')) continue;
    const slot = block.name.slice('slots:'.length);
    const arms = new Map();
    const arm = (id) => arms.get(id) ?? arms.set(id, { id, cells: new Map() }).get(id);
    for (const row of store.extras(version, block.name)) {
      if (row.day > throughDay) continue;
      days.add(row.day);
      const bar = row.key.indexOf('|');
      const cells = arm(row.key.slice(0, bar)).cells;
      const cell = cells.get(row.key.slice(bar + 1)) ?? [0, 0, 0];
      row.sums.forEach((v, f) => { cell[f] += v; });
      cells.set(row.key.slice(bar + 1), cell);
      reports = Math.max(reports, row.reports);
    }
    for (const row of store.extras(version, `${block.name}:value`)) {
      if (row.day > throughDay) continue;
      const value = arm(row.key).value ?? [0, 0, 0, 0];
      row.sums.forEach((v, f) => { value[f] += v; });
      arm(row.key).value = value;
    }
    slots.push({
      slot,
      arms: [...arms.values()].map(({ id, cells, value }) => ({
        id,
        cells: [...cells].map(([cell, [n, sum, sumSq]]) => ({ cell, n: clamp(n), sum: clamp(sum), sumSq: clamp(sumSq) })),
        ...(value && { value: { clicks: clamp(value[0]), purchases: clamp(value[1]), sum: clamp(value[2]), sumSq: clamp(value[3]) } }),
      })),
    });
  }
  return { stats: { slots }, reports, days: [...days].sort((a, b) => a - b) };
}

/** The next version's name: the base version with a fold counter (v1 -> v1+slots1 -> v1+slots2). */
export function nextFoldedVersion(version) {
  const match = /^(.*)\+slots(\d+)$/.exec(version);
  return match ? `${match[1]}+slots${Number(match[2]) + 1}` : `${version}+slots1`;
}

/**
 * The file `text` (version `version`) with its slots' priors updated from the stored sums, as
 * the next version; null when the file has no bandits or nothing was reported for it.
 */
export function foldSlotsFile(core, store, text) {
  const file = JSON.parse(text);
  if (!file.bandits) return null;
  const { stats, reports, days } = slotStatsOf(store, file.version, file);
  if (reports === 0) return null;
  const folded = JSON.parse(core.slotsFoldStats(text, JSON.stringify(stats)).file);
  folded.version = nextFoldedVersion(file.version);
  // What the priors now hold, every fold so far: a device takes its own reports of these
  // (version, round)s out of its statistics when it loads the file (js/slots-reported.js).
  // Rounds, not only days: a round of the same day that completes after the fold is stored but
  // never folded, and its devices keep those statistics.
  folded.bandits.folded = [...(file.bandits.folded ?? []), { version: file.version, days, rounds: store.cohortRounds(file.version) }];
  return { text: JSON.stringify(folded), version: folded.version, from: file.version, reports, days, rounds: folded.bandits.folded.at(-1).rounds };
}

// The posterior mean and sd of one cell's expected reward, read from a folded arm (its
// cell_priors are the posteriors): beta and funnel the click rate, the normal models the mean.
function cellPosterior(slot, arm, cell) {
  const p = { ...(slot.prior ?? {}), ...(arm.prior ?? {}), ...(arm.cell_priors?.[cell] ?? {}) };
  if ((slot.model ?? 'beta') === 'beta' || slot.model === 'funnel') {
    const a = p.alpha ?? 1, b = p.beta ?? 1;
    return { mean: a / (a + b), sd: Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1))) };
  }
  const kappa = p.kappa ?? 1, shape = p.shape ?? 1, scale = p.scale ?? 1;
  return { mean: p.mean ?? 0, sd: Math.sqrt(scale / (shape + 1) / kappa) };
}

/**
 * What the dashboard shows of the bandits of a file version (experiments.js summary): per slot
 * and day, each arm's share of that day's renders (examination-weighted) and its posterior per
 * cell after that day (the file's priors with the days so far folded in by the core).
 */
export function slotsSummary(core, store, text) {
  const file = JSON.parse(text);
  if (!file.bandits) return [];
  const days = new Set();
  for (const block of extraBlocks(file)) for (const row of store.extras(file.version, block.name)) days.add(row.day);
  const perDay = [...days].sort((a, b) => a - b).map((day) => {
    const { stats } = slotStatsOf(store, file.version, file, { throughDay: day });
    const before = slotStatsOf(store, file.version, file, { throughDay: day - 1 }).stats;
    return { day, stats, before, folded: JSON.parse(core.slotsFoldStats(text, JSON.stringify(stats)).file) };
  });
  return file.bandits.slots.map((slot, s) => ({
    slot: slot.slot,
    model: slot.model ?? 'beta',
    arms: slot.arms.map((a) => a.id),
    days: perDay.map(({ day, stats, before, folded }) => {
      const renders = (st, id) => st.slots.find((x) => x.slot === slot.slot)?.arms.find((a) => a.id === id)?.cells.reduce((n, c) => n + c.n, 0) ?? 0;
      const today = slot.arms.map((a) => Math.max(0, renders(stats, a.id) - renders(before, a.id)));
      const total = today.reduce((x, y) => x + y, 0);
      return {
        day,
        arms: folded.bandits.slots[s].arms.map((arm, i) => ({
          id: arm.id,
          share: total > 0 ? today[i] / total : null,
          cells: Object.fromEntries(Object.keys(arm.cell_priors ?? {}).map((cell) => [cell, cellPosterior(folded.bandits.slots[s], arm, cell)])),
        })),
      };
    }),
  }));
}
