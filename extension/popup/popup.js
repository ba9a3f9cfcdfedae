// Popup: renders state and sends requests to the service worker. Plain DOM,
// every piece of data goes through textContent.
import { send, hms, el } from '../common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// Tests open the popup as a tab, which is then itself the active tab:
// ?tab=<id> names the page to track instead.
const tabParam = params.get('tab');

let state = null;
let chosenProject = null;
let chosenTask = null;
let projects = [];
let tasks = [];
let subtasks = [];
let ticker = null;
let lastError = null;
let pickerLoaded = false;

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
  $('status').textContent = signedIn ? 'signed in' : 'signed out';
  if (s.notice && s.notice.message) { $('notice').textContent = s.notice.message; show('notice', true); } else show('notice', false);

  show('signed-out', !signedIn);
  show('running', signedIn && !!s.timer);
  show('idle', signedIn && !s.timer);

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
    const tickFn = () => { $('run-elapsed').textContent = hms((Date.now() - s.timer.startMs) / 1000); };
    tickFn();
    if (!performance.getEntriesByName('tyme:timer-rendered').length) performance.mark('tyme:timer-rendered'); // bench instrumentation (tests/bench)
    clearInterval(ticker);
    ticker = setInterval(tickFn, 1000);
  } else {
    clearInterval(ticker);
    ticker = null;
  }

  if (signedIn && !s.timer) renderIdle(s);

  if (s.totals) {
    $('total-today').textContent = hms(s.totals.today);
    $('total-week').textContent = hms(s.totals.week);
    show('totals', signedIn);
  } else show('totals', false);

  const n = s.outboxSize || 0;
  if (n) {
    const err = s.outboxError ? ` — ${s.outboxError.message}` : '';
    $('pending').textContent = `${n} ${n === 1 ? 'change' : 'changes'} waiting${err}`;
  }
  show('pending', n > 0);
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
  if (!pickerLoaded) { pickerLoaded = true; loadProjects(''); }
}

function choose(ref, { quiet = false } = {}) {
  chosenTask = ref;
  $('selected').textContent = [ref.projectName, ref.taskName, ref.subtaskName].filter(Boolean).join(' › ');
  show('selected', true);
  $('start').disabled = false;
  if (!quiet) renderTasks();
}

// ---------------------------------------------------------------- projects
let projectTimer = null;
async function loadProjects(q) {
  const res = await send('search', { type: 'Project', name: q });
  if (!res.ok) { setError(res.error); return; }
  projects = res.data;
  const list = $('project-list');
  list.replaceChildren();
  for (const p of projects) {
    const li = el('li');
    const b = el('button', p.name + (p.pending ? ' (not yet synced)' : ''), { type: 'button', 'data-id': p.id });
    if (chosenProject && chosenProject.id === p.id) b.className = 'chosen';
    b.addEventListener('click', () => chooseProject(p));
    li.append(b);
    list.append(li);
  }
  const exact = projects.some((p) => p.name.toLowerCase() === q.trim().toLowerCase());
  $('create-project').textContent = `+ Create project “${q.trim()}”`;
  show('create-project', !!q.trim() && !exact);
}

async function chooseProject(p) {
  chosenProject = p;
  $('chosen-project').textContent = p.name;
  show('task-box', true);
  for (const b of $('project-list').querySelectorAll('button')) b.className = b.dataset.id === p.id ? 'chosen' : '';
  await loadTasks();
}

async function loadTasks() {
  if (!chosenProject) return;
  const res = await send('search', { type: 'TimedTask', name: '', parentId: chosenProject.id });
  if (!res.ok) { setError(res.error); return; }
  tasks = res.data;
  const subs = await send('search', { type: 'TimedSubTask', name: '' });
  const ids = new Set(tasks.map((t) => t.id));
  subtasks = subs.ok ? subs.data.filter((s) => ids.has(s.task_id)) : [];
  renderTasks();
}

function renderTasks() {
  const list = $('task-list');
  list.replaceChildren();
  if (!chosenProject) return;
  const q = $('task-search').value.trim().toLowerCase();
  for (const t of tasks) {
    const subs = subtasks.filter((s) => s.task_id === t.id);
    const match = !q || t.name.toLowerCase().includes(q) || subs.some((s) => s.name.toLowerCase().includes(q));
    if (!match) continue;
    const ref = { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: chosenProject.id, projectName: chosenProject.name };
    const li = el('li');
    const b = el('button', t.name + (t.pending ? ' (not yet synced)' : ''), { type: 'button', 'data-task': t.id });
    if (chosenTask && chosenTask.taskId === t.id && !chosenTask.subtaskId) b.className = 'chosen';
    b.addEventListener('click', () => choose(ref));
    li.append(b);
    list.append(li);
    for (const s of subs) {
      if (q && !s.name.toLowerCase().includes(q) && !t.name.toLowerCase().includes(q)) continue;
      const sli = el('li', null, { class: 'sub' });
      const sb = el('button', s.name, { type: 'button', 'data-subtask': s.id });
      if (chosenTask && chosenTask.subtaskId === s.id) sb.className = 'chosen';
      sb.addEventListener('click', () => choose({ ...ref, subtaskId: s.id, subtaskName: s.name }));
      sli.append(sb);
      list.append(sli);
    }
  }
  const raw = $('task-search').value.trim();
  $('create-task').textContent = `+ Create task “${raw}”`;
  show('create-task', !!raw && !tasks.some((t) => t.name.toLowerCase() === raw.toLowerCase()));
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

$('project-search').addEventListener('input', () => {
  clearTimeout(projectTimer);
  projectTimer = setTimeout(() => loadProjects($('project-search').value), 200);
});
$('task-search').addEventListener('input', renderTasks);

$('create-project').addEventListener('click', async () => {
  const name = $('project-search').value.trim();
  const p = await act('create', { type: 'Project', name });
  if (p) { await loadProjects(name); await chooseProject(p); }
});
$('create-task').addEventListener('click', async () => {
  const name = $('task-search').value.trim();
  const t = await act('create', { type: 'TimedTask', name, parentId: chosenProject && chosenProject.id });
  if (t) {
    $('task-search').value = '';
    await loadTasks();
    choose({ taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: chosenProject.id, projectName: chosenProject.name });
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
$('sign-in').addEventListener('click', async () => {
  $('sign-in').disabled = true;
  $('sign-in').textContent = 'Signing in…';
  await act('signIn', { interactive: true });
  $('sign-in').disabled = false;
  $('sign-in').textContent = 'Sign in to Tyme';
  const res = await send('refresh');
  if (res.ok) render(res.data);
});
for (const id of ['open-options', 'options-link']) $(id).addEventListener('click', () => chrome.runtime.openOptionsPage());

chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  if (['timer', 'outboxSize', 'outboxError', 'notice', 'totals', 'auth', 'tokens', 'pendingPage'].some((k) => k in changes)) reloadState();
});

// First paint from storage (no worker round trip), then refresh through the worker.
(async () => {
  const got = await chrome.storage.local.get(['auth', 'timer', 'lastTask', 'recent', 'outboxSize', 'outboxError', 'notice', 'totals', 'pendingPage', 'settings']);
  const signedIn = !!(got.auth && got.auth.status === 'signed_in');
  render({
    signedIn, auth: got.auth, timer: got.timer || null, lastTask: got.lastTask, recent: got.recent || [],
    outboxSize: got.outboxSize || 0, outboxError: got.outboxError, notice: got.notice, totals: got.totals,
    pendingPage: got.pendingPage, settings: { clientId: got.settings && got.settings.clientId },
  });
  const res = await send('refresh');
  if (res.ok) {
    render(res.data);
    if (res.data.refreshError) setError(res.data.refreshError);
  } else setError(res.error);
  document.body.dataset.ready = '1';
})();
