// Time entries through the outbox: the running timer, finished entries
// typed in, and the list of entries made here with their sync state.
import { parseDateTime } from '../pkg/tyme_tab.js';
import { startedEntry, stoppedEntry, finishedEntry } from '../shared/entities.js';
import { hms } from '../shared/format.js';
import { h, clear, setText } from '../lib/dom.js';
import { parseDateTimeLocal } from '../lib/dates.js';
import { validatePastEntry, validateNote } from '../lib/validate.js';
import { K, app, $, $$, load, save, say, showErrors, busy } from './state.js';
import { target } from './entities.js';
import { tryEnqueue, flush, opStates, retryOp, renderOutbox } from './outbox.js';

function entries() { return load(localStorage, K.entries, []); }
function saveEntries(list) { save(localStorage, K.entries, list.slice(0, 50)); renderEntries(); }

function recordEntry(entity, label) {
  const list = entries().filter((e) => e.entity.id !== entity.id);
  list.unshift({ entity, label });
  saveEntries(list);
}

function showTime(wire) {
  if (!wire) return '…';
  try { return new Date(parseDateTime(wire)).toLocaleString(); } catch { return wire; }
}

const SYNC_LABEL = { queued: 'waiting', sending: 'sending', stuck: 'refused', waitingForSignIn: 'needs sign-in' };

function syncCell(op) {
  if (!op) return h('span', { class: 'sync', 'data-state': 'saved' }, 'saved');
  const cell = h('span', { class: 'sync', 'data-state': op.state, title: op.lastError ? String(op.lastError.message || op.lastError.code || '') : '' },
    SYNC_LABEL[op.state] || op.state);
  if (op.state === 'stuck' || op.state === 'waitingForSignIn') {
    cell.append(' ', h('button', { type: 'button', class: 'retry', onclick: () => retryOp(op.opId) }, 'Retry'));
  }
  return cell;
}

/** Refreshes only the status cells, so a note being typed is left alone. */
export function updateSyncCells() {
  const ops = opStates();
  for (const form of $$('#entry-list form.entry')) {
    const old = $('.sync', form);
    if (old) old.replaceWith(syncCell(ops.get(form.dataset.id)));
  }
}

export function renderEntries() {
  const ul = clear($('#entry-list'));
  const list = entries();
  if (!list.length) { ul.append(h('li', { class: 'empty' }, 'No entries yet.')); return; }
  const ops = opStates();
  for (const item of list) {
    const e = item.entity;
    const note = h('input', { name: 'note', value: e.note ?? '', 'aria-label': 'Note', autocomplete: 'off' });
    const err = h('span', { class: 'field-error' });
    const form = h('form', { class: 'entry', novalidate: true, 'data-id': e.id },
      h('span', { class: 'what' }, item.label || ''),
      h('span', { class: 'when' }, `${showTime(e.time_start)} – ${e.time_end ? showTime(e.time_end) : 'running'}`),
      syncCell(ops.get(e.id)),
      note, h('button', { type: 'submit' }, 'Save note'), err);
    form.addEventListener('submit', (ev) => { ev.preventDefault(); busy(() => saveNote()); });
    async function saveNote() {
      const errors = {};
      const n = validateNote(note.value, errors);
      setText(err, errors.note || '');
      if (errors.note) return;
      const updated = { ...e, note: n };
      if (!(await tryEnqueue(updated, 'note'))) return;
      const running = load(localStorage, K.running, null);
      if (running && running.entity.id === e.id) save(localStorage, K.running, { ...running, entity: updated });
      recordEntry(updated, item.label);
    }
    ul.append(h('li', {}, form));
  }
}

export function renderRunning() {
  const running = load(localStorage, K.running, null);
  $('#running').hidden = !running;
  $('#start-timer').disabled = Boolean(running);
  if (!running) return;
  setText($('#running-target'), running.label);
  setText($('#running-since'), showTime(running.entity.time_start));
  const secs = (Date.now() - parseDateTime(running.entity.time_start)) / 1000;
  setText($('#running-elapsed'), hms(secs));
}

export function wireTime() {
  $('#start-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget;
    timerStep(() => startTimer(f));
  });
  $('#stop-timer').addEventListener('click', () => timerStep(stopTimer));
  $('#past-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget;
    busy(() => addPastEntry(f));
  });
  setInterval(() => { if (!$('#running').hidden) renderRunning(); }, 1000);
  window.addEventListener('online', flush);
  window.addEventListener('storage', (ev) => {
    if (ev.key === K.outbox) { try { renderOutbox(); updateSyncCells(); } catch { /* shown on the next write */ } }
    if (ev.key === K.entries) renderEntries();
    if (ev.key === K.running) renderRunning();
  });
}

/** Records a finished entry with start and end on the selected task or sub-task. */
async function addPastEntry(f) {
  const { value, errors } = validatePastEntry({
    start: parseDateTimeLocal(f.elements.start.value), end: parseDateTimeLocal(f.elements.end.value), note: f.elements.note.value,
  });
  const t = target();
  if (!t) errors.target = 'Select a task or sub-task first.';
  if (!showErrors(f, errors)) return;
  const entity = finishedEntry(t, value.note, value.start, value.end);
  // Cleared now, so the next entry can be typed while this one is queued; put back if it cannot be.
  const typed = { start: f.elements.start.value, end: f.elements.end.value, note: f.elements.note.value };
  f.reset();
  if (!(await tryEnqueue(entity, 'entry'))) {
    for (const [k, v] of Object.entries(typed)) if (!f.elements[k].value) f.elements[k].value = v;
    return;
  }
  recordEntry(entity, t.label);
  say(`Entry added on ${t.label}.`);
}

/** One start or stop at a time: a second click while the first is being queued does nothing. */
async function timerStep(fn) {
  if (app.timerBusy) return;
  app.timerBusy = true;
  try { await busy(fn); } finally { app.timerBusy = false; }
}

async function startTimer(f) {
  const errors = {};
  const note = validateNote(f.elements.note.value, errors);
  const t = target();
  if (!t) errors.target = 'Select a task or sub-task first.';
  if (load(localStorage, K.running, null)) errors.target = 'A timer is already running.';
  if (!showErrors(f, errors)) return;
  const entity = startedEntry(t, note, Date.now());
  if (!(await tryEnqueue(entity, 'start'))) return;
  save(localStorage, K.running, { entity, label: t.label });
  recordEntry(entity, t.label);
  f.reset();
  renderRunning();
  say(`Timer started on ${t.label}.`);
}

async function stopTimer() {
  const running = load(localStorage, K.running, null);
  if (!running) return;
  const entity = stoppedEntry(running.entity, Date.now());
  // Queued first: the timer is only forgotten once its stop is stored.
  if (!(await tryEnqueue(entity, 'stop'))) return;
  localStorage.removeItem(K.running);
  recordEntry(entity, running.label);
  renderRunning();
  say(`Timer stopped on ${running.label}.`);
}
