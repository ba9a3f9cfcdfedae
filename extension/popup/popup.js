// Popup: renders state and sends requests to the service worker. Plain DOM,
// every piece of data goes through textContent.
// The page's first paint and first storage read (popup/first-paint.js): popup.html
// loads its bundle, which imports this one, which imports that same file.
import { firstRead } from '../build/first-paint.js';
import { send, hms, el, liveTotals, foldStopped, taskLabel, DEFAULT_BASE_URL, PENDING_PAGE_TTL_MS } from '../common.js';
import { buildIndex, filterProjects, filterTasks, readCatalog, MAX_ROWS } from '../picker.js';
import { requestApiHost, hostRefusedMessage } from '../browser.js';
import { wirePickerKeys } from './keys.js';
import { t } from '../i18n.js';
import { siteRules } from './site.js';
import { renderParked, announceTimer, renderIdleQuestion } from './panels.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// Tests open the popup as a tab, which is then itself the active tab:
// ?tab=<id> names the page to track instead.
const tabParam = params.get('tab');

let state = null;
let chosenProject = null;
let chosenTask = null;
let ticker = null;
let lastError = null;
let pickerLoaded = false;
let catalogRaw = null;
const site = siteRules({ choose: (ref) => choose(ref, { byRule: true }), chosen: () => chosenTask, catalog: () => catalogRaw });

function show(id, on) { $(id).hidden = !on; }

function setError(err) {
  lastError = err || null;
  $('error').textContent = lastError ? lastError.message : '';
  show('error', !!lastError);
}

async function activePage() {
  let tab = null;
  try {
    if (tabParam) tab = await chrome.tabs.get(Number(tabParam));
    else [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  } catch { tab = null; }
  // Browser and extension pages (and tabs we may not read) give no note.
  if (!tab || !tab.url || !/^(https?|file):/.test(tab.url)) return null;
  return { url: tab.url, title: tab.title || '', incognito: !!tab.incognito };
}

function render(s) {
  state = s;
  const signedIn = !!s.signedIn;
  if (s.parked) renderParked(s.parked, s.settings);
  $('status').textContent = signedIn ? t('status_signed_in') : t('status_signed_out');
  if (s.notice && s.notice.message) { $('notice').textContent = s.notice.message; show('notice', true); } else show('notice', false);

  show('signed-out', !signedIn);
  show('running', signedIn && !!s.timer);
  show('idle', signedIn && !s.timer);
  announceTimer(signedIn && s.timer);
  renderIdleQuestion(signedIn && s.timer ? s.idle : null);

  if (!signedIn) {
    const configured = s.settings && s.settings.clientId;
    $('signed-out-text').textContent = !configured ? t('signed_out_configure')
      : s.auth && s.auth.status === 'reauth' ? t('signed_out_reauth')
        : t('signed_out');
    show('sign-in', !!configured);
  }

  if (signedIn && s.timer) {
    $('run-task').textContent = s.timer.label || t('task');
    $('run-note').textContent = s.timer.note || '';
    show('discard', !!s.canDiscard);
    const tickFn = () => {
      $('run-elapsed').textContent = hms((Date.now() - s.timer.startMs) / 1000);
      renderTotals();
    };
    tickFn();
    if (!performance.getEntriesByName('tyme:timer-rendered').length) performance.mark('tyme:timer-rendered'); // bench instrumentation (tests/bench)
    clearInterval(ticker);
    ticker = setInterval(tickFn, 1000);
  } else {
    clearInterval(ticker);
    ticker = null;
  }

  if (signedIn && !s.timer) renderIdle(s);

  renderTotals();

  const n = s.outboxSize || 0;
  if (n) {
    const err = s.outboxError ? ` — ${s.outboxError.message}` : '';
    $('pending').textContent = (n === 1 ? t('changes_one') : t('changes_many', n)) + err;
  }
  show('pending', n > 0);
  // Changes the server refused wait for the user: send again, or discard (asked twice).
  const refused = n ? Math.min(n, s.outboxRefused || 0) : 0;
  show('refused', refused > 0);
  if (!refused || $('discard-refused-confirm').hidden) {
    show('discard-refused-confirm', false);
    show('discard-refused', true);
  }
  $('discard-refused-confirm').textContent = refused === 1 ? t('discard_refused_one') : t('discard_refused_many', refused);
}

// Totals as fetched, plus the running timer's time since (ticks with it).
function renderTotals() {
  const t = state && state.signedIn ? liveTotals(state.totals, state.timer, Date.now()) : null;
  if (t) {
    $('total-today').textContent = hms(t.today);
    $('total-week').textContent = hms(t.week);
  }
  show('totals', !!t);
}

function renderIdle(s) {
  if (s.pendingPage) {
    $('pending-page').textContent = t('pick_task_for', s.pendingPage.title || s.pendingPage.url);
    show('pending-page', true);
  } else show('pending-page', false);
  const recent = $('recent');
  recent.replaceChildren();
  for (const r of s.recent || []) {
    const b = el('button', taskLabel(r), { type: 'button' });
    b.addEventListener('click', () => choose(r));
    recent.append(b);
  }
  show('recent-box', (s.recent || []).length > 0);
  if (!chosenTask && s.lastTask) choose(s.lastTask, { quiet: true });
  if (!pickerLoaded) {
    pickerLoaded = true;
    loadCatalog();
    $('project-search').focus();
    (s.pendingPage ? Promise.resolve(s.pendingPage) : activePage()).then((p) => site.setPage(p && p.url));
  }
}

function choose(ref, { quiet = false, byRule = false } = {}) {
  chosenTask = ref;
  if (!byRule && !quiet) site.picked();
  $('selected').textContent = taskLabel(ref);
  show('selected', true);
  $('start').disabled = false;
  if (!quiet) renderTasks();
  site.renderBox();
}

// ---------------------------------------------------------------- picker
// Projects, tasks and sub-tasks come from the catalog the worker keeps in
// storage, indexed once (picker.js) and filtered in memory on every
// keystroke, with at most MAX_ROWS rows rendered. The server is asked only
// when the catalog was never fetched or the user presses refresh.
let index = buildIndex(null);

async function loadCatalog() {
  const catalog = readCatalog((await chrome.storage.local.get('catalog')).catalog);
  setCatalog(catalog);
  if (!catalog || !catalog.at) syncLists(false);
}

function setCatalog(catalog) {
  catalogRaw = catalog || null;
  index = buildIndex(catalog);
  document.body.dataset.catalogSize = String(index.size); // read by tests/bench
  if (chosenProject) {
    const p = index.projectById.get(chosenProject.id);
    if (p) chosenProject = { id: p.id, name: p.name };
  }
  renderProjects();
  renderTasks();
  site.catalogChanged();
}

async function syncLists(fresh) {
  const btn = $('refresh-lists');
  btn.disabled = true;
  btn.textContent = t('updating');
  const res = await send('syncCatalog', { fresh });
  btn.disabled = false;
  btn.textContent = t('refresh_lists');
  if (!res.ok) setError(res.error);
}

// A picker list's rows, [{text, data: {attribute: value}, chosen, sub}],
// written into the rows the list has (a keystroke changes their text and
// attributes instead of building the list again), rows added or removed at
// its end. Each row is <li [class=sub]><button type=button data-…>.
const ROW_DATA = ['data-id', 'data-task', 'data-subtask', 'data-parent'];
function setRows(list, rows) {
  const have = list.children;
  rows.forEach((r, i) => {
    let li = have[i];
    if (!li) { li = el('li'); li.append(el('button', null, { type: 'button' })); list.append(li); }
    const b = li.firstElementChild;
    li.classList.toggle('sub', !!r.sub);
    if (b.textContent !== r.text) b.textContent = r.text;
    for (const a of ROW_DATA) {
      const v = r.data[a];
      if (v == null) b.removeAttribute(a);
      else if (b.getAttribute(a) !== v) b.setAttribute(a, v);
    }
    b.classList.toggle('chosen', !!r.chosen);
  });
  while (have.length > rows.length) list.lastElementChild.remove();
}

function moreLine(id, shown, more) {
  $(id).textContent = more ? t('first_shown', shown) : '';
  show(id, more);
}

function renderProjects() {
  const q = $('project-search').value;
  const { rows, more, exact } = filterProjects(index, q, MAX_ROWS);
  const notSynced = t('not_synced');
  setRows($('project-list'), rows.map((p) => ({
    text: p.pending ? p.name + notSynced : p.name, data: { 'data-id': p.id }, chosen: !!chosenProject && chosenProject.id === p.id,
  })));
  moreLine('project-more', rows.length, more);
  const raw = q.trim();
  $('create-project').textContent = t('create_project', raw);
  show('create-project', !!raw && !exact);
}

function chooseProject(p) {
  chosenProject = { id: p.id, name: p.name };
  $('chosen-project').textContent = p.name;
  show('task-box', true);
  for (const b of $('project-list').querySelectorAll('button')) b.className = b.dataset.id === p.id ? 'chosen' : '';
  renderTasks();
  $('task-search').focus();
}

function renderTasks() {
  const list = $('task-list');
  if (!chosenProject) { list.replaceChildren(); return; }
  const raw = $('task-search').value.trim();
  const { rows, shown, more, exact } = filterTasks(index, chosenProject.id, raw, MAX_ROWS);
  const notSynced = t('not_synced');
  const items = [];
  for (const { task, subs } of rows) {
    items.push({
      text: task.pending ? task.name + notSynced : task.name, data: { 'data-task': task.id },
      chosen: !!chosenTask && chosenTask.taskId === task.id && !chosenTask.subtaskId,
    });
    for (const st of subs) {
      items.push({
        text: st.pending ? st.name + notSynced : st.name, data: { 'data-subtask': st.id, 'data-parent': task.id },
        chosen: !!chosenTask && chosenTask.subtaskId === st.id, sub: true,
      });
    }
  }
  setRows(list, items);
  moreLine('task-more', shown, more);
  $('create-task').textContent = t('create_task', raw);
  show('create-task', !!raw && !exact);
}

function taskRef(taskId, subtaskId = '') {
  const t = index.taskById.get(taskId);
  if (!t || !chosenProject) return null;
  const s = subtaskId ? t.subs.find((x) => x.id === subtaskId) : null;
  if (subtaskId && !s) return null;
  return {
    taskId: t.id, subtaskId: s ? s.id : '', taskName: t.name, subtaskName: s ? s.name : '',
    projectId: chosenProject.id, projectName: chosenProject.name,
  };
}

// ---------------------------------------------------------------- actions
async function act(type, payload) {
  setError(null);
  const res = await send(type, payload);
  if (!res.ok) { setError(res.error); return null; }
  return res.data;
}

async function reloadState() {
  if (optimistic) return;
  const res = await send('getState');
  if (optimistic) return;
  if (res.ok) render(res.data);
}

$('retry-refused').addEventListener('click', async () => {
  const d = await act('retryRefused');
  if (d) render(d);
});
$('discard-refused').addEventListener('click', () => {
  show('discard-refused', false);
  show('discard-refused-confirm', true);
  $('discard-refused-confirm').focus();
});
$('discard-refused-confirm').addEventListener('click', async () => {
  const d = await act('discardRefused');
  show('discard-refused-confirm', false);
  show('discard-refused', true);
  if (d) render(d);
});

$('project-search').addEventListener('input', renderProjects);
$('task-search').addEventListener('input', renderTasks);
$('refresh-lists').addEventListener('click', () => syncLists(true));
// One click handler per list (rows are rebuilt on every keystroke).
$('project-list').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-id]');
  const p = b && index.projectById.get(b.dataset.id);
  if (p) chooseProject(p);
});
$('task-list').addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  const ref = b.dataset.subtask ? taskRef(b.dataset.parent, b.dataset.subtask) : taskRef(b.dataset.task);
  if (ref) { choose(ref); $('start').focus(); }
});
wirePickerKeys($('project-search'), $('project-list'));
// Escape in the empty task search goes back to the projects.
wirePickerKeys($('task-search'), $('task-list'), { onBack: () => { $('project-search').focus(); return true; } });

$('create-project').addEventListener('click', async () => {
  const name = $('project-search').value.trim();
  const p = await act('create', { type: 'Project', name });
  if (p) chooseProject(p); // the catalog in storage has it already; its change re-renders the lists
});
$('create-task').addEventListener('click', async () => {
  const name = $('task-search').value.trim();
  const project = chosenProject;
  const t = await act('create', { type: 'TimedTask', name, parentId: project && project.id });
  if (t) {
    $('task-search').value = '';
    choose({ taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: project.id, projectName: project.name });
  }
});

// Start and stop show their result at once (the next frame), before the
// worker has stored it; the worker's answer then replaces it, or a refusal
// puts the view back with the error. Renders from storage changes wait
// while such a view is shown.
let optimistic = 0;
async function optimisticAction(view, type, payload) {
  const before = state;
  optimistic++;
  setError(null);
  render(view);
  let res;
  try { res = await send(type, await payload()); } finally { optimistic--; }
  if (!res.ok) { render(before); setError(res.error); return; }
  await reloadState();
}
$('start').addEventListener('click', () => {
  if (!chosenTask || !state) return;
  const ref = chosenTask;
  optimisticAction(
    { ...state, timer: { startMs: Date.now(), label: taskLabel(ref), note: '', ref, entity: null }, idle: null },
    'start', async () => ({ task: ref, page: state.pendingPage || await activePage() }),
  );
});
$('stop').addEventListener('click', () => {
  if (!state || !state.timer) return;
  const now = Date.now();
  optimisticAction(
    { ...state, timer: null, idle: null, totals: state.totals ? foldStopped(state.totals, state.timer, now) : state.totals },
    'stop', async () => ({}),
  );
});
for (const choice of ['keep', 'stop', 'drop']) {
  $(`idle-${choice}`).addEventListener('click', async () => {
    const data = await act('answerIdle', { choice });
    if (data) render(data);
  });
}
$('discard').addEventListener('click', async () => {
  await act('discard');
  await reloadState();
});
$('sign-in').addEventListener('click', async () => {
  // From the click, before anything is awaited (see browser.js).
  const baseUrl = (state && state.settings && state.settings.baseUrl) || DEFAULT_BASE_URL;
  const access = requestApiHost(baseUrl);
  if ((await access) === false) { setError({ code: 'permission_refused', message: hostRefusedMessage(baseUrl) }); return; }
  $('sign-in').disabled = true;
  $('sign-in').textContent = t('signing_in');
  await act('signIn', { interactive: true });
  $('sign-in').disabled = false;
  $('sign-in').textContent = t('sign_in');
  const res = await send('refresh');
  if (res.ok) render(res.data);
});
for (const id of ['open-options', 'options-link']) $(id).addEventListener('click', () => chrome.runtime.openOptionsPage());
$('parked').addEventListener('click', async (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const data = await act(b.dataset.action === 'keep' ? 'keepParked' : 'discardParked', { key: b.dataset.key });
  if (data) render(data);
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  if ('catalog' in changes && pickerLoaded) setCatalog(readCatalog(changes.catalog.newValue));
  if (['timer', 'outboxSize', 'outboxRefused', 'outboxError', 'notice', 'totals', 'auth', 'tokens', 'pendingPage', 'parked', 'idle'].some((k) => k in changes)) reloadState();
});

// First paint from storage (no worker round trip), then refresh through the
// worker. Request budget of an open: at most one request, today's summary
// (which also checks the running entry), and none when the totals were
// fetched less than a minute ago; the picker filters the stored catalog and
// sends nothing. The first open of a day may cost one more request (the past
// days of the week, cached per day) when the worker's sync alarm has not
// fetched them yet that day.
(async () => {
  const got = await firstRead;
  const signedIn = !!(got.auth && got.auth.status === 'signed_in');
  render({
    signedIn, auth: got.auth, timer: got.timer || null, lastTask: got.lastTask, recent: got.recent || [],
    outboxSize: got.outboxSize || 0, outboxRefused: got.outboxRefused || 0, outboxError: got.outboxError, notice: got.notice, totals: got.totals,
    pendingPage: got.pendingPage && Date.now() - got.pendingPage.at < PENDING_PAGE_TTL_MS ? got.pendingPage : null,
    settings: { clientId: got.settings && got.settings.clientId, baseUrl: got.settings && got.settings.baseUrl },
  });
  const res = await send('refresh');
  if (res.ok) {
    render(res.data);
    if (res.data.refreshError) setError(res.data.refreshError);
  } else setError(res.error);
  document.body.dataset.ready = '1';
})();
