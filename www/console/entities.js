// The entity browser: categories, projects, tasks and sub-tasks in columns,
// each with its form (create or edit, sent at once with updateEntity).
import { newId } from '../pkg/tyme_tab.js';
import { taskLabel } from '../shared/format.js';
import { h, clear, setText } from '../lib/dom.js';
import { validateCategory, validateProject, validateTask, validateSubTask } from '../lib/validate.js';
import { app, $, errText, signedIn, needSignIn, showErrors, formStatus, busy } from './state.js';

const KINDS = {
  category: { type: 'ProjectCategory', form: '#category-form', list: '#category-list', parent: null, child: 'project', validate: validateCategory, label: 'category' },
  project: { type: 'Project', form: '#project-form', list: '#project-list', parent: 'category', child: 'task', validate: validateProject, label: 'project' },
  task: { type: 'TimedTask', form: '#task-form', list: '#task-list', parent: 'project', child: 'subtask', validate: validateTask, label: 'task' },
  subtask: { type: 'TimedSubTask', form: '#subtask-form', list: '#subtask-list', parent: 'task', child: null, validate: validateSubTask, label: 'sub-task' },
};

function filterOf(kind) {
  return $(`.col[data-kind="${kind}"] .filter`).value.trim();
}

async function loadList(kind) {
  const k = KINDS[kind];
  const list = $(k.list);
  if (!signedIn()) { clear(list); app.lists[kind] = []; return; }
  const parentId = k.parent ? app.sel[k.parent] : null;
  if (k.parent && k.parent !== 'category' && !parentId) {
    app.lists[kind] = [];
    clear(list).append(h('li', { class: 'empty' }, `Select a ${KINDS[k.parent].label}.`));
    return;
  }
  const client = app.client;
  try {
    const items = await client.searchEntity(k.type, filterOf(kind), parentId || null);
    if (client !== app.client) return; // signed out meanwhile
    app.lists[kind] = items;
    renderList(kind);
  } catch (e) {
    if (client !== app.client) return;
    clear(list).append(h('li', { class: 'error' }, errText(e)));
  }
}

function renderList(kind) {
  const k = KINDS[kind];
  const list = clear($(k.list));
  if (kind === 'category') {
    list.append(h('li', {}, h('button', {
      type: 'button', class: app.sel.category === '' ? 'item selected' : 'item', 'data-id': '',
      onclick: () => select('category', ''),
    }, 'All projects')));
  }
  if (app.lists[kind].length === 0 && kind !== 'category') list.append(h('li', { class: 'empty' }, 'None yet.'));
  for (const e of app.lists[kind]) {
    list.append(h('li', {}, h('button', {
      type: 'button', class: app.sel[kind] === e.id ? 'item selected' : 'item', 'data-id': e.id,
      onclick: () => select(kind, e.id),
    }, e.name || '(no name)')));
  }
}

function select(kind, id) {
  return busy(() => selectNow(kind, id));
}

async function selectNow(kind, id) {
  app.sel[kind] = id;
  // clear everything below
  let c = KINDS[kind].child;
  while (c) { app.sel[c] = ''; c = KINDS[c].child; }
  renderList(kind);
  const entity = app.lists[kind].find((e) => e.id === id);
  if (entity) fillForm(kind, entity); else resetForm(kind);
  renderTarget();
  c = KINDS[kind].child;
  while (c) { await loadList(c); resetForm(c); c = KINDS[c].child; }
}

function fillParentSelect(sel, items, current, allowNone) {
  clear(sel);
  if (allowNone) sel.append(h('option', { value: '' }, '(none)'));
  else if (!items.length) sel.append(h('option', { value: '' }, '(none available)'));
  const known = new Set();
  for (const it of items) {
    known.add(it.id);
    sel.append(h('option', { value: it.id }, it.name || it.id));
  }
  if (current && !known.has(current)) sel.append(h('option', { value: current }, current));
  sel.value = current || '';
}

async function refreshParentSelects() {
  if (!signedIn()) return;
  try {
    app.lists.allCategories = await app.client.searchEntity('ProjectCategory', '', null);
  } catch { /* shown by the list loads */ }
}

function resetForm(kind) {
  const k = KINDS[kind];
  const f = $(k.form);
  f.reset();
  f.elements.id.value = '';
  delete f.dataset.newId;
  setText($('.form-title', f), `New ${k.label}`);
  showErrors(f, {});
  formStatus(f, '');
  syncParentSelect(kind, null);
}

function syncParentSelect(kind, entity) {
  const f = $(KINDS[kind].form);
  if (kind === 'project') fillParentSelect(f.elements.category_id, app.lists.allCategories, entity ? entity.category_id : app.sel.category, true);
  if (kind === 'task') fillParentSelect(f.elements.project_id, app.lists.project, entity ? entity.project_id : app.sel.project, false);
  if (kind === 'subtask') fillParentSelect(f.elements.task_id, app.lists.task, entity ? entity.task_id : app.sel.task, false);
}

function fillForm(kind, e) {
  const f = $(KINDS[kind].form);
  showErrors(f, {});
  formStatus(f, '');
  setText($('.form-title', f), `Edit ${KINDS[kind].label}: ${e.name || ''}`);
  delete f.dataset.newId;
  f.elements.id.value = e.id;
  f.elements.name.value = e.name ?? '';
  syncParentSelect(kind, e);
  if (kind === 'project') {
    f.elements.rounding_method.value = e.rounding_method ?? 'NEAREST';
    f.elements.rounding_minutes.value = e.rounding_minutes ?? 15;
    f.elements.hourly_rate.value = e.hourly_rate ?? 0;
    f.elements.planned_duration_hours.value = e.planned_duration_hours ?? 0;
    f.elements.planned_budget.value = e.planned_budget ?? 0;
  }
  if (kind === 'task') f.elements.billable.checked = Boolean(e.billable);
  if (kind === 'task' || kind === 'subtask') {
    const secs = Math.max(0, Number(e.planned_duration) || 0);
    f.elements.planned_minutes.value = Math.floor(secs / 60);
    f.elements.planned_seconds.value = secs % 60;
  }
}

function formValues(f) {
  const out = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

async function submitEntity(kind, ev) {
  ev.preventDefault();
  const k = KINDS[kind];
  const f = $(k.form);
  const { value, errors } = k.validate(formValues(f));
  if (!showErrors(f, errors)) { formStatus(f, 'Fix the marked fields.', 'error'); return; }
  if (needSignIn()) return;
  // A new entity gets its id once per form: a create that failed after the
  // server applied it goes again under the same id (an upsert), never as a
  // second entity. The id is dropped when the save succeeds or the form is reset.
  const creating = !value.id;
  if (creating) {
    if (!f.dataset.newId) f.dataset.newId = newId();
    value.id = f.dataset.newId;
  }
  formStatus(f, 'Saving…');
  try {
    const saved = await app.client.updateEntity(value);
    delete f.dataset.newId;
    formStatus(f, `${creating ? 'Created' : 'Saved'} ${k.label} “${saved.name}”.`, 'ok');
    if (kind === 'category') await refreshParentSelects();
    await loadList(kind);
    app.sel[kind] = saved.id;
    renderList(kind);
    fillForm(kind, app.lists[kind].find((e) => e.id === saved.id) || saved);
    let c = k.child;
    while (c) { app.sel[c] = ''; await loadList(c); resetForm(c); c = KINDS[c].child; }
    renderTarget();
    setText($('.form-status', f), `${creating ? 'Created' : 'Saved'} ${k.label} “${saved.name}”.`);
  } catch (e) {
    if (e && e.code === 'invalid_input') {
      formStatus(f, `The server refused it: ${e.message}`, 'error');
    } else formStatus(f, errText(e), 'error');
  }
}

export function wireEntities() {
  for (const kind of Object.keys(KINDS)) {
    const f = $(KINDS[kind].form);
    f.addEventListener('submit', (ev) => busy(() => submitEntity(kind, ev)));
    $('.new', f).addEventListener('click', () => resetForm(kind));
    let t;
    $(`.col[data-kind="${kind}"] .filter`).addEventListener('input', () => {
      clearTimeout(t);
      t = setTimeout(() => loadList(kind), 250);
    });
  }
}

export async function loadAllLists() {
  await refreshParentSelects();
  for (const kind of Object.keys(KINDS)) { await loadList(kind); resetForm(kind); }
}

/** The selected task or sub-task, as time entries are booked on it: {taskId, subtaskId, label}, or null. */
export function target() {
  const name = (list, id) => { const x = app.lists[list].find((e) => e.id === id); return x ? x.name : id; };
  if (app.sel.subtask) {
    const t = app.lists.task.find((x) => x.id === app.sel.task);
    return { taskId: app.sel.task, subtaskId: app.sel.subtask, label: taskLabel({ taskName: t ? t.name : '', subtaskName: name('subtask', app.sel.subtask) }) };
  }
  if (app.sel.task) return { taskId: app.sel.task, subtaskId: '', label: taskLabel({ taskName: name('task', app.sel.task) }) };
  return null;
}

export function renderTarget() {
  const t = target();
  setText($('#time-target'), t ? t.label : 'select a task or sub-task above');
  $('#time-target').dataset.set = t ? 'yes' : 'no';
}
