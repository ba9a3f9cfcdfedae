// Requests refuse redirects (issue 11, point 4): a 307/308 from the API to
// another origin must not carry the authorization code, the PKCE verifier,
// the client secret, a refresh token or a bearer token there. The sandbox's
// redirect fault (tests/sandbox/README.md "Faults": status 307/308 with
// redirect_to) answers the extension's requests with a redirect to a
// recording server on another port; that server must see nothing at all,
// whichever request is redirected: the code exchange, the refresh, a write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSandbox } from '../support/sandbox.mjs';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-redirect';
const SECRET = 'cs-redirect-0f1e2d3c4b5a69788796a5b4';

// Another origin that would take anything: CORS open, every request recorded.
async function elsewhere() {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization || null, body });
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, {
        'access-control-allow-origin': '*',
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
        'content-type': 'application/json',
      });
      res.end(req.method === 'OPTIONS' ? '' : '{"access_token":"stolen","refresh_token":"stolen","token_type":"Bearer","expires_in":3600}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    async stop() { server.closeAllConnections?.(); await new Promise((r) => server.close(r)); },
  };
}

async function setup() {
  const sandbox = await startSandbox({ args: ['--demo'], clients: [{ client_id: CLIENT, client_secret: SECRET, redirect_uris: [REDIRECT_URI] }] });
  const other = await elsewhere();
  const ext = await launchExtension();
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT, clientSecret: SECRET });
  return { sandbox, other, ext, async close() { await ext.close(); await sandbox.stop(); await other.stop(); } };
}

// The redirect fault answered the request (so the request was made and redirected).
async function redirected(sandbox, prefix, status) {
  return waitFor(async () => (await sandbox.log()).some((l) => l.path.startsWith(prefix) && l.status === status),
    { what: `a ${status} on ${prefix}` });
}

test('the code exchange is not followed to another origin (code, verifier and secret stay home)', async () => {
  const env = await setup();
  try {
    await env.sandbox.faults({ status: 307, redirect_to: env.other.url, path_prefix: '/v1/access_token' });
    const res = await env.ext.send('signIn', { interactive: true });
    assert.equal(res.ok, false, 'the sign-in fails');
    await redirected(env.sandbox, '/v1/access_token', 307);
    assert.deepEqual(env.other.seen, [], 'the other origin saw nothing');
    assert.equal((await env.ext.storage('tokens')).tokens, undefined);
    assert.equal((await env.sandbox.state()).stats.tokens_issued, 0);
  } finally { await env.close(); }
});

test('a refresh is not followed to another origin (the refresh token stays home)', async () => {
  const env = await setup();
  try {
    await signIn(env.ext);
    const before = (await env.ext.storage('tokens')).tokens;
    await env.sandbox.expireTokens();
    // /v1/ covers the refresh of both dialects (access_token first, the seed's refresh_token after).
    await env.sandbox.faults({ status: 308, redirect_to: env.other.url, path_prefix: '/v1/' });
    const res = await env.ext.send('search', { type: 'Project', name: '' });
    assert.equal(res.ok, false, 'the search fails');
    await redirected(env.sandbox, '/v1/', 308);
    assert.deepEqual(env.other.seen, [], 'the other origin saw nothing');
    assert.equal((await env.ext.storage('tokens')).tokens.refreshToken, before.refreshToken, 'the pair is kept for a later try');
  } finally { await env.close(); }
});

test('a write is not followed to another origin (the bearer token stays home), and is kept to retry', async () => {
  const env = await setup();
  try {
    await signIn(env.ext);
    await env.sandbox.faults({ status: 307, redirect_to: env.other.url, path_prefix: '/data' });
    const res = await env.ext.send('create', { type: 'Project', name: 'Redirected' });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    await env.ext.send('flush');
    await redirected(env.sandbox, '/data/update_entity', 307);
    assert.deepEqual(env.other.seen, [], 'the other origin saw nothing');
    assert.equal((await env.ext.storage('outboxSize')).outboxSize, 1, 'the write waits in the outbox');
    // Without the fault it goes where it belongs.
    await env.sandbox.clearFaults();
    await env.ext.send('flush');
    await waitFor(async () => (await env.sandbox.state()).projects.some((p) => p.name === 'Redirected'), { what: 'the project on the sandbox' });
    assert.deepEqual(env.other.seen, []);
  } finally { await env.close(); }
});
