// Start and stop feel instant: from the click on Start (Stop) in the popup to
// the first frame with the running (idle) view, while every API request
// takes 2 s (injected sandbox latency); each click still sends exactly one
// write, waited for before the next click.
import { waitFor } from '../../e2e/support.mjs';
import { add, log, raw, median, p95, round, QUICK } from '../lib.mjs';

const N = QUICK ? 3 : 10;
const writes = async (sandbox) => (await sandbox.log()).filter((e) => e.method === 'POST' && e.path.includes('update_entity') && e.status === 200).length;

// Click in the page, then the time of the next animation frame (the frame
// that paints what the click changed), and whether the view it shows is the expected one.
const clickToFrame = (page, button, view) => page.evaluate(([b, v]) => new Promise((resolve) => {
  const t0 = performance.now();
  document.getElementById(b).click();
  requestAnimationFrame(() => resolve({ ms: performance.now() - t0, shown: !document.getElementById(v).hidden }));
}), [button, view]);

export async function instantActions(ext, sandbox) {
  log(`start/stop click → view painted, 2 s API latency (${N} each)`);
  const page = await ext.openPopup();
  await page.waitForSelector('#start:not([disabled])');
  await sandbox.faults({ latency_ms: 2000 });
  const start = [];
  const stop = [];
  let sent = 0;
  const base = await writes(sandbox);
  try {
    for (let i = 0; i < N; i++) {
      const a = await clickToFrame(page, 'start', 'running');
      if (!a.shown) throw new Error('the running view was not shown in the frame after the click');
      start.push(a.ms);
      await waitFor(async () => (await writes(sandbox)) === base + sent + 1, { what: 'the start on the server', timeout: 30000 });
      sent++;
      await page.waitForSelector('#stop');
      const b = await clickToFrame(page, 'stop', 'idle');
      if (!b.shown) throw new Error('the idle view was not shown in the frame after the click');
      stop.push(b.ms);
      await waitFor(async () => (await writes(sandbox)) === base + sent + 1, { what: 'the stop on the server', timeout: 30000 });
      sent++;
      await page.waitForSelector('#start:not([disabled])');
    }
  } finally {
    await sandbox.clearFaults();
    await page.close();
  }
  raw.instant = { start, stop };
  const total = (await writes(sandbox)) - base;
  add('instant', `Start click → running view painted, 2 s API latency: median (n=${start.length})`, round(median(start), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(start), 1)} ms`);
  add('instant', `Stop click → idle view painted, 2 s API latency: median (n=${stop.length})`, round(median(stop), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(stop), 1)} ms`);
  add('instant', `writes sent for ${N} starts and ${N} stops`, total, 'requests', { op: '==', limit: 2 * N }, 'each click sends exactly one write');
}
