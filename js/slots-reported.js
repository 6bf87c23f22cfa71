// What a device's slot bandit has reported, so that a folded file does not count it twice
// (docs/slots.md, "The loop with the server"). The server folds the cohort sums of some
// (version, round)s into the priors of the next file and says so in its "bandits.folded":
// [{version, days: [...], rounds: [...]}, ...] (every fold so far, oldest first; rounds are the
// secure metrics rounds' ids). This device knows its own part of those sums (what it sent in each
// round), and takes exactly that out of its own statistics when it loads the file; what it has
// not reported yet stays.
//
// The ledger: {base, sent}. `base`: the cumulative stats() last reported (the next report is
// stats() - base); `sent`: [{version, day, round, sums: {slot: {arm: {cells: {cell: [n, sum, sumSq]},
// value?: [clicks, purchases, sum, sumSq]}}}}], the part each report carried.
import { ZhixuanError } from './errors.js';

const MAX_SENT = 400;  // more than a year of daily reports; older ones are never folded any more
const VALUE = ['clicks', 'purchases', 'sum', 'sumSq'];

export const emptyReported = () => ({ base: null, sent: [] });

const pos = (x) => Math.max(0, x);

// stats() without its posterior summaries: the sums only.
function sumsOnly(stats) {
  return {
    slots: (stats?.slots ?? []).map((s) => ({
      slot: s.slot,
      arms: s.arms.map((a) => ({
        id: a.id,
        cells: (a.cells ?? []).map(({ cell, n, sum, sumSq }) => ({ cell, n, sum, sumSq })),
        ...(a.value && { value: Object.fromEntries(VALUE.map((f) => [f, a.value[f]])) }),
      })),
    })),
  };
}

function indexOf(stats) {
  const at = new Map();
  for (const s of stats?.slots ?? []) for (const a of s.arms) at.set(`${s.slot}\u0000${a.id}`, a);
  return at;
}

/** stats - base per slot, arm and (raw) cell: what one report carried. */
function delta(stats, base) {
  const before = indexOf(base);
  const sums = {};
  for (const s of stats.slots) {
    for (const a of s.arms) {
      const was = before.get(`${s.slot}\u0000${a.id}`);
      const cells = {};
      for (const c of a.cells ?? []) {
        const w = was?.cells.find((x) => x.cell === c.cell) ?? { n: 0, sum: 0, sumSq: 0 };
        const d = [pos(c.n - w.n), pos(c.sum - w.sum), pos(c.sumSq - w.sumSq)];
        if (d.some((x) => x > 0)) cells[c.cell] = d;
      }
      const value = a.value ? VALUE.map((f) => pos(a.value[f] - (was?.value?.[f] ?? 0))) : null;
      if (Object.keys(cells).length === 0 && !value?.some((x) => x > 0)) continue;
      sums[s.slot] ??= {};
      sums[s.slot][a.id] = { cells, ...(value && { value }) };
    }
  }
  return sums;
}

/** The ledger after a report of `stats` (cumulative, taken before the round) in secure round `round` of (version, day). */
export function markReported(reported, { version, day, round }, stats) {
  const base = sumsOnly(stats);
  const sent = [...reported.sent, { version, day, round, sums: delta(base, reported.base) }].slice(-MAX_SENT);
  return { base, sent };
}

function subtractFromBase(base, sums) {
  for (const s of base?.slots ?? []) {
    for (const a of s.arms) {
      const d = sums[s.slot]?.[a.id];
      if (!d) continue;
      for (const c of a.cells) {
        const x = d.cells[c.cell];
        if (x) [c.n, c.sum, c.sumSq] = [pos(c.n - x[0]), pos(c.sum - x[1]), pos(c.sumSq - x[2])];
      }
      if (a.value && d.value) VALUE.forEach((f, i) => { a.value[f] = pos(a.value[f] - d.value[i]); });
    }
  }
}

// The bandit's state (SlotBandit::StateJson: per arm `cells` {cell: [n, sum, sumSq]}, a funnel's
// `conversion` [clicks, purchases, purchases] and `amount` [purchases, sum, sumSq]) less `sums`.
function subtractFromState(state, sums) {
  for (const s of state.slots ?? []) {
    for (const a of s.arms ?? []) {
      const d = sums[s.slot]?.[a.id];
      if (!d) continue;
      for (const [cell, x] of Object.entries(d.cells)) {
        if (a.cells?.[cell]) a.cells[cell] = a.cells[cell].map((v, i) => pos(v - x[i]));
      }
      if (d.value && a.conversion && a.amount) {
        const [clicks, purchases, sum, sumSq] = d.value;
        a.conversion = [pos(a.conversion[0] - clicks), pos(a.conversion[1] - purchases), pos(a.conversion[2] - purchases)];
        a.amount = [pos(a.amount[0] - purchases), pos(a.amount[1] - sum), pos(a.amount[2] - sumSq)];
      }
    }
  }
}

/**
 * The state (StateJson text) and ledger once the reports a file's `folded` names are taken out.
 * Reports of a folded version in rounds it did not fold are dropped from the ledger, their
 * statistics kept (no later fold takes them: the next fold is of the next version). {state: null} when nothing changes.
 */
export function withoutFolded(stateText, reported, folded) {
  if (!Array.isArray(folded) || folded.length === 0 || reported.sent.length === 0) return { state: null, reported };
  const foldedRounds = new Map();
  for (const f of folded) {
    if (f && typeof f.version === 'string' && Array.isArray(f.rounds)) foldedRounds.set(f.version, new Set(f.rounds));
  }
  const taken = reported.sent.filter((e) => foldedRounds.get(e.version)?.has(e.round));
  const kept = reported.sent.filter((e) => !foldedRounds.has(e.version));
  if (taken.length === 0 && kept.length === reported.sent.length) return { state: null, reported };
  const state = JSON.parse(stateText);
  const base = reported.base && structuredClone(reported.base);
  for (const e of taken) {
    subtractFromState(state, e.sums);
    subtractFromBase(base, e.sums);
  }
  return { state: JSON.stringify(state), reported: { base, sent: kept } };
}

/** A stored ledger, checked (a damaged one is MALFORMED_PAYLOAD, like the bandit's state). */
export function checkReported(value) {
  const bad = () => new ZhixuanError('MALFORMED_PAYLOAD', 'slots state: the reported sums are damaged');
  if (!value || typeof value !== 'object' || !Array.isArray(value.sent)) throw bad();
  if (value.base !== null && !Array.isArray(value.base?.slots)) throw bad();
  for (const e of value.sent) {
    if (!e || typeof e.version !== 'string' || !Number.isSafeInteger(e.day) || !Number.isSafeInteger(e.round) || !e.sums || typeof e.sums !== 'object') throw bad();
  }
  return { base: value.base, sent: value.sent };
}
