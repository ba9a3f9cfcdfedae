// What the pages show: the state from storage, and the popup's refresh.
import { ready } from './wasm.js';
import { store, getSettings } from './storage.js';
import { errorInfo } from './errors.js';
import { redirectUri, serverDialect } from './auth.js';
import { parkedList } from './accounts.js';
import { flush } from './outbox.js';
import { refreshTotals } from './totals.js';
import { publicSettings } from './settings.js';
import { expirePendingPage } from './notices.js';
import { outboxSize } from '../pkg/tyme_tab.js';
import { idleQuestion } from '../idle.js';

export async function getState() {
  await expirePendingPage();
  const got = await store.get(['settings', 'tokens', 'auth', 'timer', 'lastTask', 'recent', 'outboxLog', 'outboxSize', 'outboxError', 'notice', 'totals', 'pendingPage', 'parked', 'idle']);
  await ready;
  // A queue stored before the journal (no head, journal.js) is counted from itself.
  const size = got.outboxLog ? got.outboxSize || 0 : outboxSize((await store.get('outbox')).outbox || null);
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
export async function refresh() {
  const errors = [];
  await flush().catch((e) => errors.push(errorInfo(e)));
  let notice = null;
  try { notice = await refreshTotals(); } catch (e) { errors.push(errorInfo(e)); }
  const state = await getState();
  return { ...state, refreshError: errors.find((e) => !['signed_out', 'not_configured'].includes(e.code)) || null, reconciled: notice };
}
