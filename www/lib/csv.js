// CSV writing (RFC 4180 quoting) with spreadsheet formula neutralisation.

/** A cell that a spreadsheet would read as a formula (= + - @, or a leading tab
 *  or carriage return) gets a leading apostrophe. Numbers are written as they are. */
export function neutralise(text) {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvCell(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const text = neutralise(String(value));
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** rows: arrays of cells; lines end in CRLF. */
export function toCsv(rows) {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
