// A grouped vertical bar chart drawn as SVG through createElementNS; every
// label goes in through textContent.
import { s } from './dom.js';

/**
 * groups: [{label, values: number[]}]; series: [{name, className}];
 * format(v) → the text shown above a bar. Returns an <svg>.
 */
export function barChart({ groups, series, format = String, title = '' }) {
  const barW = 18;
  const gap = 4;
  const groupGap = 16;
  const left = 40;
  const top = 22;
  const plotH = 160;
  const bottom = 46;
  const groupW = series.length * barW + (series.length - 1) * gap;
  const width = Math.max(240, left + groups.length * (groupW + groupGap) + groupGap);
  const height = top + plotH + bottom;
  const max = Math.max(0, ...groups.flatMap((g) => g.values)) || 1;

  const svg = s('svg', {
    xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'img', 'aria-label': title, class: 'chart',
  });
  svg.append(s('title', {}, title));
  // axis and two grid lines
  for (const frac of [0, 0.5, 1]) {
    const y = top + plotH - frac * plotH;
    svg.append(s('line', { x1: left, x2: width - 4, y1: y, y2: y, class: frac === 0 ? 'axis' : 'grid' }));
    svg.append(s('text', { x: left - 4, y: y + 4, class: 'tick', 'text-anchor': 'end' }, format(max * frac)));
  }
  groups.forEach((g, gi) => {
    const x0 = left + groupGap + gi * (groupW + groupGap);
    const group = s('g', { class: 'bar-group', 'data-label': g.label });
    g.values.forEach((v, si) => {
      const hgt = (Math.max(0, v) / max) * plotH;
      const x = x0 + si * (barW + gap);
      const y = top + plotH - hgt;
      const rect = s('rect', {
        x, y, width: barW, height: Math.max(hgt, 0), class: `bar ${series[si]?.className || ''}`,
        'data-value': String(v), 'data-series': series[si]?.name || '',
      });
      rect.append(s('title', {}, `${g.label} · ${series[si]?.name || ''}: ${format(v)}`));
      group.append(rect);
      if (v > 0) group.append(s('text', { x: x + barW / 2, y: y - 4, class: 'value', 'text-anchor': 'middle' }, format(v)));
    });
    const room = Math.max(4, Math.floor((groupW + groupGap) / 6.5));
    const label = g.label.length > room ? `${g.label.slice(0, room - 1)}…` : g.label;
    group.append(s('text', {
      x: x0 + groupW / 2, y: top + plotH + 14, class: 'label', 'text-anchor': 'middle',
    }, label));
    svg.append(group);
  });
  if (series.length > 1) {
    series.forEach((se, i) => {
      const x = left + i * 110;
      svg.append(s('rect', { x, y: height - 14, width: 10, height: 10, class: `bar ${se.className}` }));
      svg.append(s('text', { x: x + 14, y: height - 5, class: 'legend' }, se.name));
    });
  }
  return svg;
}
