// The www server on its own: static files, MIME types, no traversal, config
// and the webhook receiver (list and Server-Sent Events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startWwwServer } from '../../scripts/www-server.mjs';
import { ROOT } from './support.mjs';

/** A raw request whose path and headers are sent exactly as written (fetch
 *  would normalise `..` and cannot set Host). */
function raw(url, rawPath, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method, headers, setHost: !('Host' in headers) }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const rawGet = (url, rawPath) => raw(url, rawPath);

test('serves www/ with the right MIME types and a CSP on the page', async (t) => {
  const srv = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  t.after(() => srv.stop());
  const cases = [['/', 'text/html; charset=utf-8'], ['/index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'], ['/lib/csv.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'], ['/config.json', 'application/json; charset=utf-8']];
  if (existsSync(path.join(ROOT, 'www/pkg/tyme_tab_bg.wasm'))) cases.push(['/pkg/tyme_tab_bg.wasm', 'application/wasm']);
  else assert.fail('www/pkg/tyme_tab_bg.wasm missing: run `make wasm`');
  for (const [p, type] of cases) {
    const res = await fetch(srv.url + p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers.get('content-type'), type, p);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
    await res.arrayBuffer();
  }
  const page = await fetch(srv.url + '/');
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /connect-src 'self' http:\/\/127\.0\.0\.1:9 /);
  const cfg = await (await fetch(srv.url + '/config.json')).json();
  assert.deepEqual(cfg, { apiBaseUrl: 'http://127.0.0.1:9', clientId: 'tyme-www', hooksUrl: srv.hooksUrl });
  assert.match(srv.hooksUrl, new RegExp(`^${srv.url}/hooks/receive/[0-9a-f]{32}$`), 'deliveries on a per-run secret path');
});

test('refuses directory traversal, hidden files and other methods', async (t) => {
  const srv = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  t.after(() => srv.stop());
  for (const p of ['/../Makefile', '/..%2fMakefile', '/%2e%2e/Makefile', '/lib/../../Makefile', '/pkg/../../Cargo.toml',
    '/..\\Makefile', '/%5c..%5cMakefile', '/.gitignore', '/%00', '/nope.html']) {
    const res = await rawGet(srv.url, p);
    assert.equal(res.status, 404, `${p} → ${res.status}`);
    assert.ok(!res.body.includes('wasm-bindgen') && !res.body.includes('[workspace]'), p);
  }
  const dir = await rawGet(srv.url, '/lib');
  assert.equal(dir.status, 301);
  const post = await fetch(srv.url + '/index.html', { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
});

test('webhook receiver records deliveries, lists them and streams them as SSE', async (t) => {
  const srv = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  t.after(() => srv.stop());
  const first = { trigger_type: 'time', entity: { type: 'TimedTaskRecord', id: 'e1', note: '<b>x</b>' } };
  assert.equal((await fetch(srv.hooksUrl, { method: 'POST', body: JSON.stringify(first) })).status, 200);

  const ac = new AbortController();
  const res = await fetch(srv.url + '/hooks/events', { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body.getReader();
  let text = '';
  const readUntil = async (pred) => {
    while (!pred(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  };
  await readUntil((s) => s.includes('"e1"')); // the backlog
  await fetch(srv.hooksUrl, { method: 'POST', body: JSON.stringify({ trigger_type: 'stopped_time', entity: { id: 'e2' } }) });
  await readUntil((s) => s.includes('"e2"')); // live
  ac.abort();
  const events = text.split('\n\n').filter((b) => b.includes('event: delivery'))
    .map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data: ')).slice(6)));
  assert.deepEqual(events.map((e) => [e.id, e.trigger_type, e.entity.id]), [[1, 'time', 'e1'], [2, 'stopped_time', 'e2']]);

  const list = await (await fetch(srv.url + '/hooks/list')).json();
  assert.equal(list.length, 2);
  assert.equal(list[0].entity.note, '<b>x</b>');
  assert.equal((await fetch(srv.hooksUrl)).status, 405);
  const big = 'x'.repeat(70 * 1024);
  const tooBig = await fetch(srv.hooksUrl, { method: 'POST', body: big }).catch(() => null);
  assert.ok(!tooBig || tooBig.status === 413);
  assert.equal((await (await fetch(srv.url + '/hooks/list')).json()).length, 2);
});

test('a directory redirect stays on this server (no protocol-relative Location)', async (t) => {
  const srv = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  t.after(() => srv.stop());
  // `/pkg/..//lib` reaches the handler as the path `//lib`: a Location of
  // `//lib/` would send the browser to the host "lib".
  for (const p of ['/lib', '/pkg/..//lib', '/pkg/..///lib']) {
    const res = await rawGet(srv.url, p);
    assert.equal(res.status, 301, p);
    assert.equal(res.headers.location, '/lib/', p);
    assert.equal(new URL(res.headers.location, srv.url).origin, srv.url, p);
  }
});

test('requests for another Host are refused (DNS rebinding), and deliveries from other origins too', async (t) => {
  const srv = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  t.after(() => srv.stop());
  const port = new URL(srv.url).port;
  const delivery = JSON.stringify({ trigger_type: 'time', entity: { id: 'x1' } });
  const json = { 'Content-Type': 'application/json' };

  // The server's own names are served.
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    assert.equal((await raw(srv.url, '/hooks/list', { headers: { Host: host } })).status, 200, host);
    assert.equal((await raw(srv.url, '/', { headers: { Host: host } })).status, 200, host);
  }
  // A rebound name (or another port, or no Host) is not: nothing is read or recorded.
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`, '']) {
    for (const [method, p, body] of [['GET', '/hooks/list'], ['GET', '/hooks/events'], ['GET', '/config.json'], ['GET', '/'],
      ['POST', new URL(srv.hooksUrl).pathname, delivery], ['DELETE', '/hooks/list']]) {
      const res = await raw(srv.url, p, { method, body, headers: { Host: host, ...json } });
      assert.equal(res.status, 421, `${method} ${p} with Host ${JSON.stringify(host)} → ${res.status}`);
      assert.ok(!res.body.includes('x1') && !res.body.includes('hooksUrl'), `${p} body leaked`);
    }
  }
  assert.deepEqual(srv.deliveries(), []);

  // A web page elsewhere cannot post deliveries (a form or no-cors fetch sends its Origin).
  for (const origin of ['http://evil.example', `http://127.0.0.1:${Number(port) + 1}`, 'null']) {
    const res = await raw(srv.url, new URL(srv.hooksUrl).pathname, { method: 'POST', body: delivery, headers: { Origin: origin, ...json } });
    assert.equal(res.status, 403, origin);
    const del = await raw(srv.url, '/hooks/list', { method: 'DELETE', headers: { Origin: origin } });
    assert.equal(del.status, 403, `DELETE from ${origin}`);
  }
  assert.deepEqual(srv.deliveries(), []);

  // The sandbox's deliveries carry no Origin; the page's own origin is fine too.
  assert.equal((await raw(srv.url, new URL(srv.hooksUrl).pathname, { method: 'POST', body: delivery, headers: json })).status, 200);
  assert.equal((await raw(srv.url, new URL(srv.hooksUrl).pathname, { method: 'POST', body: delivery, headers: { Origin: srv.url, ...json } })).status, 200);
  assert.equal(srv.deliveries().length, 2);
});
