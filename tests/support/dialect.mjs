// What the node suites need to know of the sandbox's two dialects
// (tests/sandbox/README.md, "Dialects side by side"), written down once, so a
// test states its intent and this module says how it looks on the wire.
//
//   import { traits, onlyIn, refreshPath, refreshRequests, tokenRequests, api } from '../support/dialect.mjs';
//
// Every expectation here comes from the dialect table (what each server
// serves and answers) and from what the client is specified to send
// (README.md, "Tyme service compatibility"): the live way first, the seed's
// after a route-missing answer, learned once per server. None is read from
// the code under test.

/** The dialect the suites run against: TYME_DIALECT as startSandbox passes it (default seed). */
export const DIALECT = process.env.TYME_DIALECT || 'seed';

// Per dialect: where a refresh is taken, which optional endpoints exist, the
// member id every access token belongs to (served by live only), and the
// webhook verbs.
const TRAITS = {
  seed: {
    name: 'seed',
    refreshPath: '/v1/refresh_token',
    times: false,      // GET /data/times: 404
    members: false,    // GET /data/members/me: 404
    delete: false,     // DELETE /data/entity: 404
    memberId: null,    // no member known to the client, so no user_id is sent
    subscribe: 'GET',  // POST: 405
    unsubscribe: 'POST', // DELETE: 405
  },
  live: {
    name: 'live',
    refreshPath: '/v1/access_token',
    times: true,
    members: true,
    delete: true,
    memberId: '1001',
    subscribe: 'POST',
    unsubscribe: 'DELETE',
  },
};

function nameOf(sbOrName) {
  const d = typeof sbOrName === 'string' ? sbOrName : sbOrName && sbOrName.dialect;
  if (!TRAITS[d]) throw new Error(`unknown sandbox dialect ${JSON.stringify(d)}`);
  return d;
}

/** The traits of a running sandbox (its `dialect`, from GET /) or of a dialect name. */
export function traits(sbOrName = DIALECT) { return TRAITS[nameOf(sbOrName)]; }

/** node:test options for a test that exists in one dialect only: skipped (with the reason) in the other. */
export function onlyIn(name) {
  nameOf(name);
  return DIALECT === name ? {} : { skip: `${name} dialect only (TYME_DIALECT=${DIALECT})` };
}

/** Where the server takes a refresh: the path faults on refreshes are keyed on. */
export function refreshPath(sb) { return traits(sb).refreshPath; }

const TOKEN_PATHS = new Set(['/v1/access_token', '/v1/refresh_token']);
const entry = (l) => [l.method, l.path, l.status];

/** The token requests of a request log, as [method, path, status]. */
export function tokenRequests(log) {
  return log.filter((l) => l.method === 'POST' && TOKEN_PATHS.has(l.path)).map(entry);
}

/**
 * The token requests one refresh costs, as [method, path, status]. The client
 * tries the live way first (POST /v1/access_token, grant_type=refresh_token);
 * the seed answers 400 unsupported_grant_type there, once: after that
 * (`learned`) the client goes straight to /v1/refresh_token.
 */
export function refreshRequests(sb, { learned }) {
  const t = traits(sb);
  const ok = [['POST', t.refreshPath, 200]];
  return t.refreshPath === '/v1/access_token' || learned ? ok : [['POST', '/v1/access_token', 400], ...ok];
}

/** Refreshes the server counted (stats.refreshes): the count that does not depend on paths. */
export async function refreshCount(sb) { return (await sb.state()).stats.refreshes; }

/**
 * The answers by which a client learns, on first contact, that this server
 * does not speak the live way, as [method, path, status]; each is to be seen
 * at most once per server. None on live.
 */
export function discoveryMisses(sb) {
  if (traits(sb).name === 'live') return [];
  return [
    ['POST', '/v1/access_token', 400],     // a refresh at the live path
    ['GET', '/data/members/me', 404],
    ['GET', '/data/times', 404],
    ['DELETE', '/data/entity', 404],
    ['POST', '/webhooks/subscribe', 405],
    ['DELETE', '/webhooks/unsubscribe', 405],
  ];
}

/** Requests of a log that are discovery misses of this dialect, as "METHOD path status". */
export function missesIn(sb, log) {
  const misses = discoveryMisses(sb).map((m) => m.join(' '));
  return log.map((l) => entry(l).join(' ')).filter((k) => misses.includes(k));
}

/**
 * The webhook requests of one subscribe or unsubscribe, as [method, path, status].
 * The client subscribes the live way first (POST JSON); the seed answers 405
 * and is then asked by GET, learned for every later call.
 */
export function webhookRequests(sb, op, { learned }) {
  const t = traits(sb);
  const path = `/webhooks/${op}`;
  const verb = op === 'subscribe' ? t.subscribe : t.unsubscribe;
  const ok = [[verb, path, 200]];
  if (t.name === 'live' || learned) return ok;
  return [[op === 'subscribe' ? 'POST' : 'DELETE', path, 405], ...ok];
}

/** The webhook requests of a log (CORS preflights left out), as [method, path, status]. */
export function webhookLog(log) { return log.filter((l) => l.method !== 'OPTIONS' && l.path.startsWith('/webhooks/')).map(entry); }

// ---------------------------------------------------------------- direct API

const form = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v != null));

/** A token request, form-encoded (both dialects take it); → the fetch Response. */
export function tokenRequest(sb, path, params) {
  return fetch(`${sb.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(params),
  });
}

/** Refresh with a refresh token at the server's refresh path, as a client that knows it would; → the fetch Response. */
export function refreshDirect(sb, { refreshToken, clientId }) {
  return tokenRequest(sb, refreshPath(sb), { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
}

/** A token pair for a registered client with an auto-approving sandbox (authorize, then the code exchange). */
export async function signInDirect(sb, { clientId, redirectUri }) {
  const q = new URLSearchParams({ response_type: 'code', client_id: clientId, state: 'direct', redirect_uri: redirectUri });
  const r = await fetch(`${sb.url}/v1/authorize?${q}`, { redirect: 'manual' });
  const code = r.headers.get('location') && new URL(r.headers.get('location')).searchParams.get('code');
  if (!code) throw new Error(`authorize gave no code (HTTP ${r.status})`);
  const t = await tokenRequest(sb, '/v1/access_token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId });
  if (!t.ok) throw new Error(`code exchange: HTTP ${t.status} ${await t.text()}`);
  const j = await t.json();
  return { accessToken: j.access_token, refreshToken: j.refresh_token };
}

// The live names of a seed body, sent beside the seed's own (the seed takes
// both when they agree; the live dialect reads only its own names).
function withLiveNames(e) {
  const b = { ...e };
  const has = (k) => Object.prototype.hasOwnProperty.call(e, k);
  if (e.type === 'Project') {
    if (has('category_id')) b.related_id = e.category_id;
    if (has('hourly_rate')) b.default_hourly_rate = e.hourly_rate;
    if (has('planned_duration_hours')) b.planned_duration = Math.round(e.planned_duration_hours * 3600);
  } else if (e.type === 'TimedTask' && has('project_id')) {
    b.related_id = e.project_id;
  } else if (e.type === 'TimedSubTask' && has('task_id')) {
    b.related_id = e.task_id;
  } else if (e.type === 'TimedTaskRecord' && (has('task_id') || has('subtask_id'))) {
    b.related_id = e.subtask_id || e.task_id;
  }
  return b;
}

/**
 * The data API as a correct client calls it, in either dialect, with an
 * access token: paths without a trailing slash, update bodies with the seed's
 * and the live names, a time entry with the member's user_id where the server
 * has members. Answers are read into the seed's shapes.
 */
export function api(sb, accessToken) {
  const auth = { authorization: `Bearer ${accessToken}` };
  let member;
  async function memberId() {
    if (member === undefined) {
      const r = await fetch(`${sb.url}/data/members/me`, { headers: auth });
      member = r.ok ? String((await r.json()).id) : null;
    }
    return member;
  }
  const call = async (method, path, body) => {
    const r = await fetch(`${sb.url}${path}`, {
      method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* kept as text */ }
    return { status: r.status, json, text };
  };
  const fmt = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  return {
    memberId,
    /** POST /data/update_entity; → { status, entity } (the entity as sent: the live answer is only a status). */
    async update(entity) {
      const body = withLiveNames(entity);
      if (entity.type === 'TimedTaskRecord' && body.user_id === undefined) {
        const u = await memberId();
        if (u != null) body.user_id = u;
      }
      const r = await call('POST', '/data/update_entity', body);
      return { status: r.status, entity, answer: r.json ?? r.text };
    },
    /** GET /data/summary for [fromMs, toMs]; rows with durations in seconds and ids as strings. */
    async summary(fromMs, toMs) {
      const r = await call('GET', `/data/summary?from=${encodeURIComponent(fmt(fromMs))}&to=${encodeURIComponent(fmt(toMs))}`);
      if (r.status !== 200) throw new Error(`summary: HTTP ${r.status} ${r.text}`);
      const rows = Array.isArray(r.json) ? r.json : r.json.data;
      const id = (v) => (v == null ? v : String(v));
      const secs = (d) => (typeof d === 'string' ? d.split(':').reduce((s, x) => s * 60 + Number(x), 0) : d);
      return rows.map((x) => ({
        ...x, task_id: id(x.task_id), subtask_id: id(x.subtask_id), project_id: id(x.project_id), category_id: id(x.category_id),
        duration: secs(x.duration), billable: x.billable === true || x.billable === 1,
      }));
    },
  };
}
