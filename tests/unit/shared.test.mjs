// extension/shared/ in plain node (no browser): the rules and entity
// builders the extension and the web console share (www/shared/ is a copy
// made by the build, checked to be one here too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXT_DIR } from '../e2e/support.mjs';

const url = (p) => path.join(EXT_DIR, p);
const pkg = await import(url('pkg/tyme_tab.js'));
await pkg.default({ module_or_path: fs.readFileSync(url('pkg/tyme_tab_bg.wasm')) });
const rules = await import(url('shared/rules.js'));
const { hms, taskLabel } = await import(url('shared/format.js'));
const entities = await import(url('shared/entities.js'));

test('the base URL rule: https anywhere, http on this machine only, no query or fragment', () => {
  for (const [raw, value] of [
    [' https://api.example.com/ ', 'https://api.example.com'], ['https://h.test/v1//', 'https://h.test/v1'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'], ['http://localhost:9/', 'http://localhost:9'], ['http://[::1]:7', 'http://[::1]:7'],
  ]) assert.deepEqual(rules.checkBaseUrl(raw), { value, error: null }, raw);
  for (const raw of ['http://api.example.com', 'ftp://127.0.0.1', 'not a url', '', 'https://h.test/?a=1', 'https://h.test/#x', 'http://127.0.0.1.example.com']) {
    assert.ok(rules.checkBaseUrl(raw).error, `${raw} refused`);
  }
});

test('names and notes: trimmed, not empty, at most MAX_NAME / MAX_NOTE characters', () => {
  assert.deepEqual(rules.checkName('  Write  '), { value: 'Write', error: null });
  assert.ok(rules.checkName('   ').error);
  assert.equal(rules.checkName('x'.repeat(rules.MAX_NAME)).error, null);
  assert.ok(rules.checkName('x'.repeat(rules.MAX_NAME + 1)).error);
  assert.equal(rules.checkNote('n'.repeat(rules.MAX_NOTE)).error, null);
  assert.ok(rules.checkNote('n'.repeat(rules.MAX_NOTE + 1)).error);
  assert.equal(rules.ROUNDING_MINUTES.min, 0, 'no rounding (0 minutes) is a rounding the core takes');
});

test('H:MM:SS counts whole seconds passed; labels join the names given', () => {
  assert.deepEqual([0, 59.9, 61, 3600, 36000 + 62, -5].map(hms), ['0:00:00', '0:00:59', '0:01:01', '1:00:00', '10:01:02', '0:00:00']);
  assert.equal(taskLabel({ projectName: 'P', taskName: 'T', subtaskName: 'S' }), 'P › T › S');
  assert.equal(taskLabel({ taskName: 'T', subtaskName: 'S' }), 'T › S');
  assert.equal(taskLabel({ projectName: 'P', taskName: 'T' }), 'P › T');
});

test('time entries: a sub-task names itself only; a stop is never before the start', () => {
  const start = Date.UTC(2026, 0, 2, 9, 30, 5);
  const onTask = entities.startedEntry({ taskId: 't1', subtaskId: '' }, 'n', start);
  assert.deepEqual({ ...onTask, id: 'x' }, { type: 'TimedTaskRecord', id: 'x', task_id: 't1', subtask_id: '', time_start: '2026-01-02 09:30:05', time_end: null, note: 'n' });
  const onSub = entities.startedEntry({ taskId: 't1', subtaskId: 's1' }, '', start);
  assert.deepEqual([onSub.task_id, onSub.subtask_id], ['', 's1']);
  assert.notEqual(onSub.id, onTask.id);
  assert.equal(entities.stoppedEntry(onTask, start + 90_000).time_end, '2026-01-02 09:31:35');
  assert.equal(entities.stoppedEntry(onTask, start - 5_000).time_end, '2026-01-02 09:30:05', 'a clock set back ends it at its start');
  const past = entities.finishedEntry({ taskId: 't1' }, 'p', start, start + 60_000);
  assert.deepEqual([past.time_start, past.time_end], ['2026-01-02 09:30:05', '2026-01-02 09:31:05']);
  assert.deepEqual(entities.discardedEntry('e1'), { type: 'TimedTaskRecord', id: 'e1', deleted: true });
});

test('a project, task or sub-task from a name: its parent field and defaults, or what is missing', () => {
  assert.deepEqual({ ...entities.newChild('Project', 'P', null).entity, id: 'x' }, {
    type: 'Project', id: 'x', name: 'P', category_id: null, rounding_method: 'NEAREST', rounding_minutes: 1, hourly_rate: 0, planned_duration_hours: 0, planned_budget: 0,
  });
  assert.equal(entities.newChild('TimedTask', 'T', 'p1').entity.project_id, 'p1');
  assert.equal(entities.newChild('TimedSubTask', 'S', 't1').entity.task_id, 't1');
  assert.ok(entities.newChild('TimedTask', 'T', '').error);
  assert.ok(entities.newChild('TimedSubTask', 'S', null).error);
  assert.ok(entities.newChild('TimedTaskRecord', 'E', 't1').error);
});

test('www/shared is the build\'s copy of extension/shared, file for file', { skip: !fs.existsSync(path.join(EXT_DIR, '..', 'www', 'shared')) && 'www/shared not built (make www-shared)' }, () => {
  const src = path.join(EXT_DIR, 'shared');
  const copy = path.join(EXT_DIR, '..', 'www', 'shared');
  assert.deepEqual(fs.readdirSync(copy).sort(), fs.readdirSync(src).sort());
  for (const f of fs.readdirSync(src)) assert.ok(fs.readFileSync(path.join(copy, f)).equals(fs.readFileSync(path.join(src, f))), f);
});
