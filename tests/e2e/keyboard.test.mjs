// The popup's picker by keyboard alone: focus starts in the project search,
// arrows move, Enter picks and a second Enter starts, Escape backs out, and
// the focused control shows a visible focus ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.mjs';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-keys';
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { id: a.id, text: a.tagName === 'BUTTON' ? a.textContent : '', outline: getComputedStyle(a).outlineStyle };
});

test('the picker is keyboard-operable: search, arrows, Enter picks, Enter starts, Escape backs out', async () => {
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  try {
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
    await signIn(ext);
    const made = {};
    for (const [project, tasks] of [['Website', ['Research', 'Review']], ['Backoffice', ['Invoices']]]) {
      const p = await ext.send('create', { type: 'Project', name: project });
      assert.equal(p.ok, true, JSON.stringify(p.error));
      for (const name of tasks) {
        const t = await ext.send('create', { type: 'TimedTask', name, parentId: p.data.id });
        assert.equal(t.ok, true, JSON.stringify(t.error));
        made[`${project}/${name}`] = t.data.id;
      }
    }
    await ext.send('flush');
    await waitFor(async () => (await sandbox.state()).tasks.length >= 3, { what: 'the tasks on the server' });

    const popup = await ext.openPopup();
    await popup.waitForSelector('#project-list button');
    assert.equal((await focused(popup)).id, 'project-search', 'focus starts in the project search');

    // Type, then ArrowDown to the rows and back up to the search.
    await popup.keyboard.type('web');
    await popup.waitForFunction(() => document.querySelectorAll('#project-list button').length === 1);
    await popup.keyboard.press('ArrowDown');
    let f = await focused(popup);
    assert.equal(f.text, 'Website');
    assert.notEqual(f.outline, 'none', 'the focused row shows a focus ring');
    await popup.keyboard.press('ArrowUp');
    assert.equal((await focused(popup)).id, 'project-search');

    // Escape clears the search; an empty search lists both projects.
    await popup.keyboard.press('Escape');
    assert.equal(await popup.inputValue('#project-search'), '');
    await popup.waitForFunction(() => document.querySelectorAll('#project-list button').length === 2);

    // Arrows move down the list; Enter on a row picks it and moves to the tasks.
    await popup.keyboard.press('ArrowDown');
    const firstProject = (await focused(popup)).text;
    await popup.keyboard.press('ArrowDown');
    const secondProject = (await focused(popup)).text;
    assert.deepEqual([firstProject, secondProject].sort(), ['Backoffice', 'Website']);
    await popup.keyboard.press('ArrowDown'); // stays on the last row
    assert.equal((await focused(popup)).text, secondProject);
    // Back to the search with Escape, then pick Website by typing and Enter.
    await popup.keyboard.press('Escape');
    assert.equal((await focused(popup)).id, 'project-search');
    await popup.keyboard.type('website');
    await popup.waitForFunction(() => document.querySelectorAll('#project-list button').length === 1);
    await popup.keyboard.press('Enter');
    await popup.waitForSelector('#task-box:not([hidden])');
    assert.equal((await focused(popup)).id, 'task-search', 'after a project is picked, focus is in the task search');
    assert.equal(await popup.textContent('#chosen-project'), 'Website');

    // Escape in the empty task search backs out to the projects; come back.
    await popup.keyboard.press('Escape');
    assert.equal((await focused(popup)).id, 'project-search');
    await popup.focus('#task-search');

    // Type a task, Enter picks the first match: focus moves to Start.
    await popup.keyboard.type('rev');
    await popup.waitForFunction(() => document.querySelectorAll('#task-list button').length === 1);
    await popup.keyboard.press('Enter');
    f = await focused(popup);
    assert.equal(f.id, 'start', 'after a task is picked, focus is on Start');
    assert.equal(await popup.textContent('#selected'), 'Website › Review');
    assert.equal(await popup.isDisabled('#start'), false);

    // The second Enter starts the timer on that task.
    await popup.keyboard.press('Enter');
    await popup.waitForSelector('#running:not([hidden])');
    await ext.send('flush');
    const entry = await waitFor(async () => (await sandbox.state()).time_entries[0], { what: 'the entry on the server' });
    assert.equal(entry.task_id, made['Website/Review']);
    assert.equal(entry.time_end, null);
  } finally {
    await ext.close();
    await sandbox.stop();
  }
});
