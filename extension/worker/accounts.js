// Tokens, the client secret (in `settings`), the outbox, the running timer,
// recents, the last task and the caches belong to one account: the base URL
// and client id of `settings`, recorded with them in `account` ({baseUrl,
// clientId, userId?}; the member id once a sign-in learned it). A change of
// either (saveSettings), or a sign-in as another member, parks the old
// account's outbox, recents and last task in `parked` (by accountKey), its
// running timer stopped into that outbox; nothing of it is ever sent to
// another server. Returning to that account brings them back.
import {
  outboxNew, outboxEnqueue, outboxSize, outboxPending, outboxRequeueInFlight, outboxRetry,
} from '../pkg/tyme_tab.js';
import { stoppedEntry } from '../shared/entities.js';
import { wasmReady } from './wasm.js';
import { store, locked } from './storage.js';
import { ALARM_SYNC, ALARM_TICK, updateBadge, scheduleOutboxAlarms } from './alarms.js';
import { readOutbox, queueKeys, dropTaken } from './journal.js';

export const serverKeyOf = (s) => JSON.stringify([s.baseUrl, s.clientId]);
export const accountKeyOf = (a) => JSON.stringify(a.userId ? [a.baseUrl, a.clientId, a.userId] : [a.baseUrl, a.clientId]);
export const accountOf = (s, userId = null) => ({ baseUrl: s.baseUrl, clientId: s.clientId, ...(userId ? { userId } : {}) });
// Data of the signed-in account that another account must not see.
export const ACCOUNT_CACHES = ['catalog', 'catalogAt', 'catalogItems', 'totals', 'pastWeek', 'reconcile'];
// What the core learned of a server: kept across sign-ins to it, dropped with a change of server.
export const SERVER_CACHES = ['dialect'];

// Which account the stored data belongs to, as a number that moves on with
// every switch: a client made for another epoch must not touch it (auth.js).
let epoch = 0;
export function accountEpoch() { return epoch; }

/**
 * Under the lock: `from`'s data (outbox with the timer's stop, recents, last
 * task) goes to `parked`, `to`'s parked data (if any) comes back, and the
 * new `account` is written with it, in one storage write. The caller has
 * removed the tokens and caches before; `extra` is written along (settings).
 */
export async function switchAccountLocked(from, to, extra = {}) {
  await wasmReady();
  const now = Date.now();
  const got = await store.get(['timer', 'recent', 'lastTask', 'parked']);
  const parked = { ...(got.parked || {}) };
  // The queue with the writes of its journal: parked as one queue.
  const { state, head, taken } = await readOutbox();
  let outbox = state;
  if (got.timer) outbox = outboxEnqueue(outbox, stoppedEntry(got.timer.entity, now), now);
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
  epoch++;
  await store.set({
    ...extra,
    account: to, parked,
    ...queueKeys(restored, head), outboxBatch: [], outboxError: null,
    timer: null, endedAt: now, recent: back ? back.recent || [] : [], lastTask: back ? back.lastTask || null : null,
  });
  await dropTaken(taken);
}

export async function afterSwitch() {
  await chrome.alarms.clear(ALARM_SYNC);
  await chrome.alarms.clear(ALARM_TICK);
  await updateBadge();
  await scheduleOutboxAlarms();
}

// The parked data of other accounts, as the popup shows it: those with changes not sent.
export function parkedList(parked) {
  return Object.entries(parked || {}).map(([key, p]) => ({
    key, baseUrl: p.baseUrl, clientId: p.clientId, userId: p.userId || null,
    changes: p.outbox ? outboxSize(p.outbox) : 0, kept: !!p.kept, at: p.at,
  })).filter((p) => p.changes > 0);
}

/** The popup's Keep (kept for their server) or Discard (never sent) of another account's changes. */
export async function keepParked({ key }, keep) {
  await locked(async () => {
    const { parked } = await store.get('parked');
    if (!parked || !parked[key]) return;
    if (keep) parked[key] = { ...parked[key], kept: true };
    else delete parked[key];
    await store.set({ parked });
  });
}
