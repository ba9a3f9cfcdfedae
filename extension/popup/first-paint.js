// The popup's first paint. popup.html loads this module alone
// (scripts/bundle.mjs builds it as build/first-paint.js), so it runs as soon
// as the page is parsed, without waiting for the rest of the popup's code,
// which it then imports (build/popup.js, which imports this same file):
// - it localizes the page;
// - when the worker handed the state over in the popup's URL (handoff.js),
//   it paints the main action from it at once: the running timer with Stop,
//   or the last task with Start. The bundle's render from storage follows;
// - it starts the popup's first read of chrome.storage.local, the state the
//   bundle renders in full.
import { readHandoff } from '../handoff.js';
import { hms } from '../shared/format.js';
import { t, localize } from '../i18n.js';

performance.mark('tyme:first-line'); // bench instrumentation (tests/bench): the popup's code starts
localize();
try { paint(readHandoff(location.search)); } catch { /* the bundle renders from storage */ }
// After the paint: the page's first use of chrome.storage sets up its API first.
export const FIRST_KEYS = ['auth', 'timer', 'lastTask', 'recent', 'outboxSize', 'outboxRefused', 'outboxError', 'notice', 'totals', 'pendingPage', 'settings'];
export const firstRead = chrome.storage.local.get(FIRST_KEYS);
firstRead.then(() => performance.mark('tyme:first-read'), () => {}); // bench instrumentation (tests/bench): its answer
// The rest of the popup, once this module has run: a second script in the
// page would be fetched beside this one and hold its start back.
import('../build/popup.js');

function paint(h) {
  if (!h) return;
  const $ = (id) => document.getElementById(id);
  $('status').textContent = t('status_signed_in');
  $('running').hidden = !h.timer;
  $('idle').hidden = !!h.timer;
  if (h.timer) {
    $('run-task').textContent = h.timer.label || t('task');
    $('run-elapsed').textContent = hms((Date.now() - h.timer.startMs) / 1000);
    performance.mark('tyme:timer-rendered'); // bench instrumentation (tests/bench)
  } else if (h.lastLabel) {
    $('selected').textContent = h.lastLabel;
    $('selected').hidden = false;
    $('start').disabled = false;
  }
}
