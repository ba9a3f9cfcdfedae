// The entity browser creates and edits categories, projects, tasks and
// sub-tasks with every seed field, checked against the sandbox's state dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, signIn, selectItem, createCategory, createProject, createTask, createSubTask, saveForm, openConsole,
} from './support.mjs';

test('create a category, a project and a task with all fields, a sub-task, then edit the project', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);

  await createCategory(page, 'Clients <b>& Co</b>');
  await createProject(page, {
    name: 'Website relaunch', category: 'Clients <b>& Co</b>', rounding_method: 'UP', rounding_minutes: 6,
    hourly_rate: 92.5, planned_duration_hours: 120.5, planned_budget: 11146.25,
  });
  await selectItem(page, '#project-list', 'Website relaunch');
  await createTask(page, { name: 'Design', billable: true, planned_minutes: 150, planned_seconds: 30 });
  await createTask(page, { name: 'Internal sync', billable: false, planned_minutes: 0, planned_seconds: 45 });
  await selectItem(page, '#task-list', 'Design');
  await createSubTask(page, { name: 'Wireframes', planned_minutes: 90, planned_seconds: 0 });

  let st = await sb.state();
  assert.equal(st.categories.length, 1);
  const cat = st.categories[0];
  assert.equal(cat.name, 'Clients <b>& Co</b>');
  assert.equal(st.projects.length, 1);
  const p = st.projects[0];
  assert.deepEqual({ ...p, id: undefined }, {
    type: 'Project', id: undefined, name: 'Website relaunch', category_id: cat.id, rounding_method: 'UP', rounding_minutes: 6,
    hourly_rate: 92.5, planned_duration_hours: 120.5, planned_budget: 11146.25,
  });
  assert.match(p.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'client-made UUID v4');
  const byName = Object.fromEntries(st.tasks.map((x) => [x.name, x]));
  assert.deepEqual({ ...byName.Design, id: undefined }, { type: 'TimedTask', id: undefined, name: 'Design', project_id: p.id, billable: true, planned_duration: 9030 });
  assert.deepEqual({ ...byName['Internal sync'], id: undefined }, { type: 'TimedTask', id: undefined, name: 'Internal sync', project_id: p.id, billable: false, planned_duration: 45 });
  assert.equal(st.subtasks.length, 1);
  assert.deepEqual({ ...st.subtasks[0], id: undefined }, { type: 'TimedSubTask', id: undefined, name: 'Wireframes', task_id: byName.Design.id, planned_duration: 5400 });

  // The name is text, not markup.
  assert.equal(await page.locator('#category-list b').count(), 0);
  assert.equal(await page.locator('#category-list button.item', { hasText: 'Clients <b>& Co</b>' }).count(), 1);

  // Edit: select the project, change fields, save under the same id.
  await openConsole(page, www);
  await selectItem(page, '#category-list', 'Clients <b>& Co</b>');
  await selectItem(page, '#project-list', 'Website relaunch');
  assert.equal(await page.inputValue('#project-form input[name=rounding_minutes]'), '6');
  assert.equal(await page.inputValue('#project-form input[name=hourly_rate]'), '92.5');
  await page.fill('#project-form input[name=rounding_method]', 'DOWN');
  await page.fill('#project-form input[name=hourly_rate]', '100');
  await page.fill('#project-form input[name=planned_budget]', '0');
  await saveForm(page, '#project-form');
  st = await sb.state();
  assert.equal(st.projects.length, 1);
  assert.deepEqual([st.projects[0].id, st.projects[0].rounding_method, st.projects[0].hourly_rate, st.projects[0].planned_budget,
    st.projects[0].planned_duration_hours, st.projects[0].category_id], [p.id, 'DOWN', 100, 0, 120.5, cat.id]);

  // Children are found through search_entity with parent_id.
  await selectItem(page, '#project-list', 'Website relaunch');
  await page.waitForSelector('#task-list button.item >> text=Internal sync');
  const log = await sb.log();
  const searches = log.filter((r) => r.path === '/data/search_entity');
  assert.ok(searches.length > 0);
  assert.deepEqual(log.filter((r) => r.path.endsWith('/')), [], 'no path with a trailing slash');
  assert.deepEqual(pageErrors, []);
});

test('a create whose answer was lost is retried under the same id: one entity, not two', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  // The server stores the project but the answer fails.
  await sb.faults({ fail_next: 1, status: 503, apply: true, path_prefix: '/data/update_entity' });
  const f = '#project-form';
  await page.click(`${f} button.new`);
  await page.fill(`${f} input[name=name]`, 'Lost answer');
  await page.selectOption(`${f} select[name=category_id]`, '');
  await page.fill(`${f} input[name=rounding_method]`, 'UP');
  await page.fill(`${f} input[name=rounding_minutes]`, '15');
  await page.fill(`${f} input[name=hourly_rate]`, '80');
  await page.click(`${f} button[type=submit]`);
  await page.waitForFunction((sel) => document.querySelector(`${sel} .form-status`).dataset.kind === 'error', f);
  let st = await sb.state();
  assert.equal(st.projects.length, 1, 'the failed request was applied');
  const firstId = st.projects[0].id;

  // The user tries again, changing a field on the way.
  await page.fill(`${f} input[name=hourly_rate]`, '85');
  await saveForm(page, f);
  st = await sb.state();
  assert.deepEqual(st.projects.map((p) => [p.id, p.name, p.hourly_rate]), [[firstId, 'Lost answer', 85]]);
  assert.match(await page.textContent(`${f} .form-status`), /^Created project/);

  // A new form after success (or after a reset) makes a new entity.
  await page.click(`${f} button.new`);
  await page.fill(`${f} input[name=name]`, 'Second');
  await page.selectOption(`${f} select[name=category_id]`, '');
  await saveForm(page, f);
  st = await sb.state();
  assert.equal(st.projects.length, 2);
  assert.equal(new Set(st.projects.map((p) => p.id)).size, 2);
  assert.deepEqual(pageErrors.filter((e) => !/status of 503/.test(e.message)), []);
});
