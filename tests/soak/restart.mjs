// Browser restarts in the soak: the whole browser closed and launched again
// on the same profile (user data dir) and the same extension, while the
// sandbox keeps running. Some restarts come between operations, others
// while a write is in flight (seen at the sandbox, received and not yet
// answered). Each must be proven real: another browser process and a worker
// with another time origin after the launch.
//
// Chromium never fires runtime.onStartup for an extension loaded from the
// command line (every launch of it is an install: runtime.onInstalled with
// reason 'install', seen on Chromium 156 with and without
// --load-extension on the second launch), so after each launch the soak
// dispatches the event in the new worker, as Chromium does for an installed
// extension at browser start. The extension's own listener then runs
// (retryNetworkFailures); that it ran is seen by its effect: it removes
// `offlineAt`, which the soak sets just before (a marker only read by that
// retry path, meaning "a send failed while offline": the same retry).
import { prng } from '../support/random.mjs';
import { waitFor } from '../support/wait.mjs';

export const MID_WRITE = 'mid-write';
export const BETWEEN_OPS = 'between ops';

/**
 * Where the browser restarts in a run of n operations: one restart at a
 * random operation of each block of `every` (after that operation), from
 * its own generator of the soak's seed (so the soak's other choices stay
 * those of the seed). The first is always mid-write, the rest half and
 * half. Pure: exported for the test. → Map(op index → kind)
 */
export function restartPlan(seed, n, every) {
  const plan = new Map();
  if (!(every >= 1)) return plan;
  const rand = prng(((seed >>> 0) ^ 0x9e3779b9) >>> 0);
  for (let b = 0; b * every < n; b++) {
    const at = b * every + Math.floor(rand() * every);
    const kind = plan.size === 0 || rand() < 0.5 ? MID_WRITE : BETWEEN_OPS;
    if (at < n) plan.set(at, kind);
  }
  return plan;
}

/** The browser's process id (the DevTools protocol's process list). */
export async function browserPid(ext) {
  const s = await ext.context.browser().newBrowserCDPSession();
  try {
    const { processInfo } = await s.send('SystemInfo.getProcessInfo');
    const b = processInfo.find((p) => p.type === 'browser');
    return b ? b.id : null;
  } finally { await s.detach().catch(() => {}); }
}

/** The worker instance: its time origin is new with every start of the worker. */
export const workerOrigin = async (ext) => (await ext.worker()).evaluate(() => performance.timeOrigin);

/** Before the operation a restart follows: what the restart must be different from. */
export async function beforeRestart(ext) {
  return { pid: await browserPid(ext), origin: await workerOrigin(ext) };
}

/**
 * Close the browser and launch it again (`relaunch()` → the new handle).
 * `midWrite`: the outbox is flushed without waiting and the browser closes
 * as soon as the sandbox holds a write unanswered while the outbox marks
 * ops as being sent (their "Type:id": `writes`); when none comes
 * within 3 s (the queue in backoff, or nothing left), it closes anyway.
 * → { ext, real, pids, startupRetry, inFlight, writes: ["Type:id"] }
 */
export async function restartBrowser({ ext, before, sandbox, midWrite, relaunch }) {
  let inFlight = false;
  let writes = [];
  if (midWrite) {
    ext.send('flush').catch(() => null);
    // The sandbox's unanswered requests and the outbox's ops being sent, read
    // together: an op is marked as being sent before its request leaves and
    // until its answer is recorded, so both show the same write.
    const page = await ext.page();
    const seen = await waitFor(async () => {
      const [held, stored] = await Promise.all([sandbox.inFlight(), page.evaluate(() => chrome.storage.local.get('outbox'))]);
      const sending = ((stored.outbox && stored.outbox.ops) || []).filter((op) => op.state === 'sending');
      return held.some((r) => r.method === 'POST' && r.path.startsWith('/data/update_entity')) && sending.length ? sending : null;
    }, { timeout: 3000, interval: 5, what: 'a write in flight' }).catch(() => null);
    if (seen) { inFlight = true; writes = seen.map((op) => `${op.entityType}:${op.entityId}`); }
  }
  await ext.close();
  const next = await relaunch();
  const pid = await browserPid(next);
  const origin = await workerOrigin(next);
  const real = pid != null && before.pid != null && pid !== before.pid && origin !== before.origin;
  // The onStartup Chromium does not fire for a command-line extension, and its effect.
  const w = await next.worker();
  await w.evaluate(async () => {
    await chrome.storage.local.set({ offlineAt: Date.now() });
    chrome.runtime.onStartup.dispatch();
  });
  const page = await next.page();
  const startupRetry = await waitFor(async () => !('offlineAt' in await page.evaluate(() => chrome.storage.local.get('offlineAt'))),
    { timeout: 15000, interval: 50, what: 'the onStartup retry' }).then(() => true, () => false);
  return { ext: next, real, pids: [before.pid, pid], startupRetry, inFlight: !!inFlight, writes };
}
