// Tyme web console: wires the page to the wasm core (www/pkg, built by `make wasm`).
// Storage:
//   sessionStorage  tokens and the pending sign-in (state + PKCE verifier): this tab only.
//   localStorage    the outbox of time-entry writes, the running timer, the entries made
//                   here, the webhook subscriptions made here and the connection settings:
//                   pending writes must survive a closed tab or a crash, and client-made ids
//                   make a write sent twice (say, from two tabs) land once.
import { h, clear, setText } from './lib/dom.js';
import { reportRange, parseDateTimeLocal, toDateInput } from './lib/dates.js';
import { hms, money } from './lib/format.js';
import { barChart } from './lib/chart.js';
import { buildReport, reportCsv } from './lib/report.js';
import {
  validateCategory, validateProject, validateTask, validateSubTask, validatePastEntry,
  validateNote, validateHook, validateSettings,
} from './lib/validate.js';

const K = {
  tokens: 'tyme.www.tokens',
  pending: 'tyme.www.signin',
  outbox: 'tyme.www.outbox',
  running: 'tyme.www.running',
  entries: 'tyme.www.entries',
  hooks: 'tyme.www.webhooks',
  settings: 'tyme.www.settings',
  dialect: 'tyme.www.dialect',
};
const AUTH = new Set(['unauthorized', 'reauth_required']);

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

function load(store, key, fallback) {
  try {
    const v = store.getItem(key);
    return v == null ? fallback : JSON.parse(v);
  } catch {
    return fallback;
  }
}
function save(store, key, value) {
  if (value === null || value === undefined) store.removeItem(key);
  else store.setItem(key, JSON.stringify(value));
}

const app = {
  core: null,
  client: null,
  config: null,
  settings: null,
  redirectUri: new URL('./', location.href).href,
  sel: { category: '', project: '', task: '', subtask: '' },
  lists: { category: [], project: [], task: [], subtask: [], allCategories: [] },
  report: null,
  flushing: false,
  wakeTimer: null,
};
// No global: the client (and its tokens) stays in this module, out of reach
// of any other script on the page and of a look at `window`.

function say(text, kind = 'info') {
  const el = $('#message');
  setText(el, text);
  el.dataset.kind = kind;
}

function errText(e) {
  if (e && e.name === 'TymeError') return `${e.message} (${e.code}${e.status ? `, HTTP ${e.status}` : ''})`;
  return (e && e.message) || String(e);
}

// ---------- field errors ----------
function showErrors(form, errors) {
  for (const span of $$('.field-error', form)) {
    const msg = errors[span.dataset.errorFor] || '';
    setText(span, msg);
    const input = form.elements[span.dataset.errorFor];
    if (input && input.setAttribute) {
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }
  return Object.keys(errors).length === 0;
}
function formStatus(form, text, kind = 'info') {
  const p = $('.form-status', form);
  if (p) { setText(p, text); p.dataset.kind = kind; }
}

// ---------- auth ----------
function signedIn() {
  return Boolean(app.client && app.client.getTokens());
}

function renderAuth() {
  const on = signedIn();
  const st = $('#auth-status');
  st.dataset.state = on ? 'signed-in' : 'signed-out';
  setText(st, on ? `Signed in to ${app.settings.apiBaseUrl}` : 'Signed out');
  $('#sign-in').hidden = on;
  $('#sign-out').hidden = !on;
  document.body.dataset.auth = on ? 'in' : 'out';
}

/** A new client for the current settings. Its onTokens only counts while it is
 *  app.client: a flush or refresh still running on a client dropped by sign-out
 *  or a settings change cannot store tokens again. */
function makeClient() {
  const { TymeClient } = app.core;
  // What this server speaks, as the core learned it (src/dialect.rs), kept per server.
  const server = JSON.stringify([app.settings.apiBaseUrl, app.settings.clientId]);
  const known = load(localStorage, K.dialect, null);
  const client = new TymeClient({
    baseUrl: app.settings.apiBaseUrl,
    clientId: app.settings.clientId,
    redirectUri: app.redirectUri,
    dialect: known && known.server === server ? known.known : null,
    onDialect: (d) => { if (app.client === client) save(localStorage, K.dialect, { server, known: d }); },
    onTokens: async (tokens) => {
      if (app.client !== client) return;
      save(sessionStorage, K.tokens, tokens);
      if (!tokens) { queueMicrotask(renderAuth); say('Your session ended: sign in again.', 'error'); }
    },
  });
  const old = app.client;
  app.client = client;
  if (old) old.setTokens(null);
  const tokens = load(sessionStorage, K.tokens, null);
  if (tokens) client.setTokens(tokens);
}

function beginSignIn() {
  const { url, state, verifier } = app.client.beginSignIn();
  save(sessionStorage, K.pending, { state, verifier, apiBaseUrl: app.settings.apiBaseUrl, clientId: app.settings.clientId });
  location.assign(url);
}

function signOut() {
  sessionStorage.removeItem(K.tokens);
  sessionStorage.removeItem(K.pending);
  makeClient(); // forgets the old client's tokens and ignores whatever it still reports
  renderAuth();
  say('Signed out.');
}

/** On return from the authorize page: check state, exchange the code, clean the address bar. */
async function completeSignIn() {
  const here = new URL(location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return;
  const pending = load(sessionStorage, K.pending, null);
  sessionStorage.removeItem(K.pending);
  const clean = new URL(location.href);
  for (const p of ['code', 'state', 'error', 'error_description', 'error_uri']) clean.searchParams.delete(p);
  history.replaceState(null, '', clean.pathname + clean.search + clean.hash);
  if (!pending) { say('Sign-in answer without a sign-in started from this tab: ignored.', 'error'); return; }
  // The code (and the verifier with it) goes only to the server the sign-in
  // began with: settings changed since (in another tab) would send them elsewhere.
  if (pending.apiBaseUrl !== app.settings.apiBaseUrl || (pending.clientId !== undefined && pending.clientId !== app.settings.clientId)) {
    say('Sign-in failed: the answer is for another server or client id than the one now set, so it was ignored. Sign in again.', 'error');
    return;
  }
  try {
    const code = app.core.TymeClient.parseRedirect(here.href, pending.state);
    await app.client.exchangeCode(code, pending.verifier);
    say('Signed in.');
  } catch (e) {
    if (e && e.code === 'access_denied') say(`Sign-in was denied: ${e.message}`, 'error');
    else say(`Sign-in failed: ${errText(e)}`, 'error');
  }
}

// ---------- settings ----------
function loadSettings() {
  const stored = load(localStorage, K.settings, null) || {};
  app.settings = {
    apiBaseUrl: stored.apiBaseUrl || app.config.apiBaseUrl,
    clientId: stored.clientId || app.config.clientId,
  };
  const f = $('#settings-form');
  f.elements.apiBaseUrl.value = app.settings.apiBaseUrl;
  f.elements.clientId.value = app.settings.clientId;
  setText($('#redirect-uri'), app.redirectUri);
}

function wireSettings() {
  const f = $('#settings-form');
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const { value, errors } = validateSettings({ apiBaseUrl: f.elements.apiBaseUrl.value, clientId: f.elements.clientId.value });
    if (!showErrors(f, errors)) return;
    save(localStorage, K.settings, value);
    sessionStorage.removeItem(K.tokens);
    loadSettings();
    makeClient();
    renderAuth();
    say('Connection saved; sign in again.');
  });
  $('#settings-reset').addEventListener('click', () => {
    localStorage.removeItem(K.settings);
    sessionStorage.removeItem(K.tokens);
    loadSettings();
    makeClient();
    renderAuth();
  });
}

function needSignIn() {
  if (signedIn()) return false;
  say('Sign in first.', 'error');
  return true;
}

// ---------- entity browser ----------
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

/** Marks the page busy (body[data-busy]) while fn runs, so tests and styles can tell. */
async function busy(fn) {
  app.busy = (app.busy || 0) + 1;
  document.body.dataset.busy = 'true';
  try { return await fn(); } finally {
    app.busy -= 1;
    if (!app.busy) delete document.body.dataset.busy;
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
    if (!f.dataset.newId) f.dataset.newId = app.core.newId();
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

function wireEntities() {
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

async function loadAllLists() {
  await refreshParentSelects();
  for (const kind of Object.keys(KINDS)) { await loadList(kind); resetForm(kind); }
}

// ---------- time entries (through the outbox) ----------
function target() {
  if (app.sel.subtask) {
    const st = app.lists.subtask.find((x) => x.id === app.sel.subtask);
    const t = app.lists.task.find((x) => x.id === app.sel.task);
    return { task_id: '', subtask_id: app.sel.subtask, parent_task_id: app.sel.task, label: `${t ? t.name : ''} › ${st ? st.name : app.sel.subtask}` };
  }
  if (app.sel.task) {
    const t = app.lists.task.find((x) => x.id === app.sel.task);
    return { task_id: app.sel.task, subtask_id: '', label: t ? t.name : app.sel.task };
  }
  return null;
}

function renderTarget() {
  const t = target();
  setText($('#time-target'), t ? t.label : 'select a task or sub-task above');
  $('#time-target').dataset.set = t ? 'yes' : 'no';
}

function hasOutbox() {
  return typeof app.core.outboxNew === 'function';
}

function outboxState() {
  return load(localStorage, K.outbox, null) || app.core.outboxNew();
}
function saveOutbox(state) {
  save(localStorage, K.outbox, state);
  renderOutbox(state);
  updateSyncCells();
}
function renderOutbox(state) {
  if (!hasOutbox()) { setText($('#outbox-error'), '; the outbox is missing from this wasm build'); return; }
  setText($('#outbox-size'), String(app.core.outboxSize(state || outboxState())));
}

/** Runs fn, a synchronous read-change-write of the stored outbox, while this
 *  tab holds the 'tyme-outbox' Web Lock: console tabs share the outbox in
 *  localStorage, and without the lock two tabs could each read the same state
 *  and the second write would drop the first tab's change. Resolves to fn's
 *  result (rejects with what it throws). */
function withOutbox(fn) {
  if (navigator.locks && typeof navigator.locks.request === 'function') {
    return navigator.locks.request('tyme-outbox', () => fn());
  }
  return new Promise((resolve) => { resolve(fn()); }); // no Web Locks: one tab at a time is all we can do
}

/** Records a write in the outbox (rejects when it cannot be stored), then sends. */
async function enqueue(entity) {
  if (!hasOutbox()) throw new Error('the outbox is missing from this wasm build');
  await withOutbox(() => saveOutbox(app.core.outboxEnqueue(outboxState(), entity, Date.now())));
  flush();
}

/** enqueue, or a message saying what was not saved; true when queued. */
async function tryEnqueue(entity, what) {
  try {
    await enqueue(entity);
    return true;
  } catch (e) {
    say(`The ${what} could not be queued, nothing was changed: ${errText(e)}`, 'error');
    return false;
  }
}

/** Sends due ops one at a time until none is due. Each op is claimed under the
 *  lock (marked `sending`): that is its send lease, so no other tab offers it
 *  until it is answered here or the lease runs out (a tab closed mid-send),
 *  and a write of the same entity queued meanwhile waits behind it. */
async function flush() {
  if (!hasOutbox()) return;
  if (app.flushing) { app.flushAgain = true; return; }
  if (!signedIn()) { setText($('#outbox-error'), '; sign in to send them'); return; }
  app.flushing = true;
  clearTimeout(app.wakeTimer);
  const core = app.core;
  const client = app.client;
  try {
    do {
      app.flushAgain = false;
      for (;;) {
        if (app.client !== client) break; // signed out (or reconnected) meanwhile
        const op = await withOutbox(() => {
          const [next] = core.outboxDue(outboxState(), Date.now());
          if (next) saveOutbox(core.outboxMarkSending(outboxState(), next.opId, Date.now()));
          return next || null;
        });
        if (!op) break;
        let failure = null;
        try {
          await client.sendWrite(op.entity);
        } catch (e) {
          failure = e || new Error('failed');
        }
        if (!failure) {
          await withOutbox(() => saveOutbox(core.outboxAck(outboxState(), op.opId)));
          setText($('#outbox-error'), '');
          continue;
        }
        // The core decides: retry with backoff, park as stuck (refused), or wait for sign-in.
        const error = { code: failure.code || 'network', message: failure.message || String(failure) };
        if (typeof failure.retryAfter === 'number') error.retryAfter = failure.retryAfter;
        await withOutbox(() => saveOutbox(core.outboxFail(outboxState(), op.opId, error, Date.now())));
        setText($('#outbox-error'), `; last error: ${errText(failure)}`);
        if (AUTH.has(failure.code)) { renderAuth(); break; }
      }
    } while (app.flushAgain && app.client === client);
  } catch (e) {
    // The stored outbox could not be read or written: shown, tried again on the next write.
    setText($('#outbox-error'), `; the outbox could not be updated: ${errText(e)}`);
    return;
  } finally {
    app.flushing = false;
    updateSyncCells();
  }
  let wake = null;
  try { wake = core.outboxNextWake(outboxState()); } catch { /* shown above on the next flush */ }
  if (wake != null && signedIn()) app.wakeTimer = setTimeout(flush, Math.max(250, wake - Date.now()));
}

/** The outbox state of each entity id: 'queued' | 'sending' | 'stuck' | 'waitingForSignIn', or absent once sent. */
function opStates() {
  const map = new Map();
  if (!hasOutbox()) return map;
  for (const op of app.core.outboxPending(outboxState())) {
    map.set(op.entity.id, { state: op.state || 'queued', opId: op.opId, lastError: op.lastError });
  }
  return map;
}

function retryOp(opId) {
  withOutbox(() => saveOutbox(app.core.outboxRetry(outboxState(), opId, Date.now())))
    .then(flush, (e) => say(`Could not retry: ${errText(e)}`, 'error'));
}

function entries() { return load(localStorage, K.entries, []); }
function saveEntries(list) { save(localStorage, K.entries, list.slice(0, 50)); renderEntries(); }

function recordEntry(entity, label) {
  const list = entries().filter((e) => e.entity.id !== entity.id);
  list.unshift({ entity, label });
  saveEntries(list);
}

function showTime(wire) {
  if (!wire) return '…';
  try { return new Date(app.core.parseDateTime(wire)).toLocaleString(); } catch { return wire; }
}

function syncCell(op, LABEL) {
  if (!op) return h('span', { class: 'sync', 'data-state': 'saved' }, 'saved');
  const cell = h('span', { class: 'sync', 'data-state': op.state, title: op.lastError ? String(op.lastError.message || op.lastError.code || '') : '' },
    LABEL[op.state] || op.state);
  if (op.state === 'stuck' || op.state === 'waitingForSignIn') {
    cell.append(' ', h('button', { type: 'button', class: 'retry', onclick: () => retryOp(op.opId) }, 'Retry'));
  }
  return cell;
}

const SYNC_LABEL = { queued: 'waiting', sending: 'sending', stuck: 'refused', waitingForSignIn: 'needs sign-in' };

/** Refreshes only the status cells, so a note being typed is left alone. */
function updateSyncCells() {
  const ops = opStates();
  for (const form of $$('#entry-list form.entry')) {
    const old = $('.sync', form);
    if (old) old.replaceWith(syncCell(ops.get(form.dataset.id), SYNC_LABEL));
  }
}

function renderEntries() {
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
      syncCell(ops.get(e.id), SYNC_LABEL),
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

function renderRunning() {
  const running = load(localStorage, K.running, null);
  $('#running').hidden = !running;
  $('#start-timer').disabled = Boolean(running);
  if (!running) return;
  setText($('#running-target'), running.label);
  setText($('#running-since'), showTime(running.entity.time_start));
  const secs = (Date.now() - app.core.parseDateTime(running.entity.time_start)) / 1000;
  setText($('#running-elapsed'), hms(secs));
}

function wireTime() {
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
  const entity = {
    type: 'TimedTaskRecord', id: app.core.newId(), task_id: t.task_id, subtask_id: t.subtask_id,
    time_start: app.core.formatDateTime(value.start), time_end: app.core.formatDateTime(value.end), note: value.note,
  };
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
  const entity = {
    type: 'TimedTaskRecord', id: app.core.newId(), task_id: t.task_id, subtask_id: t.subtask_id,
    time_start: app.core.formatDateTime(Date.now()), time_end: null, note,
  };
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
  const start = app.core.parseDateTime(running.entity.time_start);
  // The wire keeps whole seconds: an entry stopped in its first second ends one second in.
  const end = Math.max(Date.now(), start + 1000);
  const entity = { ...running.entity, time_end: app.core.formatDateTime(end) };
  // Queued first: the timer is only forgotten once its stop is stored.
  if (!(await tryEnqueue(entity, 'stop'))) return;
  localStorage.removeItem(K.running);
  recordEntry(entity, running.label);
  renderRunning();
  say(`Timer stopped on ${running.label}.`);
}

// ---------- report ----------
async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function runReport(ev) {
  ev?.preventDefault();
  const f = $('#report-form');
  const kind = f.elements.range.value;
  let range;
  try {
    range = reportRange(kind, Date.now(), { from: f.elements.from.value, to: f.elements.to.value });
  } catch (e) {
    showErrors(f, { [e.field || 'from']: e.message });
    return;
  }
  showErrors(f, {});
  if (needSignIn()) return;
  f.dataset.state = 'loading';
  setText($('#report-range'), 'Loading…');
  const t0 = performance.now();
  try {
    // One summary call per local day (at most 4 at a time): the per-day chart needs
    // them, and the range totals are their sums (the server clips entries to each day).
    const days = await mapLimit(range.days, 4, async (d) => ({
      label: d.label, rows: await app.client.summary(d.from, d.to),
    }));
    const ms = Math.round(performance.now() - t0);
    app.report = { ...buildReport(days, (s, m, n) => app.core.roundDuration(s, m, n)), range, ms };
    renderReport();
    f.dataset.state = 'done';
  } catch (e) {
    f.dataset.state = 'error';
    setText($('#report-range'), `Report failed: ${errText(e)}`);
  }
}

function roundingText(r) {
  return `${r.rounding_method} ${r.rounding_minutes} min`;
}

function renderReport() {
  const r = app.report;
  const first = r.range.days[0].label;
  const last = r.range.days[r.range.days.length - 1].label;
  setText($('#report-range'), `${first} to ${last}: ${r.range.days.length} day(s), ${r.range.days.length} summary request(s) in ${r.ms} ms.`);
  $('#report-range').dataset.requests = String(r.range.days.length);
  $('#report-range').dataset.ms = String(r.ms);

  const totals = clear($('#report-totals'));
  totals.append(
    h('span', { 'data-total': 'raw', 'data-seconds': r.totals.raw }, `Raw ${hms(r.totals.raw)}`),
    h('span', { 'data-total': 'rounded', 'data-seconds': r.totals.rounded }, `Rounded ${hms(r.totals.rounded)}`),
    h('span', { 'data-total': 'amount', 'data-amount': money(r.totals.amount) }, `Billable ${money(r.totals.amount)}`),
  );

  const fmtH = (v) => (v / 3600).toFixed(v >= 36000 ? 0 : 1);
  clear($('#day-chart')).append(barChart({
    title: 'Hours per day', series: [{ name: 'raw', className: 'raw' }], format: fmtH,
    groups: r.days.map((d) => ({ label: d.label.slice(5), values: [d.raw] })),
  }));
  clear($('#project-chart')).append(barChart({
    title: 'Hours per project', series: [{ name: 'raw', className: 'raw' }, { name: 'rounded', className: 'rounded' }], format: fmtH,
    groups: r.projects.map((p) => ({ label: p.project_name || p.project_id, values: [p.raw, p.rounded] })),
  }));

  const pbody = clear($('#project-table tbody'));
  for (const p of r.projects) {
    pbody.append(h('tr', { 'data-project-id': p.project_id },
      h('td', {}, p.category_name || ''), h('td', {}, p.project_name),
      h('td', {}, roundingText(p)),
      h('td', { class: 'num', 'data-seconds': p.raw }, hms(p.raw)),
      h('td', { class: 'num', 'data-seconds': p.rounded }, hms(p.rounded)),
      h('td', { class: 'num', 'data-amount': money(p.amount) }, money(p.amount))));
  }
  if (!r.projects.length) pbody.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No time in this range.')));

  const tbody = clear($('#report-table tbody'));
  for (const t of r.rows) {
    tbody.append(h('tr', { 'data-task-id': t.task_id, 'data-subtask-id': t.subtask_id || '' },
      h('td', {}, t.category_name || ''), h('td', {}, t.project_name), h('td', {}, t.task_name),
      h('td', {}, t.subtask_name || ''), h('td', {}, t.billable ? 'yes' : 'no'),
      h('td', { class: 'num', 'data-seconds': t.raw }, hms(t.raw)),
      h('td', {}, roundingText(t)),
      h('td', { class: 'num', 'data-seconds': t.rounded }, hms(t.rounded)),
      h('td', { class: 'num' }, money(t.hourly_rate)),
      h('td', { class: 'num', 'data-amount': money(t.amount) }, money(t.amount))));
  }
  if (!r.rows.length) tbody.append(h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No time in this range.')));
  $('#csv-download').disabled = false;
}

function downloadCsv() {
  if (!app.report) return;
  const blob = new Blob(['\uFEFF', reportCsv(app.report)], { type: 'text/csv;charset=utf-8' });
  const a = h('a', {
    href: URL.createObjectURL(blob),
    download: `tyme-report-${app.report.range.days[0].label}-to-${app.report.range.days.at(-1).label}.csv`,
  });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function wireReport() {
  const f = $('#report-form');
  f.addEventListener('submit', runReport);
  const today = toDateInput(Date.now());
  f.elements.from.value = today;
  f.elements.to.value = today;
  for (const el of [f.elements.from, f.elements.to]) {
    el.addEventListener('input', () => { f.elements.range.value = 'custom'; });
  }
  $('#csv-download').addEventListener('click', downloadCsv);
}

// ---------- webhooks ----------
function hooks() { return load(localStorage, K.hooks, []); }

function renderHooks() {
  const tbody = clear($('#hook-table tbody'));
  const list = hooks();
  if (!list.length) tbody.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'None.')));
  for (const s of list) {
    tbody.append(h('tr', { 'data-trigger': s.trigger },
      h('td', {}, s.hookUrl), h('td', {}, s.trigger), h('td', {}, new Date(s.at).toLocaleString()),
      h('td', {}, h('button', { type: 'button', class: 'unsub', onclick: () => unsubscribe(s.hookUrl, [s.trigger]) }, 'Unsubscribe'))));
  }
}

async function subscribe(ev) {
  ev.preventDefault();
  const f = $('#hook-form');
  const { value, errors } = validateHook({ hookUrl: f.elements.hookUrl.value, triggers: $$('input[name=trigger]:checked', f).map((c) => c.value) });
  if (!showErrors(f, errors)) return;
  if (needSignIn()) return;
  formStatus(f, 'Subscribing…');
  const done = [];
  try {
    for (const t of value.triggers) {
      await app.client.subscribeWebhook(value.hookUrl, t);
      done.push(t);
      const list = hooks().filter((x) => !(x.hookUrl === value.hookUrl && x.trigger === t));
      list.push({ hookUrl: value.hookUrl, trigger: t, at: Date.now() });
      save(localStorage, K.hooks, list);
    }
    formStatus(f, `Subscribed to ${done.join(', ')}.`, 'ok');
  } catch (e) {
    formStatus(f, `Subscribing failed${done.length ? ` after ${done.join(', ')}` : ''}: ${errText(e)}`, 'error');
  }
  renderHooks();
}

async function unsubscribe(hookUrl, triggers) {
  const f = $('#hook-form');
  if (needSignIn()) return;
  const done = [];
  try {
    for (const t of triggers) {
      await app.client.unsubscribeWebhook(hookUrl, t);
      done.push(t);
      save(localStorage, K.hooks, hooks().filter((x) => !(x.hookUrl === hookUrl && x.trigger === t)));
    }
    formStatus(f, `Unsubscribed from ${done.join(', ')}.`, 'ok');
  } catch (e) {
    formStatus(f, `Unsubscribing failed: ${errText(e)}`, 'error');
  }
  renderHooks();
}

function wireHooks() {
  const f = $('#hook-form');
  f.elements.hookUrl.value = app.config.hooksUrl || '';
  f.addEventListener('submit', subscribe);
  $('#hook-unsubscribe').addEventListener('click', () => {
    const { value, errors } = validateHook({ hookUrl: f.elements.hookUrl.value, triggers: $$('input[name=trigger]:checked', f).map((c) => c.value) });
    if (!showErrors(f, errors)) return;
    unsubscribe(value.hookUrl, value.triggers);
  });
  renderHooks();
  const status = $('#hook-stream');
  const ol = $('#deliveries');
  const es = new EventSource('hooks/events');
  es.addEventListener('open', () => { setText(status, '(live)'); status.dataset.state = 'open'; });
  es.addEventListener('error', () => { setText(status, '(reconnecting…)'); status.dataset.state = 'error'; });
  es.addEventListener('delivery', (msg) => {
    let d;
    try { d = JSON.parse(msg.data); } catch { return; }
    const ent = d.entity && typeof d.entity === 'object' ? d.entity : {};
    const what = ent.name || ent.note || ent.id || '';
    ol.prepend(h('li', { 'data-trigger': d.trigger_type || '', 'data-entity-id': ent.id || '' },
      h('time', {}, new Date(d.receivedAt).toLocaleTimeString()), ' ',
      h('strong', {}, d.trigger_type || '(unknown)'), ' ',
      h('span', { class: 'etype' }, ent.type || ''), ' ',
      h('span', { class: 'ename' }, String(what)),
      ent.time_end !== undefined ? h('span', { class: 'hint' }, ent.time_end ? ` ended ${ent.time_end}` : ' running') : null));
    while (ol.children.length > 200) ol.lastElementChild.remove();
  });
}

// ---------- tabs ----------
function showTab() {
  const name = (location.hash || '#browse').slice(1);
  const known = $$('[data-tab-panel]').map((p) => p.dataset.tabPanel);
  const tab = known.includes(name) ? name : 'browse';
  for (const p of $$('[data-tab-panel]')) p.hidden = p.dataset.tabPanel !== tab;
  for (const a of $$('nav a')) a.setAttribute('aria-current', a.dataset.tab === tab ? 'page' : 'false');
}

// ---------- start ----------
async function main() {
  showTab();
  window.addEventListener('hashchange', showTab);
  try {
    app.config = await (await fetch('config.json', { cache: 'no-store' })).json();
  } catch {
    app.config = { apiBaseUrl: 'https://api.tyme-app.com', clientId: '', hooksUrl: '' };
  }
  try {
    const mod = await import('./pkg/tyme_tab.js');
    await mod.default({ module_or_path: new URL('./pkg/tyme_tab_bg.wasm', import.meta.url) });
    app.core = mod;
  } catch (e) {
    setText($('#auth-status'), 'Unavailable');
    say(`The wasm package could not be loaded (run \`make wasm\`): ${e.message}`, 'error');
    return;
  }
  loadSettings();
  makeClient();
  wireSettings();
  $('#sign-in').addEventListener('click', beginSignIn);
  $('#sign-out').addEventListener('click', signOut);
  await completeSignIn();
  renderAuth();
  wireEntities();
  wireTime();
  wireReport();
  wireHooks();
  renderEntries();
  renderRunning();
  renderOutbox();
  renderTarget();
  if (hasOutbox()) {
    // Ops found `sending` are left alone: another tab may be sending them right
    // now. One left by a closed or crashed tab is offered again by outboxDue
    // once its send lease runs out (2 min; the resend is harmless, it carries its id).
    if (signedIn()) {
      try {
        await withOutbox(() => save(localStorage, K.outbox, app.core.outboxResume(outboxState(), Date.now())));
      } catch (e) {
        setText($('#outbox-error'), `; the outbox could not be updated: ${errText(e)}`);
      }
    }
    try { renderOutbox(); } catch (e) { setText($('#outbox-error'), `; ${errText(e)}`); }
  }
  if (signedIn()) {
    await loadAllLists();
    flush();
  }
  document.body.dataset.ready = 'true';
}

main();
