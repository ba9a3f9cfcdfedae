// Popup: renders state and sends requests to the service worker. Plain DOM,
// every piece of data goes through textContent.
import { send, hms, el, liveTotals, DEFAULT_BASE_URL, PENDING_PAGE_TTL_MS } from '../common.js';
import { buildIndex, filterProjects, filterTasks, MAX_ROWS } from '../picker.js';
import { requestApiHost, hostRefusedMessage } from '../browser.js';
import { wirePickerKeys } from './keys.js';
import { siteRules } from './site.js';

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

// Changes of another account (another server or client id, or another
// member) that were not sent: kept for it, or discarded, never sent here.
function renderParked(list) {
  const box = $('parked');
  const open = (list || []).filter((p) => !p.kept);
  box.replaceChildren(...open.map((p) => {
    // The server names the account, unless it is this one's or another's too.
    const clash = (state.settings && state.settings.baseUrl === p.baseUrl) || open.some((o) => o !== p && o.baseUrl === p.baseUrl);
    const detail = clash ? [`client id ${p.clientId}`, ...(p.userId ? [`member ${p.userId}`] : [])] : [];
    const who = detail.length ? `${p.baseUrl} (${detail.join(', ')})` : p.baseUrl;
    const row = el('div', null, { class: 'parked-row' });
    row.append(
      el('p', `${p.changes} ${p.changes === 1 ? 'change' : 'changes'} for ${who} not sent`, { class: 'parked-text' }),
      el('button', 'Keep', { type: 'button', 'data-action': 'keep', 'data-key': p.key, title: 'Keep them: they are sent when you use that server again' }),
      el('button', 'Discard', { type: 'button', 'data-action': 'discard', 'data-key': p.key, title: 'Delete them: they are never sent' }),
    );
    return row;
  }));
  show('parked', open.length > 0);
}

// The timer starting or stopping is told to screen readers through the
// polite status region (#announce); the first render only notes the state.
let lastTimerKey;
function announceTimer(timer) {
  const key = timer ? `${timer.startMs}|${timer.label || ''}` : '';
  if (lastTimerKey !== undefined && key !== lastTimerKey) {
    $('announce').textContent = timer ? `Timer started: ${timer.label || 'Task'}` : 'Timer stopped';
  }
  lastTimerKey = key;
}

// Time away while the timer ran (the worker's idle record): keep it, stop
// the timer when it began, or drop it and keep running.
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
function renderIdleQuestion(q) {
  show('idle-question', !!q);
  if (!q) return;
  $('idle-text').textContent = `You were away ${q.minutes} min (${clock(q.since)}–${clock(q.until)}) while the timer ran.`;
  $('idle-stop').textContent = `Stop at ${clock(q.since)}`;
}

function render(s) {
  state = s;
  const signedIn = !!s.signedIn;
  if (s.parked) renderParked(s.parked);
  $('status').textContent = signedIn ? 'signed in' : 'signed out';
  if (s.notice && s.notice.message) { $('notice').textContent = s.notice.message; show('notice', true); } else show('notice', false);

  show('signed-out', !signedIn);
  show('running', signedIn && !!s.timer);
  show('idle', signedIn && !s.timer);
  announceTimer(signedIn && s.timer);
  renderIdleQuestion(signedIn && s.timer ? s.idle : null);

  if (!signedIn) {
    const configured = s.settings && s.settings.clientId;
    $('signed-out-text').textContent = !configured ? 'Set the client id in the options, then sign in.'
      : s.auth && s.auth.status === 'reauth' ? 'Signed out — sign in again. Nothing unsent is lost.'
        : 'You are signed out.';
    show('sign-in', !!configured);
  }

  if (signedIn && s.timer) {
    $('run-task').textContent = s.timer.label || 'Task';
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
    $('pending').textContent = `${n} ${n === 1 ? 'change' : 'changes'} waiting${err}`;
  }
  show('pending', n > 0);
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
    $('pending-page').textContent = `Pick a task to track: ${s.pendingPage.title || s.pendingPage.url}`;
    show('pending-page', true);
  } else show('pending-page', false);
  const recent = $('recent');
  recent.replaceChildren();
  for (const r of s.recent || []) {
    const b = el('button', [r.projectName, r.taskName, r.subtaskName].filter(Boolean).join(' › '), { type: 'button' });
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
  $('selected').textContent = [ref.projectName, ref.taskName, ref.subtaskName].filter(Boolean).join(' › ');
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
  const { catalog } = await chrome.storage.local.get('catalog');
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
  btn.textContent = 'Updating…';
  const res = await send('syncCatalog', { fresh });
  btn.disabled = false;
  btn.textContent = 'Refresh lists';
  if (!res.ok) setError(res.error);
}

function moreLine(id, shown, more) {
  $(id).textContent = more ? `First ${shown} shown — type to narrow` : '';
  show(id, more);
}

function renderProjects() {
  const q = $('project-search').value;
  const { rows, more, exact } = filterProjects(index, q, MAX_ROWS);
  const list = $('project-list');
  const items = rows.map((p) => {
    const li = el('li');
    const b = el('button', p.name + (p.pending ? ' (not yet synced)' : ''), { type: 'button', 'data-id': p.id });
    if (chosenProject && chosenProject.id === p.id) b.className = 'chosen';
    li.append(b);
    return li;
  });
  list.replaceChildren(...items);
  moreLine('project-more', rows.length, more);
  const raw = q.trim();
  $('create-project').textContent = `+ Create project “${raw}”`;
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
  const items = [];
  for (const { task: t, subs } of rows) {
    const li = el('li');
    const b = el('button', t.name + (t.pending ? ' (not yet synced)' : ''), { type: 'button', 'data-task': t.id });
    if (chosenTask && chosenTask.taskId === t.id && !chosenTask.subtaskId) b.className = 'chosen';
    li.append(b);
    items.push(li);
    for (const s of subs) {
      const sli = el('li', null, { class: 'sub' });
      const sb = el('button', s.name + (s.pending ? ' (not yet synced)' : ''), { type: 'button', 'data-subtask': s.id, 'data-parent': t.id });
      if (chosenTask && chosenTask.subtaskId === s.id) sb.className = 'chosen';
      sli.append(sb);
      items.push(sli);
    }
  }
  list.replaceChildren(...items);
  moreLine('task-more', shown, more);
  $('create-task').textContent = `+ Create task “${raw}”`;
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
  const res = await send('getState');
  if (res.ok) render(res.data);
}

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

$('start').addEventListener('click', async () => {
  if (!chosenTask) return;
  $('start').disabled = true;
  const page = (state && state.pendingPage) || await activePage();
  await act('start', { task: chosenTask, page });
  $('start').disabled = false;
  await reloadState();
});
$('stop').addEventListener('click', async () => {
  await act('stop');
  await reloadState();
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
  $('sign-in').textContent = 'Signing in…';
  await act('signIn', { interactive: true });
  $('sign-in').disabled = false;
  $('sign-in').textContent = 'Sign in to Tyme';
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
  if ('catalog' in changes && pickerLoaded) setCatalog(changes.catalog.newValue);
  if (['timer', 'outboxSize', 'outboxError', 'notice', 'totals', 'auth', 'tokens', 'pendingPage', 'parked', 'idle'].some((k) => k in changes)) reloadState();
});

// First paint from storage (no worker round trip), then refresh through the
// worker. Request budget of an open: at most one request, today's summary
// (which also checks the running entry), and none when the totals were
// fetched less than a minute ago; the picker filters the stored catalog and
// sends nothing. The first open of a day may cost one more request (the past
// days of the week, cached per day) when the worker's sync alarm has not
// fetched them yet that day.
(async () => {
  const got = await chrome.storage.local.get(['auth', 'timer', 'lastTask', 'recent', 'outboxSize', 'outboxError', 'notice', 'totals', 'pendingPage', 'settings']);
  const signedIn = !!(got.auth && got.auth.status === 'signed_in');
  render({
    signedIn, auth: got.auth, timer: got.timer || null, lastTask: got.lastTask, recent: got.recent || [],
    outboxSize: got.outboxSize || 0, outboxError: got.outboxError, notice: got.notice, totals: got.totals,
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
