// Requests per user action, counted in the sandbox log (budgets: one per start/stop/popup open; one refresh for 50 concurrent calls).
import { refreshRequests } from '../../support/dialect.mjs';
import { signIn, waitFor } from '../../e2e/support.mjs';
import { add, log, raw, ok, measure, settle } from '../lib.mjs';

export async function requestsPerAction(ext, sandbox) {
  log('requests per user action');
  raw.requests = {};
  await measure(ext, sandbox, 'sign-in', () => signIn(ext));

  // A project and a task, and one start/stop so the popup has a last task.
  const p = await ok(ext.send('create', { type: 'Project', name: 'Bench project' }), 'create project');
  const t = await ok(ext.send('create', { type: 'TimedTask', name: 'Bench task', parentId: p.id }), 'create task');
  await waitFor(async () => (await sandbox.state()).tasks.some((x) => x.id === t.id), { what: 'task on the server' });
  const ref = { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
  await ok(ext.send('start', { task: ref, page: { url: 'https://example.com/warm-up', title: 'Warm-up' } }), 'start');
  await ok(ext.send('stop'), 'stop');

  // The first totals on a server find out where they come from (the live
  // /data/times, or the seed's summary after a 404, remembered): reported,
  // then the budgets are for every open after it, the totals again not yet fetched.
  let popup;
  await measure(ext, sandbox, 'first popup open on this server (finds /data/times or summary)', async () => { popup = await ext.openPopup(); });
  await popup.close();
  await ext.setStorage({ totals: null });
  await measure(ext, sandbox, 'popup open (idle)', async () => { popup = await ext.openPopup(); }, { op: '<=', limit: 1 });
  await popup.waitForSelector('#start:not([disabled])');
  await measure(ext, sandbox, 'start (popup button)', async () => {
    await popup.click('#start');
    await popup.waitForSelector('#running:not([hidden])');
  }, { op: '==', limit: 1 });
  await popup.close();
  await measure(ext, sandbox, 'popup open (timer running)', async () => { popup = await ext.openPopup(); }, { op: '<=', limit: 1 });
  await measure(ext, sandbox, 'stop (popup button)', async () => {
    await popup.click('#stop');
    await popup.waitForSelector('#idle:not([hidden])');
  }, { op: '==', limit: 1 });
  await popup.close();

  await measure(ext, sandbox, 'context-menu start (track this page)', async () => {
    const r = await ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/article?id=7' }, { id: 1, title: 'Article', url: 'https://example.com/article?id=7', incognito: false });
    if (!r.started) throw new Error(`context-menu start did not start: ${JSON.stringify(r)}`);
  });
  await ok(ext.send('stop'), 'stop');

  // 50 concurrent calls that all find the access token expired.
  await settle(ext, sandbox);
  await sandbox.expireTokens();
  const before = (await sandbox.state()).stats.refreshes;
  const c = await measure(ext, sandbox, '50 concurrent calls, expired token (all requests)', async () => {
    const page = await ext.page();
    const results = await page.evaluate(() => Promise.all(Array.from({ length: 50 }, (_, i) => chrome.runtime.sendMessage({ type: 'search', payload: { type: 'Project', name: i % 2 ? 'Bench' : '' } }))));
    const failed = results.filter((r) => !r || !r.ok);
    if (failed.length) throw new Error(`${failed.length} of 50 calls failed: ${JSON.stringify(failed[0])}`);
  });
  const refreshes = (await sandbox.state()).stats.refreshes - before;
  const want = refreshRequests(sandbox, { learned: false });
  add('requests', '50 concurrent calls, expired token → refreshes', refreshes, refreshes === 1 ? 'refresh' : 'refreshes', { op: '==', limit: 1 },
    `token requests: ${c.tokenPosts.map((x) => x.join(' ')).join(', ') || 'none'} (the first refresh on this ${sandbox.dialect} server: ${want.length} expected)`);
  add('requests', '50 concurrent calls, expired token → token requests', c.tokenPosts.length, c.tokenPosts.length === 1 ? 'request' : 'requests', { op: '==', limit: want.length },
    'the first refresh on a seed server is refused once at the live path (unsupported_grant_type)');
  return ref;
}
