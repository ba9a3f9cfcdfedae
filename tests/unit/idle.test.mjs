// extension/idle.js in plain node: when a period away is recorded, what the
// popup asks, and the writes each choice makes (computed here from the
// inputs: the timer, the times away and back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextIdle, idleQuestion, resolveIdle, idleMinutesOf, IDLE_DEFAULT_MIN } from '../../extension/idle.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);
const timer = { startMs: T0, entity: { type: 'TimedTaskRecord', id: 'e1', task_id: 't1', subtask_id: '', time_start: 'S', time_end: null, note: 'n' }, ref: { taskId: 't1' }, note: 'n', label: 'P › T' };
const fmt = (ms) => `at:${ms}`;
let n = 0;
const newId = () => `new-${++n}`;
const th = 10 * MIN;

test('the threshold: default 10 minutes, 0 turns it off, nonsense gives the default', () => {
  assert.equal(idleMinutesOf({}), IDLE_DEFAULT_MIN);
  assert.equal(idleMinutesOf({ idleMinutes: 0 }), 0);
  assert.equal(idleMinutesOf({ idleMinutes: 25 }), 25);
  assert.equal(idleMinutesOf({ idleMinutes: -1 }), IDLE_DEFAULT_MIN);
  assert.equal(idleMinutesOf({ idleMinutes: 2.5 }), IDLE_DEFAULT_MIN);
});

test('idle began the threshold before the report; locked at once; back after less than the threshold asks nothing', () => {
  const a = nextIdle(null, { state: 'idle', now: T0 + 40 * MIN, timer, thresholdMs: th });
  assert.deepEqual(a, { timerId: 'e1', since: T0 + 30 * MIN, until: null });
  assert.deepEqual(nextIdle(a, { state: 'locked', now: T0 + 50 * MIN, timer, thresholdMs: th }), a, 'still the first period');
  assert.deepEqual(nextIdle(a, { state: 'active', now: T0 + 75 * MIN, timer, thresholdMs: th }), { timerId: 'e1', since: T0 + 30 * MIN, until: T0 + 75 * MIN });
  const l = nextIdle(null, { state: 'locked', now: T0 + 20 * MIN, timer, thresholdMs: th });
  assert.equal(l.since, T0 + 20 * MIN);
  assert.equal(nextIdle(l, { state: 'active', now: T0 + 25 * MIN, timer, thresholdMs: th }), null, 'five minutes locked is under the threshold');
  // Never before the timer started; nothing without a timer or with the feature off.
  assert.equal(nextIdle(null, { state: 'idle', now: T0 + 5 * MIN, timer, thresholdMs: th }).since, T0);
  assert.equal(nextIdle(null, { state: 'idle', now: T0, timer: null, thresholdMs: th }), null);
  assert.equal(nextIdle(null, { state: 'idle', now: T0, timer, thresholdMs: 0 }), null);
  // A record of another timer is dropped.
  assert.equal(nextIdle({ timerId: 'old', since: 1, until: 2 }, { state: 'active', now: T0, timer, thresholdMs: th }), null);
});

test('the question belongs to the running timer; while still away it runs to now', () => {
  const idle = { timerId: 'e1', since: T0 + 30 * MIN, until: T0 + 75 * MIN };
  assert.deepEqual(idleQuestion(idle, timer, T0 + 80 * MIN), { since: T0 + 30 * MIN, until: T0 + 75 * MIN, minutes: 45, still: false });
  assert.equal(idleQuestion(idle, { ...timer, entity: { ...timer.entity, id: 'e2' } }, T0), null);
  assert.equal(idleQuestion(idle, null, T0), null);
  assert.equal(idleQuestion({ ...idle, until: null }, timer, T0 + 50 * MIN).until, T0 + 50 * MIN);
});

test('keep writes nothing; stop ends the entry when idleness began; drop splits it around the time away', () => {
  const idle = { timerId: 'e1', since: T0 + 30 * MIN, until: T0 + 75 * MIN };
  const now = T0 + 80 * MIN;
  assert.deepEqual(resolveIdle('keep', { idle, timer, now, fmt, newId }), { writes: [], timer, endedAt: null });

  const s = resolveIdle('stop', { idle, timer, now, fmt, newId });
  assert.deepEqual(s.writes, [{ ...timer.entity, time_end: `at:${T0 + 30 * MIN}` }]);
  assert.equal(s.timer, null);
  assert.equal(s.endedAt, T0 + 30 * MIN);

  const d = resolveIdle('drop', { idle, timer, now, fmt, newId });
  assert.equal(d.writes.length, 2);
  assert.deepEqual(d.writes[0], { ...timer.entity, time_end: `at:${T0 + 30 * MIN}` });
  assert.deepEqual(d.writes[1], { ...timer.entity, id: d.writes[1].id, time_start: `at:${T0 + 75 * MIN}`, time_end: null });
  assert.notEqual(d.writes[1].id, 'e1');
  assert.deepEqual([d.timer.entity, d.timer.startMs, d.timer.note, d.timer.ref], [d.writes[1], T0 + 75 * MIN, 'n', timer.ref]);
  assert.throws(() => resolveIdle('other', { idle, timer, now, fmt, newId }), /unknown idle choice/);
  // A question of another timer: nothing happens.
  assert.deepEqual(resolveIdle('stop', { idle: { ...idle, timerId: 'x' }, timer, now, fmt, newId }).writes, []);
});
