// The popup's first read of chrome.storage.local, what its first paint shows.
// popup.js imports this module before any other, so the read is in flight
// while the rest of the popup's code is evaluated, localized and wired.
performance.mark('tyme:first-line'); // bench instrumentation (tests/bench): the bundle starts
export const FIRST_KEYS = ['auth', 'timer', 'lastTask', 'recent', 'outboxSize', 'outboxRefused', 'outboxError', 'notice', 'totals', 'pendingPage', 'settings'];
export const firstRead = chrome.storage.local.get(FIRST_KEYS);
firstRead.then(() => performance.mark('tyme:first-read'), () => {}); // bench instrumentation (tests/bench): its answer
