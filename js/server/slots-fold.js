// The server's half of the slot bandits' loop (issue 15): the devices' posterior sums for a file
// version arrive as cohort sums of the metrics rounds' extra blocks (metric_extras: `slots:<slot>`
// keyed arm|cell, and a funnel's `slots:<slot>:value` keyed by arm, fields clicks, purchases, sum,
// sumSq; js/metrics-extras.js). Summed
// over the version's days they are folded by the core (FoldSlotStats, slot_priors.hpp) into the
// priors of the next file, which the server then ships: tomorrow every device starts from what
// all of them learned. The sums carry the rounds' Gaussian noise: a coordinate below 0 is read as 0.
import { extraBlocks } from '../metrics-extras.js';

const clamp = (v) => Math.max(0, v);

/** The summed statistics of a file version in FoldSlotStats' shape, and how many device-days made them. */
export function slotStatsOf(store, version, file) {
  const slots = [];
  let reports = 0;
  for (const block of extraBlocks(file)) {
    if (!block.name.startsWith('slots:') || block.name.endsWith(':value')) continue;
    const slot = block.name.slice('slots:'.length);
    const arms = new Map();
    const arm = (id) => arms.get(id) ?? arms.set(id, { id, cells: new Map() }).get(id);
    for (const row of store.extras(version, block.name)) {
      const bar = row.key.indexOf('|');
      const cells = arm(row.key.slice(0, bar)).cells;
      const cell = cells.get(row.key.slice(bar + 1)) ?? [0, 0, 0];
      row.sums.forEach((v, f) => { cell[f] += v; });
      cells.set(row.key.slice(bar + 1), cell);
      reports = Math.max(reports, row.reports);
    }
    for (const row of store.extras(version, `${block.name}:value`)) {
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
  return { stats: { slots }, reports };
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
  const { stats, reports } = slotStatsOf(store, file.version, file);
  if (reports === 0) return null;
  const folded = JSON.parse(core.slotsFoldStats(text, JSON.stringify(stats)).file);
  folded.version = nextFoldedVersion(file.version);
  return { text: JSON.stringify(folded), version: folded.version, from: file.version, reports };
}
