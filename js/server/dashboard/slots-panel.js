// The slot bandits' panel of the operator dashboard (issue 15): per slot, each arm's share of the
// renders day by day, and its posterior per context cell after the latest day (summary.slots,
// js/server/slots-fold.js). `el` is the dashboard's element builder (text nodes only).
const fmt = (x, digits = 1) => (x === null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`);
const dateOf = (day) => new Date(day * 86400000).toISOString().slice(5, 10);

function shareBar(el, share) {
  const bar = el('span', { class: 'share-bar' });
  bar.style.width = `${(4 * (share ?? 0)).toFixed(2)}em`;  // 4em = every render
  return el('td', { class: 'share' }, bar, el('span', {}, fmt(share, 0)));
}

function slotCard(el, slot) {
  const days = slot.days.slice(-7);
  const last = slot.days.at(-1);
  const cells = [...new Set(slot.days.flatMap((d) => d.arms.flatMap((a) => Object.keys(a.cells))))].sort();
  const rate = slot.model === 'beta' || slot.model === 'funnel' ? '点击率' : '期望收入';
  const card = el('div', { class: 'card', 'data-testid': `slots-${slot.slot}` },
    el('h2', {}, `位置 ${slot.slot} · ${slot.model}`),
    el('h3', {}, '各臂占比（按天）'),
    el('table', { 'data-testid': `slots-shares-${slot.slot}` },
      el('tr', {}, el('th', {}, '臂'), ...days.map((d) => el('th', {}, dateOf(d.day)))),
      ...slot.arms.map((id) => el('tr', {}, el('td', {}, id), ...days.map((d) => shareBar(el, d.arms.find((a) => a.id === id)?.share ?? null))))));
  if (last && cells.length) {
    card.append(el('h3', {}, `后验（${dateOf(last.day)} 之后，${rate}均值 ± 标准差）`),
      el('table', { 'data-testid': `slots-posteriors-${slot.slot}` },
        el('tr', {}, el('th', {}, '臂'), ...cells.map((c) => el('th', {}, c || '全部'))),
        ...last.arms.map((a) => el('tr', {}, el('td', {}, a.id), ...cells.map((c) => {
          const q = a.cells[c];
          return el('td', {}, q ? `${fmt(q.mean, 2)} ± ${fmt(q.sd, 2)}` : '—');
        })))));
  }
  return card;
}

/** Fills the panel: one card per slot; a note when no bandit is declared or nothing arrived yet. */
export function renderSlots(container, slots, el) {
  if (!slots.length) {
    container.replaceChildren();
    return;
  }
  container.replaceChildren(el('h2', {}, '位置老虎机（汤普森采样，按设备汇总的后验统计）'),
    ...slots.map((slot) => (slot.days.length ? slotCard(el, slot) : el('div', { class: 'card', 'data-testid': `slots-${slot.slot}` }, el('h2', {}, `位置 ${slot.slot}`), el('p', {}, '尚未收到设备的统计')))));
}
