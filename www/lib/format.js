// Display formats for durations and money (H:MM:SS is the extension's too: shared/format.js).
export { hms } from '../shared/format.js';

export function hours(seconds, digits = 2) {
  return (Math.max(0, Number(seconds) || 0) / 3600).toFixed(digits);
}

export function money(amount) {
  return (Math.round((Number(amount) || 0) * 100) / 100).toFixed(2);
}
