// extension/picker.js in plain node (no browser): the popup's in-memory
// filter of the cached catalog, checked case by case and against a
// straightforward reference filter over random catalogs and queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EXT_DIR } from '../e2e/support.mjs';
import { prng } from '../support/random.mjs';

const { buildIndex, filterProjects, filterTasks, readCatalog, catalogValue, MAX_ROWS } = await import(path.join(EXT_DIR, 'picker.js'));

// ------------------------------------------------------------ reference
// The same contract written the obvious way: scan everything, no index.
const s = (v) => (v == null ? '' : String(v));
const norm = (q) => s(q).trim().toLowerCase().split('\u0000').join('');

function refCatalog(c) {
  const projects = [];
  const seenP = new Set();
  for (const p of c.projects || []) {
    if (!p || !p.id || seenP.has(String(p.id))) continue;
    seenP.add(String(p.id));
    projects.push({ id: String(p.id), name: s(p.name) });
  }
  const tasks = [];
  const seenT = new Set();
  for (const t of c.tasks || []) {
    if (!t || !t.id || seenT.has(String(t.id))) continue;
    seenT.add(String(t.id));
    tasks.push({ id: String(t.id), name: s(t.name), projectId: s(t.project_id), subs: [] });
  }
  const seenS = new Set();
  for (const x of c.subtasks || []) {
    if (!x || !x.id || seenS.has(String(x.id))) continue;
    const task = tasks.find((t) => t.id === s(x.task_id));
    if (!task) continue;
    seenS.add(String(x.id));
    task.subs.push({ id: String(x.id), name: s(x.name) });
  }
  return { projects, tasks };
}

function refProjects(c, query, limit = MAX_ROWS) {
  const q = norm(query);
  const all = refCatalog(c).projects;
  const matches = q ? all.filter((p) => p.name.toLowerCase().includes(q)) : all;
  return {
    rows: matches.slice(0, limit).map((p) => p.id),
    more: matches.length > limit,
    exact: !!q && all.some((p) => p.name.toLowerCase() === q),
  };
}

function refTasks(c, projectId, query, limit = MAX_ROWS) {
  const q = norm(query);
  const tasks = refCatalog(c).tasks.filter((t) => t.projectId === s(projectId));
  const wanted = [];
  for (const t of tasks) {
    if (!q || t.name.toLowerCase().includes(q)) wanted.push({ task: t.id, subs: t.subs.map((x) => x.id) });
    else {
      const subs = t.subs.filter((x) => x.name.toLowerCase().includes(q)).map((x) => x.id);
      if (subs.length) wanted.push({ task: t.id, subs });
    }
  }
  const rows = [];
  let shown = 0;
  let more = false;
  for (const w of wanted) {
    if (shown >= limit) { more = true; break; }
    const subs = w.subs.slice(0, limit - shown - 1);
    if (subs.length < w.subs.length) more = true;
    rows.push({ task: w.task, subs });
    shown += 1 + subs.length;
  }
  return { rows, shown, more, exact: !!q && tasks.some((t) => t.name.toLowerCase() === q) };
}

const projIds = (r) => ({ rows: r.rows.map((p) => p.id), more: r.more, exact: r.exact });
const taskIds = (r) => ({ rows: r.rows.map((x) => ({ task: x.task.id, subs: x.subs.map((y) => y.id) })), shown: r.shown, more: r.more, exact: r.exact });

// ------------------------------------------------------------ fixed cases
const catalog = {
  projects: [
    { id: 'p1', name: 'Website' }, { id: 'p2', name: 'Web shop' }, { id: 'p3', name: 'Garden', pending: true },
    { id: 'p1', name: 'Duplicate id' }, { id: '', name: 'No id' }, null, { id: 'p4', name: null },
  ],
  tasks: [
    { id: 't1', name: 'Research', project_id: 'p1' }, { id: 't2', name: 'Design', project_id: 'p1' },
    { id: 't3', name: 'Build', project_id: 'p1' }, { id: 't4', name: 'Planting', project_id: 'p3' },
  ],
  subtasks: [
    { id: 's1', name: 'Interviews', task_id: 't1' }, { id: 's2', name: 'Design review', task_id: 't3' },
    { id: 's3', name: 'Logo', task_id: 't2' }, { id: 's4', name: 'Orphan', task_id: 'nope' },
  ],
};

test('projects: case-insensitive substring in catalog order; duplicates and id-less items dropped', () => {
  const idx = buildIndex(catalog);
  assert.deepEqual(projIds(filterProjects(idx, 'WEB')), { rows: ['p1', 'p2'], more: false, exact: false });
  assert.deepEqual(projIds(filterProjects(idx, '  garden ')), { rows: ['p3'], more: false, exact: true });
  assert.equal(filterProjects(idx, 'garden').rows[0].pending, true);
  assert.deepEqual(projIds(filterProjects(idx, '')), { rows: ['p1', 'p2', 'p3', 'p4'], more: false, exact: false });
  assert.deepEqual(projIds(filterProjects(idx, 'web', 1)), { rows: ['p1'], more: true, exact: false });
  assert.deepEqual(projIds(filterProjects(idx, 'duplicate')).rows, []);
  assert.deepEqual(projIds(filterProjects(idx, 'zzz')), { rows: [], more: false, exact: false });
  assert.equal(idx.size, 4 + 4 + 3, 'orphan sub-task not counted');
});

test('tasks: a matching task brings all its sub-tasks, a matching sub-task brings its task', () => {
  const idx = buildIndex(catalog);
  assert.deepEqual(taskIds(filterTasks(idx, 'p1', 'design')), {
    rows: [{ task: 't2', subs: ['s3'] }, { task: 't3', subs: ['s2'] }], shown: 4, more: false, exact: true,
  });
  assert.deepEqual(taskIds(filterTasks(idx, 'p1', 'INTERV')), { rows: [{ task: 't1', subs: ['s1'] }], shown: 2, more: false, exact: false });
  assert.deepEqual(taskIds(filterTasks(idx, 'p1', '')).rows.map((r) => r.task), ['t1', 't2', 't3']);
  assert.deepEqual(taskIds(filterTasks(idx, 'p3', 'plant')), { rows: [{ task: 't4', subs: [] }], shown: 1, more: false, exact: false });
  assert.deepEqual(taskIds(filterTasks(idx, 'p2', '')), { rows: [], shown: 0, more: false, exact: false });
  assert.deepEqual(taskIds(filterTasks(idx, 'p1', '', 2)), { rows: [{ task: 't1', subs: ['s1'] }], shown: 2, more: true, exact: false });
  assert.deepEqual(taskIds(filterTasks(idx, 'p1', '', 3)), { rows: [{ task: 't1', subs: ['s1'] }, { task: 't2', subs: [] }], shown: 3, more: true, exact: false });
});

test('empty and odd input: no catalog, null names, NUL and markup in queries', () => {
  const empty = buildIndex(null);
  assert.deepEqual(projIds(filterProjects(empty, 'x')), { rows: [], more: false, exact: false });
  assert.deepEqual(taskIds(filterTasks(empty, 'p1', 'x')), { rows: [], shown: 0, more: false, exact: false });
  const idx = buildIndex({ projects: [{ id: 'a', name: 'a\u0000b' }, { id: 'b', name: '<img src=x>' }] });
  assert.deepEqual(projIds(filterProjects(idx, '\u0000')).rows, ['a', 'b'], 'a NUL-only query is empty');
  assert.deepEqual(projIds(filterProjects(idx, 'b')).rows, ['a']);
  assert.deepEqual(projIds(filterProjects(idx, '<IMG')).rows, ['b']);
  assert.equal(filterProjects(idx, 'a\u0000b').exact, false, 'the query loses its NUL');
  assert.deepEqual(projIds(filterProjects(idx, null)).rows, ['a', 'b']);
});

// ------------------------------------------------------------ random
test('random catalogs and queries: same answers as the reference filter', () => {
  const seed = Number(process.env.PICKER_SEED || (Date.now() >>> 0));
  const rand = prng(seed);
  const int = (n) => Math.floor(rand() * n);
  const pick = (a) => a[int(a.length)];
  const ALPHA = ['a', 'b', 'A', 'B', 'c', ' ', 'é', 'É', 'İ', 'ß', '\u0000', '<', 'x'];
  const word = (max) => Array.from({ length: int(max) }, () => pick(ALPHA)).join('');
  let checks = 0;
  for (let round = 0; round < 300; round++) {
    const np = int(12); const nt = int(30); const ns = int(40);
    const pid = () => `p${int(np + 2)}`; // some ids repeat, some tasks point at unknown projects
    const tid = () => `t${int(nt + 2)}`;
    const c = {
      projects: Array.from({ length: np }, () => (rand() < 0.05 ? null : { id: rand() < 0.05 ? '' : pid(), name: rand() < 0.05 ? null : word(6) })),
      tasks: Array.from({ length: nt }, () => ({ id: tid(), name: word(6), project_id: pid() })),
      subtasks: Array.from({ length: ns }, () => ({ id: `s${int(ns + 2)}`, name: word(5), task_id: tid() })),
    };
    const idx = buildIndex(c);
    for (let k = 0; k < 12; k++) {
      // Queries: random words, or a piece of a real name with its case changed and padded.
      const names = [...c.projects, ...c.tasks, ...c.subtasks].filter((x) => x && x.name).map((x) => x.name);
      let q = word(3);
      if (names.length && rand() < 0.6) {
        const n = pick(names); const i = int(n.length + 1);
        q = n.slice(i, i + 1 + int(3));
        if (rand() < 0.5) q = q.toUpperCase();
        if (rand() < 0.3) q = `  ${q} `;
      }
      const limit = rand() < 0.5 ? MAX_ROWS : 1 + int(6);
      const ctx = `seed=${seed} round=${round} q=${JSON.stringify(q)} limit=${limit}`;
      assert.deepEqual(projIds(filterProjects(idx, q, limit)), refProjects(c, q, limit), ctx);
      const p = pid(); // filterTasks caches a project's lists: the same index is asked again and again
      assert.deepEqual(taskIds(filterTasks(idx, p, q, limit)), refTasks(c, p, q, limit), `${ctx} project=${p}`);
      checks += 2;
    }
  }
  assert.equal(checks, 300 * 12 * 2);
});

test('the stored catalog: one JSON string, read back whole; an object stored by an older version read as it is; damage reads as none', () => {
  const c = { at: 5, projects: [{ id: 'p1', name: 'Ünïcode "quoted" \u0000 name' }], tasks: [{ id: 't1', name: 'T', project_id: 'p1' }], subtasks: [] };
  const stored = catalogValue(c);
  assert.equal(typeof stored, 'string');
  assert.deepEqual(readCatalog(stored), c);
  assert.deepEqual(readCatalog(c), c);
  assert.equal(readCatalog(stored.slice(0, -3)), null);
  assert.equal(readCatalog('42'), null);
  assert.equal(readCatalog(undefined), null);
  assert.equal(readCatalog(null), null);
  // What the picker indexes from it.
  assert.equal(buildIndex(readCatalog(stored)).size, 2);
});
