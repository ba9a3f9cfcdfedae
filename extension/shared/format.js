// Display rules shared by the extension's pages and worker and the web
// console (copied to www/shared/ by the build; never edit that copy). No
// wasm, no browser API: the popup loads this without the core.

/** seconds → 'H:MM:SS'. Whole seconds passed: 59.9 s is 0:00:59, never a second early. */
export function hms(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The label of what a timer runs on: the names given, outermost first,
 * joined by ' › ' (empty names left out). The extension names the project,
 * task and sub-task; the console, whose project is selected beside the
 * label, the task and sub-task.
 */
export function taskLabel({ projectName = '', taskName = '', subtaskName = '' } = {}) {
  return [projectName, taskName, subtaskName].filter(Boolean).join(' › ');
}

// Local midnight of the day, and of the Monday of the week, holding `ms`.
export function dayStart(ms) { const d = new Date(ms); d.setHours(0, 0, 0, 0); return d.getTime(); }
export function weekStart(ms) {
  const d = new Date(dayStart(ms));
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}
