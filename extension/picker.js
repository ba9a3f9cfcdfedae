// Picker filtering over the cached catalog (projects, tasks, sub-tasks kept in
// chrome.storage.local by the service worker). Pure functions: no DOM, no
// chrome.*, so the popup and the benchmark call the same code.
//
// buildIndex runs once per catalog change. It lower-cases every name once,
// groups sub-tasks under their task once, and joins the lower-cased names of
// each list into one string (names separated by NUL) with the offset of each
// name. A keystroke then is String#indexOf jumping from match to match over
// that string (native code, no per-item JavaScript for items that do not
// match), a binary search from a match's offset to its item, and a stop as
// soon as `limit` rows are found. Whether the query names an item exactly
// (for the "create" button) is one Map/Set lookup.

export const MAX_ROWS = 50;

// The catalog is stored (chrome.storage.local `catalog`) as one JSON string,
// not as an object: a browser's storage hands an object over value by value
// (100,000 items took half a second to read), a string in one copy, which
// JSON.parse then reads in a fraction of that. An object stored by an older
// version is read as it is.
/** The stored `catalog` value → {at, projects, tasks, subtasks}, or null. */
export function readCatalog(stored) {
  if (typeof stored !== 'string') return stored && typeof stored === 'object' ? stored : null;
  try {
    const c = JSON.parse(stored);
    return c && typeof c === 'object' ? c : null;
  } catch { return null; }
}
/** {at, projects, tasks, subtasks} → the value to store as `catalog`. */
export const catalogValue = (catalog) => JSON.stringify(catalog);

const SEP = '\u0000';
const str = (v) => (v == null ? '' : String(v));
const needle = (query) => str(query).trim().toLowerCase().split(SEP).join('');

/** items: [{lc}] → { items, text, starts } for findFrom. */
function searchable(items) {
  const starts = new Int32Array(items.length);
  const parts = new Array(items.length);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    starts[i] = at;
    parts[i] = items[i].lc;
    at += items[i].lc.length + 1;
  }
  return { items, text: parts.join(SEP), starts };
}

/** Index of the first item at or after `from` whose name contains q (q non-empty), or -1. */
function findFrom(list, q, from) {
  const { text, starts, items } = list;
  if (from >= items.length) return -1;
  const pos = text.indexOf(q, starts[from]);
  if (pos < 0) return -1;
  // The item holding pos: the last start <= pos.
  let lo = from;
  let hi = items.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid; else hi = mid - 1;
  }
  // A match running over a separator cannot happen (q has no NUL), so it lies inside item lo.
  return lo;
}

/**
 * catalog: { projects: [{id, name, pending?}], tasks: [{id, name, project_id, pending?}],
 *            subtasks: [{id, name, task_id, pending?}] }
 * → { projects: Item[], projectById: Map<id, Item>, taskById: Map<id, Task>, size, ... }
 * Item = { id, name, lc, pending }; Task = Item & { projectId, subs: Item[] }.
 */
export function buildIndex(catalog) {
  const c = catalog || {};
  const projects = [];
  const projectById = new Map();
  const projectNames = new Set();
  for (const p of c.projects || []) {
    if (!p || !p.id || projectById.has(String(p.id))) continue;
    const name = str(p.name);
    const item = { id: String(p.id), name, lc: name.toLowerCase(), pending: !!p.pending };
    projectById.set(item.id, item);
    projects.push(item);
    projectNames.add(item.lc);
  }
  const taskById = new Map();
  const tasksOf = new Map(); // projectId → Task[]
  for (const t of c.tasks || []) {
    if (!t || !t.id || taskById.has(String(t.id))) continue;
    const name = str(t.name);
    const task = { id: String(t.id), name, lc: name.toLowerCase(), pending: !!t.pending, projectId: str(t.project_id), subs: [] };
    taskById.set(task.id, task);
    let list = tasksOf.get(task.projectId);
    if (!list) { list = []; tasksOf.set(task.projectId, list); }
    list.push(task);
  }
  let subCount = 0;
  const subIds = new Set();
  for (const s of c.subtasks || []) {
    if (!s || !s.id || subIds.has(String(s.id))) continue;
    const task = taskById.get(str(s.task_id));
    if (!task) continue; // a sub-task of a task we do not know cannot be picked
    subIds.add(String(s.id));
    const name = str(s.name);
    task.subs.push({ id: String(s.id), name, lc: name.toLowerCase(), pending: !!s.pending });
    subCount++;
  }
  return {
    projects, projectById, taskById, size: projects.length + taskById.size + subCount,
    projectList: searchable(projects), projectNames, tasksOf, taskLists: new Map(),
  };
}

/** A project's tasks and their sub-tasks, made searchable the first time the project is filtered. */
function projectTasks(index, projectId) {
  let tl = index.taskLists.get(projectId);
  if (tl) return tl;
  const tasks = index.tasksOf.get(projectId) || [];
  const subs = [];
  const parent = [];
  tasks.forEach((t, i) => { for (const s of t.subs) { subs.push(s); parent.push(i); } });
  tl = { tasks: searchable(tasks), subs: searchable(subs), parent: Int32Array.from(parent), names: new Set(tasks.map((t) => t.lc)) };
  index.taskLists.set(projectId, tl);
  return tl;
}

/**
 * Projects whose name contains the query (case-insensitive), in catalog order.
 * → { rows: Item[] (≤ limit), more: more match than shown, exact: a name equals the query }
 */
export function filterProjects(index, query, limit = MAX_ROWS) {
  const q = needle(query);
  const list = index.projectList;
  const rows = [];
  if (!q) {
    for (let i = 0; i < list.items.length && rows.length < limit; i++) rows.push(list.items[i]);
    return { rows, more: list.items.length > rows.length, exact: false };
  }
  let more = false;
  for (let i = findFrom(list, q, 0); i >= 0; i = findFrom(list, q, i + 1)) {
    if (rows.length === limit) { more = true; break; }
    rows.push(list.items[i]);
  }
  return { rows, more, exact: index.projectNames.has(q) };
}

/**
 * Tasks of one project matching the query, in catalog order, each with the
 * sub-tasks to show under it: a task is listed when its name or one of its
 * sub-tasks' names contains the query; under a task whose own name matches,
 * all its sub-tasks are listed, otherwise only the matching ones.
 * → { rows: [{task, subs}], shown: tasks + sub-tasks in rows (≤ limit),
 *     more: more match than shown, exact: a task name equals the query }
 */
export function filterTasks(index, projectId, query, limit = MAX_ROWS) {
  const q = needle(query);
  const tl = projectTasks(index, str(projectId));
  const tasks = tl.tasks.items;
  const rows = [];
  let shown = 0;
  let more = false;
  const add = (task, subs) => {
    if (shown >= limit) { more = true; return false; }
    const room = limit - shown - 1;
    const take = subs.length > room ? subs.slice(0, room) : subs;
    if (take.length < subs.length) more = true;
    rows.push({ task, subs: take });
    shown += 1 + take.length;
    return true;
  };
  if (!q) {
    for (const t of tasks) if (!add(t, t.subs)) break;
    return { rows, shown, more, exact: false };
  }
  // Two ascending streams of task positions, merged: tasks whose name
  // matches, and parents of sub-tasks whose name matches.
  const NONE = 0x7fffffff;
  let ti = findFrom(tl.tasks, q, 0);
  let si = findFrom(tl.subs, q, 0);
  const taskAt = () => (ti < 0 ? NONE : ti);
  const subParent = () => (si < 0 ? NONE : tl.parent[si]);
  for (;;) {
    const cur = Math.min(taskAt(), subParent());
    if (cur === NONE) break;
    const task = tasks[cur];
    let subs;
    if (taskAt() === cur) {
      subs = task.subs;
      ti = findFrom(tl.tasks, q, cur + 1);
      while (subParent() === cur) si = findFrom(tl.subs, q, si + 1);
    } else {
      subs = [];
      while (subParent() === cur) { subs.push(tl.subs.items[si]); si = findFrom(tl.subs, q, si + 1); }
    }
    if (!add(task, subs)) break;
  }
  return { rows, shown, more, exact: tl.names.has(q) };
}
