// Start the tyme-sandbox binary on a free port for node / Playwright tests.
//
//   import { startSandbox } from '../support/sandbox.mjs';
//   const sb = await startSandbox({ clients: [{ client_id: 'ext', redirect_uris: ['https://x.chromiumapp.org/'] }] });
//   ... fetch(sb.url + '/data/search_entity?type=Project') ...
//   await sb.stop();
// (A request signed for either dialect: tests/support/dialect.mjs.)
//
// The binary runs with --port 0 --control --auto-approve (add flags via `args`,
// e.g. ['--demo'] or ['--token-lifetime', '5']), plus `--dialect $TYME_DIALECT`
// when that variable is set (seed or live); the returned `dialect` is the one
// the sandbox reports on `GET /`. Every control call returns the parsed JSON
// answer of the control API (see tests/sandbox/README.md). It listens on
// 127.0.0.1 only, and its control API answers only this run's random token
// (given to the binary in its environment, not on its command line, and sent
// by these calls as `X-Sandbox-Token`; `controlToken` is it).
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tyme-sandbox');

function clientFlag(c) {
  const uris = (c.redirect_uris || []).join(',');
  const id = c.client_secret ? `${c.client_id}:${c.client_secret}` : c.client_id;
  return `${id}=${uris}`;
}

// Newest modification time (ms) of the sandbox's sources and manifests.
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) visit(join(p, e));
    } else if (st.mtimeMs > newest) {
      newest = st.mtimeMs;
    }
  };
  visit(resolve(ROOT, 'tests', 'sandbox', 'src'));
  visit(resolve(ROOT, 'tests', 'sandbox', 'Cargo.toml'));
  visit(resolve(ROOT, 'Cargo.lock'));
  return newest;
}

export async function startSandbox({ args = [], clients = [] } = {}) {
  // Build when the binary is missing or older than its sources, so the node
  // suites never run against a stale sandbox (cargo makes this a no-op
  // when it is in fact up to date).
  if (!existsSync(BIN) || statSync(BIN).mtimeMs < newestSource()) {
    execFileSync('cargo', ['build', '-q', '-p', 'tyme-sandbox'], { cwd: ROOT, stdio: 'inherit' });
  }
  const argv = ['--port', '0', '--control', '--auto-approve', ...args];
  if (process.env.TYME_DIALECT) argv.push('--dialect', process.env.TYME_DIALECT);
  for (const c of clients) argv.push('--client', clientFlag(c));
  const controlToken = randomBytes(24).toString('hex');
  const child = spawn(BIN, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TYME_SANDBOX_CONTROL_TOKEN: controlToken } });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const url = await new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => rej(new Error(`tyme-sandbox did not start within 30 s\n${stderr}`)), 30000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/\S+)$/.exec(line.trim());
      if (m) res(m[1]);
      else rej(new Error(`unexpected first line from tyme-sandbox: ${line}\n${stderr}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`tyme-sandbox exited (code ${code}, signal ${signal}) before listening\n${stderr}`));
    });
  });
  // keep draining stdout so the child never blocks on a full pipe
  child.stdout.resume();
  const port = Number(new URL(url).port);

  async function control(method, path, body) {
    const res = await fetch(`${url}/_sandbox/${path}`, {
      method,
      headers: { 'x-sandbox-token': controlToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`sandbox control ${method} ${path}: not JSON (${res.status}): ${text.slice(0, 200)}`);
    }
    if (!res.ok) throw new Error(`sandbox control ${method} ${path} failed (${res.status}): ${text.slice(0, 300)}`);
    return json;
  }

  // The dialect the sandbox speaks, from its own answer; the probe is then
  // cleared from the request log, which so starts empty as before.
  let dialect;
  try {
    dialect = (await (await fetch(`${url}/`)).json()).dialect;
    await control('DELETE', 'log');
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`tyme-sandbox at ${url} did not answer GET /: ${e.message}\n${stderr}`);
  }

  let stopped = false;
  return {
    url,
    port,
    dialect,
    controlToken,
    process: child,
    stderr: () => stderr,
    async stop() {
      if (stopped) return exited;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
    reset: () => control('POST', 'reset', {}),
    state: () => control('GET', 'state'),
    log: () => control('GET', 'log'),
    clearLog: () => control('DELETE', 'log'),
    faults: (obj) => control('POST', 'faults', obj || {}),
    clearFaults: () => control('DELETE', 'faults'),
    expireTokens: () => control('POST', 'expire_tokens', {}),
    revokeTokens: () => control('POST', 'revoke_tokens', {}),
    removeEntity: (type, id) => control('POST', 'remove', { type, id }),
    // Many new entities at once (seed names, ids given, parents first): the bench's big catalogs.
    addEntities: (entities) => control('POST', 'entities', { entities }),
    expireCodes: () => control('POST', 'expire_codes', {}),
    // The API requests received and not answered yet ([{method, path}]).
    inFlight: () => control('GET', 'in_flight'),
    addClient: ({ client_id, client_secret, redirect_uris }) =>
      control('POST', 'clients', { client_id, client_secret, redirect_uris }),
    setInteractive: (interactive) => control('POST', 'mode', { interactive: !!interactive }),
    // What the Tyme app does to time entries (the webhook fires): add one, stop a running one.
    addTime: (entry) => control('POST', 'add_time', entry),
    stopTime: ({ id, time_end }) => control('POST', 'stop_time', { id, ...(time_end ? { time_end } : {}) }),
  };
}
