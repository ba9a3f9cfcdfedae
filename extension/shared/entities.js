// The entities the extension and the web console write, built in one place
// (copied to www/shared/ by the build). Field names are the wire's
// (tests/sandbox/README.md); ids are made here, so a write sent twice lands once.
import { newId, formatDateTime, parseDateTime } from '../pkg/tyme_tab.js';

/** The type of a time entry on the wire. */
export const ENTRY_TYPE = 'TimedTaskRecord';

/**
 * What a time entry is booked on: { taskId, subtaskId }. A sub-task's entry
 * names the sub-task only (task_id empty: the seed's reading of a child of
 * a sub-task); the server adds its task.
 */
function bookedOn(target) {
  const subtaskId = String(target.subtaskId || '');
  return { task_id: subtaskId ? '' : String(target.taskId || ''), subtask_id: subtaskId };
}

/** A running time entry started at `nowMs`. */
export function startedEntry(target, note, nowMs) {
  return { type: ENTRY_TYPE, id: newId(), ...bookedOn(target), time_start: formatDateTime(nowMs), time_end: null, note: String(note || '') };
}

/** A finished time entry from `startMs` to `endMs`. */
export function finishedEntry(target, note, startMs, endMs) {
  return { type: ENTRY_TYPE, id: newId(), ...bookedOn(target), time_start: formatDateTime(startMs), time_end: formatDateTime(endMs), note: String(note || '') };
}

/**
 * `entry` stopped at `nowMs`: never before its start (a clock set back ends
 * it where it began); a timer stopped and another started at the same
 * instant meet without overlapping.
 */
export function stoppedEntry(entry, nowMs) {
  let start = nowMs;
  try { start = parseDateTime(entry.time_start); } catch { /* an unreadable start: stopped now */ }
  return { ...entry, time_end: formatDateTime(Math.max(nowMs, start)) };
}

/** The outbox's request to delete a time entry (DELETE /data/entity). */
export function discardedEntry(id) {
  return { type: ENTRY_TYPE, id, deleted: true };
}

// What a project, task or sub-task made from a name alone starts with.
const DEFAULTS = {
  Project: { parent: 'category_id', fields: { rounding_method: 'NEAREST', rounding_minutes: 1, hourly_rate: 0, planned_duration_hours: 0, planned_budget: 0 } },
  TimedTask: { parent: 'project_id', fields: { billable: true, planned_duration: 0 }, needs: 'Pick a project first.', needsKey: 'err_pick_project' },
  TimedSubTask: { parent: 'task_id', fields: { planned_duration: 0 }, needs: 'Pick a task first.', needsKey: 'err_pick_task' },
};
/** The field naming an entity's parent. */
export const PARENT_KEY = { Project: 'category_id', TimedTask: 'project_id', TimedSubTask: 'task_id' };

/**
 * A new project (under a category or none), task (under a project) or
 * sub-task (under a task) from its name: { entity } or { error, key } (the name
 * is checked by the caller, see rules.js).
 */
export function newChild(type, name, parentId) {
  const d = DEFAULTS[type];
  if (!d) return { error: 'Only projects, tasks and sub-tasks can be created here.', key: 'err_create_kind' };
  if (d.needs && !parentId) return { error: d.needs, key: d.needsKey };
  return { entity: { type, id: newId(), name, [d.parent]: parentId || null, ...d.fields } };
}

/** A running entry read from the server (`entry`), booked on `target` as this side names it. */
export function adoptedEntry(entry, target) {
  return { type: ENTRY_TYPE, id: entry.id, ...bookedOn(target), time_start: entry.time_start, time_end: null, note: entry.note || '' };
}
