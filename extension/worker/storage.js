// chrome.storage.local: the worker's only state. The worker may be stopped at
// any moment, so whatever must survive is written here before it is used;
// module-level variables elsewhere only de-duplicate work in flight.
//
// Key schema (all in chrome.storage.local):
//   settings      {clientId, clientSecret, baseUrl, scrubParams: string[]|null, allowIncognito, idleMinutes}
//   tokens        the core's TokenSet of the signed-in account
//   auth          {status: 'signed_in'|'signed_out'|'reauth', message?}
//   account       {baseUrl, clientId, userId?}: whose data the keys below are (accounts.js)
//   parked        {[accountKey]: {baseUrl, clientId, userId?, outbox, recent, lastTask, at, kept}}
//   dialect       {server: serverKey, known: Dialect}: what the core learned of a server
//   outbox        the core's OutboxState as of the last fold; outboxLog (the journal's
//                 head) and outboxLog:<[type,id]> (a write not folded yet, one key per
//                 entity): see journal.js; outboxSize (changes waiting, for the pages),
//                 outboxError {code, message, at}|null, offlineAt (a flush found the
//                 browser offline, or a send failed offline)
//   timer         {entity, startMs, ref, label, note, adopted?}: the running entry; endedAt
//                 (ms of the last stop or discard), lastTask, recent (task refs)
//   totals        {dayStart, weekStart, at, today, week, runningId, checkedId, exact?}
//   pastWeek      {dayStart, weekStart, seconds, at}; reconcile (reconcile.js's observation)
//   catalog       {at, projects, tasks, subtasks} for the picker, as one JSON string
//                 (picker.js readCatalog); catalogAt (its fetch time),
//                 catalogItems (its size: a big one is fetched less often)
//   notice        {message, at}; pendingPage {url, title, incognito, at} (scrubbed)
//   idle          {timerId, since, until|null}: time away while that timer ran (idle.js)
// chrome.storage.sync: siteRules [{host, path, task}] (site-rules.js)
import { DEFAULT_BASE_URL } from '../shared/rules.js';
import { HANDOFF_KEYS, popupUrl } from '../handoff.js';
import { wasmReady } from './wasm.js';

// Writes this worker has issued: a read begun before the last of them may
// be stale (state.js readEarly). The pages write no key the worker reads
// (only the site rules, where chrome.storage.sync is missing).
let writes = 0;
export const writesIssued = () => writes;

export const store = {
  async get(keys) { return chrome.storage.local.get(keys); },
  async set(obj) {
    writes++;
    await chrome.storage.local.set(obj);
    if (HANDOFF_KEYS.some((k) => k in obj)) handOver();
  },
  async remove(keys) {
    writes++;
    await chrome.storage.local.remove(keys);
    if ([].concat(keys).some((k) => HANDOFF_KEYS.includes(k))) handOver();
  },
  // Every key's name, without reading the values (the catalog is megabytes).
  async keys() {
    const area = chrome.storage.local;
    return typeof area.getKeys === 'function' ? area.getKeys() : Object.keys(await area.get(null));
  },
};

// The popup's URL carries what its first paint shows (../handoff.js): set
// again after each write of a key it is made of, and at each worker start (a
// browser start puts back the manifest's plain URL). Not awaited by the
// write: the popup renders from storage right after its first paint anyway.
// Writes in a burst (a week offline) set it once more after the burst, not
// once each: a run reads the keys when it starts.
let handing = null;
let handAgain = false;
export function handOver() {
  if (handing) { handAgain = true; return handing; }
  handing = (async () => {
    do {
      handAgain = false;
      try {
        await chrome.action.setPopup({ popup: popupUrl(await store.get(HANDOFF_KEYS)) });
      } catch { /* the popup waits for storage instead */ }
    } while (handAgain);
    handing = null;
  })();
  return handing;
}

export async function getSettings() {
  const { settings } = await store.get('settings');
  return settingsOf(settings);
}

/** The stored `settings` value with the defaults of what it lacks. */
export function settingsOf(settings) {
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
let waiting = 0;
export function locked(fn) {
  waiting++;
  // What runs under the lock builds outbox states and entries with the core:
  // the wasm is made ready first, as a worker just woken can be asked to stop
  // a timer before its wasm has compiled.
  const go = () => { waiting--; return wasmReady().then(fn); };
  const run = mutex.then(go, go);
  mutex = run.catch(() => {});
  return run;
}
/** Callers waiting for the lock now. */
export function lockWaiting() { return waiting; }
