// What the popup tells the user besides the timer: `notice` (a message, e.g.
// a timer stopped in Tyme or a refused menu click) and `pendingPage` (a page
// from the context menu waiting for a task, kept scrubbed, for PENDING_PAGE_TTL_MS).
import { PENDING_PAGE_TTL_MS } from '../common.js';
import { store } from './storage.js';
import { ALARM_PENDING } from './alarms.js';
import { scrubbedPage } from './notes.js';

export async function setNotice(message) {
  await store.set({ notice: { message, at: Date.now() } });
}

export async function dismissNotice() {
  await store.set({ notice: null, pendingPage: null });
  return true;
}

/** Keep `page` (scrubbed, never its raw URL) until a task is picked or it expires. */
export async function holdPage(page) {
  const at = Date.now();
  await store.set({ pendingPage: { ...(await scrubbedPage(page)), at } });
  await chrome.alarms.create(ALARM_PENDING, { when: at + PENDING_PAGE_TTL_MS });
}

// A page left waiting for a task longer than PENDING_PAGE_TTL_MS is dropped.
export async function expirePendingPage() {
  const { pendingPage } = await store.get('pendingPage');
  return keptPendingPage(pendingPage);
}

/** `pendingPage` as read from storage, or null (and removed) once expired. */
export async function keptPendingPage(pendingPage) {
  if (pendingPage && !(Date.now() - (pendingPage.at || 0) < PENDING_PAGE_TTL_MS)) {
    await store.remove('pendingPage');
    return null;
  }
  return pendingPage || null;
}
