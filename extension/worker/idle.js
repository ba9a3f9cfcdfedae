// Time away while a timer runs (extension/idle.js decides; this stores and
// queues). A period away (idle or locked) of at least the option's minutes
// is recorded (`idle` in storage), shown on the badge and asked about in the
// popup: keep it, stop the timer when it began, or drop it and keep running
// (two entries). The answer goes through the outbox like every change.
import { formatDateTime, newId } from '../pkg/tyme_tab.js';
import { idleMinutesOf, nextIdle, resolveIdle } from '../idle.js';
import { foldStopped } from '../common.js';
import { t } from '../i18n.js';
import { wasmReady } from './wasm.js';
import { store, locked, getSettings } from './storage.js';
import { UserError } from './errors.js';
import { flush, queueWrites } from './outbox.js';
import { updateBadge, timerGone } from './alarms.js';

/** The browser's idle detection set to the option (chrome.idle takes seconds, 15 at least). */
export async function applyIdleSetting() {
  if (!chrome.idle) return;
  const min = idleMinutesOf(await getSettings());
  if (min > 0) chrome.idle.setDetectionInterval(Math.max(15, min * 60));
}

/** chrome.idle.onStateChanged: 'idle', 'locked' or 'active' at `now`. */
export async function idleChanged(state, now = Date.now()) {
  const min = idleMinutesOf(await getSettings());
  await locked(async () => {
    const got = await store.get(['timer', 'idle']);
    const next = nextIdle(got.idle || null, { state, now, timer: got.timer, thresholdMs: min * 60_000 });
    if (JSON.stringify(next) !== JSON.stringify(got.idle || null)) await store.set({ idle: next });
  });
  await updateBadge();
}

/** The popup's answer: 'keep', 'stop' or 'drop'. */
export async function answerIdle({ choice }) {
  if (!['keep', 'stop', 'drop'].includes(choice)) throw new UserError('invalid_input', t('err_idle_choice'));
  await wasmReady();
  const now = Date.now();
  const after = await locked(async () => {
    const got = await store.get(['timer', 'idle', 'totals']);
    const r = resolveIdle(choice, { idle: got.idle, timer: got.timer || null, now, fmt: formatDateTime, newId });
    const extra = {};
    if (r.endedAt != null) {
      extra.endedAt = now;
      if (got.totals) extra.totals = foldStopped(got.totals, got.timer, r.endedAt);
    }
    await store.set({ ...(await queueWrites(r.writes, now)), timer: r.timer, idle: null, ...extra });
    return r;
  });
  if (!after.timer) await timerGone(); else await updateBadge();
  flush().catch(() => {});
}
