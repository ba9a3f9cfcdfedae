// Sign-in by a full-page redirect with PKCE, tokens in sessionStorage only,
// a clean address bar, sign-out, and a denied sign-in shown as a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn, openConsole } from './support.mjs';
import { traits, refreshPath, refreshRequests, tokenRequests } from '../support/dialect.mjs';
import { waitFor } from '../support/wait.mjs';

test('sign-in redirects to the sandbox, exchanges the code with PKCE, keeps tokens for the session only', async (t) => {
  const { sb, www, page, pageErrors, discoveries } = await setup(t);
  const authorize = [];
  const exchanges = [];
  page.on('request', (r) => {
    if (r.url().includes('/v1/authorize')) authorize.push(new URL(r.url()));
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/access_token') exchanges.push({ type: r.headers()['content-type'], body: new URLSearchParams(r.postData() || '') });
  });
  await signIn(page, www);

  assert.equal(authorize.length, 1);
  const q = authorize[0].searchParams;
  assert.equal(q.get('client_id'), 'tyme-www-test');
  assert.equal(q.get('redirect_uri'), `${www.url}/`);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.ok(q.get('state').length >= 20);

  // The code and state are gone from the address bar.
  assert.equal(page.url(), `${www.url}/`);
  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem('tyme.www.tokens'),
    pending: sessionStorage.getItem('tyme.www.signin'),
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)).join('\n'),
  }));
  const tokens = JSON.parse(stored.session);
  assert.ok(tokens.accessToken && tokens.refreshToken);
  assert.equal(stored.pending, null);
  assert.ok(!stored.local.includes(tokens.accessToken) && !stored.local.includes(tokens.refreshToken));
  const st = await sb.state();
  assert.equal(st.stats.tokens_issued, 1);
  const log = await sb.log();
  assert.ok(log.some((r) => r.path.startsWith('/v1/access_token') && r.status === 200));
  // The code exchange is form-encoded (both dialects take it, live nothing else), with the PKCE verifier.
  assert.equal(exchanges.length, 1);
  assert.match(exchanges[0].type, /^application\/x-www-form-urlencoded/);
  assert.deepEqual([exchanges[0].body.get('grant_type'), exchanges[0].body.get('client_id'), exchanges[0].body.get('redirect_uri')],
    ['authorization_code', 'tyme-www-test', `${www.url}/`]);
  assert.ok((exchanges[0].body.get('code_verifier') || '').length >= 43);
  // The member is asked once at sign-in (the seed has no members: 404, remembered).
  assert.deepEqual(log.filter((r) => r.path === '/data/members/me' && r.method !== 'OPTIONS').map((r) => [r.method, r.status]), [['GET', traits(sb).members ? 200 : 404]]);
  assert.deepEqual(discoveries, traits(sb).members ? [] : ['/data/members/me 404']);

  // A reload keeps the session (same tab), and the browser lists load.
  await openConsole(page, www);
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-in');

  await page.click('#sign-out');
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tyme.www.tokens')), null);
  await openConsole(page, www);
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  assert.deepEqual(pageErrors, []);
});

test('a denied sign-in is shown as a message and stores nothing', async (t) => {
  const { sb, www, page } = await setup(t);
  await sb.setInteractive(true);
  await openConsole(page, www);
  await page.click('#sign-in');
  await page.waitForSelector('#deny');
  await page.click('#deny');
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await page.waitForFunction(() => /denied/i.test(document.querySelector('#message').textContent));
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  assert.equal(page.url(), `${www.url}/`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tyme.www.tokens')), null);
  assert.equal((await sb.state()).stats.tokens_issued, 0);
});

test('a redirect whose state does not match is refused', async (t) => {
  const { sb, www, page } = await setup(t);
  await openConsole(page, www);
  await page.evaluate(() => sessionStorage.setItem('tyme.www.signin', JSON.stringify({ state: 'expected-state', verifier: 'v'.repeat(64) })));
  await page.goto(`${www.url}/?code=stolen&state=other-state`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  assert.match(await page.textContent('#message'), /Sign-in failed/);
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  assert.equal(page.url(), `${www.url}/`);
  assert.ok(!(await sb.log()).some((r) => r.path.startsWith('/v1/access_token')));
});

test('sign-out stops the old client: a refresh already running does not store tokens again', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  const before = JSON.parse(await page.evaluate(() => sessionStorage.getItem('tyme.www.tokens')));
  // The next data call gets a 401 and refreshes; the refresh answers slowly.
  await sb.expireTokens();
  await sb.faults({ latency_ms: 6000, path_prefix: refreshPath(sb) });
  await sb.clearLog();
  await page.fill('.col[data-kind="category"] .filter', 'x');
  const logged = (pred, what) => waitFor(async () => (await sb.log()).some(pred), { interval: 50, what });
  await logged((r) => r.path.startsWith('/data/search_entity') && r.status === 401, 'the search refused with 401');
  // The refresh under way: every token request of it but the slow last one
  // (on the seed, the first refresh is refused at the live path first).
  const first = JSON.stringify(refreshRequests(sb, { learned: false }).slice(0, -1));
  await waitFor(async () => JSON.stringify(tokenRequests(await sb.log())) === first
    && (await sb.inFlight()).some((r) => r.method === 'POST' && r.path === refreshPath(sb)), { interval: 50, what: 'the refresh under way (in flight at the sandbox)' });
  await page.click('#sign-out'); // while the refresh is in flight
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  await logged((r) => r.path === refreshPath(sb) && r.method === 'POST' && r.status === 200, 'the refresh answered');
  // The old client retries the search with the new pair only after its
  // onTokens was called and returned (src/wasm/client.rs): once that retry
  // is answered, the old client has handed the pair over.
  await logged((r) => r.path.startsWith('/data/search_entity') && r.status === 200, 'the search retried after the refresh');

  // (compared in the page, so a failure does not print the tokens)
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tyme.www.tokens') === null), true, 'tokens stored again after sign-out');
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  await openConsole(page, www);
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tyme.www.tokens')), null);
  assert.ok(before.accessToken);
  assert.equal((await sb.state()).stats.refreshes, 1);
  // The expired token's 401 is logged by the browser; nothing else may go wrong.
  assert.deepEqual(pageErrors.filter((e) => !/status of 401/.test(e.message)), []);
});
