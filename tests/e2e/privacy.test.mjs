// Notes keep no credential and nothing raw is kept (issue 11, points 2 and
// 3), through the real extension: the scrub rules of src/note.rs applied to
// what the popup and the context menu track, a user's list added to the
// built-in one, the options showing the built-in rules and a change before
// it is saved, and no unscrubbed URL in storage (timer, pending page), a
// pending page expiring. The rules one by one: tests/scrub_rules.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.mjs';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-privacy';
const SECRET = 'Sx7Kq2LmZ9vR4tPw';

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

async function setup({ signedIn = true } = {}) {
  const sandbox = await startSandbox({ args: ['--demo'], clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
  if (signedIn) await signIn(ext);
  return { sandbox, ext, async close() { await ext.close(); await sandbox.stop(); } };
}

// A project and a task created through the extension and confirmed by the sandbox.
async function aTask(env) {
  const p = await ok(await env.ext.send('create', { type: 'Project', name: 'Privacy' }));
  const t = await ok(await env.ext.send('create', { type: 'TimedTask', name: 'Reading', parentId: p.id }));
  await waitFor(async () => (await env.sandbox.state()).tasks.some((x) => x.id === t.id), { what: 'task on the server' });
  return { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
}

const serverNote = (env, id) => waitFor(async () => (await env.sandbox.state()).time_entries.find((e) => e.id === id), { what: 'entry on the server' });

test('nothing raw is kept: the timer and a pending page hold the scrubbed URL and title only', async () => {
  const env = await setup();
  try {
    const url = `https://example.com/reset?x=1&token=${SECRET}#frag`;
    // The page has no title: the browser shows its URL in the display form.
    const title = `example.com/reset?x=1&token=${SECRET}`;
    const asked = await env.ext.menuClick({ menuItemId: 'track-page', pageUrl: url }, { id: 4, title, url });
    assert.equal(asked.askedForTask, true);
    const { pendingPage } = await env.ext.storage('pendingPage');
    assert.equal(pendingPage.url, 'https://example.com/reset?x=1');
    assert.equal(pendingPage.title, '');
    assert.ok(!JSON.stringify(await env.ext.storage(null)).includes(SECRET), 'no unscrubbed URL in storage');

    const ref = await aTask(env);
    const timer = await ok(await env.ext.send('start', { task: ref, page: pendingPage }));
    assert.equal(timer.note, 'https://example.com/reset?x=1');
    const direct = await ok(await env.ext.send('start', { task: ref, page: { url, title } }));
    assert.equal(direct.note, 'https://example.com/reset?x=1');
    assert.equal(direct.url, undefined, 'the timer keeps no URL of its own');
    assert.ok(!JSON.stringify(await env.ext.storage(null)).includes(SECRET), 'no unscrubbed URL in storage');
    assert.equal((await serverNote(env, direct.entity.id)).note, 'https://example.com/reset?x=1');
  } finally { await env.close(); }
});

test('a pending page expires', async () => {
  const env = await setup({ signedIn: false });
  try {
    await ok(await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: CLIENT }));
    const asked = await env.ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/later' }, { id: 4, title: 'Later', url: 'https://example.com/later' });
    assert.equal(asked.askedForTask, true);
    const fresh = await ok(await env.ext.send('getState'));
    assert.equal(fresh.pendingPage.url, 'https://example.com/later');
    // Left waiting for longer than a pending page lives.
    const { pendingPage } = await env.ext.storage('pendingPage');
    await env.ext.setStorage({ pendingPage: { ...pendingPage, at: pendingPage.at - 11 * 60_000 } });
    const later = await ok(await env.ext.send('getState'));
    assert.equal(later.pendingPage, null);
    assert.equal((await env.ext.storage('pendingPage')).pendingPage, undefined, 'removed from storage');
    // The expiry alarm removes one nobody asks about.
    await env.ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/forgotten' }, { id: 5, title: 'Forgotten', url: 'https://example.com/forgotten' });
    const w = await env.ext.worker();
    const alarm = await w.evaluate(() => chrome.alarms.get('pending-page'));
    assert.ok(alarm && alarm.scheduledTime > Date.now() + 9 * 60_000, 'an alarm at the expiry');
  } finally { await env.close(); }
});

test('Track this link never carries a page title that is a URL; Track this page scrubs it', async () => {
  const env = await setup();
  try {
    const ref = await aTask(env);
    await env.ext.setStorage({ lastTask: ref });
    const pageUrl = `https://mail.example.com/inbox?session=${SECRET}`;
    const tab = { id: 7, title: `mail.example.com/inbox?session=${SECRET}`, url: pageUrl };
    const link = await env.ext.menuClick({ menuItemId: 'track-link', linkUrl: 'https://other.example.org/article?id=7', pageUrl }, tab);
    assert.equal(link.started, true);
    assert.equal(link.timer.note, 'https://other.example.org/article?id=7');
    const page = await env.ext.menuClick({ menuItemId: 'track-page', pageUrl }, { ...tab, title: `https://mail.example.com/inbox?session=${SECRET}` });
    assert.equal(page.timer.note, 'https://mail.example.com/inbox');
    const titled = await env.ext.menuClick({ menuItemId: 'track-link', linkUrl: 'https://other.example.org/b', pageUrl }, { ...tab, title: 'Inbox (3)' });
    assert.equal(titled.timer.note, 'Inbox (3) — https://other.example.org/b');
    for (const t of [link.timer, page.timer, titled.timer]) assert.ok(!(await serverNote(env, t.entity.id)).note.includes(SECRET));
    assert.ok(!JSON.stringify(await env.ext.storage(null)).includes(SECRET));
  } finally { await env.close(); }
});

test('a user\u2019s scrub list adds to the built-in one, never replaces it', async () => {
  const env = await setup();
  try {
    await ok(await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: CLIENT, scrubParams: ['ref', 'campaign*'] }));
    assert.equal((await ok(await env.ext.send('getState'))).signedIn, true, 'same server: still signed in');
    const ref = await aTask(env);
    const url = `https://example.com/a?q=1&ref=mail&campaignId=9&accessToken=${SECRET}&X-Goog-Signature=${SECRET}2&next=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl`;
    const t = await ok(await env.ext.send('start', { task: ref, page: { url, title: 'A' } }));
    assert.equal(t.note, 'A — https://example.com/a?q=1');
    assert.equal((await serverNote(env, t.entity.id)).note, 'A — https://example.com/a?q=1');
  } finally { await env.close(); }
});

test('the options show the built-in rules and what a change does before it is saved', async () => {
  const env = await setup({ signedIn: false });
  try {
    const page = await env.ext.openOptions();
    await page.waitForFunction(() => document.getElementById('builtin-rules').textContent.length > 0);
    const shown = await page.textContent('#builtin-rules');
    for (const rule of ['*token*', '*secret*', '*passw*', 'oauth_*', 'x-amz-*', 'x-goog-*', 'utm_*']) assert.ok(shown.includes(rule), `${rule} shown`);
    await page.fill('#preview-url', `https://example.com/p?ref=news&lang=en&token=${SECRET}`);
    await page.waitForFunction(() => document.getElementById('preview').textContent === 'https://example.com/p?ref=news&lang=en');
    await page.fill('#scrub', 'ref lang');
    await page.waitForFunction(() => document.getElementById('preview').textContent === 'https://example.com/p');
    assert.match(await page.textContent('#scrub-effect'), /not saved/i);
    assert.equal((await env.ext.storage('settings')).settings.scrubParams, null, 'nothing saved yet');
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('message').textContent === 'Saved.');
    assert.deepEqual((await env.ext.storage('settings')).settings.scrubParams, ['ref', 'lang']);
    assert.doesNotMatch(await page.textContent('#scrub-effect'), /not saved/i);
  } finally { await env.close(); }
});
