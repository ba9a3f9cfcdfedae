// The picker over a big seeded catalog: per-keystroke filter and list rebuild in the popup.
import { signInDirect, api } from '../../support/dialect.mjs';
import { add, log, raw, median, p95, round, N_PROJECTS, N_TASKS, N_SUBTASKS } from '../lib.mjs';

/** Token for seeding the sandbox directly (a second client, the same auto-approve flow). */
export async function seedToken(sandbox) {
  const redirect = 'http://127.0.0.1/bench-callback';
  await sandbox.addClient({ client_id: 'bench-seed', redirect_uris: [redirect] });
  return (await signInDirect(sandbox, { clientId: 'bench-seed', redirectUri: redirect })).accessToken;
}

async function seed(sandbox, token, entities) {
  const server = api(sandbox, token);
  let next = 0;
  const worker = async () => {
    while (next < entities.length) {
      const e = entities[next++];
      const r = await server.update(e);
      if (r.status !== 200) throw new Error(`seeding ${e.type} ${e.id}: HTTP ${r.status} ${JSON.stringify(r.answer)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

// Each keystroke: the popup's own input handler, run synchronously by the
// input event (filter and list rebuild); the rows shown are recorded.
export function typeKeys(page, inputId, listId, queries) {
  return page.evaluate(async ([inputId_, listId_, qs]) => {
    const input = document.getElementById(inputId_);
    const list = document.getElementById(listId_);
    const out = [];
    for (const q of qs) {
      for (let k = 1; k <= q.length; k++) {
        const t0 = performance.now();
        input.value = q.slice(0, k);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        const ms = performance.now() - t0;
        out.push({ q: q.slice(0, k), ms, shown: list.childElementCount, ids: [...list.querySelectorAll('button')].slice(0, 3).map((b) => b.dataset.id || b.dataset.subtask || b.dataset.task) });
        await new Promise((r) => setTimeout(r, 10)); // let layout and paint happen between keystrokes
      }
    }
    return out;
  }, [inputId, listId, queries]);
}

/** The first row listed after typing q is id (else throws). */
export function expectFirst(keys, q, id) {
  const k = keys.find((x) => x.q === q);
  if (!k || k.ids[0] !== id) throw new Error(`picker: "${q}" should list ${id} first: ${JSON.stringify(k)}`);
}

export async function picker(ext, sandbox) {
  const pad = (i) => String(i).padStart(5, '0');
  log(`picker: seeding ${N_PROJECTS} projects, ${N_TASKS} tasks and ${N_SUBTASKS} sub-tasks`);
  const bigId = 'bench-big-project';
  const ents = [];
  for (let i = 0; i < N_PROJECTS - 1; i++) ents.push({ type: 'Project', id: `bench-p-${pad(i)}`, name: `Project ${pad(i)}`, category_id: null });
  ents.push({ type: 'Project', id: bigId, name: 'Zeta big project', category_id: null });
  for (let i = 0; i < N_TASKS; i++) ents.push({ type: 'TimedTask', id: `bench-t-${pad(i)}`, name: `Task ${pad(i)}`, project_id: bigId });
  for (let i = 0; i < N_SUBTASKS; i++) ents.push({ type: 'TimedSubTask', id: `bench-s-${pad(i)}`, name: `Step ${pad(i)}`, task_id: `bench-t-${pad(i % N_TASKS)}` });
  const t0 = Date.now();
  const token = await seedToken(sandbox);
  for (const type of ['Project', 'TimedTask', 'TimedSubTask']) await seed(sandbox, token, ents.filter((e) => e.type === type)); // parents first
  log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s; measuring keystrokes`);

  // The popup filters the catalog the worker keeps in storage; the seeded
  // entities reach it through the popup's "Refresh lists" button (the user
  // asking for a server fetch).
  const page = await ext.openPopup();
  await page.waitForSelector('#idle:not([hidden])');
  await page.click('#refresh-lists');
  const total = N_PROJECTS + N_TASKS + N_SUBTASKS;
  await page.waitForFunction((n) => Number(document.body.dataset.catalogSize) >= n, total, { timeout: 60000 });

  const keystrokes = (inputId, listId, queries) => typeKeys(page, inputId, listId, queries);

  const projectKeys = await keystrokes('project-search', 'project-list', ['Project 00421', 'project 01', 'Zeta big']);
  raw.pickerProjects = projectKeys;
  expectFirst(projectKeys, 'Project 00421', 'bench-p-00421');
  expectFirst(projectKeys, 'Zeta big', bigId);
  if (projectKeys.some((x) => x.shown > 50)) throw new Error('picker: more than 50 project rows rendered');

  // Choose the big project ("Zeta big" is still typed): its tasks and sub-tasks.
  await page.click(`#project-list button[data-id="${bigId}"]`);
  await page.waitForSelector('#task-list button[data-task]');
  const taskKeys = await keystrokes('task-search', 'task-list', ['task 01234', 'step 00777', 'Task 0899', 'zz']);
  raw.pickerTasks = taskKeys;
  expectFirst(taskKeys, 'task 01234', 'bench-t-01234');
  if (N_SUBTASKS > 777) expectFirst(taskKeys, 'step 00777', 'bench-t-00777'); // the sub-task's task, then the sub-task
  if (taskKeys.find((x) => x.q === 'zz').shown !== 0) throw new Error('picker: "zz" should match nothing');
  if (taskKeys.some((x) => x.shown > 50)) throw new Error('picker: more than 50 task rows rendered');

  // The pure filter (extension/picker.js) alone, over the same stored catalog.
  const pure = await page.evaluate(async ([big, qs, ps]) => {
    const m = await import('/picker.js');
    const { catalog: stored } = await chrome.storage.local.get('catalog');
    const t0 = performance.now();
    const index = m.buildIndex(m.readCatalog(stored));
    const build = performance.now() - t0;
    const out = [];
    for (const q of qs) for (let k = 1; k <= q.length; k++) { const t = performance.now(); m.filterTasks(index, big, q.slice(0, k)); out.push(performance.now() - t); }
    for (const q of ps) for (let k = 1; k <= q.length; k++) { const t = performance.now(); m.filterProjects(index, q.slice(0, k)); out.push(performance.now() - t); }
    return { build, out };
  }, [bigId, ['task 01234', 'step 00777', 'Task 0899', 'zz'], ['Project 00421', 'project 01', 'Zeta big']]);
  raw.pickerPure = pure;
  await page.close();

  const pk = projectKeys.map((x) => x.ms);
  const tk = taskKeys.map((x) => x.ms);
  add('picker', `task filter over ${N_TASKS + N_SUBTASKS} tasks + sub-tasks: median per keystroke (n=${tk.length})`, round(median(tk), 2), 'ms', { op: '<=', limit: 2 }, 'popup input handler: in-memory filter of the stored catalog + list rebuild (≤ 50 rows)');
  add('picker', 'task filter: p95 per keystroke', round(p95(tk), 2), 'ms', { op: '<=', limit: 2 });
  add('picker', `project filter over ${N_PROJECTS} projects: median per keystroke (n=${pk.length})`, round(median(pk), 2), 'ms', { op: '<=', limit: 2 }, 'popup input handler: in-memory filter of the stored catalog + list rebuild (≤ 50 rows); no request');
  add('picker', 'project filter: p95 per keystroke', round(p95(pk), 2), 'ms', { op: '<=', limit: 2 });
  add('picker', `picker.js filter alone (both lists): median / p95 (n=${pure.out.length})`, `${round(median(pure.out), 3)} / ${round(p95(pure.out), 3)}`, 'ms', null, 'filterTasks / filterProjects called directly in the popup page');
  add('picker', `picker.js readCatalog (the stored string parsed) + buildIndex over ${total} items (once per catalog change)`, round(pure.build, 1), 'ms');
}
