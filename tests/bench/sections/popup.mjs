// The popup: navigation → its main action rendered (Tyme Tab: the running
// timer with Stop, performance mark 'tyme:timer-rendered'; the floor: its one
// button, mark 'floor:rendered'), with the worker warm and cold, side by side.
import { add, log, raw, ok, median, p95, round, N_POPUP } from '../lib.mjs';
import { overFloor } from '../floor.mjs';

/**
 * The URL the toolbar button opens now (chrome.action.getPopup, read from an
 * extension page, the worker not involved): the worker hands the popup what
 * its first paint shows in it (extension/handoff.js). Waits for the hand-off
 * of a running timer, which the worker sets after the write of the timer.
 */
export async function actionPopupUrl(ext) {
  const page = await ext.page();
  const handle = await page.waitForFunction(async () => {
    const url = await chrome.action.getPopup({});
    const s = new URL(url).searchParams.get('s');
    return s && JSON.parse(s).t ? url : null;
  }, null, { timeout: 15000, polling: 20 });
  return handle.jsonValue();
}

/** A fresh popup page, opened at the toolbar button's URL, with a timer running: its 'tyme:timer-rendered' mark and when it was refreshed (data-ready). */
export async function openTimed(ext) {
  const url = await actionPopupUrl(ext);
  const page = await ext.context.newPage();
  await page.goto(url);
  const handle = await page.waitForFunction(() => {
    const m = performance.getEntriesByName('tyme:timer-rendered')[0];
    const el = document.getElementById('run-elapsed');
    return m && el && /^\d+:\d\d:\d\d$/.test(el.textContent) && !document.getElementById('running').hidden ? m.startTime : null;
  }, null, { timeout: 15000, polling: 20 });
  const mark = await handle.jsonValue();
  const steps = await page.evaluate(timeline);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  const readyAt = await page.evaluate(() => performance.now()); // upper bound: polled
  await page.close();
  return { mark, readyAt, steps };
}

// Where a popup's time went, on its clock: the HTML parsed, the script's
// first line, the first storage read answered (Tyme Tab's marks, bench
// instrumentation in popup/first-paint.js).
const timeline = () => {
  const nav = performance.getEntriesByType('navigation')[0];
  const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  return { parsed: nav ? nav.domInteractive : null, firstLine: at('tyme:first-line') ?? at('floor:rendered'), firstRead: at('tyme:first-read') };
};

/** The floor's popup (or `file`: read.html, the same after one storage read): its 'floor:rendered' mark. */
export async function openFloorTimed(ext, floor, steps = null, file = 'popup.html') {
  const page = await ext.context.newPage();
  await page.goto(`${floor.base}/${file}`);
  const handle = await page.waitForFunction(() => performance.getEntriesByName('floor:rendered')[0]?.startTime ?? null, null, { timeout: 15000, polling: 20 });
  const mark = await handle.jsonValue();
  if (steps) steps.push(await page.evaluate(timeline));
  await page.close();
  return mark;
}

export async function popupInteractive(ext, ref, floor) {
  log(`popup time to interactive (${N_POPUP} opens warm, ${N_POPUP} cold)`);
  await ok(ext.send('start', { task: ref, page: { url: 'https://example.com/tti', title: 'TTI' } }), 'start');
  const open = () => openTimed(ext);
  const floorSteps = [];
  const openFloor = () => openFloorTimed(ext, floor, floorSteps);
  const warm = [];
  const cold = [];
  const floorWarm = [];
  const floorCold = [];
  const floorRead = []; // the floor's page after one storage read, warm
  const openFloorRead = () => openFloorTimed(ext, floor, null, 'read.html');
  await open(); // first open of each page (compiles and caches the popup's code), not counted
  await openFloor();
  await openFloorRead();
  // Who opens first alternates, so neither always follows the other's
  // after-work (Tyme Tab's refresh through its worker, a worker stopping).
  for (let i = 0; i < N_POPUP; i++) {
    await ext.worker();
    await floor.worker();
    if (i % 2) { floorWarm.push(await openFloor()); warm.push(await open()); }
    else { warm.push(await open()); floorWarm.push(await openFloor()); }
    floorRead.push(await openFloorRead());
  }
  for (let i = 0; i < N_POPUP; i++) {
    await ext.stopWorker();
    if (i % 2) { floorCold.push(await openFloor()); await ext.stopWorker(); cold.push(await open()); }
    else { cold.push(await open()); await ext.stopWorker(); floorCold.push(await openFloor()); }
  }
  raw.popup = { warm, cold, floorWarm, floorCold, floorRead };
  const w = warm.map((x) => x.mark);
  const c = cold.map((x) => x.mark);
  add('popup', `popup first render, worker warm, over the floor: median (n=${w.length})`, overFloor(median(w), median(floorWarm)), 'ms', { op: '<=', limit: 10 },
    `Tyme Tab ${round(median(w), 1)} ms, floor ${round(median(floorWarm), 1)} ms (navigation → main action rendered)`);
  add('popup', `popup first render, worker cold, over the floor: median (n=${c.length})`, overFloor(median(c), median(floorCold)), 'ms', { op: '<=', limit: 10 },
    `Tyme Tab ${round(median(c), 1)} ms, floor ${round(median(floorCold), 1)} ms`);
  add('popup', `the floor's popup after one storage read, worker warm, over the floor: median (n=${floorRead.length})`, overFloor(median(floorRead), median(floorWarm)), 'ms', null,
    `${round(median(floorRead), 1)} ms: what one chrome.storage.local read before the paint costs a page that does nothing else`);
  add('popup', 'popup first render, worker warm, over the floor after one storage read: median', overFloor(median(w), median(floorRead)), 'ms', null,
    `Tyme Tab ${round(median(w), 1)} ms, the floor with one read ${round(median(floorRead), 1)} ms`);
  // The same opens, step by step (medians; the floor's first line is its render).
  const med = (xs, k) => round(median(xs.map((x) => x[k]).filter((v) => v != null)), 1);
  const ws = warm.map((x) => x.steps);
  const fs = floorSteps.slice(1, warm.length + 1); // the warm opens (the first open of each page is not counted)
  add('popup', 'popup warm, step by step: HTML parsed / script\'s first line / first storage read answered / rendered', `${med(ws, 'parsed')} / ${med(ws, 'firstLine')} / ${med(ws, 'firstRead')} / ${round(median(w), 1)}`, 'ms', null,
    `the floor's: ${med(fs, 'parsed')} / ${med(fs, 'firstLine')} / — / ${round(median(floorWarm), 1)} ms (navigation → domInteractive, the bundle's first statement, chrome.storage.local.get answered, the main action rendered)`);
  add('popup', `popup interactive, worker warm: median (n=${w.length})`, round(median(w), 1), 'ms', { op: '<=', limit: 100 }, 'navigation → running timer with elapsed time rendered');
  add('popup', 'popup interactive, worker warm: p95', round(p95(w), 1), 'ms');
  add('popup', `popup interactive, worker cold: median (n=${c.length})`, round(median(c), 1), 'ms');
  add('popup', 'popup interactive, worker cold: p95', round(p95(c), 1), 'ms');
  add('popup', 'popup refreshed through the worker (warm / cold median)', `${round(median(warm.map((x) => x.readyAt)), 0)} / ${round(median(cold.map((x) => x.readyAt)), 0)}`, 'ms', null, 'navigation → data-ready after the refresh round trip (one summary request at most); polled, an upper bound');
  await ok(ext.send('stop'), 'stop');
  return { warm: median(w), cold: median(c), floorWarm: median(floorWarm), floorCold: median(floorCold) };
}
