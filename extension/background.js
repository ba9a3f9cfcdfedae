// Tyme Tab service worker: wires browser events (messages, context menu,
// alarms, start-up) to the wasm core. Everything that matters lives in
// chrome.storage.local; the worker may be stopped at any moment. The only
// module-level state is de-duplication of work in flight (flush, refresh,
// storage mutations), never the source of truth.
// bench instrumentation (tests/bench): the worker's first statement (its imports are evaluated before it).
const T0 = performance.now();
// Named imports: a package without one of these fails to load, loudly.
import init, {
  TymeClient, newId, formatDateTime, parseDateTime, makeNote, scrubUrl, defaultScrubParams,
  outboxNew, outboxEnqueue, outboxDue, outboxAck, outboxFail, outboxNextWake, outboxSize, outboxPending,
  outboxMarkSending, outboxRequeueInFlight, outboxResume as outboxResumeAll, outboxRetry,
} from './pkg/tyme_tab.js';
import { liveTotals, dayStart, weekStart, DEFAULT_BASE_URL, PENDING_PAGE_TTL_MS } from './common.js';
import { trackedFor, decide as decideReconcile } from './reconcile.js';
import { idleMinutesOf, nextIdle, idleQuestion, resolveIdle, IDLE_MAX_MIN } from './idle.js';
import { matchRule, withRule, normalizeRule, ruleTaskGone } from './rules.js';

const ready = init({ module_or_path: chrome.runtime.getURL('pkg/tyme_tab_bg.wasm') });
// bench instrumentation (tests/bench): when the wasm became ready, and its linear memory, read through CDP.
globalThis.tymeTabBench = { t0: T0, readyAt: null, wasmMemory: null };
ready.then((w) => { globalThis.tymeTabBench.readyAt = performance.now(); globalThis.tymeTabBench.wasmMemory = w && w.memory; }, () => {});

const ALARM_OUTBOX = 'outbox';        // periodic retry while the outbox is not empty
const ALARM_WAKE = 'outbox-wake';     // one-shot at the outbox's next due time
const ALARM_TICK = 'tick';            // badge + reconciliation while a timer runs
const ALARM_SYNC = 'sync';            // while signed in: picker catalog and past days of the week
const ALARM_PENDING = 'pending-page'; // one-shot: a page waiting for a task expires
const SYNC_PERIOD_MIN = 5;
const CATALOG_MAX_AGE_MS = 5 * 60_000; // the alarm refetches the catalog when older than this
const TOTALS_FRESH_MS = 60_000;        // a popup opened within this of the last totals fetch sends nothing
const RECENT_MAX = 6;

// ---------------------------------------------------------------- storage
const store = {
  async get(keys) { return chrome.storage.local.get(keys); },
  async set(obj) { return chrome.storage.local.set(obj); },
  async remove(keys) { return chrome.storage.local.remove(keys); },
};

async function getSettings() {
  const { settings } = await store.get('settings');
  return {
    clientId: '', clientSecret: '', baseUrl: DEFAULT_BASE_URL, scrubParams: null, allowIncognito: false,
    ...(settings || {}),
  };
}

// Serialises read-modify-write of the outbox and timer keys inside this
// worker, and every read of the settings with the tokens (getClient): a
// change of account holds it from the removal of the old tokens to the write
// of the new settings, so nothing pairs one server with another's tokens.
let mutex = Promise.resolve();
let lockWaiting = 0; // callers waiting for the lock (a test hook reads it)
function locked(fn) {
  lockWaiting++;
  const go = () => { lockWaiting--; return fn(); };
  const run = mutex.then(go, go);
  mutex = run.catch(() => {});
  return run;
}

class UserError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

// ---------------------------------------------------------------- client
let cached = null; // { key, client }: one client so its single-flight refresh is shared
function redirectUri() { return chrome.identity.getRedirectURL(); }

// Retire the current client (sign-out, sign-in, another server or client id):
// its tokens are dropped, so a request of it still in flight cannot use them,
// and its onTokens is ignored from now on (see onTokensOf).
function dropClient() {
  const old = cached;
  cached = null;
  if (old) { try { old.client.setTokens(null); } catch { /* already unusable */ } }
}

// Tokens from one client (a sign-in, a rotation, a rejected refresh). Only the
// current client may store them: a flush that began before a sign-out must
// not bring the old account's tokens back. Under the storage lock, so a
// sign-out (also under it) cannot interleave between the check and the write.
function onTokensOf(owner) {
  return (tokens) => locked(async () => {
    if (!cached || cached.client !== owner.client) return;
    if (tokens) {
      await store.set({ tokens, auth: { status: 'signed_in' } });
    } else {
      await store.remove('tokens');
      await store.set({ auth: { status: 'reauth', message: 'Signed out — sign in again.' } });
      dropClient();
    }
  });
}

// ---------------------------------------------------------------- accounts
// Tokens, the client secret (in `settings`), the outbox, the running timer,
// recents, the last task and the caches belong to one account: the base URL
// and client id of `settings`, recorded with them in `account` ({baseUrl,
// clientId, userId?}; the member id once a sign-in learned it). A change of
// either (saveSettings), or a sign-in as another member, parks the old
// account's outbox, recents and last task in `parked` (by accountKey), its
// running timer stopped into that outbox; nothing of it is ever sent to
// another server. Returning to that account brings them back.
const serverKeyOf = (s) => JSON.stringify([s.baseUrl, s.clientId]);
const accountKeyOf = (a) => JSON.stringify(a.userId ? [a.baseUrl, a.clientId, a.userId] : [a.baseUrl, a.clientId]);
const accountOf = (s, userId = null) => ({ baseUrl: s.baseUrl, clientId: s.clientId, ...(userId ? { userId } : {}) });
// Data of the signed-in account that another account must not see.
const ACCOUNT_CACHES = ['catalog', 'catalogAt', 'totals', 'pastWeek', 'reconcile'];
// What the core learned of a server: kept across sign-ins to it, dropped with a change of server.
const SERVER_CACHES = ['dialect'];

/**
 * Under the lock: `from`'s data (outbox with the timer's stop, recents, last
 * task) goes to `parked`, `to`'s parked data (if any) comes back, and the
 * new `account` is written with it, in one storage write. The caller has
 * removed the tokens and caches before; `extra` is written along (settings).
 */
async function switchAccountLocked(from, to, extra = {}) {
  await ready;
  const now = Date.now();
  const got = await store.get(['outbox', 'timer', 'recent', 'lastTask', 'parked']);
  const parked = { ...(got.parked || {}) };
  let outbox = got.outbox || outboxNew();
  if (got.timer) outbox = outboxEnqueue(outbox, { ...got.timer.entity, time_end: formatDateTime(now) }, now);
  outbox = outboxRequeueInFlight(outbox, now);
  const recent = got.recent || [];
  if (from && (outboxSize(outbox) || recent.length || got.lastTask)) {
    parked[accountKeyOf(from)] = { ...from, outbox, recent, lastTask: got.lastTask || null, at: now, kept: false };
  }
  // A member not known yet: the data of the member last parked on that
  // server comes back (a sign-in as another member parks it again).
  if (!to.userId && !parked[accountKeyOf(to)]) {
    const last = Object.values(parked).filter((p) => p.userId && serverKeyOf(p) === serverKeyOf(to)).sort((x, y) => y.at - x.at)[0];
    if (last) to = { ...to, userId: last.userId };
  }
  const key = accountKeyOf(to);
  const back = parked[key];
  delete parked[key];
  // What comes back is due now: the user is back on its server.
  let restored = back && back.outbox ? outboxRequeueInFlight(back.outbox, now) : outboxNew();
  for (const op of outboxPending(restored)) restored = outboxRetry(restored, op.opId, now);
  accountEpoch++;
  await store.set({
    ...extra,
    account: to, parked,
    outbox: restored, outboxSize: outboxSize(restored), outboxError: null,
    timer: null, endedAt: now, recent: back ? back.recent || [] : [], lastTask: back ? back.lastTask || null : null,
  });
}

async function afterSwitch() {
  await chrome.alarms.clear(ALARM_SYNC);
  await chrome.alarms.clear(ALARM_TICK);
  await updateBadge();
  await scheduleOutboxAlarms();
}

// Is `client` still the client in use? Checked under the lock before
// anything it fetched is written back (a sign-out drops it too).
function current(client) { return !!cached && cached.client === client; }
// Was `client` made for the account whose data is stored now? A sign-out or
// a rejected refresh drops the client but keeps the account (and its
// outbox); a change of account (switchAccountLocked) moves to the next epoch.
let accountEpoch = 0;
const clientEpoch = new WeakMap();
function sameAccount(client) { return clientEpoch.get(client) === accountEpoch; }

async function getClient({ needTokens = true } = {}) {
  await ready;
  let switched = false;
  const client = await locked(async () => {
    const got = await store.get(['settings', 'tokens', 'account', 'dialect']);
    const settings = { baseUrl: DEFAULT_BASE_URL, ...(got.settings || {}) };
    if (!settings.clientId) throw new UserError('not_configured', 'Set the client id in the options first.');
    const serverKey = serverKeyOf(settings);
    if (!got.account) {
      // Data written before accounts were recorded is this server's.
      await store.set({ account: accountOf(settings) });
    } else if (serverKeyOf(got.account) !== serverKey) {
      // Settings written around saveSettings: the data stays with its account.
      dropClient();
      await store.remove(['tokens', ...ACCOUNT_CACHES, ...SERVER_CACHES]);
      await switchAccountLocked(got.account, accountOf(settings), { auth: { status: 'signed_out' } });
      switched = true;
      throw new UserError('signed_out', 'You are signed out. Sign in to Tyme.');
    }
    return clientFor(settings, got, needTokens);
  }).finally(() => { if (switched) afterSwitch().catch(() => {}); });
  return client;
}

// The client of `settings` (one per base URL, client id and secret), with
// the stored tokens when they are needed. Under the lock.
function clientFor(settings, got, needTokens) {
  const key = JSON.stringify([settings.baseUrl, settings.clientId, settings.clientSecret || '']);
  if (!cached || cached.key !== key) {
    dropClient();
    const owner = { client: null };
    // What this server speaks (learned by the core, see src/dialect.rs), kept per server.
    const serverKey = serverKeyOf(settings);
    const { dialect } = got;
    owner.client = new TymeClient({
      baseUrl: settings.baseUrl.replace(/\/+$/, ''),
      clientId: settings.clientId,
      clientSecret: settings.clientSecret || undefined,
      redirectUri: redirectUri(),
      onTokens: onTokensOf(owner),
      dialect: dialect && dialect.server === serverKey ? dialect.known : null,
      onDialect: (known) => {
        if (cached && cached.client === owner.client) store.set({ dialect: { server: serverKey, known } }).catch(() => {});
      },
    });
    cached = { key, client: owner.client };
    clientEpoch.set(owner.client, accountEpoch);
  }
  if (needTokens) {
    if (!got.tokens) { dropClient(); throw new UserError('signed_out', 'You are signed out. Sign in to Tyme.'); }
    if (!cached.client.getTokens()) cached.client.setTokens(got.tokens);
  }
  return cached.client;
}

function errorInfo(e) {
  const code = e && e.code ? e.code : 'internal';
  const status = e && e.status;
  const messages = {
    network: 'Cannot reach Tyme (offline or the server is down). Your changes are kept and will be sent.',
    server: `Tyme answered with a server error${status ? ` (HTTP ${status})` : ''}. Your changes are kept and will be retried.`,
    rate_limited: `Tyme is limiting requests${e && e.retryAfter ? `; retrying in ${e.retryAfter} s` : ''}. Your changes are kept.`,
    reauth_required: 'Signed out — sign in again. Your changes are kept and will be sent after sign-in.',
    unauthorized: 'Tyme did not accept the sign-in. Sign in again.',
    forbidden: 'This Tyme account has no API access (the account must be a team admin with API access).',
    bad_response: 'Tyme sent an answer that could not be understood.',
  };
  const message = messages[code] || (e && e.message) || 'Something went wrong.';
  return { code, message: String(message).slice(0, 300) };
}

// ---------------------------------------------------------------- outbox
async function mutateOutbox(fn, client = null) {
  return locked(async () => {
    await ready;
    // The outbox of another account now: what this client did is not its business.
    if (client && !sameAccount(client)) return null;
    const { outbox } = await store.get('outbox');
    const next = fn(outbox || outboxNew());
    await store.set({ outbox: next, outboxSize: outboxSize(next) });
    return next;
  });
}

// Single-flight flush. A write queued while a flush is already past its last
// look at the outbox must not wait for the next alarm: every call asks for
// one more pass, and the running flush keeps going until no pass is owed.
let flushing = null;
let flushOwed = false;
function flush() {
  flushOwed = true;
  if (!flushing) {
    flushing = (async () => {
      try {
        while (flushOwed) { flushOwed = false; await doFlush(); }
      } finally { flushing = null; }
    })();
  }
  return flushing;
}

function sameEntity(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

// A new worker has no request outstanding: ops marked in flight go back to
// the queue, before this worker sends anything.
const started = ready.then(() => mutateOutbox((s) => outboxRequeueInFlight(s, Date.now()))).catch(() => {});

async function doFlush() {
  await started;
  let client;
  try { client = await getClient(); } catch (e) { await scheduleOutboxAlarms(); return; }
  // Every read and change of the outbox checks, under the lock, that it is
  // still this client's account's: ops of an account are sent with its client only.
  for (let round = 0; round < 50; round++) {
    const due = await locked(async () => {
      if (!sameAccount(client)) return [];
      const { outbox } = await store.get('outbox');
      return outbox ? outboxDue(outbox, Date.now()) : [];
    });
    if (!due.length) break;
    let failed = false;
    for (const op of due) {
      try {
        if (!(await mutateOutbox((s) => outboxMarkSending(s, op.opId, Date.now()), client))) return;
        await client.sendWrite(op.entity);
        await mutateOutbox((s) => {
          const now = outboxPending(s).find((p) => p.opId === op.opId);
          // A newer write that replaced this op while it was in flight must still be sent.
          if (now && !sameEntity(now.entity, op.entity)) return s;
          return outboxAck(s, op.opId);
        }, client);
        await store.set({ outboxError: null });
        await markSynced(op.entity).catch(() => {});
      } catch (e) {
        const info = errorInfo(e);
        const failedHere = await mutateOutbox((s) => outboxFail(s, op.opId, {
          code: info.code, message: info.message,
          ...(e && e.status ? { status: e.status } : {}),
          ...(e && e.retryAfter ? { retryAfter: e.retryAfter } : {}),
        }, Date.now()), client);
        if (!failedHere) return;
        await store.set({ outboxError: { ...info, at: Date.now() } });
        // Failed while the browser itself is offline: the next wake-up that
        // finds it online again retries at once (see onlineAgain).
        if (info.code === 'network' && self.navigator && navigator.onLine === false) await store.set({ offlineAt: Date.now() });
        failed = true;
        if (['reauth_required', 'unauthorized', 'signed_out', 'network'].includes(info.code)) break;
      }
    }
    if (failed) break;
  }
  await scheduleOutboxAlarms();
}

// Back online: ops that failed for want of a network are due now instead of
// at the end of their backoff (a server's Retry-After still holds the queue).
async function retryNetworkFailures() {
  await started;
  await store.remove('offlineAt');
  await mutateOutbox((s) => {
    let next = s;
    for (const op of outboxPending(s)) {
      if (op.state === 'queued' && op.lastError && op.lastError.code === 'network') next = outboxRetry(next, op.opId, Date.now());
    }
    return next;
  });
  await flush();
}

// Chromium fires no `online` event in an extension service worker (the
// handler exists on windows only), and a worker asleep during the outage
// could not hear one anyway. So every wake-up (a page's message, browser
// start, worker start, an alarm) asks: did a send fail while the browser was
// offline (`offlineAt`), and is it online now? Then it retries at once.
async function onlineAgain() {
  if (self.navigator && navigator.onLine === false) return;
  const { offlineAt } = await store.get('offlineAt');
  if (offlineAt) await retryNetworkFailures();
}

async function scheduleOutboxAlarms() {
  await ready;
  const { outbox } = await store.get('outbox');
  const size = outbox ? outboxSize(outbox) : 0;
  if (!size) {
    await chrome.alarms.clear(ALARM_OUTBOX);
    await chrome.alarms.clear(ALARM_WAKE);
    return;
  }
  if (!(await chrome.alarms.get(ALARM_OUTBOX))) {
    await chrome.alarms.create(ALARM_OUTBOX, { periodInMinutes: 0.5 });
  }
  const wake = outboxNextWake(outbox);
  if (wake != null) await chrome.alarms.create(ALARM_WAKE, { when: Math.max(wake, Date.now() + 1000) });
}

// ---------------------------------------------------------------- timer
function taskLabel(ref) {
  if (!ref) return '';
  return [ref.projectName, ref.taskName, ref.subtaskName].filter(Boolean).join(' › ');
}

// The user's scrub entries, added by the core to its built-in list.
async function noteOptions(extra = {}) {
  const settings = await getSettings();
  await ready;
  return { ...(Array.isArray(settings.scrubParams) ? { scrubParams: settings.scrubParams } : {}), ...extra };
}

// The note of a page: its URL scrubbed, and its title when that is not the
// URL; `page.link`: the title is that of the page a link is on (Track this
// link), dropped when it is a URL. No URL, no note: a title alone is not
// checked against anything.
async function noteFor(page) {
  if (!page || !page.url) return '';
  return makeNote(String(page.url), String(page.title || ''), await noteOptions(page.link ? { dropUrlTitle: true } : {}));
}

// What a page waiting for a task keeps: its URL scrubbed and the title the
// note would carry (both pass through makeNote unchanged later).
async function scrubbedPage(page) {
  const opts = await noteOptions(page.link ? { dropUrlTitle: true } : {});
  const url = scrubUrl(String(page.url), opts.scrubParams);
  const note = makeNote(String(page.url), String(page.title || ''), opts);
  const tail = ` — ${url}`;
  return { url, title: note.endsWith(tail) ? note.slice(0, -tail.length) : '', incognito: !!page.incognito };
}

function checkTaskRef(ref) {
  if (!ref || typeof ref.taskId !== 'string' || !ref.taskId) throw new UserError('invalid_input', 'Pick a task first.');
  return {
    taskId: ref.taskId, subtaskId: ref.subtaskId || '',
    taskName: String(ref.taskName || ''), subtaskName: String(ref.subtaskName || ''),
    projectId: String(ref.projectId || ''), projectName: String(ref.projectName || ''),
  };
}

async function startTimer(refIn, page) {
  const ref = checkTaskRef(refIn);
  const settings = await getSettings();
  if (page && page.incognito && !settings.allowIncognito) {
    throw new UserError('incognito', 'Incognito tabs are not tracked. Allow it in the options if you want to.');
  }
  const client = await getClient(); // signed in and configured, or a clear error before anything is queued
  const note = await noteFor(page);
  const now = Date.now();
  const timer = await locked(async () => {
    // The account changed since: the task and page were picked for another one.
    if (!sameAccount(client)) throw new UserError('signed_out', 'You are signed out. Sign in to Tyme.');
    const got = await store.get(['timer', 'recent', 'outbox', 'totals']);
    let outbox = got.outbox || outboxNew();
    const extra = {};
    if (got.timer) {
      extra.endedAt = now;
      outbox = outboxEnqueue(outbox, { ...got.timer.entity, time_end: formatDateTime(now) }, now);
      if (got.totals) extra.totals = foldStopped(got.totals, got.timer, now);
    }
    // A sub-task's entry names the sub-task only (the seed: task_id empty for
    // a child of a sub-task); the local timer keeps its task in `ref` for display.
    const entity = {
      type: 'TimedTaskRecord', id: newId(), task_id: ref.subtaskId ? '' : ref.taskId, subtask_id: ref.subtaskId,
      time_start: formatDateTime(now), time_end: null, note,
    };
    outbox = outboxEnqueue(outbox, entity, now);
    const t = { entity, startMs: now, ref, label: taskLabel(ref), note };
    const recent = [ref, ...(got.recent || []).filter((r) => !(r.taskId === ref.taskId && (r.subtaskId || '') === ref.subtaskId))].slice(0, RECENT_MAX);
    await store.set({ outbox, outboxSize: outboxSize(outbox), timer: t, lastTask: ref, recent, notice: null, pendingPage: null, ...extra });
    return t;
  });
  await ensureTickAlarm();
  await updateBadge();
  flush().catch(() => {});
  return timer;
}

async function stopTimer() {
  const now = Date.now();
  const stopped = await locked(async () => {
    const got = await store.get(['timer', 'outbox', 'totals']);
    if (!got.timer) return null;
    let outbox = got.outbox || outboxNew();
    const entity = { ...got.timer.entity, time_end: formatDateTime(now) };
    outbox = outboxEnqueue(outbox, entity, now);
    // The stopped time goes into the stored totals here, so the idle view
    // shows them without asking the server again.
    const extra = got.totals ? { totals: foldStopped(got.totals, got.timer, now) } : {};
    await store.set({ outbox, outboxSize: outboxSize(outbox), timer: null, endedAt: now, ...extra });
    return { ...got.timer, entity, endMs: now };
  });
  await chrome.alarms.clear(ALARM_TICK);
  await updateBadge();
  flush().catch(() => {});
  return stopped;
}

// A timer started by mistake: its entry is deleted on the server (through the
// outbox, so it survives offline and a stopped worker; a create not yet sent
// is replaced by the delete, which the server takes as a no-op). Only offered
// where the server has DELETE /data/entity (see canDiscard).
async function discardTimer() {
  const now = Date.now();
  const discarded = await locked(async () => {
    const got = await store.get(['timer', 'outbox']);
    if (!got.timer) return null;
    const outbox = outboxEnqueue(got.outbox || outboxNew(), { type: 'TimedTaskRecord', id: got.timer.entity.id, deleted: true }, now);
    await store.set({ outbox, outboxSize: outboxSize(outbox), timer: null, reconcile: null, endedAt: now });
    return got.timer;
  });
  await chrome.alarms.clear(ALARM_TICK);
  await updateBadge();
  flush().catch(() => {});
  return discarded;
}

// A past time entry changed: its task, start, end and page (the note is made
// from the page, scrubbed, as for a start). The whole entry is written again
// through the outbox, after its start and stop, so the change survives
// offline and a stopped worker like any other write. The running timer's
// entry is not edited here: it is stopped first.
async function editEntry(p) {
  const ref = checkTaskRef(p && p.task);
  const id = p && typeof p.id === 'string' ? p.id : '';
  const startMs = Number(p && p.startMs);
  const endMs = Number(p && p.endMs);
  if (!id) throw new UserError('invalid_input', 'Pick the entry to change.');
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    throw new UserError('invalid_input', 'The end must not be before the start.');
  }
  const client = await getClient();
  const note = await noteFor(p.page);
  const entity = await locked(async () => {
    if (!sameAccount(client)) throw new UserError('signed_out', 'You are signed out. Sign in to Tyme.');
    const got = await store.get(['timer', 'outbox']);
    if (got.timer && got.timer.entity.id === id) throw new UserError('invalid_input', 'Stop the timer before changing its entry.');
    const e = {
      type: 'TimedTaskRecord', id, task_id: ref.subtaskId ? '' : ref.taskId, subtask_id: ref.subtaskId,
      time_start: formatDateTime(startMs), time_end: formatDateTime(endMs), note,
    };
    const outbox = outboxEnqueue(got.outbox || outboxNew(), e, Date.now());
    await store.set({ outbox, outboxSize: outboxSize(outbox), totals: null });
    return e;
  });
  flush().catch(() => {});
  return entity;
}

// The server's dialect, as the core learned it (null: nothing known yet).
async function serverDialect() {
  const settings = await getSettings();
  const { dialect } = await store.get('dialect');
  return dialect && dialect.server === serverKeyOf(settings) ? dialect.known || {} : {};
}

function foldStopped(totals, timer, endMs) {
  return { ...totals, ...liveTotals(totals, timer, endMs), runningId: null };
}

async function ensureTickAlarm() {
  if (!(await chrome.alarms.get(ALARM_TICK))) await chrome.alarms.create(ALARM_TICK, { periodInMinutes: 1 });
}

async function updateBadge() {
  const { timer } = await store.get('timer');
  if (!timer) {
    await chrome.action.setBadgeText({ text: '' });
    return;
  }
  const { idle } = await store.get('idle');
  if (idleQuestion(idle, timer, Date.now())) {
    // Time away while the timer ran: the popup asks what to do with it.
    await chrome.action.setBadgeBackgroundColor({ color: '#a34d00' });
    await chrome.action.setBadgeText({ text: 'idle' });
    return;
  }
  const min = Math.max(0, Math.floor((Date.now() - timer.startMs) / 60000));
  const text = min < 60 ? `${min}m` : min < 600 ? `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}` : `${Math.floor(min / 60)}h`;
  await chrome.action.setBadgeBackgroundColor({ color: '#2f6fde' });
  await chrome.action.setBadgeText({ text });
}

// Stopped elsewhere? Decided by reconcile.js from the server's own figures
// (growth of the task's tracked seconds between checks a minute or more
// apart), never by comparing the server's clock with this one. The last
// observation lives in chrome.storage (`reconcile`), as the worker may stop.
function isPending(outbox, id) {
  return !!outbox && outboxPending(outbox).some((p) => p.entity && p.entity.id === id);
}

async function stoppedElsewhere(timer) {
  return locked(async () => {
    const cur = await store.get(['timer', 'totals']);
    if (!cur.timer || cur.timer.entity.id !== timer.entity.id) return null;
    const notice = { message: `The timer for “${timer.label}” was stopped elsewhere (in Tyme), so it stopped here too.`, at: Date.now() };
    // When it stopped is not known here: the totals are fetched again on the next popup open.
    const extra = cur.totals ? { totals: { ...cur.totals, at: 0, runningId: null, checkedId: null } } : {};
    await store.set({ timer: null, notice, reconcile: null, ...extra });
    await chrome.alarms.clear(ALARM_TICK);
    await updateBadge();
    return notice;
  });
}

// The alarm's check while a timer runs (about once a minute): the same
// summary as the popup's, whatever the age of the stored totals.
async function reconcile() {
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
    const cur = await store.get(['timer', 'outbox', 'reconcile']);
    if (!cur.timer || cur.timer.entity.id !== timer.entity.id) return null;
    const { next, stopped } = decideReconcile(cur.reconcile || null, {
      id: timer.entity.id, from, tracked: trackedFor(rows, timer.ref), at: Date.now(),
      pending: isPending(cur.outbox, timer.entity.id),
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
async function pastWeekFor(now) {
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
async function refreshTotals({ force = false } = {}) {
  const now = Date.now();
  const day = dayStart(now);
  const { totals, timer, outbox } = await store.get(['totals', 'timer', 'outbox']);
  await ready;
  const confirmed = timer && !isPending(outbox, timer.entity.id) ? timer : null;
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
    const cur = await store.get(['timer', 'outbox', 'catalog', 'endedAt']);
    let notice = null;
    const extra = {};
    if (cur.timer && cur.timer.entity.id === checked && !isPending(cur.outbox, cur.timer.entity.id)) {
      const mine = entries.find((e) => e.id === cur.timer.entity.id);
      if (!mine || mine.time_end) {
        notice = { message: `The timer for “${cur.timer.label}” was stopped elsewhere (in Tyme), so it stopped here too.`, at: now };
        extra.timer = null;
        extra.notice = notice;
      }
    } else if (!cur.timer && running.length === 1 && !isPending(cur.outbox, running[0].id) && !((cur.endedAt || 0) >= now)) {
      extra.timer = adoptRunning(running[0], cur.catalog);
    }
    const timer = extra.timer !== undefined ? extra.timer : cur.timer;
    // The server counted the running entry up to `now`.
    const runningId = timer && entries.some((e) => e.id === timer.entity.id && !e.time_end) ? timer.entity.id : null;
    await store.set({
      totals: { dayStart: day, weekStart: week, at: now, today, week: weekTotal, runningId, checkedId: runningId, exact: true },
      reconcile: null,
      ...extra,
    });
    if (extra.timer === null) { await chrome.alarms.clear(ALARM_TICK); await updateBadge(); }
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
  const entity = { type: 'TimedTaskRecord', id: e.id, task_id: sub ? '' : taskId, subtask_id: sub ? sub.id : '', time_start: e.time_start, time_end: null, note: e.note || '' };
  return { entity, startMs: parseEntryTime(e.time_start) ?? Date.now(), ref, label: taskLabel(ref) || 'a task in Tyme', note: e.note || '', url: '', adopted: true };
}

// ---------------------------------------------------------------- picker data
const CHILD_KEY = { Project: 'category_id', TimedTask: 'project_id', TimedSubTask: 'task_id' };
async function search({ type, name = '', parentId = null }) {
  if (!['ProjectCategory', 'Project', 'TimedTask', 'TimedSubTask'].includes(type)) throw new UserError('invalid_input', 'Unknown entity type.');
  const client = await getClient();
  let list = [];
  let error = null;
  try {
    list = await client.searchEntity(type, String(name), parentId || null);
  } catch (e) {
    error = errorInfo(e);
  }
  // Entities created here but not yet confirmed by the server are usable at once.
  const { outbox } = await store.get('outbox');
  if (outbox) {
    const needle = String(name).toLowerCase();
    for (const p of outboxPending(outbox)) {
      const e = p.entity;
      if (!e || e.type !== type || list.some((x) => x.id === e.id)) continue;
      if (needle && !String(e.name || '').toLowerCase().includes(needle)) continue;
      if (parentId && CHILD_KEY[type] && e[CHILD_KEY[type]] !== parentId) continue;
      list.push({ ...e, pending: true });
    }
  }
  if (error && !list.length) throw new UserError(error.code, error.message);
  return list;
}

// The picker's catalog: every project, task and sub-task, slimmed to what the
// picker shows, in chrome.storage.local (`catalog`, with its fetch time in the
// small `catalogAt` key). Fetched after sign-in, on first need, when the user
// asks (the popup's refresh button), and by the sync alarm when older than
// CATALOG_MAX_AGE_MS; local creates go in at once, marked pending until the
// outbox has sent them. The popup filters it in memory (picker.js).
const CATALOG_LISTS = { Project: 'projects', TimedTask: 'tasks', TimedSubTask: 'subtasks' };
function slim(type, e) {
  const o = { id: String(e.id), name: String(e.name == null ? '' : e.name) };
  if (type === 'TimedTask') o.project_id = String(e.project_id || '');
  if (type === 'TimedSubTask') o.task_id = String(e.task_id || '');
  return o;
}
const emptyCatalog = () => ({ at: 0, projects: [], tasks: [], subtasks: [] });

async function fetchCatalog() {
  const client = await getClient();
  const startedAt = Date.now();
  const lists = await Promise.all(Object.keys(CATALOG_LISTS).map((type) => client.searchEntity(type, '', null)));
  return locked(async () => {
    if (!current(client)) throw new UserError('signed_out', 'You are signed out. Sign in to Tyme.');
    const { catalog, outbox } = await store.get(['catalog', 'outbox']);
    const next = { at: Date.now() };
    Object.entries(CATALOG_LISTS).forEach(([type, key], i) => {
      next[key] = (lists[i] || []).filter((e) => e && e.id).map((e) => slim(type, e));
      // Local creates the server did not list: still waiting in the outbox, or made during this fetch.
      const have = new Set(next[key].map((x) => x.id));
      for (const x of (catalog && catalog[key]) || []) {
        if (x.local && !have.has(x.id) && (isPending(outbox, x.id) || (x.addedAt || 0) >= startedAt)) next[key].push(x);
      }
    });
    await store.set({ catalog: next, catalogAt: next.at });
    return { at: next.at, projects: next.projects.length, tasks: next.tasks.length, subtasks: next.subtasks.length };
  });
}

// One fetch at a time; `fresh` (the user asked) waits for a fetch already
// running and then fetches again, so it sees what changed since that one began.
let catalogRun = null;
let catalogAgain = null;
function syncCatalog({ fresh = false } = {}) {
  if (!catalogRun) {
    catalogRun = fetchCatalog().finally(() => { catalogRun = null; });
    return catalogRun;
  }
  if (!fresh) return catalogRun;
  if (!catalogAgain) catalogAgain = catalogRun.catch(() => {}).then(() => { catalogAgain = null; return syncCatalog(); });
  return catalogAgain;
}

async function markSynced(entity) {
  const key = entity && !entity.deleted && CATALOG_LISTS[entity.type];
  if (!key) return;
  await locked(async () => {
    const { catalog } = await store.get('catalog');
    const item = catalog && (catalog[key] || []).find((x) => x.id === entity.id);
    if (!item || !item.pending) return;
    item.pending = false;
    await store.set({ catalog });
  });
}

async function create({ type, name, parentId }) {
  name = String(name || '').trim();
  if (!name) throw new UserError('invalid_input', 'A name is needed.');
  if (name.length > 200) throw new UserError('invalid_input', 'That name is too long.');
  const client = await getClient();
  await ready;
  let entity;
  if (type === 'Project') {
    entity = { type, id: newId(), name, category_id: parentId || null, rounding_method: 'NEAREST', rounding_minutes: 1, hourly_rate: 0, planned_duration_hours: 0, planned_budget: 0 };
  } else if (type === 'TimedTask') {
    if (!parentId) throw new UserError('invalid_input', 'Pick a project first.');
    entity = { type, id: newId(), name, project_id: parentId, billable: true, planned_duration: 0 };
  } else if (type === 'TimedSubTask') {
    if (!parentId) throw new UserError('invalid_input', 'Pick a task first.');
    entity = { type, id: newId(), name, task_id: parentId, planned_duration: 0 };
  } else {
    throw new UserError('invalid_input', 'Only projects, tasks and sub-tasks can be created here.');
  }
  await locked(async () => {
    if (!sameAccount(client)) throw new UserError('signed_out', 'You are signed out. Sign in to Tyme.');
    const got = await store.get(['outbox', 'catalog']);
    const outbox = outboxEnqueue(got.outbox || outboxNew(), entity, Date.now());
    const catalog = got.catalog || emptyCatalog();
    const key = CATALOG_LISTS[type];
    catalog[key] = [...(catalog[key] || []), { ...slim(type, entity), local: true, pending: true, addedAt: Date.now() }];
    await store.set({ outbox, outboxSize: outboxSize(outbox), catalog });
  });
  flush().catch(() => {});
  return entity;
}

// ---------------------------------------------------------------- sign-in
async function signIn({ interactive = true } = {}) {
  dropClient();
  const client = await getClient({ needTokens: false });
  const { url, state, verifier } = client.beginSignIn();
  let redirect;
  try {
    redirect = await chrome.identity.launchWebAuthFlow({ url, interactive: !!interactive });
  } catch (e) {
    throw new UserError('access_denied', 'Sign-in was cancelled or could not be completed.');
  }
  const code = TymeClient.parseRedirect(redirect, state);
  await client.exchangeCode(code, verifier); // onTokens stores the pair
  const userId = (client.getDialect() || {}).userId || null;
  let switched = false;
  await locked(async () => {
    // The settings changed while the sign-in page was open: its tokens were not kept.
    if (!current(client)) throw new UserError('signed_out', 'The server or client id changed during the sign-in. Sign in again.');
    const { account, settings } = await store.get(['account', 'settings']);
    const here = accountOf({ baseUrl: DEFAULT_BASE_URL, ...(settings || {}) });
    const was = account || here;
    if (userId && was.userId && was.userId !== userId) {
      // Another member of the same server: the previous member's data waits for them.
      await store.remove([...ACCOUNT_CACHES]);
      await switchAccountLocked(was, accountOf(here, userId));
      clientEpoch.set(client, accountEpoch); // the same server's client now serves this member
      switched = true;
    } else if (userId && !was.userId) {
      // The member is known now: data this member left here before comes back,
      // when nothing of the account waits here yet.
      const { parked, outbox } = await store.get(['parked', 'outbox']);
      if (parked && parked[accountKeyOf(accountOf(here, userId))] && !(outbox && outboxSize(outbox))) {
        await switchAccountLocked(null, accountOf(here, userId));
        clientEpoch.set(client, accountEpoch);
        switched = true;
      } else {
        await store.set({ account: accountOf(here, userId) });
      }
    }
    await store.set({ auth: { status: 'signed_in' }, outboxError: null });
  });
  if (switched) await afterSwitch();
  await mutateOutbox((s) => outboxResumeAll(s, Date.now()));
  flush().catch(() => {});
  warmCaches({ fresh: true });
  return { signedIn: true };
}

// After sign-in (not awaited: the sign-in answers at once): the picker's
// catalog and the past days of the week, so opening the popup afterwards
// needs one request at most; and the alarm that keeps them fresh.
function warmCaches({ fresh = false } = {}) {
  syncCatalog({ fresh }).catch(() => {});
  // Where the server lists entries (GET /data/times), one request gives the whole week.
  serverDialect().then((d) => (d.times === true ? null : pastWeekFor(Date.now()))).catch(() => {});
  ensureSyncAlarm().catch(() => {});
}

async function ensureSyncAlarm() {
  if (!(await chrome.alarms.get(ALARM_SYNC))) await chrome.alarms.create(ALARM_SYNC, { periodInMinutes: SYNC_PERIOD_MIN });
}

// The sync alarm: catalog when older than CATALOG_MAX_AGE_MS (30 s slack for
// alarm jitter), past days of the week once a day; stops itself when signed out.
async function backgroundSync() {
  const { tokens, catalogAt } = await store.get(['tokens', 'catalogAt']);
  if (!tokens) { await chrome.alarms.clear(ALARM_SYNC); return; }
  if (!catalogAt || Date.now() - catalogAt >= CATALOG_MAX_AGE_MS - 30_000) await syncCatalog().catch(() => {});
  if ((await serverDialect()).times !== true) await pastWeekFor(Date.now()).catch(() => {});
}

async function signOut() {
  await locked(async () => {
    dropClient();
    await store.remove(['tokens', ...ACCOUNT_CACHES]);
    await store.set({ auth: { status: 'signed_out' } });
  });
  await chrome.alarms.clear(ALARM_SYNC);
  return { signedIn: false };
}

async function saveSettings(p) {
  const baseUrl = String(p.baseUrl || DEFAULT_BASE_URL).trim().replace(/\/+$/, '');
  let parsed;
  try { parsed = new URL(baseUrl); } catch { throw new UserError('invalid_input', 'The API base URL is not a valid URL.'); }
  const local = ['127.0.0.1', 'localhost'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && local)) {
    throw new UserError('invalid_input', 'The API base URL must use https (http only for 127.0.0.1 or localhost).');
  }
  const scrub = p.scrubParams == null ? null
    : (Array.isArray(p.scrubParams) ? p.scrubParams : String(p.scrubParams).split(/[\s,]+/)).map((s) => String(s).trim()).filter(Boolean);
  const cur = await getSettings();
  const clientId = String(p.clientId ?? cur.clientId).trim();
  const idle = p.idleMinutes === undefined ? null : Number(p.idleMinutes);
  if (idle !== null && !(Number.isInteger(idle) && idle >= 0 && idle <= IDLE_MAX_MIN)) {
    throw new UserError('invalid_input', `Idle time must be a whole number of minutes from 0 (off) to ${IDLE_MAX_MIN}.`);
  }
  // A change of server or client id is a change of account: signed out
  // first, under the lock getClient takes, the tokens removed before the new
  // settings are written; the old account's data parked. The secret belongs
  // to the old server: cleared unless a new one comes with the change.
  let changed = false;
  const settings = await locked(async () => {
    const now = await getSettings();
    changed = baseUrl !== now.baseUrl || clientId !== now.clientId;
    const keep = changed ? '' : now.clientSecret;
    const next = {
      clientId, clientSecret: p.clientSecret === undefined ? keep : String(p.clientSecret || ''),
      baseUrl, scrubParams: p.scrubParams === undefined ? now.scrubParams : scrub, allowIncognito: !!(p.allowIncognito ?? now.allowIncognito),
      idleMinutes: p.idleMinutes === undefined ? idleMinutesOf(now) : idle,
    };
    if (!changed) { await store.set({ settings: next }); return next; }
    dropClient();
    await store.remove(['tokens', ...ACCOUNT_CACHES, ...SERVER_CACHES]);
    const { account } = await store.get('account');
    await switchAccountLocked(account || accountOf(now), accountOf(next), { settings: next, auth: { status: 'signed_out' } });
    return next;
  });
  if (changed) await afterSwitch();
  await applyIdleSetting();
  return publicSettings(settings);
}

function publicSettings(s) {
  return { clientId: s.clientId, hasClientSecret: !!s.clientSecret, baseUrl: s.baseUrl, scrubParams: s.scrubParams, allowIncognito: s.allowIncognito, idleMinutes: idleMinutesOf(s) };
}

// The parked data of other accounts, as the popup shows it: those with changes not sent.
function parkedList(parked) {
  return Object.entries(parked || {}).map(([key, p]) => ({
    key, baseUrl: p.baseUrl, clientId: p.clientId, userId: p.userId || null,
    changes: p.outbox ? outboxSize(p.outbox) : 0, kept: !!p.kept, at: p.at,
  })).filter((p) => p.changes > 0);
}

async function keepParked({ key }, keep) {
  await locked(async () => {
    const { parked } = await store.get('parked');
    if (!parked || !parked[key]) return;
    if (keep) parked[key] = { ...parked[key], kept: true };
    else delete parked[key];
    await store.set({ parked });
  });
  return getState();
}

// A page left waiting for a task longer than PENDING_PAGE_TTL_MS is dropped.
async function expirePendingPage() {
  const { pendingPage } = await store.get('pendingPage');
  if (pendingPage && !(Date.now() - (pendingPage.at || 0) < PENDING_PAGE_TTL_MS)) {
    await store.remove('pendingPage');
    return null;
  }
  return pendingPage || null;
}

async function getState() {
  await expirePendingPage();
  const got = await store.get(['settings', 'tokens', 'auth', 'timer', 'lastTask', 'recent', 'outbox', 'outboxError', 'notice', 'totals', 'pendingPage', 'parked', 'idle']);
  await ready;
  const size = got.outbox ? outboxSize(got.outbox) : 0;
  return {
    settings: publicSettings(await getSettings()),
    signedIn: !!got.tokens,
    auth: got.auth || { status: got.tokens ? 'signed_in' : 'signed_out' },
    timer: got.timer || null,
    lastTask: got.lastTask || null,
    recent: got.recent || [],
    outboxSize: size,
    outboxError: size ? (got.outboxError || null) : null,
    notice: got.notice || null,
    totals: got.totals || null,
    pendingPage: got.pendingPage || null,
    parked: parkedList(got.parked),
    idle: got.tokens ? idleQuestion(got.idle, got.timer, Date.now()) : null,
    redirectUri: redirectUri(),
    // Discard needs DELETE /data/entity, known with the live API's /data/times.
    canDiscard: await serverDialect().then((d) => d.delete === true || (d.times === true && d.delete !== false)),
  };
}

// Popup opened: send what waits; totals and the running entry's check in one
// summary request at most (see refreshTotals).
async function refresh() {
  const errors = [];
  await flush().catch((e) => errors.push(errorInfo(e)));
  let notice = null;
  try { notice = await refreshTotals(); } catch (e) { errors.push(errorInfo(e)); }
  const state = await getState();
  return { ...state, refreshError: errors.find((e) => !['signed_out', 'not_configured'].includes(e.code)) || null, reconciled: notice };
}

// ---------------------------------------------------------------- context menu
async function handleMenuClick(info, tab) {
  // Before anything of the tab is read or stored (the pending page included).
  const incognito = !!((tab && tab.incognito) || (info && info.incognito));
  if (incognito && !(await getSettings()).allowIncognito) {
    throw new UserError('incognito', 'Incognito tabs are not tracked. Allow it in the options if you want to.');
  }
  const link = info.menuItemId === 'track-link';
  const url = link ? info.linkUrl : (info.pageUrl || (tab && tab.url));
  if (!url) return { started: false };
  // The tab's title is the title of the page, also when a link on it is tracked.
  const page = { url, title: (tab && tab.title) || '', incognito, ...(link ? { link: true } : {}) };
  return startOnPage(page);
}

// The task for a page started without the popup (context menu, shortcut):
// the site rule's, else the last task; a rule whose task is gone on the
// server, or no task at all, leaves the page waiting for a pick in the popup.
async function startOnPage(page) {
  const rule = matchRule(await getRules(), page.url);
  const { lastTask, catalog } = await store.get(['lastTask', 'catalog']);
  const gone = rule && ruleTaskGone(rule, catalog);
  const task = rule && !gone ? rule.task : gone ? null : lastTask;
  if (!task) {
    // Kept scrubbed (never the raw URL), for PENDING_PAGE_TTL_MS.
    const at = Date.now();
    await store.set({
      pendingPage: { ...(await scrubbedPage(page)), at },
      ...(gone ? { notice: { message: `The task of your rule for ${rule.host}${rule.path} is no longer in Tyme: pick a task.`, at } } : {}),
    });
    await chrome.alarms.create(ALARM_PENDING, { when: at + PENDING_PAGE_TTL_MS });
    await openPopup();
    return { started: false, askedForTask: true, ruleGone: !!gone };
  }
  const timer = await startTimer(task, page);
  return { started: true, timer, byRule: !!(rule && !gone) };
}

// ---------------------------------------------------------------- site rules
// In chrome.storage.sync where the browser has it (a second browser of the
// same user gets them), else local.
const rulesArea = () => chrome.storage.sync || chrome.storage.local;
async function getRules() {
  const { siteRules } = await rulesArea().get('siteRules');
  return Array.isArray(siteRules) ? siteRules.map(normalizeRule).filter(Boolean) : [];
}
async function saveRule(p) {
  const rule = normalizeRule({ host: p.host, path: p.path, task: p.task && checkTaskRef(p.task) });
  if (!rule) throw new UserError('invalid_input', 'A rule needs a site and a task.');
  const siteRules = withRule(await getRules(), rule);
  await rulesArea().set({ siteRules });
  return siteRules;
}
async function setRules(p) {
  const list = Array.isArray(p.rules) ? p.rules.map(normalizeRule) : null;
  if (!list || list.some((r) => !r)) throw new UserError('invalid_input', 'Each rule needs a site (a host such as github.com) and a task.');
  const siteRules = list.reduce((acc, r) => withRule(acc, r), []);
  await rulesArea().set({ siteRules });
  return siteRules;
}

// ---------------------------------------------------------------- keyboard shortcut
// "toggle-timer": stop the running timer, or start one on the current page
// with the task its site rule or the last task gives (the command grants
// activeTab on that tab), with the badge and no popup.
async function toggleTimer(tab) {
  const { timer } = await store.get('timer');
  if (timer) return { stopped: !!(await stopTimer()) };
  const incognito = !!(tab && tab.incognito);
  if (incognito && !(await getSettings()).allowIncognito) {
    throw new UserError('incognito', 'Incognito tabs are not tracked. Allow it in the options if you want to.');
  }
  const url = tab && tab.url;
  if (!url || !/^(https?|file):/.test(url)) return startOnPage({ url: '', title: '', incognito }).catch(() => ({ started: false }));
  return startOnPage({ url, title: tab.title || '', incognito });
}

// ---------------------------------------------------------------- idle time
// With a timer running, a period away (idle or locked) of at least the
// option's minutes is recorded (`idle`), shown on the badge, and asked about
// in the popup: keep it, stop the timer when it began, or drop it and keep
// running (two entries). The answer goes through the outbox.
async function applyIdleSetting() {
  if (!chrome.idle) return;
  const min = idleMinutesOf(await getSettings());
  if (min > 0) chrome.idle.setDetectionInterval(Math.max(15, min * 60));
}

async function idleChanged(state, now = Date.now()) {
  const min = idleMinutesOf(await getSettings());
  await locked(async () => {
    const got = await store.get(['timer', 'idle']);
    const next = nextIdle(got.idle || null, { state, now, timer: got.timer, thresholdMs: min * 60_000 });
    if (JSON.stringify(next) !== JSON.stringify(got.idle || null)) await store.set({ idle: next });
  });
  await updateBadge();
}

async function answerIdle({ choice }) {
  if (!['keep', 'stop', 'drop'].includes(choice)) throw new UserError('invalid_input', 'Choose keep, stop or drop.');
  await ready;
  const now = Date.now();
  const after = await locked(async () => {
    const got = await store.get(['timer', 'idle', 'outbox', 'totals']);
    const r = resolveIdle(choice, { idle: got.idle, timer: got.timer || null, now, fmt: formatDateTime, newId });
    let outbox = got.outbox || outboxNew();
    for (const w of r.writes) outbox = outboxEnqueue(outbox, w, now);
    const extra = {};
    if (r.endedAt != null) {
      extra.endedAt = now;
      if (got.totals) extra.totals = foldStopped(got.totals, got.timer, r.endedAt);
    }
    await store.set({ outbox, outboxSize: outboxSize(outbox), timer: r.timer, idle: null, ...extra });
    return r;
  });
  if (!after.timer) await chrome.alarms.clear(ALARM_TICK);
  await updateBadge();
  flush().catch(() => {});
  return getState();
}

async function openPopup() {
  try {
    await chrome.action.openPopup();
  } catch {
    await chrome.windows.create({ url: chrome.runtime.getURL('popup/popup.html'), type: 'popup', width: 380, height: 560 });
  }
}

// ---------------------------------------------------------------- messages
const handlers = {
  getState: () => getState(),
  refresh: () => refresh(),
  signIn: (p) => signIn(p),
  signOut: () => signOut(),
  saveSettings: (p) => saveSettings(p),
  search: (p) => search(p),
  create: (p) => create(p),
  start: (p) => startTimer(p && p.task, p && p.page),
  stop: () => stopTimer(),
  discard: () => discardTimer(),
  editEntry: (p) => editEntry(p),
  flush: async () => { await flush(); return getState(); },
  syncCatalog: (p) => syncCatalog({ fresh: !!(p && p.fresh) }),
  dismissNotice: async () => { await store.set({ notice: null, pendingPage: null }); return true; },
  keepParked: (p) => keepParked(p, true),
  discardParked: (p) => keepParked(p, false),
  answerIdle: (p) => answerIdle(p),
  rules: () => getRules(),
  saveRule: (p) => saveRule(p),
  setRules: (p) => setRules(p),
  // The options: the built-in scrub rules, and a note as a list not yet saved would make it.
  scrubRules: async () => { await ready; return defaultScrubParams(); },
  previewNote: async (p) => {
    await ready;
    const list = (Array.isArray(p.scrubParams) ? p.scrubParams : String(p.scrubParams || '').split(/[\s,]+/)).map((x) => String(x).trim()).filter(Boolean);
    try { return { note: makeNote(String(p.url || ''), String(p.title || ''), { scrubParams: list }) }; } catch (e) { return { error: errorInfo(e).message }; }
  },
};

function senderAllowed(sender) {
  if (!sender || sender.id !== chrome.runtime.id) return false;
  const base = chrome.runtime.getURL('');
  return typeof sender.url === 'string' && sender.url.startsWith(base) && (!sender.origin || base.startsWith(sender.origin));
}

export async function dispatch(msg) {
  const type = msg && msg.type;
  if (!Object.prototype.hasOwnProperty.call(handlers, type)) {
    return { ok: false, error: { code: 'invalid_input', message: 'Unknown request.' } };
  }
  try {
    const data = await handlers[type](msg.payload || {});
    return { ok: true, data };
  } catch (e) {
    return { ok: false, error: e instanceof UserError ? { code: e.code, message: e.message } : errorInfo(e) };
  }
}

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!senderAllowed(sender)) {
    sendResponse({ ok: false, error: { code: 'forbidden', message: 'Requests are accepted from this extension’s pages only.' } });
    return false;
  }
  onlineAgain().catch(() => {});
  dispatch(msg).then(sendResponse);
  return true;
});

chrome.contextMenus.onClicked.addListener((info, tab) => {
  handleMenuClick(info, tab).catch(async (e) => {
    await store.set({ notice: { message: e instanceof UserError ? e.message : errorInfo(e).message, at: Date.now() } });
  });
});

chrome.alarms.onAlarm.addListener((alarm) => {
  onlineAgain().catch(() => {});
  if (alarm.name === ALARM_OUTBOX || alarm.name === ALARM_WAKE) {
    flush().catch(() => {});
  } else if (alarm.name === ALARM_SYNC) {
    backgroundSync().catch(() => {});
  } else if (alarm.name === ALARM_PENDING) {
    expirePendingPage().catch(() => {});
  } else if (alarm.name === ALARM_TICK) {
    (async () => {
      await updateBadge();
      await flush().catch(() => {});
      await reconcile().catch(() => {});
    })();
  }
});

if (chrome.idle) chrome.idle.onStateChanged.addListener((state) => { idleChanged(state).catch(() => {}); });

chrome.commands.onCommand.addListener((command, tab) => {
  if (command !== 'toggle-timer') return;
  toggleTimer(tab).catch(async (e) => {
    await store.set({ notice: { message: e instanceof UserError ? e.message : errorInfo(e).message, at: Date.now() } });
  });
});

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: 'track-page', title: 'Track this page', contexts: ['page'] });
    chrome.contextMenus.create({ id: 'track-link', title: 'Track this link', contexts: ['link'] });
  });
});

// A browser start: what failed for want of a network in the last session is retried now.
chrome.runtime.onStartup.addListener(() => { retryNetworkFailures().catch(() => {}); });
// Where the platform fires it (a background page; not Chromium's service worker, see onlineAgain).
self.addEventListener('online', () => { retryNetworkFailures().catch(() => {}); });

// Every start of the worker (install, browser start, wake-up after being
// stopped): resend what is left and restore the badge and alarms.
async function wakeUp() {
  try {
    await started;
    await expirePendingPage();
    const { timer, tokens } = await store.get(['timer', 'tokens']);
    if (timer) await ensureTickAlarm();
    if (tokens) await ensureSyncAlarm();
    await updateBadge();
    await applyIdleSetting();
    await onlineAgain();
    await flush();
  } catch { /* errors are recorded in storage by flush */ }
}
wakeUp();

// For tests driving the worker directly (Playwright worker.evaluate).
// Nothing here is reachable from a page: a page's only way in is a message.
globalThis.tymeTab = { dispatch, handleMenuClick, senderAllowed, lockWaiting: () => lockWaiting, idleChanged, toggleTimer };
