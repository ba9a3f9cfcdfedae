// The latency figures of Tyme Tab against the floor's as an SVG bar chart
// (two horizontal bars per figure, medians in ms), written by the bench.
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** figures: [{name, value, floor}] (ms) → SVG text. */
export function floorChart(figures, title = 'Tyme Tab against the floor (median, ms)') {
  const rowH = 44;
  const left = 250;
  const width = 720;
  const barMax = width - left - 80;
  const max = Math.max(1, ...figures.flatMap((f) => [f.value, f.floor]));
  const scale = (v) => Math.max(1, Math.round((v / max) * barMax));
  const height = 40 + figures.length * rowH + 30;
  const bars = figures.map((f, i) => {
    const y = 40 + i * rowH;
    return [
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(f.name)}</text>`,
      `<rect class="tyme" x="${left}" y="${y + 2}" width="${scale(f.value)}" height="16"/>`,
      `<text x="${left + scale(f.value) + 6}" y="${y + 15}">${f.value.toFixed(1)}</text>`,
      `<rect class="floor" x="${left}" y="${y + 20}" width="${scale(f.floor)}" height="16"/>`,
      `<text x="${left + scale(f.floor) + 6}" y="${y + 33}">${f.floor.toFixed(1)}</text>`,
    ].join('\n  ');
  }).join('\n  ');
  const ly = height - 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">
  <style>text { fill: #1d2433; } .tyme { fill: #2760c9; } .floor { fill: #9aa3b0; }</style>
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="12" y="22" font-weight="600">${esc(title)}</text>
  ${bars}
  <rect class="tyme" x="${left}" y="${ly - 10}" width="12" height="12"/><text x="${left + 18}" y="${ly}">Tyme Tab</text>
  <rect class="floor" x="${left + 110}" y="${ly - 10}" width="12" height="12"/><text x="${left + 128}" y="${ly}">floor (blank extension)</text>
</svg>
`;
}
