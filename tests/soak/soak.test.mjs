// The soak in `make test`: a short run (SOAK_N, default 40) that fails unless
// nothing was lost, duplicated or reordered; checks that the judgement
// notices each kind of damage; and runs of deliberately broken copies of the
// extension (a wrong task id, a raw URL in the note, a dropped stop, a write
// sent twice under two ids), each of which the soak must count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  runSoak, judge, verdict, classifyRefusals, EXPECTED_REFUSALS, page, phaseOps, phaseSeed, signOutCap, PHASE_COUNT, parseWire,
} from './soak.mjs';
import { EXT_DIR } from '../e2e/support.mjs';
import { restartPlan, MID_WRITE, BETWEEN_OPS } from './restart.mjs';
import { bundle } from '../../scripts/bundle.mjs';

const T = (s) => parseWire(s);
const entry = (id, start, end, extra = {}) => ({
  type: 'TimedTaskRecord', id, task_id: 't1', subtask_id: '', time_start: start, time_end: end, note: 'n', ...extra,
});
// Wanted: e1 started in a window around 10:00:00 and stopped in one around 10:05:00; e2 running.
const started = { task_id: 't1', subtask_id: '', note: 'n', start: [T('2025-01-01 10:00:00') + 200, T('2025-01-01 10:00:01') + 100], end: null };
const stopped = { ...started, end: [T('2025-01-01 10:05:00') + 300, T('2025-01-01 10:05:00') + 900] };
const project = { type: 'Project', id: 'p1', name: 'P', category_id: null };
const intended = () => new Map([
  ['Project:p1', { type: 'Project', id: 'p1', states: [{ name: 'P', category_id: null }] }],
  ['TimedTaskRecord:e1', { type: 'TimedTaskRecord', id: 'e1', states: [started, stopped] }],
  ['TimedTaskRecord:e2', { type: 'TimedTaskRecord', id: 'e2', states: [{ ...started, note: 'm' }] }],
]);
const e1 = (extra) => entry('e1', '2025-01-01 10:00:01', '2025-01-01 10:05:00', extra);
const e2 = (extra) => entry('e2', '2025-01-01 10:00:00', null, { note: 'm', ...extra });
const state = (entries, projects = [project]) => ({ categories: [], projects, tasks: [], subtasks: [], time_entries: entries });
const counts = (r) => [r.lost, r.duplicated, r.outOfOrder];

test('judge: the intended state matches (times to the second within the operation)', () => {
  const r = judge(state([e1(), e2()]), intended());
  assert.deepEqual(counts(r), [0, 0, 0], r.details.join('\n'));
});

test('judge: a missing entry, a wrong task, an unscrubbed note, a changed name and a time outside the operation are lost', () => {
  assert.deepEqual(counts(judge(state([e2()], []), intended())), [2, 0, 0], 'missing entry and project');
  assert.deepEqual(counts(judge(state([e1({ task_id: 't2' }), e2()]), intended())), [1, 0, 0], 'wrong task');
  const raw = judge(state([e1({ note: 'n — https://x.test/?token=abc' }), e2()]), intended());
  assert.deepEqual(counts(raw), [1, 0, 0]);
  assert.match(raw.details[0], /e1: wrong note=/);
  assert.deepEqual(counts(judge(state([e1(), e2()], [{ ...project, name: 'P changed' }]), intended())), [1, 0, 0], 'changed name');
  assert.deepEqual(counts(judge(state([e1({ time_end: '2025-01-01 10:05:02' }), e2()]), intended())), [1, 0, 0], 'stop time after the stop');
  assert.deepEqual(counts(judge(state([e1({ time_start: '2025-01-01 09:59:59' }), e2()]), intended())), [1, 0, 0], 'start before the start');
});

test('judge: an entity the soak did not make (a write sent twice under two ids) and one stored twice are duplicates; demo entities are ignored', () => {
  const r = judge(state([e1(), e1(), e2(), e2({ id: 'SECOND-ID' })], [project, { type: 'Project', id: 'demo-p', name: 'Demo' }]), intended(), new Set(['Project:demo-p']));
  assert.deepEqual(counts(r), [0, 2, 0], r.details.join('\n'));
});

test('judge: an earlier state in place of the last (a dropped or overtaken stop) and an end before the start are out of order', () => {
  const r = judge(state([e1({ time_end: null }), e2({ time_end: '2025-01-01 09:00:00' })]), intended());
  assert.deepEqual(counts(r), [0, 0, 2], r.details.join('\n'));
  assert.match(r.details.join('\n'), /e1: shows state 1 of 2 .*still running on the server/);
});

test('judge: a time entry without the member\'s user_id (where one is expected) is wrong', () => {
  const withUser = (u) => [e1({ user_id: u }), e2({ user_id: '1001' })];
  assert.equal(judge(state(withUser('1001')), intended(), new Set(), { userId: '1001' }).lost, 0);
  const r = judge(state(withUser(null)), intended(), new Set(), { userId: '1001' });
  assert.equal(r.lost, 1);
  assert.match(r.details[0], /e1: wrong user_id=null \(meant "1001"\)/);
  assert.equal(judge(state(withUser(null)), intended()).lost, 0, 'not checked unless asked');
});

test('refusals: only those made by design (signed out) are not lost; any other refused write is', () => {
  assert.deepEqual(EXPECTED_REFUSALS, ['signed_out']);
  const r = classifyRefusals([
    { op: 1, code: 'signed_out' }, { op: 2, code: 'server' }, { op: 3, code: 'network' },
    { op: 4, code: 'internal' }, { op: 5 }, { op: 6, code: 'signed_out' }, { op: 7, code: 'rate_limited' },
  ]);
  assert.equal(r.lost, 5);
  assert.deepEqual(r.byCode, { signed_out: 2, server: 1, network: 1, internal: 1, no_answer: 1, rate_limited: 1 });
});

test('verdict: no free passes (sign-outs over the cap, too few accepted, a quiet or missing phase, no new worker seen)', () => {
  const phases = Array.from({ length: PHASE_COUNT }, (_, k) => ({ name: `p${k}`, faults: 1 }));
  const ok = {
    ops: 40, lost: 0, duplicated: 0, out_of_order: 0, outboxLeft: 0, signouts: 2, signOutCap: signOutCap(16), expiries: 16,
    accepted: 38, faulted: true, rate: 0.4, phases, kills: 7, killsAttempted: 7, anomalies: [],
    restarts: 2, restartsAttempted: 2, startupRetries: 2, restartWrites: 1, restartWritesOnce: 1,
  };
  assert.deepEqual(verdict(ok), []);
  assert.equal(signOutCap(16), 2);
  assert.equal(signOutCap(0), 1);
  assert.match(verdict({ ...ok, signouts: 3 }).join(), /3 sign-outs, more than the cap of 2 \(16 token expiries\)/);
  assert.match(verdict({ ...ok, accepted: 35 }).join(), /only 35 of 40 operations accepted/);
  assert.match(verdict({ ...ok, phases: phases.map((p, k) => (k === 7 ? { ...p, faults: 0 } : p)) }).join(), /phases without a fault.*p7/);
  assert.match(verdict({ ...ok, phases: phases.slice(1) }).join(), /8 of 9 ran/);
  assert.match(verdict({ ...ok, kills: 0 }).join(), /no worker stop/);
  assert.match(verdict({ ...ok, outboxLeft: 2 }).join(), /did not drain/);
  assert.match(verdict({ ...ok, restarts: 1 }).join(), /1 of 2 browser restarts not proven/);
  assert.match(verdict({ ...ok, startupRetries: 1 }).join(), /onStartup retry not seen after 1 of 2/);
  assert.match(verdict({ ...ok, restartWritesOnce: 0 }).join(), /1 of 1 writes in flight at a restart not on the server exactly once/);
  assert.match(verdict({ ...ok, rate: 0.2 }).join(), /20.0% of requests failed/);
  // The short soak runs every phase; the long one keeps 6 operations per phase.
  assert.ok(phaseOps(40) * PHASE_COUNT <= 40);
  assert.equal(phaseOps(1000), 6);
  assert.notEqual(phaseSeed(7, 0), phaseSeed(7, 1));
  assert.notEqual(phaseSeed(7, 0), phaseSeed(8, 0));
});

test('restarts: one at a random operation of each block, the first with a write in flight, the same for the same seed', () => {
  const plan = restartPlan(7, 40, 20);
  assert.equal(plan.size, 2, 'the short soak restarts the browser twice');
  const [first, second] = [...plan.keys()];
  assert.ok(first >= 0 && first < 20 && second >= 20 && second < 40, `${first}, ${second}`);
  assert.equal(plan.get(first), MID_WRITE);
  assert.deepEqual([...restartPlan(7, 40, 20)], [...plan], 'the seed replays them');
  assert.notDeepEqual([...restartPlan(8, 10000, 20)], [...restartPlan(7, 10000, 20)]);
  const long = restartPlan(7, 10000, 20);
  assert.equal(long.size, 500);
  const kinds = [...long.values()];
  assert.ok(kinds.filter((k) => k === MID_WRITE).length > 200 && kinds.filter((k) => k === BETWEEN_OPS).length > 200, 'both kinds, about half each');
  assert.equal(restartPlan(7, 40, 0).size, 0, 'SOAK_RESTART_EVERY=0: none');
});

test('pages: each holds credentials or tracking parts the note must not, and the note is the clean part the soak built', () => {
  for (let kind = 0; kind < 5; kind++) {
    const p = page(12, kind);
    assert.notEqual(p.url, p.clean);
    assert.ok(p.note.endsWith(p.clean));
    for (const secret of ['pw12', 'tok12', 'abc12', 's12', 'J12', 'c12', 'ghp_', 'eyJ', 'cs12', 'utm_', '#top']) {
      assert.ok(!p.note.includes(secret), `${p.note} holds ${secret}`);
    }
  }
});

// A copy of the extension with one deliberate bug: in `module` (a path in
// extension/), the `from` text replaced by `to` (the test fails if `from`
// is not there), bundled again as `make build` does (scripts/bundle.mjs).
function brokenCopy(name, module, from, to) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tyme-tab-broken-${name}-`));
  fs.cpSync(EXT_DIR, dir, { recursive: true });
  const file = path.join(dir, module);
  const src = fs.readFileSync(file, 'utf8');
  assert.ok(src.includes(from), `${module} no longer holds the text the ${name} bug replaces`);
  fs.writeFileSync(file, src.replace(from, to));
  const { inputs } = bundle(dir);
  assert.ok(inputs.includes(module), `${module} is bundled into the worker`);
  return dir;
}
// Every kind of user action, in an order that ends with a start, a stop and an edit.
const SCRIPT = ['start', 'menu page', 'stop', 'start', 'menu link', 'start', 'stop', 'edit', 'create project', 'create task', 'start', 'stop'];
const BUGS = [
  {
    name: 'wrong task id', counter: 'lost', detail: /wrong task_id=/, module: 'shared/entities.js',
    from: "return { task_id: subtaskId ? '' : String(target.taskId || ''), subtask_id: subtaskId };",
    to: "return { task_id: '4002', subtask_id: '' };",
  },
  {
    name: 'raw URL in the note', counter: 'lost', detail: /wrong note=".*(access_token|X-Amz-Signature|jsessionid|ghp_|client_secret)/, module: 'worker/notes.js',
    from: "return makeNote(String(page.url), String(page.title || ''), noteOptionsOf(settings, page.link ? { dropUrlTitle: true } : {}));",
    to: "return `${page.title} — ${page.url}`;",
  },
  {
    name: 'dropped stop', counter: 'out_of_order', detail: /still running on the server/, module: 'worker/timer.js',
    from: "await store.set({ ...(await queueWrites([entity], now)), timer: null,",
    to: "await store.set({ ...(await queueWrites([], now)), timer: null,",
  },
  {
    name: 'a write sent twice under two ids', counter: 'duplicated', detail: /unexpected TimedTaskRecord/, module: 'worker/timer.js',
    from: '    writes.push(entity);\n    const t = { entity',
    to: '    writes.push(entity);\n    writes.push(startedEntry(ref, note, now));\n    const t = { entity',
  },
];
for (const bug of BUGS) {
  test(`a broken extension is caught: ${bug.name} counts as ${bug.counter}`, { timeout: 5 * 60 * 1000 }, async () => {
    const dir = brokenCopy(bug.name.replace(/\W+/g, '-'), bug.module, bug.from, bug.to);
    try {
      const lines = [];
      const r = await runSoak({ script: SCRIPT, faults: false, seed: 7, extDir: dir, out: (l) => lines.push(l) });
      assert.ok(r[bug.counter] >= 1, `${bug.counter}=${r[bug.counter]}\n${lines.join('\n')}`);
      assert.match(r.details.join('\n'), bug.detail, lines.join('\n'));
      assert.notDeepEqual(verdict(r), [], 'the run fails');
      assert.equal(r.accepted, SCRIPT.length, 'every action was accepted: the damage is the bug, not a refusal');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test(`soak through the real extension (SOAK_N=${process.env.SOAK_N || 40})`, { timeout: 30 * 60 * 1000 }, async () => {
  const lines = [];
  const r = await runSoak({
    n: Number(process.env.SOAK_N || 40),
    ...(process.env.SOAK_SEED ? { seed: Number(process.env.SOAK_SEED) } : {}),
    out: (l) => { lines.push(l); console.log(l); },
  });
  assert.match(lines[0], /^soak: ops=\d+ faults=\d+ lost=\d+ duplicated=\d+ out_of_order=\d+ signouts=\d+ kills=\d+ accepted=\d+$/);
  assert.match(lines[1], new RegExp(`^soak: dialect=${process.env.TYME_DIALECT || 'seed'} `), 'the dialect soaked');
  assert.equal(r.phases.length, PHASE_COUNT, 'every fault phase ran');
  for (const p of r.phases) assert.ok(p.faults >= 1, `phase ${p.name} injected a fault`);
  assert.ok(r.stats.edits >= 1, 'past entries were edited');
  assert.ok(r.stats.expiries >= 1, 'tokens expired');
  // The whole browser closed and launched again on the same profile, each
  // proven (another browser process, another worker time origin) and each
  // followed by the extension's onStartup retry.
  assert.ok(r.restartsAttempted >= 1, 'the browser was restarted');
  assert.equal(r.restarts, r.restartsAttempted, 'every restart was a new browser process and worker');
  assert.equal(r.startupRetries, r.restartsAttempted, 'the onStartup retry ran after every restart');
  assert.match(lines[1], new RegExp(` restarts=${r.restarts} \\(of ${r.restartsAttempted};`));
  assert.equal(r.restartWritesOnce, r.restartWrites, 'each write in flight at a restart is on the server once');
  assert.ok(r.intended > 0, 'entities were checked');
  assert.equal(r.lostRefused, r.stats.refusals.filter((x) => !EXPECTED_REFUSALS.includes(x.code)).length);
  assert.deepEqual(verdict(r), [], r.details.join('\n'));
});
