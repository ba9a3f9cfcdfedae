// The simulated clock of the working day (day.mjs): functions run inside the
// extension's service worker (Playwright worker.evaluate), each on its own.
//
// installSim replaces, in the running worker only, the clock (Date: now()
// and new Date() are the real clock plus the simulated time passed; a
// performance.now() stays real) and chrome.alarms (create / get / getAll /
// clear / clearAll keep a schedule on that clock instead of the browser's),
// and counts chrome.action.setBadgeText calls (still made). The alarms the
// worker had are moved into the simulated schedule. advanceSim moves the
// clock on and fires what is due through the worker's own listener
// (globalThis.tymeTab.onAlarm, the function background.js registered with
// chrome.alarms.onAlarm), awaiting its work, as the browser would fire it.
// removeSim puts the browser's clock and alarms back (the simulated
// schedule's alarms created again for real).

export async function installSim() {
  if (globalThis.tymeSim) throw new Error('the simulated clock is installed already');
  const RealDate = Date;
  const realAlarms = {};
  for (const k of ['create', 'get', 'getAll', 'clear', 'clearAll']) realAlarms[k] = chrome.alarms[k].bind(chrome.alarms);
  const realBadge = chrome.action.setBadgeText.bind(chrome.action);
  const sim = { RealDate, realAlarms, realBadge, offset: 0, alarms: new Map(), hour: { created: 0, cleared: 0, fired: 0, firedBy: {}, badge: 0 } };
  const now = () => RealDate.now() + sim.offset;
  sim.now = now;
  class SimDate extends RealDate {
    constructor(...a) { if (a.length) super(...a); else super(now()); }
    static now() { return now(); }
  }
  const copy = (a) => ({ ...a });
  const alarms = {
    async create(name, info) {
      if (typeof name === 'object' && name) { info = name; name = ''; }
      const i = info || {};
      const period = i.periodInMinutes;
      const delay = i.delayInMinutes ?? period;
      // The browser's floor: no alarm sooner or more often than every 30 s.
      const when = i.when != null ? Math.max(i.when, now() + 30_000) : now() + Math.max(delay ?? 0.5, 0.5) * 60_000;
      const a = { name: name || '', scheduledTime: when };
      if (period) a.periodInMinutes = Math.max(period, 0.5);
      sim.alarms.set(a.name, a);
      sim.hour.created++;
    },
    async get(name) { const a = sim.alarms.get(name || ''); return a ? copy(a) : undefined; },
    async getAll() { return [...sim.alarms.values()].map(copy); },
    async clear(name) { const had = sim.alarms.delete(name || ''); if (had) sim.hour.cleared++; return had; },
    async clearAll() { const had = sim.alarms.size > 0; sim.alarms.clear(); return had; },
  };
  // The worker's alarms move into the simulated schedule.
  for (const a of await realAlarms.getAll()) sim.alarms.set(a.name, { name: a.name, scheduledTime: a.scheduledTime, ...(a.periodInMinutes ? { periodInMinutes: a.periodInMinutes } : {}) });
  await realAlarms.clearAll();
  Object.assign(chrome.alarms, alarms);
  for (const k of Object.keys(alarms)) if (chrome.alarms[k] !== alarms[k]) throw new Error(`chrome.alarms.${k} could not be replaced`);
  chrome.action.setBadgeText = (d) => { sim.hour.badge++; return realBadge(d); };
  globalThis.Date = SimDate;
  globalThis.tymeSim = sim;
}

/** Move the simulated clock on `count` times by `ms`, firing in order, each time, every alarm due. */
export async function advanceSim([ms, count]) {
  const sim = globalThis.tymeSim;
  for (let i = 0; i < count; i++) {
    sim.offset += ms;
    const t = sim.now();
    const due = [...sim.alarms.values()].filter((a) => a.scheduledTime <= t).sort((x, y) => x.scheduledTime - y.scheduledTime);
    for (const a of due) {
      const fired = { ...a };
      if (a.periodInMinutes) a.scheduledTime = Math.max(a.scheduledTime + a.periodInMinutes * 60_000, t + 1);
      else sim.alarms.delete(a.name);
      sim.hour.fired++;
      sim.hour.firedBy[a.name] = (sim.hour.firedBy[a.name] || 0) + 1;
      await globalThis.tymeTab.onAlarm(fired);
    }
  }
}

/** The counts since the last call (one simulated hour), then zeroed. */
export async function hourSim() {
  const sim = globalThis.tymeSim;
  const h = sim.hour;
  sim.hour = { created: 0, cleared: 0, fired: 0, firedBy: {}, badge: 0 };
  return { ...h, scheduled: [...sim.alarms.keys()] };
}

export async function removeSim() {
  const sim = globalThis.tymeSim;
  globalThis.Date = sim.RealDate;
  Object.assign(chrome.alarms, sim.realAlarms);
  chrome.action.setBadgeText = sim.realBadge;
  const real = Date.now();
  for (const a of sim.alarms.values()) {
    await sim.realAlarms.create(a.name, a.periodInMinutes ? { periodInMinutes: a.periodInMinutes } : { when: Math.max(real + 30_000, a.scheduledTime - sim.offset) });
  }
  delete globalThis.tymeSim;
}
