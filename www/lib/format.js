// Display formats for durations and money.

/** seconds → 'H:MM:SS' */
export function hms(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}

export function hours(seconds, digits = 2) {
  return (Math.max(0, Number(seconds) || 0) / 3600).toFixed(digits);
}

export function money(amount) {
  return (Math.round((Number(amount) || 0) * 100) / 100).toFixed(2);
}
