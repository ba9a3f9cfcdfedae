// The floor: a blank reference extension (tests/bench/floor/: a popup with
// one button, an empty module worker) loaded beside Tyme Tab in the same
// Chromium. Its figures are what Chromium itself needs; Tyme Tab's latency
// figures are reported as a difference from them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../e2e/support.mjs';

export const FLOOR_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor');

/** The floor extension in ext's browser: {base, page(), worker()}. */
export async function floorOf(ext) {
  const isFloor = (w) => w.url().endsWith('/worker.js') && !w.url().startsWith(ext.base);
  const sw = ext.context.serviceWorkers().find(isFloor)
    || await ext.context.waitForEvent('serviceworker', { predicate: isFloor, timeout: 15000 });
  const base = `chrome-extension://${new URL(sw.url()).host}`;
  let helper = null;
  const floor = {
    base,
    /** An open page of the floor extension (to message its worker as a popup would). */
    async page() {
      if (!helper || helper.isClosed()) {
        helper = await ext.context.newPage();
        await helper.goto(`${base}/popup.html`);
      }
      return helper;
    },
    /** The floor's live worker, waking it through its page. */
    async worker() {
      return waitFor(async () => {
        const w = ext.context.serviceWorkers().find((x) => isFloor(x));
        if (w) { try { await w.evaluate(() => 1); return w; } catch { /* a stopped worker's handle */ } }
        const p = await floor.page();
        await p.evaluate(() => chrome.runtime.sendMessage({ type: 'ping' })).catch(() => null);
        return null;
      }, { what: 'the floor extension\'s worker', timeout: 15000 });
    },
  };
  return floor;
}

/** Median difference row helper: value − floor, with the absolute values in the note. */
export function overFloor(value, floorValue) {
  return Math.round((value - floorValue) * 10) / 10;
}
