// "Stopped elsewhere" decision (extension/reconcile.js), plain node. A small
// model of the server's summary (entries clipped to [from, to], a running
// entry counting up to the SERVER's now, time_start stamped by the device)
// is checked once a minute by a device whose clock is ahead, behind or right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EXT_DIR } from './support.mjs';

const { decide, trackedFor, MIN_INTERVAL_MS } = await import(path.join(EXT_DIR, 'reconcile.js'));

const MIN = 60_000;
const TASK = 'task-1';
const SUB = 'sub-1';

/** Server model: entries with device-stamped starts; summary as the sandbox computes it. */
function server() {
  const entries = [];
  return {
    entries,
    add(e) { entries.push({ subtask_id: '', end: null, ...e }); },
    summary(from, to, serverNow) {
      const rows = new Map();
      for (const e of entries) {
        const end = e.end == null ? serverNow : e.end;
        const d = Math.max(0, Math.min(end, to) - Math.max(e.start, from));
        if (e.end != null && (e.end < from || e.start > to)) continue;
        if (e.end == null && e.start > to) continue;
        const key = `${e.task_id}|${e.subtask_id}`;
        // The sandbox fills in the sub-task's task for display.
        const row = rows.get(key) || { task_id: e.subtask_id ? e.parent : e.task_id, subtask_id: e.subtask_id || null, duration: 0 };
        row.duration += Math.floor(d / 1000);
        rows.set(key, row);
      }
      return [...rows.values()];
    },
  };
}

/**
 * A device with clock offset `skewMs` (device = server + skew) starts an
 * entry at server time t0 and checks every `everyMs` until `untilMs` (server
 * time); the entry is stopped on the server at `stopAt` (server time) or never.
 * → the server time at which the device concluded "stopped", or null.
 */
function run({ skewMs, stopAt = null, untilMs = 30 * MIN, everyMs = MIN, ref = { taskId: TASK, subtaskId: '' }, other = [] }) {
  const srv = server();
  for (const o of other) srv.add(o);
  const t0 = 10 * 3600_000; // 10:00 server time
  const id = 'entry-1';
  const dev = (t) => t + skewMs;
  const day = 0; // device's midnight
  srv.add({ id, task_id: ref.subtaskId ? '' : ref.taskId, parent: ref.taskId, subtask_id: ref.subtaskId, start: dev(t0) });
  let obs = null;
  for (let t = t0 + 1000; t <= t0 + untilMs; t += everyMs) {
    const e = srv.entries.find((x) => x.id === id);
    if (stopAt != null && t >= stopAt && e.end == null) e.end = dev(stopAt); // stopped by a device with the same clock
    const rows = srv.summary(day, dev(t), t);
    const r = decide(obs, { id, from: day, tracked: trackedFor(rows, ref), at: dev(t), pending: false });
    obs = r.next;
    if (r.stopped) return t;
  }
  return null;
}

for (const [name, skewMs] of [['clock right', 0], ['clock 10 min ahead', 10 * MIN], ['clock 3 min ahead', 3 * MIN], ['clock 10 min behind', -10 * MIN], ['clock 2 h behind', -120 * MIN]]) {
  test(`${name}: a running entry is never taken for stopped`, () => {
    assert.equal(run({ skewMs }), null);
  });
  test(`${name}: an entry stopped on the server is noticed within a few checks`, () => {
    const t0 = 10 * 3600_000;
    const stopAt = t0 + 15 * MIN + 20_000;
    const at = run({ skewMs, stopAt });
    assert.ok(at != null, 'noticed');
    assert.ok(at > stopAt && at <= stopAt + 3 * MIN, `noticed ${(at - stopAt) / 1000} s after the stop`);
  });
}

test('sub-task timer: rows are matched on subtask_id, other sub-tasks and the task do not count', () => {
  const ref = { taskId: TASK, subtaskId: SUB };
  const rows = [
    { task_id: TASK, subtask_id: null, duration: 500 },
    { task_id: TASK, subtask_id: 'sub-2', duration: 700 },
    { task_id: TASK, subtask_id: SUB, duration: 42 },
  ];
  assert.equal(trackedFor(rows, ref), 42);
  assert.equal(trackedFor(rows, { taskId: TASK, subtaskId: '' }), 500);
  assert.equal(trackedFor([{ task_id: '', subtask_id: SUB, duration: 9 }], ref), 9, 'task_id empty on the row');
  // A sub-task running on another device (growing) while ours was stopped: ours is still noticed.
  const t0 = 10 * 3600_000;
  const other = [{ id: 'x', task_id: '', parent: TASK, subtask_id: 'sub-2', start: t0 - 5 * MIN }, { id: 'y', task_id: TASK, parent: TASK, start: t0 - 5 * MIN }];
  assert.equal(run({ skewMs: 0, ref, other }), null);
  assert.ok(run({ skewMs: 0, ref, other, stopAt: t0 + 5 * MIN }) != null);
  assert.ok(run({ skewMs: 7 * MIN, ref, other, stopAt: t0 + 15 * MIN }) != null);
});

test('decide: checks less than a minute apart keep the older baseline', () => {
  let { next } = decide(null, { id: 'e', from: 0, tracked: 100, at: 0, pending: false });
  const r1 = decide({ ...next, grew: true }, { id: 'e', from: 0, tracked: 100, at: MIN_INTERVAL_MS - 1, pending: false });
  assert.equal(r1.stopped, false);
  assert.equal(r1.next.at, 0, 'baseline kept');
  const r2 = decide(r1.next, { id: 'e', from: 0, tracked: 100, at: MIN_INTERVAL_MS, pending: false });
  assert.equal(r2.stopped, true);
});

test('decide: no growth concludes stopped only after the entry was seen growing', () => {
  const a = decide(null, { id: 'e', from: 0, tracked: 10, at: 0 });
  assert.deepEqual(a, { next: { id: 'e', from: 0, tracked: 10, at: 0, grew: false }, stopped: false });
  const b = decide(a.next, { id: 'e', from: 0, tracked: 10, at: MIN });
  assert.equal(b.stopped, false, 'never seen running: no conclusion');
  const c = decide(b.next, { id: 'e', from: 0, tracked: 70, at: 2 * MIN });
  assert.equal(c.next.grew, true);
  const d = decide(c.next, { id: 'e', from: 0, tracked: 71, at: 3 * MIN });
  assert.deepEqual(d, { next: null, stopped: true }, '1 s of rounding is no growth');
  const e = decide(c.next, { id: 'e', from: 0, tracked: 5, at: 3 * MIN });
  assert.equal(e.stopped, true, 'shrunk (entry shortened or deleted elsewhere)');
});

test('decide: a pending write forgets the observation; another entry or range starts over', () => {
  const grown = { id: 'e', from: 0, tracked: 70, at: MIN, grew: true };
  assert.deepEqual(decide(grown, { id: 'e', from: 0, tracked: 70, at: 5 * MIN, pending: true }), { next: null, stopped: false });
  const other = decide(grown, { id: 'f', from: 0, tracked: 70, at: 5 * MIN });
  assert.equal(other.stopped, false);
  assert.equal(other.next.id, 'f');
  assert.equal(other.next.grew, false);
  const newDay = decide(grown, { id: 'e', from: 86_400_000, tracked: 0, at: 5 * MIN });
  assert.equal(newDay.stopped, false, 'a new day\'s smaller figure is not a stop');
  assert.equal(newDay.next.grew, true, 'what was seen of the entry holds');
  const back = decide(grown, { id: 'e', from: 0, tracked: 70, at: 0 });
  assert.equal(back.stopped, false, 'local clock set back: start over');
  assert.deepEqual(decide(grown, { id: 'e', from: 0, tracked: NaN, at: 5 * MIN }), { next: null, stopped: false });
});
