// Interest tags as an SVG bar chart (readable on a phone; no chart library).
const SVG_NS = 'http://www.w3.org/2000/svg';

function el(name, attributes, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {{tag: string, weight: number}[]} tags  heaviest first */
export function interestChart(tags, { width = 320, row = 28 } = {}) {
  const height = Math.max(1, tags.length) * row + 8;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': '兴趣标签', class: 'chart' });
  const max = Math.max(...tags.map((t) => t.weight), 1e-9);
  const labelWidth = 92;
  tags.forEach(({ tag, weight }, i) => {
    const y = 4 + i * row;
    const barWidth = Math.max(2, ((width - labelWidth - 44) * weight) / max);
    svg.append(
      el('text', { x: labelWidth - 8, y: y + row / 2 + 1, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'chart-label' }, tag),
      el('rect', { x: labelWidth, y: y + 5, width: barWidth, height: row - 10, rx: 5, class: `chart-bar bar-${i % 8}` }),
      el('text', { x: labelWidth + barWidth + 6, y: y + row / 2 + 1, 'dominant-baseline': 'middle', class: 'chart-value' }, `${Math.round((100 * weight) / max)}`),
    );
  });
  return svg;
}
