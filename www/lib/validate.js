// Form validation done before any request. Each validator takes the raw form
// values (strings, booleans) and answers {value, errors}, where errors maps a
// field name to the message shown beside that field; value is the entity to
// send when errors is empty. The rules the extension shares (names, notes,
// rounding, the base URL) are those of shared/rules.js.
import {
  ROUNDING_METHODS, ROUNDING_MINUTES, MAX_NOTE, checkName, checkNote, checkBaseUrl,
} from '../shared/rules.js';

export { ROUNDING_METHODS, MAX_NOTE };
export const TRIGGERS = ['category', 'project', 'task', 'subtask', 'time', 'stopped_time'];

function name(raw, errors, field = 'name') {
  const { value, error } = checkName(raw);
  if (error) errors[field] = error;
  return value;
}

/** A number ≥ 0 (with `integer`, a whole number). Empty counts as missing. */
function number(raw, errors, field, { integer = false, min = 0, max = Infinity, label = 'a number' } = {}) {
  const text = String(raw ?? '').trim();
  if (text === '') { errors[field] = `Enter ${label}.`; return 0; }
  const v = Number(text);
  if (!Number.isFinite(v)) { errors[field] = `Enter ${label}.`; return 0; }
  if (v < 0 && min >= 0) { errors[field] = 'Must not be negative.'; return 0; }
  if (integer && !Number.isInteger(v)) { errors[field] = 'Must be a whole number.'; return 0; }
  if (v < min) { errors[field] = `Must be at least ${min}.`; return 0; }
  if (v > max) { errors[field] = `Must be at most ${max}.`; return 0; }
  return v;
}

function id(raw) {
  const v = String(raw ?? '').trim();
  return v || undefined;
}

function withId(entity, rawId) {
  const i = id(rawId);
  if (i) entity.id = i;
  return entity;
}

export function validateCategory(f) {
  const errors = {};
  const value = withId({ type: 'ProjectCategory', name: name(f.name, errors) }, f.id);
  return { value, errors };
}

export function validateProject(f) {
  const errors = {};
  const method = String(f.rounding_method ?? '').trim().toUpperCase();
  if (!ROUNDING_METHODS.includes(method)) errors.rounding_method = 'Choose DOWN, NEAREST or UP.';
  const value = withId({
    type: 'Project',
    name: name(f.name, errors),
    category_id: id(f.category_id) ?? null,
    rounding_method: method,
    rounding_minutes: number(f.rounding_minutes, errors, 'rounding_minutes', { integer: true, ...ROUNDING_MINUTES, label: 'the rounding minutes' }),
    hourly_rate: number(f.hourly_rate, errors, 'hourly_rate', { label: 'an hourly rate' }),
    planned_duration_hours: number(f.planned_duration_hours, errors, 'planned_duration_hours', { label: 'the planned hours' }),
    planned_budget: number(f.planned_budget, errors, 'planned_budget', { label: 'a planned budget' }),
  }, f.id);
  return { value, errors };
}

function plannedSeconds(f, errors) {
  const m = number(f.planned_minutes, errors, 'planned_minutes', { integer: true, label: 'the minutes' });
  const s = number(f.planned_seconds, errors, 'planned_seconds', { integer: true, max: 59, label: 'the seconds' });
  return m * 60 + s;
}

export function validateTask(f) {
  const errors = {};
  const projectId = id(f.project_id);
  if (!projectId) errors.project_id = 'Choose a project.';
  const value = withId({
    type: 'TimedTask',
    name: name(f.name, errors),
    project_id: projectId ?? '',
    billable: Boolean(f.billable),
    planned_duration: plannedSeconds(f, errors),
  }, f.id);
  return { value, errors };
}

export function validateSubTask(f) {
  const errors = {};
  const taskId = id(f.task_id);
  if (!taskId) errors.task_id = 'Choose a task.';
  const value = withId({
    type: 'TimedSubTask',
    name: name(f.name, errors),
    task_id: taskId ?? '',
    planned_duration: plannedSeconds(f, errors),
  }, f.id);
  return { value, errors };
}

export function validateNote(raw, errors, field = 'note') {
  const { value, error } = checkNote(raw);
  if (error) errors[field] = error;
  return value;
}

/** start/end are ms (NaN when the input was empty or malformed). */
export function validatePastEntry({ start, end, note }) {
  const errors = {};
  if (!Number.isFinite(start)) errors.start = 'Enter a start date and time.';
  if (!Number.isFinite(end)) errors.end = 'Enter an end date and time.';
  else if (Number.isFinite(start) && Math.floor(end / 1000) <= Math.floor(start / 1000)) errors.end = 'The end must be after the start.';
  const n = validateNote(note, errors);
  return { value: { start, end, note: n }, errors };
}

export function validateHook({ hookUrl, triggers }) {
  const errors = {};
  let url = String(hookUrl ?? '').trim();
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') errors.hookUrl = 'Use an http or https URL.';
    url = u.href;
  } catch {
    errors.hookUrl = 'Enter a full URL (https://…).';
  }
  const list = (triggers || []).filter((t) => TRIGGERS.includes(t));
  if (list.length === 0) errors.trigger = 'Choose at least one trigger.';
  return { value: { hookUrl: url, triggers: list }, errors };
}

export function validateSettings({ apiBaseUrl, clientId }) {
  const errors = {};
  const { value: base, error } = checkBaseUrl(apiBaseUrl);
  if (error) errors.apiBaseUrl = error;
  const cid = String(clientId ?? '').trim();
  if (!cid) errors.clientId = 'Enter a client id.';
  return { value: { apiBaseUrl: base, clientId: cid }, errors };
}
