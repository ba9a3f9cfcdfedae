// What the pages show: the state from storage, and the popup's refresh.
import { wasmReady } from './wasm.js';
import { store, settingsOf, writesIssued } from './storage.js';
import { errorInfo } from './errors.js';
import { dialectOf } from './auth.js';
import { parkedList } from './accounts.js';
import { flush } from './outbox.js';
import { refreshTotals } from './totals.js';
import { publicSettings } from './settings.js';
import { keptPendingPage } from './notices.js';
import { outboxSize } from '../pkg/tyme_tab.js';
import { idleQuestion } from '../idle.js';

// One storage read: a worker just woken answers after one round trip.
// Not the queue itself (`outbox`: a week offline makes it big), unless it
// was stored before the journal's head, which counts it (getState).
const STATE_KEYS = ['settings', 'dialect', 'tokens', 'auth', 'timer', 'lastTask', 'recent', 'outboxLog', 'outboxSize', 'outboxRefused', 'outboxError', 'notice', 'totals', 'pendingPage', 'parked', 'idle'];

// A worker is mostly woken by the popup's getState: background.js begins
// that read while the worker's script is still being evaluated, before the
// browser hands it the message (the bench's worker restart figure). The
// first getState takes it if this worker has issued no write since it
// began (no page writes these keys); any other event drops it
// (background.js wake).
let early = null;
export function readEarly() {
  const read = store.get(STATE_KEYS);
  read.catch(() => {});
  early = { read, writes: writesIssued() };
}
export function dropEarlyRead() { early = null; }
function readState() {
  const e = early;
  early = null;
  return e && e.writes === writesIssued() ? e.read : store.get(STATE_KEYS);
}

export async function getState() {
  const got = await readState();
  if (!got.outboxLog) Object.assign(got, await store.get('outbox'));
  const pendingPage = await keptPendingPage(got.pendingPage);
  // With the journal's head (journal.js) the queued writes are counted in
  // `outboxSize`, kept with every write. A queue stored before the journal
  // is counted by the core from itself, as is one whose `outboxSize` is not
  // a stored 0. Only then (and for parked accounts) does a worker just woken
  // wait for the wasm to compile.
  const counted = !!got.outboxLog;
  const mayHold = !counted && !!got.outbox && got.outboxSize !== 0;
  if (mayHold || (got.parked && Object.keys(got.parked).length)) await wasmReady();
  const size = counted ? got.outboxSize || 0 : mayHold ? outboxSize(got.outbox) : 0;
  const settings = settingsOf(got.settings);
  const dialect = dialectOf(got.dialect, settings);
  return {
    settings: publicSettings(settings),
    signedIn: !!got.tokens,
    auth: got.auth || { status: got.tokens ? 'signed_in' : 'signed_out' },
    timer: got.timer || null,
    lastTask: got.lastTask || null,
    recent: got.recent || [],
    outboxSize: size,
    outboxError: size ? (got.outboxError || null) : null,
    outboxRefused: size ? Math.min(size, got.outboxRefused || 0) : 0,
    notice: got.notice || null,
    totals: got.totals || null,
    pendingPage,
    parked: parkedList(got.parked),
    idle: got.tokens ? idleQuestion(got.idle, got.timer, Date.now()) : null,
    // Discard needs DELETE /data/entity, known with the live API's /data/times.
    canDiscard: dialect.delete === true || (dialect.times === true && dialect.delete !== false),
  };
}

// Popup opened: send what waits; totals and the running entry's check in one
// summary request at most (see refreshTotals).
export async function refresh() {
  const errors = [];
  await flush().catch((e) => errors.push(errorInfo(e)));
  let notice = null;
  try { notice = await refreshTotals(); } catch (e) { errors.push(errorInfo(e)); }
  const state = await getState();
  return { ...state, refreshError: errors.find((e) => !['signed_out', 'not_configured'].includes(e.code)) || null, reconciled: notice };
}
