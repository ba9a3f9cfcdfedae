// Today's and this week's totals, and whether the running entry still runs
// on the server: from the server's own entries (GET /data/times) where it has
// them, else from today's summary (stopped elsewhere is then decided by
// reconcile.js from the growth of the server's figures).
import { t } from '../i18n.js';
import { parseDateTime } from '../pkg/tyme_tab.js';
import { adoptedEntry } from '../shared/entities.js';
import { taskLabel, dayStart, weekStart } from '../shared/format.js';
import { trackedFor, decide as decideReconcile } from '../reconcile.js';
import { wasmReady } from './wasm.js';
import { store, locked } from './storage.js';
import { getClient, current, serverDialect } from './auth.js';
import { pendingSet } from './outbox.js';
import { ensureTickAlarm, updateBadge, timerGone } from './alarms.js';
import { emptyCatalog } from './catalog.js';
import { readCatalog } from '../picker.js';

const TOTALS_FRESH_MS = 60_000; // a popup opened within this of the last totals fetch sends nothing

const stoppedNotice = (label, at) => ({ message: t('notice_stopped_elsewhere', label), at });

async function stoppedElsewhere(timer) {
  return locked(async () => {
    const cur = await store.get(['timer', 'totals']);
    if (!cur.timer || cur.timer.entity.id !== timer.entity.id) return null;
    const notice = stoppedNotice(timer.label, Date.now());
    // When it stopped is not known here: the totals are fetched again on the next popup open.
    const extra = cur.totals ? { totals: { ...cur.totals, at: 0, runningId: null, checkedId: null } } : {};
    await store.set({ timer: null, notice, reconcile: null, ...extra });
    await timerGone();
    return notice;
  });
}

// The alarm's check while a timer runs (about once a minute): the same
// summary as the popup's, whatever the age of the stored totals.
export async function reconcile() {
  const { timer } = await store.get('timer');
  if (!timer) return null;
  return refreshTotals({ force: true });
}

/**
 * Record one check of the running entry (summary rows of [from, …] just
 * fetched) and, when the server shows it stopped, stop it here and tell the user.
 */
async function checkRunning(timer, rows, from) {
  const verdict = await locked(async () => {
    const cur = await store.get(['timer', 'reconcile']);
    if (!cur.timer || cur.timer.entity.id !== timer.entity.id) return null;
    const { next, stopped } = decideReconcile(cur.reconcile || null, {
      id: timer.entity.id, from, tracked: trackedFor(rows, timer.ref), at: Date.now(),
      pending: (await pendingSet()).has(timer.entity.id),
    });
    await store.set({ reconcile: next });
    return stopped;
  });
  return verdict ? stoppedElsewhere(timer) : null;
}

const sumRows = (rows) => rows.reduce((s, r) => s + (Number(r.duration) || 0), 0);

// The part of this week before today, cached per day: it changes rarely (an
// edit in Tyme of an earlier day shows up the next day, or after sign-in).
// Monday needs no request.
let pastRun = null;
export async function pastWeekFor(now) {
  const day = dayStart(now);
  const { pastWeek } = await store.get('pastWeek');
  if (pastWeek && pastWeek.dayStart === day) return pastWeek;
  if (pastRun && pastRun.day === day) return pastRun.promise;
  const promise = (async () => {
    const week = weekStart(now);
    const client = await getClient();
    const seconds = week < day ? sumRows(await client.summary(week, day)) : 0;
    const pw = { dayStart: day, weekStart: week, seconds, at: Date.now() };
    await locked(async () => { if (current(client)) await store.set({ pastWeek: pw }); });
    return pw;
  })();
  pastRun = { day, promise };
  promise.finally(() => { if (pastRun && pastRun.promise === promise) pastRun = null; }).catch(() => {});
  return promise;
}

// Totals and the check of the running entry in one request: today's summary
// (its rows hold the running entry, clipped to today) plus the cached past
// days of the week. Nothing is sent when the totals are less than a minute
// old, from today, and the running entry (if confirmed by the server) was
// checked by that fetch. The first fetch of a day also asks for the past days
// of the week (one more request) unless the sync alarm already did.
// The running entry's check (checkRunning) needs two of these a minute or
// more apart; the tick alarm makes one about every minute.
export async function refreshTotals({ force = false } = {}) {
  const now = Date.now();
  const day = dayStart(now);
  const { totals, timer } = await store.get(['totals', 'timer']);
  await wasmReady();
  const confirmed = timer && !(await pendingSet()).has(timer.entity.id) ? timer : null;
  const exact = (await serverDialect()).times !== false;
  // With the server's own list of entries, a confirmed running entry is
  // checked on every popup open (one request), so a stop in Tyme shows at once.
  if (!force && totals && totals.dayStart === day && now - totals.at < TOTALS_FRESH_MS
    && !(exact && confirmed) && (!confirmed || totals.checkedId === confirmed.entity.id)) return null;
  const client = await getClient();
  if (exact) {
    const entries = await client.times(Math.min(weekStart(now), confirmed ? confirmed.startMs - 60_000 : Infinity), now + 60_000);
    if (entries) return applyEntries(entries, now, confirmed ? confirmed.entity.id : null, client);
  }
  const [rows, past] = await Promise.all([client.summary(day, now), pastWeekFor(now)]);
  const notice = timer ? await checkRunning(timer, rows, day) : null;
  const today = sumRows(rows);
  await locked(async () => {
    if (!current(client)) return;
    const cur = await store.get('timer');
    // The server counted the entry as running up to now only if it still runs here.
    const runningId = !notice && confirmed && cur.timer && cur.timer.entity.id === confirmed.entity.id ? confirmed.entity.id : null;
    await store.set({
      totals: {
        dayStart: day, weekStart: past.weekStart, at: now, today, week: past.seconds + today,
        runningId, checkedId: confirmed ? confirmed.entity.id : null,
      },
    });
  });
  return notice;
}

// Seconds of [from, to) an entry covers (a running one up to `now`).
function overlap(e, from, to, now) {
  const start = parseEntryTime(e.time_start);
  const end = e.time_end ? parseEntryTime(e.time_end) : now;
  if (start == null || end == null) return 0;
  return Math.max(0, Math.min(end, to) - Math.max(start, from)) / 1000;
}
function parseEntryTime(s) { try { return parseDateTime(s); } catch { return null; } }

/**
 * Totals and the running entry from the server's own entries (GET /data/times,
 * this week): today's and this week's seconds, and the local timer's fate:
 * still running, stopped in Tyme (its entry has an end, or is gone), or a
 * timer started in Tyme that this browser did not know (taken over, labelled
 * from the catalog, so it can be stopped here).
 */
// `checked`: the id of the local timer confirmed by the server before the
// list was asked for (only that timer can be judged by it); a stop or
// discard made here after `now` makes the list too old to take a timer over.
async function applyEntries(entries, now, checked, client) {
  const day = dayStart(now);
  const week = weekStart(now);
  let today = 0;
  let weekTotal = 0;
  for (const e of entries) {
    today += overlap(e, day, now, now);
    weekTotal += overlap(e, week, now, now);
  }
  const running = entries.filter((e) => !e.time_end);
  return locked(async () => {
    // Entries of another account's server are not this account's timer.
    if (!current(client)) return null;
    // Not the catalog (megabytes for a big account): read only to name an entry adopted below.
    const cur = await store.get(['timer', 'endedAt']);
    const pending = await pendingSet();
    let notice = null;
    const extra = {};
    if (cur.timer && cur.timer.entity.id === checked && !pending.has(cur.timer.entity.id)) {
      const mine = entries.find((e) => e.id === cur.timer.entity.id);
      if (!mine || mine.time_end) {
        notice = stoppedNotice(cur.timer.label, now);
        extra.timer = null;
        extra.notice = notice;
      }
    } else if (!cur.timer && running.length === 1 && !pending.has(running[0].id) && !((cur.endedAt || 0) >= now)) {
      extra.timer = adoptRunning(running[0], readCatalog((await store.get('catalog')).catalog));
    }
    const timer = extra.timer !== undefined ? extra.timer : cur.timer;
    // The server counted the running entry up to `now`.
    const runningId = timer && entries.some((e) => e.id === timer.entity.id && !e.time_end) ? timer.entity.id : null;
    await store.set({
      totals: { dayStart: day, weekStart: week, at: now, today, week: weekTotal, runningId, checkedId: runningId, exact: true },
      reconcile: null,
      ...extra,
    });
    if (extra.timer === null) await timerGone();
    if (extra.timer) { await ensureTickAlarm(); await updateBadge(); }
    return notice;
  });
}

// A running entry started in Tyme, as a local timer (its task named from the catalog).
function adoptRunning(e, catalog) {
  const cat = catalog || emptyCatalog();
  const sub = (cat.subtasks || []).find((x) => x.id === (e.subtask_id || e.task_id));
  const taskId = sub ? sub.task_id : e.task_id;
  const task = (cat.tasks || []).find((x) => x.id === taskId);
  const project = task && (cat.projects || []).find((x) => x.id === task.project_id);
  const ref = {
    taskId, subtaskId: sub ? sub.id : '', taskName: task ? task.name : '', subtaskName: sub ? sub.name : '',
    projectId: project ? project.id : '', projectName: project ? project.name : '',
  };
  const entity = adoptedEntry(e, ref);
  return { entity, startMs: parseEntryTime(e.time_start) ?? Date.now(), ref, label: taskLabel(ref) || 'a task in Tyme', note: e.note || '', url: '', adopted: true };
}
