// Static server for the Tyme web console (www/), plus the local webhook
// receiver the console shows live.
//
//   import { startWwwServer } from './scripts/www-server.mjs';
//   const { url, stop } = await startWwwServer({ port: 0, sandboxUrl, clientId });
//
//   node scripts/www-server.mjs --sandbox http://127.0.0.1:PORT [--port N] [--host H] [--client-id ID]
//
// Routes:
//   GET  /config.json    {apiBaseUrl, clientId, hooksUrl}: the page's defaults
//   POST /hooks/receive/<secret>  records one webhook delivery (JSON body, at
//                        most 64 KB); <secret> is random per run (128 bits), so
//                        only who was given hooksUrl (the page, the sandbox it
//                        subscribes) can deliver; any other path is 404
//   GET  /hooks/events   the deliveries as Server-Sent Events (backlog first, then live)
//   GET  /hooks/list     the deliveries as a JSON array; DELETE clears them
//   GET  anything else   a file under www/ (no directory traversal, no dotfiles)
//
// Every request must name this server in its Host header (127.0.0.1, localhost,
// [::1] or the bound address, with the port): any other Host gets 421, so a page
// on a rebound DNS name cannot read the deliveries. /hooks/* requests carrying
// an Origin other than this server's own get 403 (the sandbox's deliveries send
// none; a form or no-cors fetch from another page does).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'www');
const MAX_BODY = 64 * 1024;
const MAX_DELIVERIES = 500;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

function mimeOf(file) {
  if (file.endsWith('.d.ts')) return MIME['.d.ts'];
  return MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
}

function originOf(u) {
  try { return new URL(u).origin; } catch { return ''; }
}

/** Content-Security-Policy of the page: its own scripts, wasm, and fetches to
 *  itself, the sandbox and the production API only. */
function csp(sandboxUrl) {
  const connect = ["'self'", originOf(sandboxUrl), 'https://api.tyme-app.com'].filter(Boolean).join(' ');
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

function send(res, status, body, type = 'text/plain; charset=utf-8', extra = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': buf.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  res.end(buf);
}

const sendJson = (res, status, value) => send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');

/** Maps a request path to a file under ROOT, or null when it leaves ROOT or
 *  names a hidden file. */
function resolveStatic(pathname) {
  let decoded;
  try { decoded = decodeURIComponent(pathname); } catch { return null; }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/');
  if (parts.some((p) => p === '..' || (p.startsWith('.') && p !== ''))) return null;
  const rel = path.posix.normalize(decoded).replace(/^\/+/, '');
  const full = path.resolve(ROOT, rel);
  if (full !== ROOT && !full.startsWith(ROOT + path.sep)) return null;
  return full;
}

async function serveStatic(req, res, pathname, headers) {
  let file = resolveStatic(pathname);
  if (!file) return send(res, 404, 'not found');
  try {
    let st = await fs.stat(file);
    if (st.isDirectory()) {
      if (!pathname.endsWith('/')) {
        // One leading slash only: `//name/` would be a protocol-relative URL to another host.
        return send(res, 301, '', 'text/plain', { Location: `/${pathname.replace(/^\/+/, '')}/` });
      }
      file = path.join(file, 'index.html');
      st = await fs.stat(file);
    }
    // A symlink may not lead out of www/ either.
    const real = await fs.realpath(file);
    const realRoot = await fs.realpath(ROOT);
    if (!real.startsWith(realRoot + path.sep)) return send(res, 404, 'not found');
    const body = await fs.readFile(real);
    const type = mimeOf(real);
    const extra = type.startsWith('text/html') ? headers : {};
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-store', ...extra });
      return res.end();
    }
    return send(res, 200, body, type, extra);
  } catch {
    return send(res, 404, 'not found');
  }
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The `host:port` names this server answers to, lower case. */
function ownHosts(boundHost, port) {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  const bound = String(boundHost || '').toLowerCase();
  if (!WILDCARD.has(bound)) names.push(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  return new Set(names.map((n) => `${n}:${port}`));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(Object.assign(new Error('too large'), { status: 413 })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWwwServer({ port = 0, sandboxUrl, host = '127.0.0.1', clientId = 'tyme-www' } = {}) {
  const deliveries = [];
  const streams = new Set();
  let nextId = 1;
  let url = '';
  const hookPath = `/hooks/receive/${randomBytes(16).toString('hex')}`;
  const pageHeaders = { 'Content-Security-Policy': csp(sandboxUrl), 'Referrer-Policy': 'no-referrer' };

  function sseWrite(res, d) {
    res.write(`id: ${d.id}\nevent: delivery\ndata: ${JSON.stringify(d)}\n\n`);
  }

  async function receive(req, res) {
    let text;
    try { text = await readBody(req); } catch (e) { return sendJson(res, e.status || 400, { error: 'body' }); }
    let body = null;
    try { body = JSON.parse(text); } catch { body = null; }
    const d = {
      id: nextId++,
      receivedAt: new Date().toISOString(),
      trigger_type: body && typeof body.trigger_type === 'string' ? body.trigger_type : null,
      entity: body && typeof body === 'object' ? (body.entity ?? null) : null,
      body: body ?? text.slice(0, 2000),
    };
    deliveries.push(d);
    if (deliveries.length > MAX_DELIVERIES) deliveries.shift();
    for (const s of streams) sseWrite(s, d);
    return sendJson(res, 200, { status: 'received' });
  }

  function events(req, res) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write('retry: 1000\n\n');
    const last = Number(req.headers['last-event-id'] || 0) || 0;
    for (const d of deliveries) if (d.id > last) sseWrite(res, d);
    streams.add(res);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.on('close', () => { clearInterval(beat); streams.delete(res); });
  }

  let hosts = new Set();
  let origins = new Set();

  const server = http.createServer(async (req, res) => {
    const hostHeader = String(req.headers.host || '').toLowerCase();
    if (!hosts.has(hostHeader)) return send(res, 421, 'misdirected request: unknown Host');
    let pathname;
    try { pathname = new URL(req.url, 'http://x').pathname; } catch { return send(res, 400, 'bad request'); }
    const origin = req.headers.origin;
    if (pathname.startsWith('/hooks/') && origin !== undefined && !origins.has(String(origin).toLowerCase())) {
      return sendJson(res, 403, { error: 'foreign_origin' });
    }
    try {
      if (pathname === '/config.json' && (req.method === 'GET' || req.method === 'HEAD')) {
        return sendJson(res, 200, { apiBaseUrl: sandboxUrl || 'https://api.tyme-app.com', clientId, hooksUrl: `${url}${hookPath}` });
      }
      if (pathname === hookPath) {
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });
        return await receive(req, res);
      }
      if (pathname === '/hooks/events' && req.method === 'GET') return events(req, res);
      if (pathname === '/hooks/list') {
        if (req.method === 'GET') return sendJson(res, 200, deliveries);
        if (req.method === 'DELETE') { deliveries.length = 0; return sendJson(res, 200, { status: 'cleared' }); }
        return sendJson(res, 405, { error: 'method_not_allowed' });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
      return await serveStatic(req, res, pathname, pageHeaders);
    } catch {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.end();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  url = `http://${shownHost}:${addr.port}`;
  hosts = ownHosts(host, addr.port);
  origins = new Set([...hosts].map((h) => `http://${h}`));

  async function stop() {
    for (const s of streams) s.end();
    streams.clear();
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }
  return { url, port: addr.port, hooksUrl: `${url}${hookPath}`, stop, deliveries: () => deliveries.slice() };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--sandbox') out.sandboxUrl = val();
    else if (a === '--port') out.port = Number(val());
    else if (a === '--host') out.host = val();
    else if (a === '--client-id') out.clientId = val();
    else if (a === '--help' || a === '-h') out.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); process.exit(2); }
  if (opts.help) {
    console.log('usage: node scripts/www-server.mjs --sandbox URL [--port N] [--host H] [--client-id ID]');
    process.exit(0);
  }
  const { help, ...rest } = opts;
  const srv = await startWwwServer(rest);
  console.log(`www console at ${srv.url}/ (API ${rest.sandboxUrl || 'https://api.tyme-app.com'})`);
  const shutdown = () => srv.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
