// The soak in `make test`: a short run (SOAK_N, default 40) that fails unless
// nothing was lost, duplicated or reordered, plus checks that the comparison
// itself notices each kind of damage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak, compare, classifyRefusals, EXPECTED_REFUSALS } from './soak.mjs';

const entry = (id, start, end, extra = {}) => ({
  type: 'TimedTaskRecord', id, task_id: 't1', subtask_id: '', time_start: start, time_end: end, note: 'n', ...extra,
});
const project = { type: 'Project', id: 'p1', name: 'P', category_id: null };
const intended = () => new Map([
  ['Project:p1', project],
  ['TimedTaskRecord:e1', entry('e1', '2025-01-01 10:00:00', '2025-01-01 10:05:00')],
  ['TimedTaskRecord:e2', entry('e2', '2025-01-01 10:05:00', null)],
]);
const state = (entries, projects = [project]) => ({ categories: [], projects, tasks: [], subtasks: [], time_entries: entries });

test('compare: the intended state matches', () => {
  const r = compare(state([entry('e1', '2025-01-01 10:00:00', '2025-01-01 10:05:00'), entry('e2', '2025-01-01 10:05:00', null)]), intended());
  assert.deepEqual([r.lost, r.duplicated, r.outOfOrder], [0, 0, 0]);
});

test('compare: a missing entry, a wrong note and a missing project are lost', () => {
  const r = compare(state([entry('e2', '2025-01-01 10:05:00', null, { note: 'other' })], []), intended());
  assert.deepEqual([r.lost, r.duplicated, r.outOfOrder], [3, 0, 0]);
});

test('compare: an extra record and a record stored twice are duplicates; demo entities are ignored', () => {
  const r = compare(state([
    entry('e1', '2025-01-01 10:00:00', '2025-01-01 10:05:00'), entry('e1', '2025-01-01 10:00:00', '2025-01-01 10:05:00'),
    entry('e2', '2025-01-01 10:05:00', null), entry('SERVER-MADE', '2025-01-01 10:05:00', null),
  ], [project, { type: 'Project', id: 'demo-p', name: 'Demo' }]), intended(), new Set(['Project:demo-p']));
  assert.deepEqual([r.lost, r.duplicated, r.outOfOrder], [0, 2, 0]);
});

test('compare: a time entry without the member\'s user_id (where one is expected) is wrong', () => {
  const withUser = (u) => [entry('e1', '2025-01-01 10:00:00', '2025-01-01 10:05:00', { user_id: u }), entry('e2', '2025-01-01 10:05:00', null, { user_id: '1001' })];
  assert.deepEqual(compare(state(withUser('1001')), intended(), new Set(), { userId: '1001' }).lost, 0);
  const r = compare(state(withUser(null)), intended(), new Set(), { userId: '1001' });
  assert.equal(r.lost, 1);
  assert.match(r.details[0], /e1: wrong user_id=null \(meant "1001"\)/);
  assert.equal(compare(state(withUser(null)), intended()).lost, 0, 'not checked unless asked');
  assert.equal(compare(state(withUser('1001')), intended(), new Set(), { userId: null }).lost, 2, 'none expected (no members), none sent');
});

test('compare: a stop overtaken by its start, and an end before the start, are out of order', () => {
  const r = compare(state([entry('e1', '2025-01-01 10:00:00', null), entry('e2', '2025-01-01 10:05:00', '2025-01-01 10:00:00')]), intended());
  assert.deepEqual([r.lost, r.duplicated, r.outOfOrder], [0, 0, 2]);
});

test('refusals: only those made by design (signed out) are not lost; any other refused write is', () => {
  assert.deepEqual(EXPECTED_REFUSALS, ['signed_out']);
  const r = classifyRefusals([
    { op: 1, code: 'signed_out' }, { op: 2, code: 'server' }, { op: 3, code: 'network' },
    { op: 4, code: 'internal' }, { op: 5 }, { op: 6, code: 'signed_out' }, { op: 7, code: 'rate_limited' },
  ]);
  assert.equal(r.lost, 5);
  assert.deepEqual(r.byCode, { signed_out: 2, server: 1, network: 1, internal: 1, no_answer: 1, rate_limited: 1 });
  assert.deepEqual(classifyRefusals([]), { lost: 0, byCode: {} });
});

test(`soak through the real extension (SOAK_N=${process.env.SOAK_N || 40})`, { timeout: 30 * 60 * 1000 }, async () => {
  const lines = [];
  const r = await runSoak({
    n: Number(process.env.SOAK_N || 40),
    ...(process.env.SOAK_SEED ? { seed: Number(process.env.SOAK_SEED) } : {}),
    out: (l) => { lines.push(l); console.log(l); },
  });
  assert.match(lines[0], /^soak: ops=\d+ faults=\d+ lost=\d+ duplicated=\d+ out_of_order=\d+$/);
  assert.equal(r.outboxLeft, 0, 'the outbox drained');
  assert.ok(r.rate >= 0.3, `at least 30% of requests failed (${(r.rate * 100).toFixed(1)}%)`);
  assert.ok(r.stats.kills >= 1 && r.stats.expiries >= 1, 'the worker was stopped and tokens expired');
  assert.ok(r.intended > 0, 'entities were checked');
  assert.deepEqual(r.stats.anomalies, []);
  assert.match(lines[1], / refused=\d+/, 'refusals printed in the details line');
  assert.match(lines[1], new RegExp(`^soak: dialect=${process.env.TYME_DIALECT || 'seed'} `), 'the dialect soaked');
  assert.equal(r.lostRefused, r.stats.refusals.filter((x) => !EXPECTED_REFUSALS.includes(x.code)).length);
  assert.deepEqual({ lost: r.lost, duplicated: r.duplicated, out_of_order: r.out_of_order }, { lost: 0, duplicated: 0, out_of_order: 0 }, r.details.join('\n'));
});
