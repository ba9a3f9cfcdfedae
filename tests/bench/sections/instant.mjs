// Start and stop feel instant: from the click on Start (Stop) in the popup to
// the first frame with the running (idle) view, while every API request
// takes 2 s (injected sandbox latency); each click still sends exactly one
// write, waited for before the next click. The same for the keyboard (Enter
// on the focused Start or Stop), and for the starts without a popup ("Track
// this page", the start/stop shortcut), whose view is the toolbar badge:
// from the handler's call to the badge set, on the worker's clock.
import { waitFor } from '../../e2e/support.mjs';
import { add, log, raw, median, p95, round, QUICK } from '../lib.mjs';

const N = QUICK ? 3 : 10;
const writes = async (sandbox) => (await sandbox.log()).filter((e) => e.method === 'POST' && e.path.includes('update_entity') && e.status === 200).length;

// Enter pressed on the focused button (a real key press, through the
// DevTools protocol), from its keydown to the next animation frame.
async function enterToFrame(page, button, view) {
  await page.focus(`#${button}`);
  // The key's keydown, then the click it makes on the button; the frame after that click.
  const done = page.evaluate((v) => new Promise((resolve) => {
    let t0 = null;
    document.addEventListener('keydown', (e) => { if (e.key === 'Enter') t0 = performance.now(); }, { capture: true, once: true });
    document.addEventListener('click', () => {
      requestAnimationFrame(() => resolve({ ms: t0 === null ? null : performance.now() - t0, shown: !document.getElementById(v).hidden }));
    }, { capture: true, once: true });
  }), view);
  // The listener is in place once the evaluate above has run its body.
  await page.evaluate(() => 0);
  await page.keyboard.press('Enter');
  return done;
}

// A start or a stop from the worker's own handlers, as the browser calls them
// for the context-menu item and the shortcut: ms from the call until the
// badge shows a running (non-empty) or no timer. The badge setter is wrapped
// for the call (bench instrumentation, in the worker of this browser only).
const badgeAfter = (w, how, url, running) => w.evaluate(async ([how, url, running]) => {
  const action = chrome.action;
  const setter = action.setBadgeText;
  const t0 = performance.now();
  let ms = null;
  action.setBadgeText = async (d) => {
    const r = await setter.call(action, d);
    if (ms === null && (d.text !== '') === running) ms = performance.now() - t0;
    return r;
  };
  try {
    const tab = { id: 1, url, title: 'Bench page', incognito: false };
    const res = how === 'menu'
      ? await globalThis.tymeTab.handleMenuClick({ menuItemId: 'track-page', pageUrl: url }, tab)
      : await globalThis.tymeTab.toggleTimer(tab);
    if (ms === null) throw new Error(`${how}: the badge was not set (${JSON.stringify(res)})`);
    return ms;
  } finally { action.setBadgeText = setter; }
}, [how, url, running]);

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
  const keyStart = [];
  const keyStop = [];
  const menu = [];
  const shortcut = [];
  const shortcutStop = [];
  let sent = 0;
  const base = await writes(sandbox);
  // Waits for the write the last action sent, and no other, on the server.
  const sentOnce = async (what) => {
    await waitFor(async () => (await writes(sandbox)) === base + sent + 1, { what: `${what} on the server`, timeout: 30000 });
    sent++;
  };
  // N starts and stops in the popup by `act` (a click or Enter), each timed to the frame it painted.
  const inPopup = async (act, how, starts, stops) => {
    for (let i = 0; i < N; i++) {
      for (const [button, view, into] of [['start', 'running', starts], ['stop', 'idle', stops]]) {
        await page.waitForSelector(button === 'start' ? '#start:not([disabled])' : '#stop');
        const r = await act(page, button, view);
        if (!r.shown || r.ms === null) throw new Error(`${how}: the ${view} view was not shown in the frame after it`);
        into.push(r.ms);
        await sentOnce(`the ${how}'s ${button}`);
      }
    }
  };
  try {
    await inPopup(clickToFrame, 'click', start, stop);
    await inPopup(enterToFrame, 'Enter', keyStart, keyStop);
    await page.close();
    const w = await ext.worker();
    for (let i = 0; i < N; i++) {
      const url = `https://example.com/bench/${i}`;
      for (const [how, list] of [['menu', menu], ['shortcut', shortcut]]) {
        list.push(await badgeAfter(w, how, url, true));
        await sentOnce(`the ${how}'s start`);
        shortcutStop.push(await badgeAfter(w, 'shortcut', url, false));
        await sentOnce('the shortcut\'s stop');
      }
    }
  } finally {
    await sandbox.clearFaults();
    if (!page.isClosed()) await page.close();
  }
  raw.instant = { start, stop, keyStart, keyStop, menu, shortcut, shortcutStop };
  const total = (await writes(sandbox)) - base;
  add('instant', `Start click → running view painted, 2 s API latency: median (n=${start.length})`, round(median(start), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(start), 1)} ms`);
  add('instant', `Stop click → idle view painted, 2 s API latency: median (n=${stop.length})`, round(median(stop), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(stop), 1)} ms`);
  add('instant', `Enter on Start → running view painted, 2 s API latency: median (n=${keyStart.length})`, round(median(keyStart), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(keyStart), 1)} ms; from the keydown`);
  add('instant', `Enter on Stop → idle view painted, 2 s API latency: median (n=${keyStop.length})`, round(median(keyStop), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(keyStop), 1)} ms`);
  add('instant', `"Track this page" → badge running, 2 s API latency: median (n=${menu.length})`, round(median(menu), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(menu), 1)} ms; the menu handler's call → setBadgeText answered, in the worker`);
  add('instant', `start/stop shortcut → badge running: median (n=${shortcut.length})`, round(median(shortcut), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(shortcut), 1)} ms`);
  add('instant', `start/stop shortcut → badge cleared (stopped): median (n=${shortcutStop.length})`, round(median(shortcutStop), 1), 'ms', { op: '<=', limit: 16 }, `p95 ${round(p95(shortcutStop), 1)} ms`);
  const actions = start.length + stop.length + keyStart.length + keyStop.length + menu.length + shortcut.length + shortcutStop.length;
  add('instant', `writes sent for ${actions} starts and stops (popup clicks, Enter, menu, shortcut)`, total, 'requests', { op: '==', limit: 8 * N }, 'each sends exactly one write');
}
