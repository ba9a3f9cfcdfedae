// Tyme Tab service worker: a router from browser events (messages, context
// menu, alarms, start-up) to the modules in worker/, which call the wasm
// core. Everything that matters lives in chrome.storage.local (key schema:
// worker/storage.js); the worker may be stopped at any moment. Listeners are
// registered synchronously at top level, as Manifest V3 requires, so an
// event that wakes the worker finds them.
// bench instrumentation (tests/bench): the worker's first statement (its imports are evaluated before it).
const T0 = performance.now();
import { defaultScrubParams } from './pkg/tyme_tab.js';
import { wasmReady } from './worker/wasm.js';
import { store, lockWaiting, handOver } from './worker/storage.js';
import { errorInfo, errorReply } from './worker/errors.js';
import { keepParked } from './worker/accounts.js';
import { signIn, signOut } from './worker/session.js';
import { saveSettings } from './worker/settings.js';
import { flush, started, onlineAgain, retryNetworkFailures, retryRefused, discardRefused } from './worker/outbox.js';
import { startTimer, stopTimer, discardTimer, editEntry } from './worker/timer.js';
import { reconcile } from './worker/totals.js';
import { search, create, syncCatalog, backgroundSync } from './worker/catalog.js';
import { createMenus, handleMenuClick, toggleTimer } from './worker/menu.js';
import { idleChanged, answerIdle, applyIdleSetting } from './worker/idle.js';
import { getRules, saveRule, setRules } from './worker/site-rules.js';
import { t } from './i18n.js';
import { setNotice, dismissNotice, expirePendingPage } from './worker/notices.js';
import { previewNote } from './worker/notes.js';
import { getState, refresh, readEarly, dropEarlyRead } from './worker/state.js';
import {
  ALARM_OUTBOX, ALARM_WAKE, ALARM_TICK, ALARM_SYNC, ALARM_PENDING, ensureTickAlarm, ensureSyncAlarm, updateBadge,
} from './worker/alarms.js';

// The state a popup's getState answers with, read while the listeners below
// are registered (worker/state.js).
readEarly();

// ---------------------------------------------------------------- messages
// One protocol for the pages: {type, payload} → {ok, data} | {ok: false, error: {code, message}}.
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
  retryRefused: async () => { await retryRefused(); return getState(); },
  discardRefused: async () => { await discardRefused(); return getState(); },
  syncCatalog: (p) => syncCatalog({ fresh: !!(p && p.fresh) }),
  dismissNotice: () => dismissNotice(),
  keepParked: async (p) => { await keepParked(p, true); return getState(); },
  discardParked: async (p) => { await keepParked(p, false); return getState(); },
  answerIdle: async (p) => { await answerIdle(p); return getState(); },
  rules: () => getRules(),
  saveRule: (p) => saveRule(p),
  setRules: (p) => setRules(p),
  // The options: the built-in scrub rules, and a note as a list not yet saved would make it.
  scrubRules: async () => { await wasmReady(); return defaultScrubParams(); },
  previewNote: async (p) => {
    await wasmReady();
    try { return { note: previewNote(p) }; } catch (e) { return { error: errorInfo(e).message }; }
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
    return { ok: false, error: { code: 'invalid_input', message: t('err_unknown_request') } };
  }
  try {
    const data = await handlers[type](msg.payload || {});
    return { ok: true, data };
  } catch (e) {
    return { ok: false, error: errorReply(e) };
  }
}

// ---------------------------------------------------------------- listeners
chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!senderAllowed(sender)) {
    sendResponse({ ok: false, error: { code: 'forbidden', message: t('err_forbidden_sender') } });
    return false;
  }
  // The message first: a worker it woke answers before its own start-up
  // work, and before it asks whether the network is back.
  dispatch(msg).then(sendResponse).finally(() => {
    wake();
    onlineAgain().catch(() => {});
  });
  return true;
});

chrome.contextMenus.onClicked.addListener((info, tab) => {
  wake();
  handleMenuClick(info, tab).catch((e) => setNotice(errorReply(e).message));
});

// Answers the work it started (the browser ignores it; the bench's simulated day awaits it).
function onAlarm(alarm) {
  wake();
  onlineAgain().catch(() => {});
  if (alarm.name === ALARM_OUTBOX || alarm.name === ALARM_WAKE) {
    return flush().catch(() => {});
  } else if (alarm.name === ALARM_SYNC) {
    return backgroundSync().catch(() => {});
  } else if (alarm.name === ALARM_PENDING) {
    return expirePendingPage().catch(() => {});
  } else if (alarm.name === ALARM_TICK) {
    return (async () => {
      await updateBadge();
      await flush().catch(() => {});
      await reconcile().catch(() => {});
    })();
  }
  return Promise.resolve();
}
chrome.alarms.onAlarm.addListener(onAlarm);

// Time away while a timer runs (worker/idle.js).
if (chrome.idle) chrome.idle.onStateChanged.addListener((state) => { wake(); idleChanged(state).catch(() => {}); });

// The keyboard shortcut that starts or stops a timer without the popup.
chrome.commands.onCommand.addListener((command, tab) => {
  wake();
  if (command === 'toggle-timer') toggleTimer(tab).catch((e) => setNotice(errorReply(e).message));
});

chrome.runtime.onInstalled.addListener(() => { wake(); createMenus(); });

// A browser start: what failed for want of a network in the last session is retried now.
chrome.runtime.onStartup.addListener(() => { wake(); retryNetworkFailures().catch(() => {}); });
// Where the platform fires it (a background page; not Chromium's service worker, see onlineAgain).
self.addEventListener('online', () => { wake(); retryNetworkFailures().catch(() => {}); });

// Every start of the worker (install, browser start, wake-up after being
// stopped): resend what is left and restore the badge and alarms. It runs
// once the event that woke the worker has been taken (`wake`, called by
// every listener; after its answer for a page's message), so that a popup
// waiting on a stopped worker is not queued behind the wasm's compile and
// these reads. A start that brings no event still runs it, a moment later.
let woken = false;
function wake() {
  dropEarlyRead();
  if (woken) return;
  woken = true;
  wakeUp();
}
async function wakeUp() {
  try {
    await started();
    await handOver();
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
setTimeout(wake, 250);

// ---------------------------------------------------------------- test and bench hooks
// The worker's only ones, with the first statement above; scripts/build-dist.mjs strips them
// from the packages and fails the build if any is left.
// bench instrumentation (tests/bench): ready to answer (every listener registered, as the floor's
// readyAt), and when the wasm's load began and ended (worker/wasm.js), with its linear memory, read through CDP.
globalThis.tymeTabBench = { t0: T0, readyAt: performance.now(), wasmFrom: null, wasmAt: null, wasmMemory: null };
// For tests driving the worker directly (Playwright worker.evaluate), and for the
// simulated working day that fires onAlarm, the alarm listener, as the browser would.
// Nothing here is reachable from a page: a page's only way in is a message.
globalThis.tymeTab = { dispatch, handleMenuClick, senderAllowed, lockWaiting, idleChanged, toggleTimer, onAlarm };
