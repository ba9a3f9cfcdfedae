// The popup's first read of chrome.storage.local, what its first paint shows.
// popup.js imports this module before any other, so the read is in flight
// while the rest of the popup's code is evaluated, localized and wired.
export const FIRST_KEYS = ['auth', 'timer', 'lastTask', 'recent', 'outboxSize', 'outboxError', 'notice', 'totals', 'pendingPage', 'settings'];
export const firstRead = chrome.storage.local.get(FIRST_KEYS);
