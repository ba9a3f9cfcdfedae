// Changes the server refuses (a 4xx other than 401: retrying alone cannot
// help) are parked, not retried in a loop, and wait for the user: the popup
// says so and offers to send them again (after a fix in Tyme) or to discard
// them, the latter asked twice. Real extension, headless Chromium, real
// sandbox, which refuses entries of a task it does not know (as Tyme does
// for a task deleted there, or not made yet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { signedInDemo, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-refused';
const msg = (lang, key, n) => {
  const m = JSON.parse(fs.readFileSync(new URL(`../../extension/_locales/${lang}/messages.json`, import.meta.url), 'utf8'))[key].message;
  return n == null ? m : m.replace('$1', String(n));
};
const ok = async (p) => { const r = await p; assert.equal(r.ok, true, JSON.stringify(r.error)); return r.data; };
const onServer = async (sandbox, id) => (await sandbox.state()).time_entries.find((e) => e.id === id);

// A task the server does not know (yet).
const LATER = 'task-made-later';

// Two entries of that task started and stopped: the server refuses each
// write, and each entry's last one ends parked as refused. → the entries' ids.
async function twoRefused(env) {
  const { ext } = env;
  const task = { ...env.task, taskId: LATER, taskName: 'Made later' };
  const ids = [];
  for (const n of [1, 2]) {
    const started = await ok(ext.send('start', { task, page: { url: `https://example.com/refused/${n}`, title: `Refused ${n}` } }));
    await ok(ext.send('stop'));
    ids.push(started.entity.id);
  }
  // Settled: every write of both entries folded into the queue (the journal
  // empty), each entry's last write refused and parked, nothing else queued.
  // (outboxRefused alone can read 2 before the second stop is folded in: that
  // fold makes its entry's op queued again until the server refuses it.)
  const want = ids.map((id) => [id, 'stuck']);
  await waitFor(async () => {
    const st = await ext.storage(['outbox', 'outboxLog', 'outboxRefused']);
    const seen = { ops: st.outbox ? st.outbox.ops.map((o) => [o.entityId, o.state]) : null, journal: st.outboxLog ? st.outboxLog.count : null, refused: st.outboxRefused };
    try {
      assert.deepEqual(seen, { ops: want, journal: 0, refused: 2 });
    } catch { throw new Error(`last seen ${JSON.stringify(seen)}`); }
    return true;
  }, { what: 'each entry\'s last write parked as refused, nothing else queued', timeout: 30000 });
  return ids;
}

// A signed-in extension with two refused changes, and a popup showing them: body(env, ids, popup).
const withRefused = (body) => async () => {
  const env = await signedInDemo(CLIENT);
  try {
    const ids = await twoRefused(env);
    const popup = await env.ext.openPopup();
    await popup.waitForSelector('#refused:not([hidden])');
    await body(env, ids, popup);
  } finally { await env.close(); }
};

test('refused changes: the popup offers to send them again, and they land once the server takes them', withRefused(async (env, ids, popup) => {
  const { ext, sandbox } = env;
  assert.match(await popup.textContent('#pending'), new RegExp(`^${msg('en', 'changes_many', 2)} — `));
  assert.equal(await popup.textContent('#retry-refused'), msg('en', 'retry_refused'));
  // Parked: no alarm sends them again on its own.
  assert.equal(await onServer(sandbox, ids[0]), undefined);

  // Fixed in Tyme (the task made there); the user sends them again.
  await sandbox.addEntities([{ type: 'TimedTask', id: LATER, name: 'Made later', project_id: env.task.projectId }]);
  await popup.click('#retry-refused');
  for (const id of ids) await waitFor(() => onServer(sandbox, id), { what: `entry ${id} on the server` });
  await popup.waitForSelector('#refused', { state: 'hidden' });
  await popup.waitForSelector('#pending', { state: 'hidden' });
  const st = await ext.storage(['outboxSize', 'outboxRefused']);
  assert.deepEqual(st, { outboxSize: 0, outboxRefused: 0 });
  for (const [i, id] of ids.entries()) {
    const e = await onServer(sandbox, id);
    assert.ok(e.time_end, `entry ${i + 1} stopped on the server`);
    assert.ok(e.note.includes(`https://example.com/refused/${i + 1}`), e.note);
  }
}));

test('refused changes: discarding them is asked twice, then they are gone for good and nothing is sent', withRefused(async (env, ids, popup) => {
  const { ext, sandbox } = env;
  await popup.click('#discard-refused');
  // The first click only asks.
  const confirm = popup.locator('#discard-refused-confirm');
  await confirm.waitFor();
  assert.equal(await confirm.textContent(), msg('en', 'discard_refused_many', 2));
  assert.equal(await popup.locator('#discard-refused').isHidden(), true);
  assert.equal((await ext.storage('outboxSize')).outboxSize, 2, 'nothing discarded yet');

  await sandbox.clearLog();
  await confirm.click();
  await popup.waitForSelector('#refused', { state: 'hidden' });
  await popup.waitForSelector('#pending', { state: 'hidden' });
  assert.deepEqual(await ext.storage(['outboxSize', 'outboxRefused']), { outboxSize: 0, outboxRefused: 0 });
  // Gone: a flush (and any wake-up) sends nothing of them.
  await ok(ext.send('flush'));
  assert.deepEqual((await sandbox.log()).filter((e) => e.path.includes('update_entity')), [], 'no write sent');
  for (const id of ids) assert.equal(await onServer(sandbox, id), undefined);
  // A new change goes through as usual.
  const started = await ok(ext.send('start', { task: env.task, page: { url: 'https://example.com/after', title: 'After' } }));
  await waitFor(() => onServer(sandbox, started.entity.id), { what: 'the next entry on the server' });
}));
