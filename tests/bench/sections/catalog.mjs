// A big catalog: the sandbox topped up to BIG_PROJECTS projects, BIG_TASKS
// tasks (one project holds them all: the task filter's worst case) and
// BIG_SUBTASKS sub-tasks, with upper-case UUID ids as the seed's server makes
// them, seeded at once through POST /_sandbox/entities. Then: the worker's
// catalog sync (requests, time, what it stores), the popup's first render
// with that catalog in storage against the floor, the idle popup's picker
// ready, and keystrokes in the picker.
import { add, log, raw, ok, median, p95, round, KB, settle, countRequests, storageGet, N_POPUP, BIG_PROJECTS, BIG_TASKS, BIG_SUBTASKS } from '../lib.mjs';
import { overFloor } from '../floor.mjs';
import { openTimed, openFloorTimed } from './popup.mjs';
import { typeKeys, expectFirst, seedToken } from './picker.mjs';
import { readCatalog } from '../../../extension/picker.js';

const CHUNK = 4000; // entities per control request (the sandbox takes bodies up to 1 MiB)
const pad = (i) => String(i).padStart(5, '0');
/** A UUID-shaped id (kind 1 project, 2 task, 3 sub-task), as long as the server's own. */
function uuid(kind, i) {
  const h = `be${kind}${String(i).padStart(29, '0')}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`.toUpperCase();
}

async function seedBig(sandbox) {
  const have = await sandbox.state();
  const n = { projects: have.projects.length, tasks: have.tasks.length, subtasks: have.subtasks.length };
  const bigId = uuid(1, 0);
  const ents = [{ type: 'Project', id: bigId, name: 'Zulu big project', category_id: null }];
  for (let i = 1; i < BIG_PROJECTS - n.projects; i++) ents.push({ type: 'Project', id: uuid(1, i), name: `Big project ${pad(i)}`, category_id: null });
  const tasks = Math.max(0, BIG_TASKS - n.tasks);
  for (let i = 0; i < tasks; i++) ents.push({ type: 'TimedTask', id: uuid(2, i), name: `Big task ${pad(i)}`, project_id: bigId });
  for (let i = 0; i < BIG_SUBTASKS - n.subtasks; i++) ents.push({ type: 'TimedSubTask', id: uuid(3, i), name: `Big step ${pad(i)}`, task_id: uuid(2, i % tasks) });
  const t0 = Date.now();
  for (let i = 0; i < ents.length; i += CHUNK) await sandbox.addEntities(ents.slice(i, i + CHUNK));
  const after = await sandbox.state();
  const want = { projects: after.projects.length, tasks: after.tasks.length, subtasks: after.subtasks.length };
  log(`  ${ents.length} entities added in ${((Date.now() - t0) / 1000).toFixed(1)} s (${n.projects}/${n.tasks}/${n.subtasks} there before): ${want.projects} projects, ${want.tasks} tasks, ${want.subtasks} sub-tasks`);
  return { want, bigId, added: ents.length };
}

/** Bytes of the three search answers a catalog sync reads (the same requests, made here). */
async function answerBytes(sandbox) {
  const token = await seedToken(sandbox);
  const slash = sandbox.dialect === 'live' ? '' : '/';
  let bytes = 0;
  for (const type of ['Project', 'TimedTask', 'TimedSubTask']) {
    const r = await fetch(`${sandbox.url}/data/search_entity${slash}?type=${type}&name=`, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`search_entity ${type}: HTTP ${r.status}`);
    bytes += (await r.arrayBuffer()).byteLength;
  }
  return bytes;
}

export async function bigCatalog(ext, sandbox, ref, floor) {
  log(`big catalog: ${BIG_PROJECTS} projects, ${BIG_TASKS} tasks, ${BIG_SUBTASKS} sub-tasks`);
  // The popup's first render with a timer running, the catalog stored as it is, then with the big one.
  // The popup's first-paint storage read (its keys, popup.js), timed in an extension page.
  const FIRST_KEYS = ['auth', 'timer', 'lastTask', 'recent', 'outboxSize', 'outboxError', 'notice', 'totals', 'pendingPage', 'settings'];
  const firstRead = async () => (await ext.page()).evaluate(async (keys) => {
    const out = [];
    for (let i = 0; i < 20; i++) { const t = performance.now(); await chrome.storage.local.get(keys); out.push(performance.now() - t); }
    return out.sort((a, b) => a - b)[10];
  }, FIRST_KEYS);
  const firstRenders = async () => {
    await ok(ext.send('start', { task: ref, page: { url: 'https://example.com/big', title: 'Big' } }), 'start');
    await openTimed(ext); // compiles and caches, not counted
    await openFloorTimed(ext, floor);
    const marks = [];
    const floorMarks = [];
    // Warm: each worker has just answered a message from its extension's page (a
    // handle on a worker stopped meanwhile can hang in Playwright, so none is used).
    const wake = async (page) => {
      const answered = page.evaluate(() => chrome.runtime.sendMessage({ type: 'getState' }));
      const late = new Promise((_, rej) => setTimeout(() => rej(new Error('big catalog: a worker did not answer within 15 s')), 15000));
      return Promise.race([answered, late]);
    };
    for (let i = 0; i < N_POPUP; i++) {
      await wake(await ext.page());
      await wake(await floor.page());
      // Who opens first alternates (as in the popup section).
      if (i % 2) { floorMarks.push(await openFloorTimed(ext, floor)); marks.push((await openTimed(ext)).mark); }
      else { marks.push((await openTimed(ext)).mark); floorMarks.push(await openFloorTimed(ext, floor)); }
    }
    await ok(ext.send('stop'), 'stop');
    return { marks, floorMarks, over: overFloor(median(marks), median(floorMarks)), read: await firstRead() };
  };
  const small = readCatalog((await storageGet(ext, 'catalog')).catalog);
  const smallSize = small ? small.projects.length + small.tasks.length + small.subtasks.length : 0;
  const before = await firstRenders();
  const { want, bigId } = await seedBig(sandbox);
  const total = want.projects + want.tasks + want.subtasks;

  // The catalog sync as the user's "Refresh lists" asks for it (fresh), every request logged.
  await settle(ext, sandbox);
  await sandbox.clearLog();
  const t0 = Date.now();
  const got = await ok(ext.send('syncCatalog', { fresh: true }), 'syncCatalog');
  const syncMs = Date.now() - t0;
  const c = countRequests(await settle(ext, sandbox));
  if (got.projects !== want.projects || got.tasks !== want.tasks || got.subtasks !== want.subtasks) {
    throw new Error(`big catalog: the worker stored ${JSON.stringify(got)}, the server has ${JSON.stringify(want)}`);
  }
  const bytes = await (await ext.page()).evaluate(async () => ({
    catalog: await chrome.storage.local.getBytesInUse('catalog'),
    all: await chrome.storage.local.getBytesInUse(null),
    quota: chrome.storage.local.QUOTA_BYTES,
  }));
  bytes.answers = await answerBytes(sandbox);
  raw.bigCatalog = { want, sync: c, syncMs, bytes };
  add('catalog', `catalog sync of ${total} items: requests`, c.requests, c.requests === 1 ? 'request' : 'requests', { op: '<=', limit: 3 },
    `${c.detail}; one search_entity per type whatever the size (the API has no paging for entities); ${c.preflights} OPTIONS not counted`);
  add('catalog', 'catalog sync: message → stored (3 searches, slimmed, one storage write)', syncMs, 'ms');
  add('catalog', 'catalog sync: bytes of the three answers', round(bytes.answers / KB, 0), 'KB', null, 'uncompressed JSON as the sandbox answers; the sync alarm fetches it again when older than 5 minutes');
  add('catalog', 'catalog in chrome.storage.local (getBytesInUse)', round(bytes.catalog / KB, 0), 'KB', null,
    `whole storage ${round(bytes.all / KB, 0)} KB; quota ${bytes.quota ? `${round(bytes.quota / KB, 0)} KB` : 'none (unlimitedStorage)'}`);

  const after = await firstRenders();
  raw.bigCatalog.popup = { before, after };
  add('catalog', `popup first render with the big catalog stored, worker warm, over the floor: median (n=${after.marks.length})`, after.over, 'ms', { op: '<=', limit: 10 },
    `Tyme Tab ${round(median(after.marks), 1)} ms, floor ${round(median(after.floorMarks), 1)} ms; the popup reads the catalog only for the idle view's picker, after its first paint`);
  add('catalog', `popup first render over the floor: ${smallSize}-item catalog → big catalog`, `${before.over} → ${after.over}`, 'ms', null,
    `${before.marks.length} warm opens each, in this section, before seeding and after the sync (Tyme Tab ${round(median(before.marks), 1)} → ${round(median(after.marks), 1)} ms)`);
  add('catalog', 'the popup\'s first-paint storage read (10 keys, not the catalog): median before → with the big catalog', `${round(before.read, 2)} → ${round(after.read, 2)}`, 'ms', null, 'chrome.storage.local.get from an extension page, 20 reads each');

  // The idle popup: first paint, then the picker's catalog read and indexed.
  const picks = [];
  for (let i = 0; i < Math.min(N_POPUP, 5); i++) {
    const page = await ext.context.newPage();
    await page.goto(`${ext.base}/popup/popup.html`);
    await page.waitForFunction((n) => Number(document.body.dataset.catalogSize) >= n, total, { timeout: 60000, polling: 10 });
    picks.push(await page.evaluate(() => performance.now())); // polled: an upper bound
    if (i < Math.min(N_POPUP, 5) - 1) await page.close();
    else {
      // Keystrokes in that popup: the project list, then the big project's tasks.
      const projectKeys = await typeKeys(page, 'project-search', 'project-list', ['Big project 04217', 'big project 1', 'Zulu big']);
      expectFirst(projectKeys, 'Big project 04217', uuid(1, 4217));
      expectFirst(projectKeys, 'Zulu big', bigId);
      await page.click(`#project-list button[data-id="${bigId}"]`);
      await page.waitForSelector('#task-list button[data-task]');
      const taskKeys = await typeKeys(page, 'task-search', 'task-list', ['big task 01234', 'big step 00777', 'Big task 0899', 'zz']);
      expectFirst(taskKeys, 'big task 01234', uuid(2, 1234));
      expectFirst(taskKeys, 'big step 00777', uuid(2, 777)); // the sub-task's task, then the sub-task
      if (taskKeys.find((x) => x.q === 'zz').shown !== 0) throw new Error('big catalog: "zz" should match nothing');
      if ([...projectKeys, ...taskKeys].some((x) => x.shown > 50)) throw new Error('big catalog: more than 50 rows rendered');
      await page.close();
      raw.bigCatalog.keys = { projectKeys, taskKeys };
      const tk = taskKeys.map((x) => x.ms);
      const pk = projectKeys.map((x) => x.ms);
      add('catalog', `picker keystroke, ${want.tasks} tasks + ${want.subtasks} sub-tasks in one project: median / p95 (n=${tk.length})`, `${round(median(tk), 2)} / ${round(p95(tk), 2)}`, 'ms');
      add('catalog', 'picker keystroke, task filter: p95', round(p95(tk), 2), 'ms', { op: '<=', limit: 2 }, 'the popup\'s input handler: in-memory filter + list rebuild (≤ 50 rows)');
      add('catalog', `picker keystroke, ${want.projects} projects: median / p95 (n=${pk.length})`, `${round(median(pk), 2)} / ${round(p95(pk), 2)}`, 'ms');
      const slowest = (keys) => [...keys].sort((p, q) => q.ms - p.ms).slice(0, 3).map((x) => `"${x.q}" ${round(x.ms, 1)} ms`).join(', ');
      add('catalog', 'picker keystroke, project filter: p95', round(p95(pk), 2), 'ms', { op: '<=', limit: 2 }, `slowest: ${slowest(projectKeys)}; tasks: ${slowest(taskKeys)}`);
    }
  }
  add('catalog', `idle popup: navigation → picker indexed over ${total} items: median (n=${picks.length})`, round(median(picks), 0), 'ms', null,
    'after the first paint: one storage read of the catalog, picker.js buildIndex; polled every 10 ms, an upper bound');
}
