// The picker's data: search, and the catalog of every project, task and
// sub-task, slimmed to what the picker shows, in chrome.storage.local
// (`catalog`, one JSON string: picker.js readCatalog; its fetch time in the
// small `catalogAt` key). Fetched
// after sign-in, on first need, when the user asks (the popup's refresh
// button), and by the sync alarm when older than catalogMaxAge; local
// creates go in at once, marked pending until the outbox has sent them. The
// popup filters it in memory (picker.js).
import { t } from '../i18n.js';
import { outboxPending } from '../pkg/tyme_tab.js';
import { newChild, PARENT_KEY } from '../shared/entities.js';
import { checkName } from '../shared/rules.js';
import { wasmReady } from './wasm.js';
import { store, locked } from './storage.js';
import { UserError, signedOutError, errorInfo, refusal } from './errors.js';
import { getClient, current, sameAccount, serverDialect } from './auth.js';
import { flush, pendingSet, queueWrites } from './outbox.js';
import { readOutbox } from './journal.js';
import { ALARM_SYNC, ensureSyncAlarm } from './alarms.js';
import { readCatalog, catalogValue } from '../picker.js';
import { pastWeekFor } from './totals.js';

const CATALOG_MAX_AGE_MS = 5 * 60_000; // the alarm refetches the catalog when older than this ...
// ... for a catalog of up to this many items; a bigger one is refetched less
// often, in proportion (its every fetch moves megabytes), at least hourly.
const CATALOG_ITEMS_PER_PERIOD = 5_000;
const CATALOG_MAX_AGE_CAP_MS = 60 * 60_000;

/** How old the catalog may grow before the sync alarm fetches it again. */
export function catalogMaxAge(items) {
  const periods = Math.max(1, Math.ceil((Number(items) || 0) / CATALOG_ITEMS_PER_PERIOD));
  return Math.min(CATALOG_MAX_AGE_CAP_MS, periods * CATALOG_MAX_AGE_MS);
}
const CATALOG_LISTS = { Project: 'projects', TimedTask: 'tasks', TimedSubTask: 'subtasks' };
const SEARCHABLE = ['ProjectCategory', 'Project', 'TimedTask', 'TimedSubTask'];

function slim(type, e) {
  const o = { id: String(e.id), name: String(e.name == null ? '' : e.name) };
  if (type === 'TimedTask') o.project_id = String(e.project_id || '');
  if (type === 'TimedSubTask') o.task_id = String(e.task_id || '');
  return o;
}
export const emptyCatalog = () => ({ at: 0, projects: [], tasks: [], subtasks: [] });

export async function search({ type, name = '', parentId = null }) {
  if (!SEARCHABLE.includes(type)) throw new UserError('invalid_input', t('err_entity_type'));
  const client = await getClient();
  let list = [];
  let error = null;
  try {
    list = await client.searchEntity(type, String(name), parentId || null);
  } catch (e) {
    error = errorInfo(e);
  }
  // Entities created here but not yet confirmed by the server are usable at once.
  const { state: outbox } = await readOutbox();
  if (outbox) {
    const needle = String(name).toLowerCase();
    for (const p of outboxPending(outbox)) {
      const e = p.entity;
      if (!e || e.type !== type || list.some((x) => x.id === e.id)) continue;
      if (needle && !String(e.name || '').toLowerCase().includes(needle)) continue;
      if (parentId && PARENT_KEY[type] && e[PARENT_KEY[type]] !== parentId) continue;
      list.push({ ...e, pending: true });
    }
  }
  if (error && !list.length) throw new UserError(error.code, error.message);
  return list;
}

async function fetchCatalog() {
  const client = await getClient();
  const startedAt = Date.now();
  // A big catalog's lists one after another: each answer (megabytes) is
  // parsed and dropped before the next arrives, so the core's memory holds
  // one at a time (it never shrinks once grown). A small one's at once.
  const types = Object.keys(CATALOG_LISTS);
  const { catalogItems } = await store.get('catalogItems');
  let lists;
  if ((catalogItems || 0) > CATALOG_ITEMS_PER_PERIOD) {
    lists = [];
    for (const type of types) lists.push(await client.searchEntity(type, '', null));
  } else {
    lists = await Promise.all(types.map((type) => client.searchEntity(type, '', null)));
  }
  return locked(async () => {
    if (!current(client)) throw signedOutError();
    const catalog = readCatalog((await store.get('catalog')).catalog);
    const pending = await pendingSet();
    const next = { at: Date.now() };
    Object.entries(CATALOG_LISTS).forEach(([type, key], i) => {
      next[key] = (lists[i] || []).filter((e) => e && e.id).map((e) => slim(type, e));
      // Local creates the server did not list: still waiting in the outbox, or made during this fetch.
      const have = new Set(next[key].map((x) => x.id));
      for (const x of (catalog && catalog[key]) || []) {
        if (x.local && !have.has(x.id) && (pending.has(x.id) || (x.addedAt || 0) >= startedAt)) next[key].push(x);
      }
    });
    const items = next.projects.length + next.tasks.length + next.subtasks.length;
    await store.set({ catalog: catalogValue(next), catalogAt: next.at, catalogItems: items });
    return { at: next.at, projects: next.projects.length, tasks: next.tasks.length, subtasks: next.subtasks.length };
  });
}

// One fetch at a time; `fresh` (the user asked) waits for a fetch already
// running and then fetches again, so it sees what changed since that one began.
let catalogRun = null;
let catalogAgain = null;
export function syncCatalog({ fresh = false } = {}) {
  if (!catalogRun) {
    catalogRun = fetchCatalog().finally(() => { catalogRun = null; });
    return catalogRun;
  }
  if (!fresh) return catalogRun;
  if (!catalogAgain) catalogAgain = catalogRun.catch(() => {}).then(() => { catalogAgain = null; return syncCatalog(); });
  return catalogAgain;
}

/** Local creates the server confirmed (entities): no longer marked pending, in one write. */
export async function markSynced(entities) {
  const ids = new Map();
  for (const e of entities) {
    const key = e && !e.deleted && CATALOG_LISTS[e.type];
    if (key) ids.set(e.id, key);
  }
  if (!ids.size) return;
  await locked(async () => {
    const catalog = readCatalog((await store.get('catalog')).catalog);
    if (!catalog) return;
    let changed = false;
    for (const key of new Set(ids.values())) {
      for (const item of catalog[key] || []) {
        if (item.pending && ids.get(item.id) === key) { item.pending = false; changed = true; }
      }
    }
    if (changed) await store.set({ catalog: catalogValue(catalog) });
  });
}

export async function create({ type, name, parentId }) {
  const checked = checkName(name);
  if (checked.error) throw refusal(checked);
  const client = await getClient();
  await wasmReady();
  const made = newChild(type, checked.value, parentId);
  if (made.error) throw refusal(made);
  const { entity } = made;
  await locked(async () => {
    if (!sameAccount(client)) throw signedOutError();
    const catalog = readCatalog((await store.get('catalog')).catalog) || emptyCatalog();
    const key = CATALOG_LISTS[type];
    catalog[key] = [...(catalog[key] || []), { ...slim(type, entity), local: true, pending: true, addedAt: Date.now() }];
    await store.set({ ...(await queueWrites([entity])), catalog: catalogValue(catalog) });
  });
  flush().catch(() => {});
  return entity;
}

// After sign-in (not awaited: the sign-in answers at once): the picker's
// catalog and the past days of the week, so opening the popup afterwards
// needs one request at most; and the alarm that keeps them fresh.
export function warmCaches({ fresh = false } = {}) {
  syncCatalog({ fresh }).catch(() => {});
  // Where the server lists entries (GET /data/times), one request gives the whole week.
  serverDialect().then((d) => (d.times === true ? null : pastWeekFor(Date.now()))).catch(() => {});
  ensureSyncAlarm().catch(() => {});
}

// The sync alarm: catalog when older than catalogMaxAge (30 s slack for
// alarm jitter), past days of the week once a day; stops itself when signed out.
export async function backgroundSync() {
  const { tokens, catalogAt, catalogItems } = await store.get(['tokens', 'catalogAt', 'catalogItems']);
  if (!tokens) { await chrome.alarms.clear(ALARM_SYNC); return; }
  if (!catalogAt || Date.now() - catalogAt >= catalogMaxAge(catalogItems) - 30_000) await syncCatalog().catch(() => {});
  if ((await serverDialect()).times !== true) await pastWeekFor(Date.now()).catch(() => {});
}
